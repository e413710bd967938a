"""The benchmarks' smoke runs go through the CLI and print their tables (a check that they run, not a benchmark)."""

from __future__ import annotations

import re

import pytest

from kentrag.cli import main

pytestmark = pytest.mark.slow


def _table_rows(output: str, first_cell: str) -> list[list[str]]:
    """Cells of the Markdown table rows starting with `first_cell`."""
    rows = [line.strip("|").split("|") for line in output.splitlines() if line.startswith(f"| {first_cell}")]
    return [[cell.strip() for cell in row] for row in rows]


def test_retrieval_smoke_prints_every_split_and_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "retrieval", "--smoke"]) == 0
    out = capsys.readouterr().out
    for split in ("tr→tr", "en→en", "tr→en", "en→tr", "tr→mixed", "en→mixed", "tr→mixed−own", "en→mixed−own"):
        assert f"### {split} " in out
    header = next(line for line in out.splitlines() if line.startswith("| metric"))
    for method in ("BM25", "BM25-p5", "e5", "USE", "RRF BM25-p5+e5", "RRF e5+USE", "default"):
        assert f"| {method} |" in header + " |"
    for metric in ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10"):
        rows = _table_rows(out, metric + " ")
        assert len(rows) == 8
        values = [float(v) for row in rows for v in row[1:]]
        assert all(0.0 <= v <= 1.0 for v in values)
    # Recall can only grow with depth.
    for r1, r5 in zip(_table_rows(out, "R@1 "), _table_rows(out, "R@5 ")):
        assert all(float(a) <= float(b) for a, b in zip(r1[1:], r5[1:]))


def _first_row_under(output: str, column: str) -> list[float]:
    """The numbers of the first row of the table whose header names `column`."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|") and f" {column} " in line)
    return [float(cell) for cell in lines[header + 2].strip("|").split("|")]


def test_speed_smoke_prints_ingest_latency_and_resync(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "speed", "--smoke"]) == 0
    out = capsys.readouterr().out
    for title in ("Ingest throughput", "Query latency", "No-change re-sync"):
        assert title in out
    chunks, e5, both, ingest, ratio = _first_row_under(out, "ingest chunks/s")
    assert chunks > 0 and e5 >= both > 0 and ingest > 0 and 0 < ratio < 5
    latency = _first_row_under(out, "retrieve p50 ms")
    assert latency[0] == 200 and all(v > 0 for v in latency)
    documents, seconds = _first_row_under(out, "re-sync s")
    assert documents == 50 and seconds > 0
    assert re.search(r"peak memory: \d+ MB", out)
