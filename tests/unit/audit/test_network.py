"""Network inventory: a VpcOnly environment has no route to the internet."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part
from tools.audit.network import network_inventory
from tools.audit.references import EnvironmentView


def test_the_sandbox_vpc_has_no_internet_route(sandbox_bundle: dict[str, Part]) -> None:
    data = sandbox_bundle["network"].data
    assert [d["network_mode"] for d in data["domains"]] == ["VpcOnly"]
    assert data["internet_routes"] == []
    assert data["gateways"] == []
    routes = [r for table in data["route_tables"] for r in table["routes"]]
    assert not [r for r in routes if r["destination"] in ("0.0.0.0/0", "::/0")]
    assert len(data["route_tables"]) == 2
    assert data["verdict"] == "no route to the internet: every route table of the VPC is private"


def test_an_internet_route_beside_a_vpc_only_domain_fails(
    probe_view: EnvironmentView, sandbox: SynthesizedEnvironment
) -> None:
    data = network_inventory(probe_view, sandbox.config)
    via = sorted({(r["destination"], r["via"]) for r in data["internet_routes"]})
    assert via == [("0.0.0.0/0", "NAT gateway"), ("0.0.0.0/0", "internet gateway")]
    assert data["verdict"].startswith("FAIL: ")


def test_an_imported_vpc_is_not_declared_private(prod_bundle: dict[str, Part]) -> None:
    data = prod_bundle["network"].data
    assert data["verdict"].startswith("the templates add no route to the internet; the imported")
    imported = [v for v in data["vpcs"] if v["vpc"] == "vpc-0a1b2c3d4e5f60718"]
    assert imported[0]["route_tables"] == [
        "rtb-0a1b2c3d4e5f60701",
        "rtb-0a1b2c3d4e5f60702",
        "rtb-0a1b2c3d4e5f60703",
    ]


def test_endpoints_and_their_security_group(sandbox_bundle: dict[str, Part]) -> None:
    data = sandbox_bundle["network"].data
    interface = [e for e in data["endpoints"] if e["type"] == "Interface"]
    assert sorted(e["service"].rsplit(".", 1)[-1] for e in interface) == [
        "api",
        "logs",
        "runtime",
        "sts",
        "studio",
    ]
    assert {e["subnets"] for e in interface} == {2}
    groups = {g["security_group"]: g for g in data["security_groups"]}
    rules = groups["Network/Endpoints/EndpointSecurityGroup"]["rules"]
    inbound = [r for r in rules if r["direction"] == "in"]
    assert inbound == [
        {
            "description": "HTTPS from the VPC",
            "direction": "in",
            "peer": "10.40.0.0/16",
            "ports": "443",
            "protocol": "tcp",
        }
    ]
    assert [r["description"] for r in rules if r["direction"] == "out"] == [
        "no egress allowed (placeholder rule that matches no traffic)"
    ]


def test_the_loop_functions_sit_in_the_vpc_in_prod(prod_bundle: dict[str, Part]) -> None:
    functions = prod_bundle["network"].data["functions_in_vpc"]
    assert sorted(f["function"] for f in functions) == [
        "Loop/DeployTrigger/Function",
        "Loop/DriftCheck/Function",
        "Loop/QualityGate/Function",
        "Loop/RetrainTrigger/Function",
    ]
