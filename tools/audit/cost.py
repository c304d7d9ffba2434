"""Idle cost: what the environment bills per month with no workload running.

Counts come from the templates (an interface endpoint bills once per subnet
it sits in, that is per AZ), prices from ``prices.json`` beside this module,
which names its source and date. Amounts are computed in whole cents, so the
total is exactly the sum of the priced items. Anything that bills only for
use (requests, storage, data processed, running apps) is listed as having no
idle charge; anything with an idle charge but no price in the table is
listed as unpriced, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import EnvironmentConfig
from tools.audit.references import EnvironmentView

PRICES_FILE = Path(__file__).with_name("prices.json")
ASSUMED_REGION = "us-east-1"


@dataclass(frozen=True)
class Charge:
    """One idle charge: a resource, the price item it bills under, and how many units."""

    resource: str
    stack: str
    price: str
    units: float  # per month: hours for hourly prices, 1 for monthly prices
    detail: str


def idle_cost(
    view: EnvironmentView, config: EnvironmentConfig, *, prices_file: Path = PRICES_FILE
) -> dict[str, Any]:
    """The idle-cost part of the bundle (JSON-ready).

    The total counts the deployed stacks, each project stack included. A product
    template (the project template of SageMaker Projects) deploys nothing until a
    team creates a project from it: what each such project adds is listed apart.
    """
    table = json.loads(prices_file.read_text(encoding="utf-8"))
    region = config.region or ASSUMED_REGION
    hours = float(table["hours_per_month"])
    templates = {stack.stack_name for stack in view.products}
    charges = list(_charges(view, hours, config.network.az_count))
    deployed = [c for c in charges if c.stack not in templates]
    priced, unpriced = _price(deployed, table, region)
    total_cents = sum(item["monthly_cents"] for item in priced)
    per_stack = {stack.stack_name: 0 for stack in view.stacks if stack.stack_name not in templates}
    for item in priced:
        for stack, cents in item.pop("cents_by_stack").items():
            per_stack[stack] += cents
    template_projects = []
    for product in view.products:
        items, gaps = _price([c for c in charges if c.stack == product.stack_name], table, region)
        for item in items:
            del item["cents_by_stack"]
        template_projects.append(
            {
                "template": product.display_name.removeprefix(f"{view.environment}/"),
                "stack": product.stack_name,
                "priced": items,
                "monthly_cents_per_project": sum(i["monthly_cents"] for i in items),
                "unpriced": gaps,
            }
        )
    return {
        "currency": table["currency"],
        "region": region,
        "region_assumed": config.region is None,
        "prices_as_of": table["as_of"],
        "prices_note": table["note"],
        "hours_per_month": hours,
        "priced": priced,
        "monthly_total_cents": total_cents,
        "monthly_total": f"{total_cents / 100:.2f}",
        "monthly_cents_by_stack": per_stack,
        "unpriced": unpriced,
        "per_template_project": template_projects,
        "no_idle_charge": _free_when_idle(view, templates),
        "not_counted": (
            "endpoints a deploy pipeline creates (the stacks "
            "cd4ml-<env>-<project>-staging-endpoint and -prod-endpoint) are not in the "
            "templates: once a model is deployed, their instances bill by the hour"
        ),
    }


def _price(
    charges: list[Charge], table: dict[str, Any], region: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Priced items (whole cents, with the cents each stack adds) and the unpriced charges."""
    items: dict[str, dict[str, Any]] = {}
    units: dict[str, dict[str, float]] = {}
    unpriced = []
    for charge in charges:
        entry = table["prices"].get(charge.price, {})
        regions = entry.get("regions", {})
        unit_price = regions.get(region, regions.get("*"))
        if unit_price is None:
            unpriced.append(
                {
                    "resource": charge.resource,
                    "price_item": charge.price,
                    "reason": f"no price for {region} in prices.json",
                    "detail": charge.detail,
                }
            )
            continue
        item = items.setdefault(
            charge.price,
            {
                "item": charge.price,
                "description": entry["description"],
                "unit_price": unit_price,
                "source": entry["source"],
                "quantity": 0.0,
                "resources": [],
            },
        )
        item["quantity"] += charge.units
        item["resources"].append(f"{charge.resource} ({charge.detail})")
        by_stack = units.setdefault(charge.price, {})
        by_stack[charge.stack] = by_stack.get(charge.stack, 0.0) + charge.units
    priced = []
    for item in sorted(items.values(), key=lambda i: str(i["item"])):
        cents = round(item["quantity"] * item["unit_price"] * 100)
        shares = {
            stack: round(quantity * item["unit_price"] * 100)
            for stack, quantity in units[item["item"]].items()
        }
        # Rounding per stack may differ from the item's cent: the largest share absorbs it.
        largest = max(sorted(shares), key=lambda stack: shares[stack])
        shares[largest] += cents - sum(shares.values())
        priced.append(
            {
                **item,
                "quantity": round(item["quantity"], 4),
                "monthly_cents": cents,
                "cents_by_stack": shares,
            }
        )
    return priced, unpriced


def _charges(view: EnvironmentView, hours: float, az_count: int) -> Iterator[Charge]:
    for endpoint in view.resources("AWS::EC2::VPCEndpoint"):
        if endpoint.properties.get("VpcEndpointType") == "Interface":
            subnets = endpoint.properties.get("SubnetIds")
            # Subnets read at deploy time (a parameter, an import) count as the config's AZs.
            zones = len(subnets) if isinstance(subnets, list) else az_count
            service = view.render(endpoint.stack, endpoint.properties.get("ServiceName", ""))
            yield Charge(
                endpoint.label,
                endpoint.stack.stack_name,
                "interface_endpoint_az_hour",
                zones * hours,
                f"{service}, {zones} AZ",
            )
    for gateway in view.resources("AWS::EC2::NatGateway"):
        yield Charge(
            gateway.label, gateway.stack.stack_name, "nat_gateway_hour", hours, "1 gateway"
        )
    for address in view.resources("AWS::EC2::EIP"):
        yield Charge(
            address.label, address.stack.stack_name, "public_ipv4_hour", hours, "1 address"
        )
    for key in view.resources("AWS::KMS::Key"):
        yield Charge(key.label, key.stack.stack_name, "kms_key_month", 1, "1 key")
    for alarm in view.resources("AWS::CloudWatch::Alarm"):
        period = alarm.properties.get("Period", 60)
        high = isinstance(period, int) and period < 60
        price = "high_resolution_alarm_month" if high else "alarm_month"
        yield Charge(alarm.label, alarm.stack.stack_name, price, 1, "1 alarm")
    for alarm in view.resources("AWS::CloudWatch::CompositeAlarm"):
        yield Charge(alarm.label, alarm.stack.stack_name, "composite_alarm_month", 1, "1 alarm")
    for server in view.resources("AWS::SageMaker::MlflowTrackingServer"):
        size = str(server.properties.get("TrackingServerSize", "Small"))
        yield Charge(
            server.label,
            server.stack.stack_name,
            f"mlflow_{size.lower()}_hour",
            hours,
            f"{size}, always on",
        )
    for config in view.resources("AWS::SageMaker::EndpointConfig"):
        for variant in config.properties.get("ProductionVariants", []):
            instance = variant.get("InstanceType")
            if instance:
                count = int(variant.get("InitialInstanceCount", 1))
                yield Charge(
                    config.label,
                    config.stack.stack_name,
                    f"sagemaker_hosting_{instance}_hour",
                    count * hours,
                    f"{count} x {instance}",
                )


_BILLED = {
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::KMS::Key",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::SageMaker::MlflowTrackingServer",
    "AWS::SageMaker::EndpointConfig",
}


def _free_when_idle(view: EnvironmentView, templates: set[str]) -> dict[str, int]:
    """Resource type -> count, for deployed types that bill only for use (or not at all)."""
    counts: dict[str, int] = {}
    for resource in view.resources():
        if resource.stack.stack_name in templates:
            continue
        gateway = (
            resource.type == "AWS::EC2::VPCEndpoint"
            and resource.properties.get("VpcEndpointType") != "Interface"
        )
        if resource.type not in _BILLED or gateway:
            counts[resource.type] = counts.get(resource.type, 0) + 1
    return dict(sorted(counts.items()))
