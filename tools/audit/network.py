"""Network inventory: VPC, subnets, route tables and routes, endpoints, security groups, domains.

A VpcOnly Studio domain must have no route to the internet: every route to
``0.0.0.0/0`` or ``::/0`` through an internet, NAT or egress-only gateway is
listed under ``internet_routes``, and the verdict says whether the
templates prove there is none. An imported VPC's routes are not in the
templates, so for it the verdict says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config import EnvironmentConfig, VpcImport
from tools.audit.references import EnvironmentView, Resource

_ANYWHERE = ("0.0.0.0/0", "::/0")
_INTERNET_TARGETS = {
    "GatewayId": "internet gateway",
    "NatGatewayId": "NAT gateway",
    "EgressOnlyInternetGatewayId": "egress-only internet gateway",
}
_PEERS = (
    "CidrIp",
    "CidrIpv6",
    "SourcePrefixListId",
    "DestinationPrefixListId",
    "SourceSecurityGroupId",
    "DestinationSecurityGroupId",
)


def network_inventory(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, Any]:
    """The network part of the bundle (JSON-ready)."""
    route_tables = _route_tables(view)
    internet_routes = [
        {"route_table": table["route_table"], **route}
        for table in route_tables
        for route in table["routes"]
        if route["to_internet"]
    ]
    domains = [_domain(view, d) for d in view.resources("AWS::SageMaker::Domain")]
    imported = isinstance(config.network.vpc, VpcImport)
    return {
        "vpcs": _vpcs(view, config),
        "subnets": [_subnet(view, s) for s in view.resources("AWS::EC2::Subnet")],
        "route_tables": route_tables,
        "internet_routes": internet_routes,
        "gateways": [
            {"gateway": g.label, "type": g.type}
            for g in view.resources(
                "AWS::EC2::InternetGateway",
                "AWS::EC2::NatGateway",
                "AWS::EC2::EgressOnlyInternetGateway",
            )
        ],
        "endpoints": [_endpoint(view, e) for e in view.resources("AWS::EC2::VPCEndpoint")],
        "security_groups": _security_groups(view),
        "domains": domains,
        "functions_in_vpc": [
            {
                "function": f.label,
                "subnets": view.render_list(f.stack, f.properties["VpcConfig"].get("SubnetIds")),
                "security_groups": view.render_list(
                    f.stack, f.properties["VpcConfig"].get("SecurityGroupIds")
                ),
            }
            for f in view.resources("AWS::Lambda::Function")
            if f.properties.get("VpcConfig")
        ],
        "verdict": _verdict(domains, internet_routes, imported),
    }


def _vpcs(view: EnvironmentView, config: EnvironmentConfig) -> list[dict[str, Any]]:
    vpcs: list[dict[str, Any]] = [
        {
            "vpc": vpc.label,
            "source": "created by the templates",
            "cidr": view.render(vpc.stack, vpc.properties.get("CidrBlock", "")),
            "subnets": [],
            "route_tables": [],
        }
        for vpc in view.resources("AWS::EC2::VPC")
    ]
    vpc_config = config.network.vpc
    if isinstance(vpc_config, VpcImport):
        vpcs.append(
            {
                "vpc": vpc_config.vpc_id,
                "source": "imported (config network.vpc); its routes are not in the templates",
                "cidr": vpc_config.cidr,
                "subnets": [
                    f"{subnet} ({zone})"
                    for subnet, zone in zip(
                        vpc_config.subnet_ids, vpc_config.availability_zones, strict=True
                    )
                ],
                "route_tables": list(vpc_config.route_table_ids),
            }
        )
    return vpcs


def _subnet(view: EnvironmentView, subnet: Resource) -> dict[str, Any]:
    tags = {t.get("Key"): t.get("Value") for t in subnet.properties.get("Tags", [])}
    return {
        "subnet": subnet.label,
        "cidr": view.render(subnet.stack, subnet.properties.get("CidrBlock", "")),
        "availability_zone": view.render(subnet.stack, subnet.properties.get("AvailabilityZone")),
        "public_ip_on_launch": bool(subnet.properties.get("MapPublicIpOnLaunch", False)),
        "kind": str(tags.get("aws-cdk:subnet-type", "")),
    }


def _route_tables(view: EnvironmentView) -> list[dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {
        table.label: {"route_table": table.label, "subnets": [], "routes": []}
        for table in view.resources("AWS::EC2::RouteTable")
    }
    for association in view.resources("AWS::EC2::SubnetRouteTableAssociation"):
        table = view.target(association.stack, association.properties.get("RouteTableId"))
        if table is not None and table.label in tables:
            subnet = _one_label(view, association, association.properties.get("SubnetId"))
            tables[table.label]["subnets"].append(subnet)
    for route in view.resources("AWS::EC2::Route"):
        table = view.target(route.stack, route.properties.get("RouteTableId"))
        if table is None or table.label not in tables:
            continue
        tables[table.label]["routes"].append(_route(view, route))
    for entry in tables.values():
        entry["subnets"].sort()
        entry["routes"].sort(key=lambda r: (r["destination"], r["target"]))
    return list(tables.values())


def _route(view: EnvironmentView, route: Resource) -> dict[str, Any]:
    properties = route.properties
    destination = str(
        properties.get("DestinationCidrBlock") or properties.get("DestinationIpv6CidrBlock") or ""
    )
    target_key = next(
        (k for k in sorted(properties) if k.endswith("Id") and k != "RouteTableId"), ""
    )
    target = view.target(route.stack, properties.get(target_key))
    rendered = target.label if target else view.render(route.stack, properties.get(target_key))
    kind = _INTERNET_TARGETS.get(target_key, target_key.removesuffix("Id"))
    if target_key == "GatewayId" and not (
        (target and target.type == "AWS::EC2::InternetGateway") or rendered.startswith("igw-")
    ):
        kind = "gateway"
    return {
        "destination": destination,
        "target": rendered,
        "via": kind,
        "to_internet": destination in _ANYWHERE and kind in _INTERNET_TARGETS.values(),
    }


def _endpoint(view: EnvironmentView, endpoint: Resource) -> dict[str, Any]:
    p = endpoint.properties
    return {
        "endpoint": endpoint.label,
        "service": view.render(endpoint.stack, p.get("ServiceName", "")),
        "type": p.get("VpcEndpointType", "Gateway"),
        "subnets": len(p.get("SubnetIds", [])),
        "route_tables": len(p.get("RouteTableIds", [])),
        "private_dns": bool(p.get("PrivateDnsEnabled", False)),
        "security_groups": sorted(_labels(view, endpoint, p.get("SecurityGroupIds", []))),
        "policy": bool(p.get("PolicyDocument")),
    }


def _security_groups(view: EnvironmentView) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for group in view.resources("AWS::EC2::SecurityGroup"):
        p = group.properties
        groups[group.label] = {
            "security_group": group.label,
            "description": view.render(group.stack, p.get("GroupDescription", "")),
            "rules": [_rule(view, group, "in", r) for r in p.get("SecurityGroupIngress", [])]
            + [_rule(view, group, "out", r) for r in p.get("SecurityGroupEgress", [])],
        }
    standalone = (
        ("in", "AWS::EC2::SecurityGroupIngress"),
        ("out", "AWS::EC2::SecurityGroupEgress"),
    )
    for direction, resource_type in standalone:
        for rule in view.resources(resource_type):
            owner = view.target(rule.stack, rule.properties.get("GroupId"))
            if owner is not None and owner.label in groups:
                groups[owner.label]["rules"].append(_rule(view, rule, direction, rule.properties))
    for entry in groups.values():
        entry["rules"].sort(key=lambda r: (r["direction"], r["peer"], r["ports"]))
    return list(groups.values())


def _rule(
    view: EnvironmentView, owner: Resource, direction: str, rule: Mapping[str, Any]
) -> dict[str, Any]:
    protocol = str(rule.get("IpProtocol", "-1"))
    low, high = rule.get("FromPort"), rule.get("ToPort")
    ports = "all" if protocol == "-1" else f"{low}" if low == high else f"{low}-{high}"
    peer_key = next((k for k in _PEERS if k in rule), "")
    target = view.target(owner.stack, rule.get(peer_key))
    peer = target.label if target else view.render(owner.stack, rule.get(peer_key, ""))
    description = view.render(owner.stack, rule.get("Description", ""))
    if peer == "255.255.255.255/32" and protocol == "icmp":
        description = "no egress allowed (placeholder rule that matches no traffic)"
    return {
        "direction": direction,
        "protocol": "all" if protocol == "-1" else protocol,
        "ports": ports,
        "peer": peer,
        "description": description,
    }


def _domain(view: EnvironmentView, domain: Resource) -> dict[str, Any]:
    p = domain.properties
    defaults = p.get("DefaultUserSettings") or {}
    return {
        "domain": domain.label,
        "network_mode": p.get("AppNetworkAccessType", "PublicInternetOnly"),
        "vpc": _one_label(view, domain, p.get("VpcId")),
        "subnets": sorted(_labels(view, domain, p.get("SubnetIds", []))),
        "security_groups": sorted(_labels(view, domain, defaults.get("SecurityGroups", []))),
    }


def _verdict(
    domains: list[dict[str, Any]], internet_routes: list[dict[str, Any]], imported: bool
) -> str:
    vpc_only = [d for d in domains if d["network_mode"] == "VpcOnly"]
    if not vpc_only:
        return "no VpcOnly Studio domain in this environment"
    if internet_routes:
        return f"FAIL: {len(internet_routes)} route(s) to the internet beside a VpcOnly domain"
    if imported:
        return (
            "the templates add no route to the internet; the imported VPC's own route tables "
            "are not in the templates and must be checked in the account"
        )
    return "no route to the internet: every route table of the VPC is private"


def _labels(view: EnvironmentView, owner: Resource, values: Any) -> list[str]:
    return [_one_label(view, owner, value) for value in values or []]


def _one_label(view: EnvironmentView, owner: Resource, value: Any) -> str:
    target = view.target(owner.stack, value)
    return target.label if target else view.render(owner.stack, value)
