"""Idle cost: priced from the repo's table, counted from the templates, summed exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part
from tools.audit.cost import PRICES_FILE, idle_cost
from tools.audit.references import EnvironmentView


def _item(cost: dict[str, Any], name: str) -> dict[str, Any]:
    return next(i for i in cost["priced"] if i["item"] == name)


def test_the_total_is_the_sum_of_the_priced_items(sandbox_bundle: dict[str, Part]) -> None:
    cost = sandbox_bundle["idle-cost"].data
    assert cost["monthly_total_cents"] == sum(i["monthly_cents"] for i in cost["priced"])
    assert cost["monthly_total"] == f"{cost['monthly_total_cents'] / 100:.2f}"
    assert cost["unpriced"] == []


def test_priced_items_count_what_the_templates_hold(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    cost = sandbox_bundle["idle-cost"].data
    stacks = sandbox.assembly.stacks
    endpoint_azs = sum(
        len(r["Properties"]["SubnetIds"])
        for s in stacks
        for r in s.resources_of_type("AWS::EC2::VPCEndpoint").values()
        if r["Properties"]["VpcEndpointType"] == "Interface"
    )
    # Five interface endpoints (config) in two AZs (config), billed per AZ-hour.
    assert endpoint_azs == len(sandbox.config.network.interface_endpoints) * 2 == 10
    endpoints = _item(cost, "interface_endpoint_az_hour")
    assert endpoints["quantity"] == endpoint_azs * 730
    assert endpoints["monthly_cents"] == 7300  # 10 AZ-endpoints x 730 h x USD 0.01
    keys = sum(len(s.resources_of_type("AWS::KMS::Key")) for s in stacks)
    assert (_item(cost, "kms_key_month")["quantity"], keys) == (6, 6)
    alarms = sum(len(s.resources_of_type("AWS::CloudWatch::Alarm")) for s in stacks)
    assert _item(cost, "alarm_month")["quantity"] == alarms
    assert cost["monthly_total_cents"] == 7300 + 600 + alarms * 10
    assert (cost["region"], cost["region_assumed"]) == ("us-east-1", True)
    # The project stack deploys with the environment: its three alarms are in the total.
    project = sandbox.assembly.stack("sandbox/ProjectChurn")
    project_alarms = len(project.resources_of_type("AWS::CloudWatch::Alarm"))
    assert cost["monthly_cents_by_stack"]["sandbox-project-churn"] == project_alarms * 10 == 30
    assert sum(cost["monthly_cents_by_stack"].values()) == cost["monthly_total_cents"]


def test_a_project_from_the_template_is_priced_apart(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    cost = sandbox_bundle["idle-cost"].data
    (product,) = sandbox.assembly.products
    (template,) = cost["per_template_project"]
    assert (template["template"], template["stack"]) == (
        "ProjectCatalog/ProjectTemplate",
        product.stack_name,
    )
    alarms = len(product.resources_of_type("AWS::CloudWatch::Alarm"))
    assert [(i["item"], i["quantity"]) for i in template["priced"]] == [("alarm_month", alarms)]
    assert template["monthly_cents_per_project"] == alarms * 10 == 30
    # Not deployed by the environment: none of its charges is in the total.
    priced = [r for i in cost["priced"] for r in i["resources"]]
    assert not [r for r in priced if r.startswith("ProjectCatalog/ProjectTemplate/")]


def test_prices_differ_by_region_and_gaps_are_not_guessed(
    prod_bundle: dict[str, Part], example_prod: SynthesizedEnvironment
) -> None:
    cost = prod_bundle["idle-cost"].data
    assert cost["region"] == "eu-west-1"
    endpoints = _item(cost, "interface_endpoint_az_hour")
    assert endpoints["unit_price"] == 0.011
    # Twelve interface endpoints (config) in three AZs (config).
    assert len(example_prod.config.network.interface_endpoints) == 12
    assert endpoints["quantity"] == 12 * 3 * 730
    assert [u["resource"] for u in cost["unpriced"]] == ["Studio/ExperimentTracking/Server"]
    assert cost["monthly_total_cents"] == sum(i["monthly_cents"] for i in cost["priced"])


def test_nat_gateways_and_addresses_are_priced(
    probe_view: EnvironmentView, sandbox: SynthesizedEnvironment
) -> None:
    cost = idle_cost(probe_view, sandbox.config)
    assert _item(cost, "nat_gateway_hour")["quantity"] == 730
    assert _item(cost, "nat_gateway_hour")["monthly_cents"] == round(730 * 0.045 * 100)
    assert _item(cost, "public_ipv4_hour")["quantity"] == 730


def test_the_price_table_names_its_source_and_date() -> None:
    table = json.loads(Path(PRICES_FILE).read_text(encoding="utf-8"))
    assert table["as_of"] == "2026-12-02"
    for name, entry in table["prices"].items():
        assert entry["source"].startswith("https://aws.amazon.com/"), name
        assert entry["regions"], name
