"""Print what a synth produced: stacks, resource counts, templates and the validation report.

Usage: ``python -m tools.synth_summary [cdk.out]``.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tools.cloud_assembly import CloudAssembly


def summary(assembly: CloudAssembly) -> str:
    """A short, plain-text account of the assembly."""
    lines = ["stack                          resources  template"]
    total = 0
    for stack in assembly.stacks:
        count = len(stack.resources)
        total += count
        protected = "  (termination protection)" if stack.termination_protection else ""
        lines.append(
            f"{stack.stack_name:<30} {count:>9}  {_relative(stack.template_path)}{protected}"
        )
    lines.append(f"{'total':<30} {total:>9}")
    types = Counter(r["Type"] for s in assembly.stacks for r in s.resources.values())
    top = ", ".join(f"{name} x{n}" for name, n in types.most_common(6))
    lines.append(f"most common resources: {top}")
    open_findings = assembly.findings(suppressed=False)
    acknowledged = assembly.findings(suppressed=True)
    plugins = [p["pluginName"] for p in assembly.validation_report["pluginReports"]]
    lines.append(
        f"compliance: {len(open_findings)} open finding(s), {len(acknowledged)} acknowledged "
        f"with a reason; report: {_relative(assembly.directory / 'validation-report.json')}"
        + (f" ({', '.join(plugins)})" if plugins else "")
    )
    lines.extend(alarm_delivery(assembly))
    return "\n".join(lines)


def alarm_delivery(assembly: CloudAssembly) -> list[str]:
    """One line per topic that alarms notify: who is subscribed, or that nobody is."""
    lines = []
    for stack in assembly.stacks:
        resources = stack.resources
        targets = {
            action["Ref"]
            for resource in resources.values()
            if resource["Type"] == "AWS::CloudWatch::Alarm"
            for key in ("AlarmActions", "OKActions")
            for action in resource.get("Properties", {}).get(key, [])
            if isinstance(action, dict) and "Ref" in action
        }
        for topic_id in sorted(targets):
            topic = resources.get(topic_id, {})
            if topic.get("Type") != "AWS::SNS::Topic":
                continue
            subscribed = [
                r["Properties"].get("Protocol", "?")
                for r in resources.values()
                if r["Type"] == "AWS::SNS::Subscription"
                and r["Properties"].get("TopicArn") == {"Ref": topic_id}
            ] + [s.get("Protocol", "?") for s in topic["Properties"].get("Subscription", [])]
            if subscribed:
                lines.append(
                    f"alarms: {stack.stack_name} {topic_id} notifies "
                    f"{len(subscribed)} subscription(s) ({', '.join(sorted(subscribed))})"
                )
            else:
                lines.append(
                    f"alarms: {stack.stack_name} {topic_id} has NO subscription: alarms reach "
                    "nobody until someone subscribes (loop.alarm_email, or a subscription "
                    "made outside the platform)"
                )
    return lines


def lint_findings(assembly: CloudAssembly) -> list[str]:
    """cfn-lint's findings on every template, with the repository's ``.cfnlintrc.yaml``."""
    import cfnlint.api
    import yaml

    settings_file = Path(__file__).resolve().parents[1] / ".cfnlintrc.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8")) or {}
    findings = []
    for stack in assembly.stacks:
        config = cfnlint.api.ManualArgs(
            regions=[stack.region or "us-east-1"],
            ignore_checks=list(settings.get("ignore_checks") or []),
        )
        for match in cfnlint.api.lint_file(stack.template_path, config=config):
            findings.append(f"{stack.stack_name}: {match}")
    return findings


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    directory = Path(argv[0] if argv else "cdk.out")
    assembly = CloudAssembly.load(directory)
    print(summary(assembly))
    findings = lint_findings(assembly)
    print(f"cfn-lint: {len(findings)} finding(s) in {len(assembly.stacks)} templates")
    for finding in findings:
        print(f"  {finding}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
