"""Plain Markdown building blocks that render on any Git host: tables, cells, code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def cell(value: Any) -> str:
    """One table cell: lists on separate lines, pipes and newlines escaped."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "<br>".join(cell(item) for item in value)
    if _is_code(value):
        return str(value)
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def code(value: Any) -> str:
    """Inline code, for ARNs, patterns and names."""
    if value is None or value == "":
        return "-"
    return "`" + str(value).replace("`", "'").replace("|", "\\|") + "`"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table; an empty one reads "none"."""
    body = [f"| {' | '.join(cell(value) for value in row)} |" for row in rows]
    if not body:
        return ["_none_", ""]
    return [
        f"| {' | '.join(headers)} |",
        f"|{'|'.join('---' for _ in headers)}|",
        *body,
        "",
    ]


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("`") and value.endswith("`")


def money(cents: int) -> str:
    """``12.34`` from 1234 cents."""
    return f"{cents / 100:,.2f}"
