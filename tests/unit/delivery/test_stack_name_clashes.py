"""The pipeline's name-clash check knows every stack an environment deploys."""

from __future__ import annotations

from config.delivery_placement import _stack_names
from tests.conftest import SynthesizedEnvironment


def test_the_clash_check_lists_exactly_the_stacks_the_stage_synthesizes(
    environment: SynthesizedEnvironment,
) -> None:
    synthesized = {stack.stack_name for stack in environment.assembly.stacks}
    expected = _stack_names(environment.config) - {environment.config.name}
    assert synthesized == expected
