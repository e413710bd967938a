"""Plain-text tables for benchmark output (also pasted into BENCHMARKS.md as Markdown)."""

from __future__ import annotations

from collections.abc import Sequence


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; floats with three decimals."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
