"""The kentrag command: its JSON outputs (ask, retrieve, eval) on the real corpus index, and every bad input
ending in one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kentrag.answer.quotes import shown
from kentrag.cli import main

pytestmark = pytest.mark.slow
PASSAGE_FIELDS = {"doc_id", "title", "source", "chunk_id", "text", "score"}


@pytest.fixture
def run(corpus_settings, capsys):
    def invoke(*args: str) -> tuple[int, str]:
        code = main(["--data-dir", str(corpus_settings.data_dir), *args])
        return code, capsys.readouterr().out

    return invoke


def test_ask_json_schema(run) -> None:
    code, out = run("ask", "Taşkent'teki konferansın paneline Türkiye'den kimler katıldı?", "--json")
    payload = json.loads(out)
    assert code == 0
    assert {"question", "language", "answer", "found", "citations"} <= set(payload)
    assert payload["language"] == "tr" and payload["found"] is True
    assert payload["citations"], payload
    for number, citation in enumerate(payload["citations"], start=1):
        assert {"n", *PASSAGE_FIELDS} <= set(citation) and citation["n"] == number
        assert f"[{number}]" in payload["answer"]
        assert shown(citation["text"][citation["quote_start"]:citation["quote_end"]]) == citation["quote"]
        assert 0 <= citation["support"] <= 1


def test_ask_refusal_json(run) -> None:
    payload = json.loads(run("ask", "What is the population of Ankara?", "--json")[1])
    assert payload["found"] is False and payload["citations"] == [] and payload["language"] == "en"


def test_retrieve_json_schema(run) -> None:
    code, out = run("retrieve", "Rijeka water agglomeration project value", "--json", "--k", "4")
    passages = json.loads(out)
    assert code == 0 and len(passages) == 4
    assert all(set(p) >= PASSAGE_FIELDS for p in passages)
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)
    assert passages[0]["doc_id"] == "2017-09-belgrade-rijeka-world-smart-city-week.txt"


def test_ingest_json_reports_unchanged(run) -> None:
    code, out = run("ingest", "--json")
    report = json.loads(out)
    assert code == 0 and report["chunks_embedded"] == 0 and len(report["unchanged"]) == 5


def test_eval_json_meets_thresholds(run) -> None:
    code, out = run("eval", "--json")
    report = json.loads(out)
    assert code == 0
    for key in ("n", "hit@1", "hit@5", "mrr@10", "ndcg@10", "answer_match", "citation_precision",
                "refusal_accuracy", "refused_unanswerable", "refused_near_miss", "wrongly_refused", "answer_words",
                "answer_language_match", "seconds_p50"):
        assert key in report
    assert report["n"] >= 40
    # Thresholds a little below what the current system measures (README "Evaluation"); raise as it improves.
    assert report["hit@1"] >= 0.7
    assert report["hit@5"] >= 0.8
    assert report["mrr@10"] >= 0.75
    # 149 questions (42 written fresh in stop 25, 24 in stop 26): answer match 0.775, citation precision 0.757.
    assert report["answer_match"] >= 0.73
    assert report["citation_precision"] >= 0.7
    assert report["answer_words"] <= 60
    assert report["refusal_accuracy"] >= 0.86
    # Near misses refused 0.767 (33 of 43) now that answers must hold the kind of answer asked for (a span of
    # time, a count of people or places, …); answerable refused 0.029 (3 of 102; issue 17's goal is 0.05): README
    # "Evaluation", BENCHMARKS.md "Kinds of answer".
    assert report["refused_near_miss"] >= 0.72 and report["wrongly_refused"] <= 0.06
    assert report["answer_language_match"] >= 0.9
    assert report["splits"]["cross_lingual"]["hit@5"] >= 0.68
    assert report["splits"]["near-miss"]["n"] >= 30


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command, which must fail with exit code 2 and one line on stderr; that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("KENTRAG_SNAPSHOT_CACHE", "maybe", "KENTRAG_SNAPSHOT_CACHE must be on or off, not 'maybe'"),
    ("KENTRAG_TOP_K", "five", "KENTRAG_TOP_K must be a whole number, not 'five'"),
    ("KENTRAG_TOP_K", "0", "KENTRAG_TOP_K must be at least 1, not 0"),
    ("KENTRAG_CHUNK_OVERLAP", "400", "KENTRAG_CHUNK_OVERLAP must be below KENTRAG_CHUNK_SIZE (160), not 400"),
    ("KENTRAG_CHROMA_PORT", "99999", "KENTRAG_CHROMA_PORT must be at most 65535, not 99999"),
    ("KENTRAG_PASSAGE_BFLOAT16", "fast", "KENTRAG_PASSAGE_BFLOAT16 must be auto, on or off, not 'fast'"),
    ("KENTRAG_OCR_MAX_PAGES", "0", "KENTRAG_OCR_MAX_PAGES must be at least 1, not 0"),
    ("KENTRAG_URL_TIMEOUT_S", "-2", "KENTRAG_URL_TIMEOUT_S must be a number above 0, not -2.0"),
])
def test_a_bad_setting_is_named_without_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                   variable: str, value: str, message: str) -> None:
    monkeypatch.setenv(variable, value)
    assert one_line_error(capsys, ["retrieve", "metro"]) == f"kentrag: {message}"


@pytest.mark.parametrize("argv", [["ask", "--k", "0", "metro"], ["retrieve", "--k", "-3", "metro"],
                                  ["eval", "--k", "many"], ["serve", "--port", "70000"], ["bench", "nothing"]])
def test_a_bad_command_line_is_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    line = one_line_error(capsys, argv)
    assert line.startswith("kentrag: argument ") and line.endswith("--help`)")


WATCH_ALONE = "--watch takes one folder, and no other paths, URLs, --refresh-urls or --json"


@pytest.mark.parametrize(("extra", "problem"), [
    (["--watch", "{missing}"], "--watch needs a folder: {missing} is not one"),
    (["--watch", "{folder}", "more.txt"], WATCH_ALONE),
    (["--watch", "{folder}", "--refresh-urls"], WATCH_ALONE),
    (["--watch", "{folder}", "--json"], WATCH_ALONE),
])
def test_bad_watch_options_are_one_line_and_touch_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          extra: list[str], problem: str) -> None:
    names = {"missing": tmp_path / "nowhere", "folder": tmp_path}
    argv = ["--data-dir", str(tmp_path / "data"), "ingest", *(part.format(**names) for part in extra)]
    assert one_line_error(capsys, argv) == f"kentrag: {problem.format(**names)}"
    assert not (tmp_path / "data").exists()


def eval_file(folder: Path, *lines: str) -> Path:
    path = folder / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD_LINE = json.dumps({"id": "q1", "question": "Who?", "answer_any": [], "lang": "en"})


@pytest.mark.parametrize(("second_line", "problem"), [
    ('{"id": "q2", "question": ', "not JSON (Expecting value)"),
    (json.dumps({"id": 2, "question": "Who?", "answer_any": [], "lang": "en"}),
     "'id' must be a non-empty string, not 2"),
    (json.dumps({"id": "q2", "question": 42, "answer_any": [], "lang": "en"}),
     "'question' must be a non-empty string, not 42"),
    (json.dumps({"id": "q2", "question": "Who?", "answer_any": [], "lang": "en", "source": "dev"}),
     "unknown field(s): source"),
    (json.dumps({"id": "q2", "question": "Who?", "answer_any": [], "lang": "en", "split": "dev"}),
     "'split' must be \"near-miss\", not \"dev\""),
])
def test_a_bad_eval_set_names_file_line_and_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    second_line: str, problem: str) -> None:
    path = eval_file(tmp_path, GOOD_LINE, second_line)
    assert one_line_error(capsys, ["--data-dir", str(tmp_path), "eval", "--set", str(path)]) == \
        f"kentrag: {path}:2: {problem}"


def test_a_missing_eval_set_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.jsonl"
    assert one_line_error(capsys, ["eval", "--set", str(missing)]) == f"kentrag: {missing}: no such file"


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """The real process, as a person runs it: a numeric id in the eval set is one line and exit code 2."""
    path = eval_file(tmp_path, json.dumps({"id": 7, "question": "Who?", "answer_any": [], "lang": "en"}))
    done = subprocess.run([sys.executable, "-m", "kentrag.cli", "--data-dir", str(tmp_path), "eval", "--set",
                           str(path)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == f"kentrag: {path}:1: 'id' must be a non-empty string, not 7"


def test_an_unavailable_generator_is_one_line(corpus_settings, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, ["--data-dir", str(corpus_settings.data_dir), "ask", "--generator", "openai",
                                   "What is the population of Ankara?"])
    assert line.startswith("kentrag: generator 'openai' is not available (set KENTRAG_LLM_BASE_URL")


def test_a_missing_ingest_path_is_reported_as_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-folder"
    assert main(["--data-dir", str(tmp_path / "data"), "ingest", str(missing)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == f"skipped {missing}: no such file or folder"
    assert "failed 1" in captured.out


def test_eval_of_an_empty_index_says_to_ingest_first(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "empty"), "eval", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    expected = f"kentrag: the index in {tmp_path / 'empty'} holds no documents: run `kentrag ingest` first"
    assert captured.err.strip() == expected
