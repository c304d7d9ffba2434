"""What a cold start loads: each function's import creates no client and leaves the SDK for later.

The figures are in ``make bench`` (``benchmarks.cold_start``); these tests pin the
reasons for them. Each import runs in a fresh interpreter with the function's
environment, as Lambda's init phase does.
"""

from __future__ import annotations

import pytest

from benchmarks.cold_start import FUNCTIONS, run_probe

# Loaded with the first client or the first decision, never by the import.
DEFERRED_MODULES = (
    "boto3",
    "s3transfer",
    "botocore.session",
    "botocore.client",
    "botocore.config",
    "aws_lambda_powertools.utilities.idempotency",
)
_PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
runtime = getattr(module, "runtime", None)
loaded = [name for name in sys.argv[2:] if name in sys.modules]
created = list(runtime.clients.services) if runtime else [module._clients is not None]
if runtime is not None:
    for service in ("sagemaker", "dynamodb"):
        runtime.clients.created(service)
    runtime.persistence_store
else:
    module.aws_clients()
print(json.dumps({"loaded": loaded, "created": created,
                  "after_first_event": [name for name in sys.argv[2:] if name in sys.modules]}))
"""


def cold_import(module: str) -> dict[str, list[str]]:
    return run_probe(_PROBE, module, *DEFERRED_MODULES)


@pytest.mark.parametrize("module", sorted(FUNCTIONS))
def test_import_creates_no_client_and_defers_the_sdk(module: str) -> None:
    loaded = cold_import(module)
    assert loaded["loaded"] == []
    assert loaded["created"] in ([], [False])


@pytest.mark.parametrize("module", ["retrain_trigger.handler", "drift_check.handler"])
def test_first_event_loads_botocore_and_only_the_loop_needs_boto3(module: str) -> None:
    after = set(cold_import(module)["after_first_event"])
    assert {"botocore.session", "botocore.client", "botocore.config"} <= after
    # boto3 comes with Powertools' idempotency store, which only the loop functions use.
    assert ("boto3" in after) == (module != "drift_check.handler")
