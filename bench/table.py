"""Rows and Markdown tables shared by the benchmark scripts."""

from __future__ import annotations

from typing import Any


def row(name: str, value: Any, unit: str, **extra: Any) -> dict[str, Any]:
    """One measurement row: name, value and unit plus any notes."""
    return {"name": name, "value": value, "unit": unit, **extra}


def markdown(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table, every key beyond name, value and unit listed as a note."""
    lines = ["| measurement | value | notes |", "|---|---:|---|"]
    for r in rows:
        notes = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("name", "value", "unit"))
        lines.append(f"| {r['name']} | {r['value']} {r['unit']} | {notes} |")
    return "\n".join(lines)


def target_table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table with a target column (ok or MISSED) and a note column."""
    lines = ["| measurement | value | target | note |", "|---|---:|---|---|"]
    for r in rows:
        target = f"{r.get('target', '')}{' ok' if r.get('ok') else ' MISSED' if 'ok' in r else ''}"
        lines.append(f"| {r['name']} | {r['value']} {r.get('unit', '')} | {target.strip()} | {r.get('note', '')} |")
    return "\n".join(lines)
