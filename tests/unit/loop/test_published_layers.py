"""Published layers: one checked-in table per region, refused regions, the 250 MB limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from cd4ml_constructs.loop.layers import published_layer_arn
from cd4ml_constructs.loop.loop_function import LAMBDAS_ROOT, SHARED_PACKAGE
from config import ConfigError, load_environment
from config.layers import (
    PUBLISHED_LAYERS,
    UNZIPPED_BYTES,
    UNZIPPED_LIMIT_BYTES,
)
from config.regions import AWS_REGIONS
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import stack

MAPPING_KEYS = {"powertools": "Powertools", "sdk_for_pandas": "SdkForPandas"}


def published_layer(environment: SynthesizedEnvironment, layer: str) -> Any:
    """What a function's ``Layers`` entry must be: the table's ARN, or a lookup by region."""
    region = environment.config.region
    if region is None:
        return {"Fn::FindInMap": ["PublishedLayers", {"Ref": "AWS::Region"}, MAPPING_KEYS[layer]]}
    return PUBLISHED_LAYERS[region].arn(region, layer)


def test_env_agnostic_stack_maps_every_region_of_the_table(
    sandbox: SynthesizedEnvironment,
) -> None:
    mapping = stack(sandbox, "Loop").template["Mappings"]["PublishedLayers"]
    assert set(mapping) == set(PUBLISHED_LAYERS)
    assert mapping["us-east-1"] == {
        "Powertools": "arn:aws:lambda:us-east-1:017000801446:layer:"
        "AWSLambdaPowertoolsPythonV3-python313-arm64:27",
        "SdkForPandas": "arn:aws:lambda:us-east-1:336392948345:layer:"
        "AWSSDKPandas-Python313-Arm64:14",
    }
    # Opt-in regions publish AWS SDK for pandas from their own accounts and numbers.
    assert mapping["ap-east-1"]["SdkForPandas"] == (
        "arn:aws:lambda:ap-east-1:839552336658:layer:AWSSDKPandas-Python313-Arm64:11"
    )
    assert mapping["ca-west-1"]["SdkForPandas"] == (
        "arn:aws:lambda:ca-west-1:941713567376:layer:AWSSDKPandas-Python313-Arm64:3"
    )


def test_fixed_region_stack_names_the_table_arn_and_no_mapping(
    example_prod: SynthesizedEnvironment,
) -> None:
    loop = stack(example_prod, "Loop")
    assert "Mappings" not in loop.template
    assert PUBLISHED_LAYERS["eu-west-1"].arn("eu-west-1", "sdk_for_pandas") == (
        "arn:aws:lambda:eu-west-1:336392948345:layer:AWSSDKPandas-Python313-Arm64:14"
    )


def test_every_table_row_is_an_allowed_region_and_its_partition() -> None:
    assert set(PUBLISHED_LAYERS) <= set(AWS_REGIONS)
    for region, row in PUBLISHED_LAYERS.items():
        for layer in MAPPING_KEYS:
            arn = row.arn(region, layer)
            assert arn.startswith(f"arn:{row.partition}:lambda:{region}:"), arn


@pytest.mark.parametrize("region", ["mx-central-1", "ap-southeast-7", "me-south-1"])
def test_a_region_the_table_lacks_is_a_config_error(tmp_path: Path, region: str) -> None:
    (tmp_path / "lonely.yaml").write_text(
        "name: lonely\n"
        'account: "111122223333"\n'
        f"region: {region}\n"
        "tags: {owner: team, cost_center: '1', data_classification: internal}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_environment("lonely", config_dir=tmp_path)
    message = str(error.value)
    assert f"region: {region!r}".replace("'", '"') in message
    assert "Lambda layers" in message and "eu-west-1" in message


def test_a_region_the_table_has_loads(tmp_path: Path) -> None:
    (tmp_path / "fine.yaml").write_text(
        "name: fine\n"
        'account: "111122223333"\n'
        "region: il-central-1\n"
        "tags: {owner: team, cost_center: '1', data_classification: internal}\n",
        encoding="utf-8",
    )
    assert load_environment("fine", config_dir=tmp_path).region == "il-central-1"


def test_construct_refuses_a_fixed_region_outside_the_table() -> None:
    app = cdk.App()
    scope = cdk.Stack(
        app, "Elsewhere", env=cdk.Environment(account="111122223333", region="xx-east-9")
    )
    with pytest.raises(ValueError, match="no PublishedLayers entry for xx-east-9"):
        published_layer_arn(scope, table=PUBLISHED_LAYERS, layer="powertools")


def _unzipped_bytes(*folders: str) -> int:
    total = 0
    for folder in folders:
        for path in (LAMBDAS_ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."):
                total += path.stat().st_size
    return total


@pytest.mark.parametrize(
    ("folder", "layers"),
    [
        ("drift_check", ("powertools", "sdk_for_pandas")),
        ("retrain_trigger", ("powertools",)),
        ("quality_gate", ("powertools",)),
        ("deploy_trigger", ("powertools",)),
    ],
)
def test_function_and_layers_fit_lambdas_unzipped_limit(
    folder: str, layers: tuple[str, ...]
) -> None:
    shared = () if folder == "drift_check" else (SHARED_PACKAGE,)
    code = _unzipped_bytes(folder, *shared)
    assert code > 10_000, folder  # the folder was found and read
    total = code + sum(UNZIPPED_BYTES[layer] for layer in layers)
    assert total < UNZIPPED_LIMIT_BYTES, (folder, total)


def test_the_size_check_would_catch_a_layer_over_the_limit() -> None:
    too_big = UNZIPPED_LIMIT_BYTES - UNZIPPED_BYTES["powertools"] + 1
    assert _unzipped_bytes("drift_check") + UNZIPPED_BYTES["powertools"] + too_big > (
        UNZIPPED_LIMIT_BYTES
    )
