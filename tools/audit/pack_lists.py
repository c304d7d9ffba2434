"""The app's own lists of validation packs and platform rules, read from its source.

The bundle must name exactly the packs ``add_compliance_packs`` registers and
the rules of the platform's pack (``cd4ml_constructs.compliance.rules.RULES``),
in the app's order. Importing those modules would load aws-cdk-lib (seconds of
jsii start-up for a bundle that takes well under one), so their source is
parsed instead: ``PACK_PREFIXES`` in ``acknowledgements.py``, ``RULES`` in the
rules package, and each listed module's ``RULE = Rule(name=..., description=...)``.
A source that no longer has that shape stops the bundle with an error naming
the file, rather than letting it list rules the app does not run.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COMPLIANCE = Path(__file__).resolve().parents[2] / "constructs/cd4ml_constructs/compliance"


@dataclass(frozen=True)
class PlatformRule:
    """One rule of the platform's pack: its name and what a compliant resource looks like."""

    name: str
    description: str


@cache
def registered_packs() -> tuple[str, ...]:
    """The packs the app registers, in report order (``PACK_PREFIXES`` without ``::``)."""
    path = COMPLIANCE / "acknowledgements.py"
    value = _assigned(path, "PACK_PREFIXES")
    if not isinstance(value, ast.Tuple):
        raise ValueError(f"{path}: PACK_PREFIXES is no longer a tuple of strings")
    return tuple(_string(path, item).removesuffix("::") for item in value.elts)


@cache
def platform_rules() -> tuple[PlatformRule, ...]:
    """The rules of the platform's pack, in the order of ``RULES``."""
    package = COMPLIANCE / "rules"
    value = _assigned(package / "__init__.py", "RULES")
    if not isinstance(value, ast.Tuple):
        raise ValueError(f"{package / '__init__.py'}: RULES is no longer a tuple")
    rules = []
    for item in value.elts:
        if not (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name)):
            raise ValueError(f"{package / '__init__.py'}: RULES holds {ast.unparse(item)!r}")
        module = package / f"{item.value.id}.py"
        call = _assigned(module, item.attr)
        if not isinstance(call, ast.Call):
            raise ValueError(f"{module}: {item.attr} is no longer a Rule(...) call")
        keywords = {k.arg: k.value for k in call.keywords}
        if "name" not in keywords:
            raise ValueError(f"{module}: {item.attr} has no name=")
        description = keywords.get("description")
        rules.append(
            PlatformRule(
                name=_string(module, keywords["name"]),
                description="" if description is None else _string(module, description),
            )
        )
    return tuple(rules)


def _assigned(path: Path, name: str) -> ast.expr:
    """The value assigned to ``name`` at the top level of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        if name in targets and node.value is not None:
            return node.value
    raise ValueError(f"{path}: no top-level assignment of {name}")


def _string(path: Path, node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise ValueError(f"{path}: expected a string literal, found {ast.unparse(node)!r}")
