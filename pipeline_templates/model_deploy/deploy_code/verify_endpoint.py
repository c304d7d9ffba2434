"""Check that the live endpoint serves what this deploy created, not what it had before.

SageMaker can roll an update back (an alarm during the canary, instances that
fail to start) and leave the endpoint InService on the old config, so InService
alone proves nothing. This check requires, in that order:

* the endpoint is InService (it waits while it is Creating or Updating);
* it serves the endpoint config the stack created (``EXPECTED_ENDPOINT_CONFIG``);
* every variant of that config runs the model the stack created (``EXPECTED_MODEL``);
* that model was built from the exact ``MODEL_PACKAGE_ARN``.

Environment: ``ENDPOINT_NAME``, ``EXPECTED_ENDPOINT_CONFIG``, ``EXPECTED_MODEL``,
``MODEL_PACKAGE_ARN``; optional ``TARGET_ROLE_ARN`` (another account),
``VERIFY_TIMEOUT_SECONDS`` (default 1800).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from target_session import required, target_session

SETTLING = frozenset({"Creating", "Updating", "SystemUpdating", "RollingBack"})


class EndpointMismatch(Exception):
    """The live endpoint does not serve this deploy's model; the message says what it serves."""


def wait_in_service(
    sagemaker: Any,
    endpoint_name: str,
    *,
    timeout_seconds: float,
    poll_seconds: float = 30,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """``describe_endpoint`` once the endpoint has settled; EndpointMismatch if not InService."""
    waited = 0.0
    while True:
        endpoint: dict[str, Any] = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        status = endpoint["EndpointStatus"]
        if status not in SETTLING or waited >= timeout_seconds:
            break
        sleep(poll_seconds)
        waited += poll_seconds
    if status != "InService":
        reason = endpoint.get("FailureReason", "no failure reason given")
        raise EndpointMismatch(f"{endpoint_name} is {status}, not InService: {reason}")
    return endpoint


def verify_endpoint(
    sagemaker: Any,
    *,
    endpoint_name: str,
    endpoint_config_name: str,
    model_name: str,
    model_package_arn: str,
    timeout_seconds: float = 1800,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Raise EndpointMismatch unless the endpoint serves this deploy's config, model and package."""
    endpoint = wait_in_service(
        sagemaker, endpoint_name, timeout_seconds=timeout_seconds, sleep=sleep
    )
    live_config = endpoint["EndpointConfigName"]
    if live_config != endpoint_config_name:
        reason = endpoint.get("FailureReason")
        raise EndpointMismatch(
            f"{endpoint_name} serves endpoint config {live_config}, not {endpoint_config_name} "
            f"from this deploy: the update was rolled back" + (f" ({reason})" if reason else "")
        )
    config = sagemaker.describe_endpoint_config(EndpointConfigName=live_config)
    served = sorted({variant["ModelName"] for variant in config["ProductionVariants"]})
    if served != [model_name]:
        raise EndpointMismatch(
            f"{live_config} serves {', '.join(served)}, not only {model_name} from this deploy"
        )
    model = sagemaker.describe_model(ModelName=model_name)
    containers = [model["PrimaryContainer"]] if "PrimaryContainer" in model else []
    containers += model.get("Containers", [])
    packages = [container.get("ModelPackageName") for container in containers]
    if packages != [model_package_arn]:
        raise EndpointMismatch(
            f"{model_name} was built from {packages}, not from {model_package_arn}"
        )


def main() -> int:
    env = dict(os.environ)
    endpoint_name = required(env, "ENDPOINT_NAME")
    try:
        verify_endpoint(
            target_session(env).client("sagemaker"),
            endpoint_name=endpoint_name,
            endpoint_config_name=required(env, "EXPECTED_ENDPOINT_CONFIG"),
            model_name=required(env, "EXPECTED_MODEL"),
            model_package_arn=required(env, "MODEL_PACKAGE_ARN"),
            timeout_seconds=float(env.get("VERIFY_TIMEOUT_SECONDS", "1800")),
        )
    except EndpointMismatch as mismatch:
        print(f"verify failed: {mismatch}", file=sys.stderr)
        return 1
    print(f"{endpoint_name} serves {env['EXPECTED_MODEL']} from {env['MODEL_PACKAGE_ARN']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
