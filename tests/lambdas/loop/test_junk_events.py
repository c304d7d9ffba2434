"""Property: no malformed, foreign or unknown event makes a loop function act or raise.

Each handler gets at least 500 generated events built from its real sample
events with at least one change that makes them unusable for it (a missing or
mistyped field, another account, another source, a resource of no project, a
project without policy, a status it does not act on), plus arbitrary JSON. For
every one the handler must return ``dropped`` or ``ignored`` without raising,
and must not attempt a single write: the call recorder sees every request the
handler's clients (the idempotency layer's included) are about to send.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loop_common.events import parse_event_time

from .call_recording import CallRecorder, FakeLambdaContext, handler_clients
from .loop_constants import ACCOUNT, BUILD_PIPELINE, GROUP, PREFIX, PROJECT, RAW_BUCKET, REGION
from .loop_events import load_event
from .loop_world import deploy_handler, gate_handler, retrain_handler

EXAMPLES = 500
PIPELINE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{BUILD_PIPELINE}"
PACKAGE_ARN_PREFIX = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/"
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")
ENVELOPE_KEYS = {"id", "source", "detail-type", "account", "time", "detail"}

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=15,
)
other_projects = st.from_regex(r"[a-z][a-z0-9-]{1,30}", fullmatch=True).filter(
    lambda name: name != PROJECT
)


def unlike(original: object) -> st.SearchStrategy[object]:
    """Any JSON value of another type than ``original``."""
    return json_values.filter(lambda value: type(value) is not type(original))


def text_except(*allowed: Callable[[str], bool]) -> st.SearchStrategy[str]:
    """Any text for which none of ``allowed`` holds."""
    return st.text(max_size=80).filter(lambda text: not any(check(text) for check in allowed))


def is_event_time(text: str) -> bool:
    """True when ``text`` is a usable event time."""
    try:
        parse_event_time(text)
    except ValueError:
        return False
    return True


# Per field: values that make the field unusable even though it may stay a string.
ENVELOPE_BREAKERS: dict[str, st.SearchStrategy[object]] = {
    "id": text_except(lambda t: bool(EVENT_ID.fullmatch(t))),
    "account": text_except(lambda t: t == ACCOUNT),
    "time": st.sampled_from(["", "yesterday", "2024-05-01T09:04:40", "2024-13-01T00:00:00Z"])
    | text_except(is_event_time),
    "source": text_except(lambda t: t.startswith(("aws.", "cd4ml."))),
    "detail-type": text_except(lambda t: "Change" in t or "Created" in t or "Retrain" in t),
}

RETRAIN_SAMPLES: dict[str, dict[str, st.SearchStrategy[object]]] = {
    "drift_alarm_state_change": {
        "alarmName": text_except(lambda t: t.startswith(f"{PREFIX}-{PROJECT}-")),
        "state.value": text_except(lambda t: t == "ALARM"),
    },
    "raw_object_created": {
        "bucket.name": text_except(lambda t: t == RAW_BUCKET),
        "object.key": text_except(lambda t: t.startswith(f"{PROJECT}/")),
    },
    "scheduled_retrain": {"project": text_except(lambda t: t == PROJECT)},
    "build_pipeline_execution_succeeded": {
        "pipelineArn": text_except(lambda t: t == PIPELINE_ARN),
        "pipelineExecutionArn": text_except(lambda t: t.startswith(f"{PIPELINE_ARN}/execution/")),
        "currentPipelineExecutionStatus": text_except(
            lambda t: t in {"Succeeded", "Failed", "Stopped"}
        ),
    },
}
PACKAGE_FIELDS: dict[str, st.SearchStrategy[object]] = {
    "ModelPackageGroupName": text_except(lambda t: t == GROUP),
    "ModelPackageArn": text_except(lambda t: t.startswith(PACKAGE_ARN_PREFIX)),
}
GATE_SAMPLES = {
    "model_package_pending_approval": {
        **PACKAGE_FIELDS,
        "ModelApprovalStatus": text_except(lambda t: t == "PendingManualApproval"),
    }
}
DEPLOY_SAMPLES = {
    name: {
        **PACKAGE_FIELDS,
        "ModelApprovalStatus": text_except(lambda t: t in {"Approved", "Rejected"}),
    }
    for name in ("model_package_approved", "model_package_rejected")
}


def _set(event: dict[str, Any], path: str, value: object) -> None:
    *parents, leaf = path.split(".")
    node = event["detail"]
    for step in parents:
        node = node[step]
    node[leaf] = value


def _delete(event: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    node = event["detail"]
    for step in parents:
        node = node[step]
    del node[leaf]


def _get(event: dict[str, Any], path: str) -> object:
    node: Any = event["detail"]
    for step in path.split("."):
        node = node[step]
    return node


def unknown_project_event(sample: str, project: str) -> dict[str, Any]:
    """A well-formed event about ``project``, which has no policy."""
    event = load_event(sample)
    detail = event["detail"]
    if sample == "drift_alarm_state_change":
        detail["alarmName"] = f"{PREFIX}-{project}-drift"
    elif sample == "raw_object_created":
        detail["object"]["key"] = f"{project}/2024/05/01/part.parquet"
    elif sample == "scheduled_retrain":
        detail["project"] = project
    elif sample == "build_pipeline_execution_succeeded":
        pipeline = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{PREFIX}-{project}-build"
        detail["pipelineArn"] = pipeline
        detail["pipelineExecutionArn"] = f"{pipeline}/execution/p4jn9xou8a8s"
    else:
        detail["ModelPackageGroupName"] = f"{PREFIX}-{project}"
        detail["ModelPackageArn"] = (
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{PREFIX}-{project}/2"
        )
    return event


@st.composite
def junk_events(
    draw: st.DrawFn, samples: dict[str, dict[str, st.SearchStrategy[object]]]
) -> object:
    """Events the handler owning ``samples`` must refuse or ignore."""
    kind = draw(
        st.sampled_from(
            [
                "arbitrary",
                "envelope-missing",
                "envelope-mistyped",
                "envelope-wrong",
                "detail-missing",
                "detail-mistyped",
                "detail-wrong",
                "unknown-project",
            ]
        )
    )
    if kind == "arbitrary":
        return draw(json_values)
    sample = draw(st.sampled_from(sorted(samples)))
    fields = samples[sample]
    if kind == "unknown-project":
        event = unknown_project_event(sample, draw(other_projects))
    else:
        event = load_event(sample)
        if kind == "envelope-missing":
            del event[draw(st.sampled_from(sorted(ENVELOPE_KEYS)))]
        elif kind == "envelope-mistyped":
            key = draw(st.sampled_from(sorted(ENVELOPE_KEYS)))
            event[key] = draw(unlike(event[key]))
        elif kind == "envelope-wrong":
            key = draw(st.sampled_from(sorted(ENVELOPE_BREAKERS)))
            event[key] = draw(ENVELOPE_BREAKERS[key])
        else:
            path = draw(st.sampled_from(sorted(fields)))
            if kind == "detail-missing":
                _delete(event, path)
            elif kind == "detail-mistyped":
                _set(event, path, draw(unlike(_get(event, path))))
            else:
                _set(event, path, draw(fields[path]))
    # Noise that must not matter: extra top-level fields and another event id.
    noise = draw(
        st.dictionaries(
            st.text(max_size=12).filter(lambda key: key not in ENVELOPE_KEYS),
            json_values,
            max_size=2,
        )
    )
    event.update(noise)
    if "id" in event and isinstance(event["id"], str) and EVENT_ID.fullmatch(event["id"]):
        event["id"] = draw(st.uuids()).hex
    return event


def check_junk_is_harmless(
    module: Any,
    function_name: str,
    samples: dict[str, dict[str, st.SearchStrategy[object]]],
) -> int:
    """Feed ``module.handler`` generated junk; return how many events it was given."""
    context = FakeLambdaContext(
        function_name=function_name,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
    )
    recorder = CallRecorder()
    clients = handler_clients(module)
    for client in clients:
        recorder.attach(client)
    sent = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(event=junk_events(samples))
    def feed(event: object) -> None:
        nonlocal sent
        sent += 1
        recorder.calls.clear()
        response = module.handler(copy.deepcopy(event), context)
        assert response["decision"] in {"dropped", "ignored"}, (event, response)
        assert recorder.mutations() == [], (event, recorder.mutations())

    try:
        feed()
    finally:
        for client in clients:
            recorder.detach(client)
    return sent


@pytest.mark.parametrize(
    ("module", "function_name", "samples"),
    [
        (retrain_handler, "retrain-trigger", RETRAIN_SAMPLES),
        (gate_handler, "quality-gate", GATE_SAMPLES),
        (deploy_handler, "deploy-trigger", DEPLOY_SAMPLES),
    ],
    ids=["retrain-trigger", "quality-gate", "deploy-trigger"],
)
def test_junk_events_cause_no_action_and_no_exception(shared_world, module, function_name, samples):
    sent = check_junk_is_harmless(module, function_name, samples)

    assert sent >= EXAMPLES
    assert shared_world.build_runs() == []
    assert shared_world.deploy_runs() == []
    for table in (
        "cd4ml-sandbox-loop-idempotency",
        "cd4ml-sandbox-loop-state",
        "cd4ml-sandbox-loop-audit",
    ):
        assert shared_world.table_items(table) == []
