"""A Mermaid diagram of the environment: stacks, their main resources, the loop's event flow.

Generated from the assembly and the loop map, so it cannot drift from what
deploys. Main resources get a node each; the rest of a stack is one
"other resources" node with a count, which keeps the picture readable.
"""

from __future__ import annotations

import re
from typing import Any

from tools.audit.references import EnvironmentView

MAIN_TYPES: dict[str, str] = {
    "AWS::CodePipeline::Pipeline": "pipeline",
    "AWS::DynamoDB::Table": "table",
    "AWS::EC2::NatGateway": "NAT gateway",
    "AWS::EC2::VPC": "VPC",
    "AWS::Events::Rule": "rule",
    "AWS::KMS::Key": "key",
    "AWS::Lambda::Function": "function",
    "AWS::S3::Bucket": "bucket",
    "AWS::SNS::Topic": "topic",
    "AWS::SageMaker::Domain": "Studio domain",
    "AWS::SageMaker::Endpoint": "endpoint",
    "AWS::SageMaker::MlflowTrackingServer": "MLflow",
    "AWS::SageMaker::ModelPackageGroup": "model registry",
    "AWS::SageMaker::Pipeline": "SageMaker pipeline",
    "AWS::Scheduler::Schedule": "schedule",
}
# Counted, not drawn one by one.
GROUPED_TYPES: dict[str, str] = {
    "AWS::EC2::VPCEndpoint": "VPC endpoints",
    "AWS::IAM::Role": "roles",
    "AWS::SageMaker::UserProfile": "Studio profiles",
    "AWS::CloudWatch::Alarm": "alarms",
    "AWS::SQS::Queue": "queues",
}


def diagram(view: EnvironmentView, loop: dict[str, Any]) -> dict[str, Any]:
    """The diagram part: Mermaid text plus its nodes and edges as JSON."""
    nodes: dict[str, dict[str, str]] = {}
    in_flow = {
        label
        for function in loop["functions"]
        for label in [
            *function["feeds_alarms"],
            *(e for t in function["triggered_by"] for e in t["emitted_by"]),
        ]
    }
    lines = ["flowchart LR"]
    for index, stack in enumerate(view.stacks):
        lines.append(f'  subgraph s{index}["{_text(stack.stack_name)}"]')
        groups: dict[str, int] = {}
        others = 0
        for resource in view.resources():
            if resource.stack.stack_name != stack.stack_name:
                continue
            if resource.type in MAIN_TYPES or resource.label in in_flow:
                node = _node_id(resource.label)
                nodes[resource.label] = {
                    "id": node,
                    "stack": stack.stack_name,
                    "type": resource.type,
                }
                short = "/".join(resource.label.split("/")[-2:])
                kind = MAIN_TYPES.get(resource.type) or GROUPED_TYPES[resource.type].rstrip("s")
                lines.append(f'    {node}["{_text(short)}<br/>{kind}"]')
            elif resource.type in GROUPED_TYPES:
                groups[resource.type] = groups.get(resource.type, 0) + 1
            else:
                others += 1
        for resource_type, count in sorted(groups.items()):
            lines.append(
                f'    s{index}_{_slug(resource_type)}["{count} {GROUPED_TYPES[resource_type]}"]'
            )
        if others:
            noun = "resource" if others == 1 else "resources"
            lines.append(f'    s{index}_other["{others} other {noun}"]')
        lines.append("  end")
    names = {
        view.resource_name(r): nodes[r.label]["id"] for r in view.resources() if r.label in nodes
    }
    edges, external = _loop_edges(loop, nodes, names)
    for node, name in sorted(external.items()):
        lines.append(f'  {node}(["{_text(name)}"])')
    for source, target, label in edges:
        lines.append(f'  {source} -->|"{_text(label)}"| {target}')
    return {
        "mermaid": "\n".join(lines) + "\n",
        "nodes": [{"resource": label, **data} for label, data in sorted(nodes.items())],
        "edges": [{"from": s, "to": t, "label": label} for s, t, label in edges],
    }


def _loop_edges(
    loop: dict[str, Any], nodes: dict[str, dict[str, str]], names: dict[str, str]
) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """The loop's edges (event source -> rule -> function -> what it may start), and the
    nodes for resources outside the templates (pipelines the projects deploy later)."""
    edges = []
    external: dict[str, str] = {}
    for function in loop["functions"]:
        target = nodes.get(function["function"], {}).get("id")
        if target is None:
            continue
        for trigger in function["triggered_by"]:
            source = nodes.get(trigger["source"], {}).get("id")
            if source is not None:
                edges.append((source, target, "triggers"))
                edges += [(nodes[e]["id"], source, "event") for e in trigger["emitted_by"]]
        edges += [(target, nodes[a]["id"], "metrics") for a in function["feeds_alarms"]]
        for reach in function["may"]:
            for project in reach["projects"]:
                name = project.split(": ", 1)[-1].rsplit(" (", 1)[0]
                node = names.get(name.split("/", 1)[0]) or f"x_{_slug(reach['capability'] + name)}"
                if node.startswith("x_"):
                    external[node] = name
                edges.append((target, node, reach["capability"]))
    return sorted(set(edges)), external


def _node_id(label: str) -> str:
    return "r_" + _slug(label)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _text(text: str) -> str:
    return text.replace('"', "'")
