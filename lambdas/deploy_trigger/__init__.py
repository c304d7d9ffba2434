"""The deploy trigger: deploys approved model versions and rolls back rejected ones."""
