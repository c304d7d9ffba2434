"""Import the deploy code's scripts as CodeBuild runs them: from their own folder."""

from __future__ import annotations

import sys
from pathlib import Path

DEPLOY_CODE = Path(__file__).resolve().parents[3] / "pipeline_templates/model_deploy/deploy_code"
if str(DEPLOY_CODE) not in sys.path:
    sys.path.insert(0, str(DEPLOY_CODE))

import check_package  # noqa: E402
import publish_baseline  # noqa: E402
import smoke_test  # noqa: E402
import target_session  # noqa: E402
import verify_endpoint  # noqa: E402

__all__ = [
    "DEPLOY_CODE",
    "check_package",
    "publish_baseline",
    "smoke_test",
    "target_session",
    "verify_endpoint",
]
