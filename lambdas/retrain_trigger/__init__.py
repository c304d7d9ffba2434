"""The retrain trigger: starts a project's model-build pipeline, one run at a time."""
