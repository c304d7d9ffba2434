"""The quality gate: approves, holds or rejects each newly registered model package."""
