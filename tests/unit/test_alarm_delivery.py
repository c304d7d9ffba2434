"""The synth summary says where alarms go, and says so loudly when nobody listens."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tools.synth_summary import alarm_delivery, summary


def test_sandbox_summary_says_its_alarm_topic_has_no_subscription(
    sandbox: SynthesizedEnvironment,
) -> None:
    assert sandbox.config.loop.alarm_email is None
    lines = alarm_delivery(sandbox.assembly)
    unsubscribed = [line for line in lines if "NO subscription" in line]
    assert len(unsubscribed) == 1, lines
    assert unsubscribed[0].startswith("alarms: sandbox-loop AlarmTopic")
    assert "loop.alarm_email" in unsubscribed[0]
    assert unsubscribed[0] in summary(sandbox.assembly)


def test_a_subscribed_alarm_topic_is_reported_with_its_protocol(
    example_prod: SynthesizedEnvironment,
) -> None:
    lines = alarm_delivery(example_prod.assembly)
    assert not [line for line in lines if "NO subscription" in line], lines
    loop_lines = [line for line in lines if line.startswith("alarms: example-prod-loop ")]
    assert len(loop_lines) == 1, lines
    assert loop_lines[0].endswith("notifies 1 subscription(s) (email)")
