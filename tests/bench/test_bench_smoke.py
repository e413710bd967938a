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
    goal_table = out.split("### Against the goal")[1]
    assert sum(line.startswith("| ") and "→" in line for line in goal_table.splitlines()) == 8


@pytest.mark.parametrize(("default_r1", "verdict"), [(0.93, "30% ✓"), (0.92, "20% ✗")])
def test_goal_rows_measure_misses_cut_against_the_best_single_method(default_r1: float, verdict: str) -> None:
    from kentrag.bench.retrieval import goal_rows

    def scores(r1: float, r5: float = 0.95, mrr: float = 0.9) -> dict[str, float]:
        return {"R@1": r1, "R@5": r5, "MRR@10": mrr}

    summary = {"tr→tr": {"BM25": scores(0.8), "BM25-p5": scores(0.9), "e5": scores(0.85, r5=0.99),
                         "USE": scores(0.7), "RRF e5+USE": scores(0.99), "default": scores(default_r1, r5=0.98)}}
    [[split, best, best_r1, goal, r1, cut, not_worse]] = goal_rows(summary)
    assert (split, best, best_r1, r1, cut) == ("tr→tr", "BM25-p5", 0.9, default_r1, verdict)
    assert goal == pytest.approx(0.93)
    assert not_worse == "✗"  # e5's Recall@5 (0.99) beats the default's (0.98); fusions are not compared


def _first_row_under(output: str, column: str) -> list[float]:
    """The numbers of the first row of the table whose header names `column`."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|") and f" {column} " in line)
    return [float(cell) for cell in lines[header + 2].strip("|").split("|")]


def test_speed_smoke_prints_ingest_latency_and_resync(capsys: pytest.CaptureFixture[str]) -> None:
    from kentrag.bench.speed import STAGES

    assert main(["bench", "speed", "--smoke"]) == 0
    out = capsys.readouterr().out
    for title in ("Ingest throughput", "Query latency", "Where the time", "A restart", "No-change re-sync"):
        assert title in out
    chunks, sentences, chunks_only, with_sentences, ingest, ratio = _first_row_under(out, "ingest chunks/s")
    assert sentences >= chunks > 0 and min(chunks_only, with_sentences, ingest) > 0 and 0 < ratio < 5
    latency = _first_row_under(out, "retrieve p50 ms")
    assert latency[0] == 200 and all(v > 0 for v in latency)
    # Half the synthetic chunks are Turkish, half English: every question has other-language candidates.
    chunks, *stage_ms = _first_row_under(out, "USE query vector ms")
    assert chunks == 200 and len(stage_ms) == len(STAGES) and all(ms > 0 for ms in stage_ms)
    chunks, from_cache, cache_peak, from_chroma, chroma_peak, model = _first_row_under(out, "from cache s")
    assert chunks == 200 and min(from_cache, from_chroma) > 0 and min(cache_peak, chroma_peak) >= model > 0
    documents, seconds = _first_row_under(out, "re-sync s")
    assert documents == 50 and seconds > 0
    assert re.search(r"peak memory: \d+ MB", out)


def test_graph_smoke_prints_recall_and_time_per_search(capsys: pytest.CaptureFixture[str]) -> None:
    from kentrag.bench.graph import BREADTHS

    assert main(["bench", "graph", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert "HNSW graph against the exact scan" in out
    rows = [line.strip("|").split("|") for line in out.splitlines() if line.startswith(("| XQuAD", "| held-out"))]
    assert len(rows) == 2 * (1 + len(BREADTHS))
    for _queries, search, *numbers in rows:
        milliseconds, *found = map(float, numbers)
        assert milliseconds > 0 and all(0 <= share <= 1 for share in found)
        if search.strip() == "exact scan":
            assert found == [1.0, 1.0, 1.0]  # the recall arithmetic: the scan finds its own nearest


def test_answers_smoke_prints_both_methods_for_every_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "answers", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert ("### Answers on XQuAD odd articles (6 answerable questions, 3 near misses and as many off-topic "
            "questions per pair)") in out
    assert re.search(r"selector: \d+ trained layers, cosine weight [\d.]+, weights [0-9a-f]{12}, "
                     r"`.*selector_training.*`", out)
    for pair in ("tr→tr", "en→en", "tr→en", "en→tr"):
        rows = _table_rows(out, pair + " ")
        assert [row[1] for row in rows] == ["selector off", "selector on"]
        for row in rows:
            *shares, seconds = map(float, row[2:])
            assert len(shares) == 5 and all(0.0 <= share <= 1.0 for share in shares) and seconds > 0


def test_found_smoke_calibrates_a_threshold_per_pair_that_lets_the_kept_share_through(
        capsys: pytest.CaptureFixture[str]) -> None:
    from kentrag.answer.found import found_threshold

    assert main(["bench", "found", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert "### Found thresholds: e5 cosine of the closest passage, XQuAD even articles (6 questions per pair" in out
    for pair in ("tr→tr", "en→en", "tr→en", "en→tr"):
        [[_, questions, calibrated, in_use, through]] = _table_rows(out, pair + " ")
        assert int(questions) == 6 and 0.5 < float(calibrated) < 1.0 and 0.0 <= float(through) <= 1.0
        assert float(in_use) == pytest.approx(found_threshold(*pair.split("→")))


@pytest.mark.parametrize(("cosines", "threshold"),
                         [([0.9] * 99 + [0.5], 0.9), ([0.6] + [0.9] * 9, 0.65), ([0.812, 0.9, 0.95], 0.815)])
def test_the_calibrated_threshold_is_the_kept_quantile_rounded_down_to_a_half_hundredth(
        cosines: list[float], threshold: float) -> None:
    from kentrag.bench.found import calibrated

    assert calibrated(cosines) == pytest.approx(threshold)
