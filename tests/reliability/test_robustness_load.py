"""Load: 20 concurrent chat sessions on one shared Assistant (as the web app shares it), then through the
app's /ask API with gradio_client. No errors; every answer equals the one given alone; latency reported."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from kentrag.eval.runner import DEFAULT_SET
from robustness import free_port

pytestmark = pytest.mark.slow

SESSIONS = 20
# Eval-set questions answered well above the found threshold from the right document (all five documents, both
# languages); session i asks three of them in a row, each with the session's earlier questions as history.
KNOWN_IDS = ("b40-01", "innoweek-08", "seoul-06", "tdbb-09", "izmir-10", "innoweek-01")
KNOWN = {item["question"]: item["doc"] for item in map(json.loads, DEFAULT_SET.read_text().splitlines())
         if item["id"] in KNOWN_IDS}
QUESTIONS = list(KNOWN)
Turn = tuple[str, tuple[str, ...]]  # (question, history)


def session_turns(session: int, turns: int) -> list[Turn]:
    asked = [QUESTIONS[(session + j) % len(QUESTIONS)] for j in range(turns)]
    return [(question, tuple(asked[:j])) for j, question in enumerate(asked)]


def run_sessions(ask: Callable[[int, str, tuple[str, ...]], dict], turns: int,
                 ) -> tuple[dict[Turn, list[dict]], list[float]]:
    """SESSIONS threads, each asking its turns in order; answers by turn and every ask's latency.
    `ask(session, question, history)` returns Answer.as_dict()."""

    def session(number: int) -> list[tuple[Turn, dict, float]]:
        results = []
        for turn in session_turns(number, turns):
            started = time.perf_counter()
            answer = ask(number, *turn)
            results.append((turn, answer, time.perf_counter() - started))
        return results

    with ThreadPoolExecutor(SESSIONS) as pool:
        done = [row for rows in pool.map(session, range(SESSIONS)) for row in rows]
    answers: dict[Turn, list[dict]] = {}
    for turn, answer, _ in done:
        answers.setdefault(turn, []).append(answer)
    return answers, [seconds for _, _, seconds in done]


def report(label: str, latencies: list[float], wall: float, capsys: pytest.CaptureFixture) -> None:
    p95 = statistics.quantiles(latencies, n=20)[-1]
    with capsys.disabled():
        print(f"\n[load] {label}: {len(latencies)} answers in {wall:.1f} s, "
              f"p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s")


def essentials(answer: dict) -> tuple:
    return answer["answer"], answer["found"], [(c["n"], c["chunk_id"], c["quote"]) for c in answer["citations"]]


@pytest.fixture(scope="module")
def alone(assistant) -> dict[Turn, dict]:
    """Each turn of every session answered on its own, one at a time."""
    turns = {turn for session in range(SESSIONS) for turn in session_turns(session, 3)}
    return {turn: assistant.ask(turn[0], list(turn[1])).as_dict() for turn in sorted(turns)}


def test_known_questions_are_answered_from_their_document(alone: dict[Turn, dict]) -> None:
    for question, doc in KNOWN.items():
        answer = alone[(question, ())]
        assert answer["found"] and doc in {c["doc_id"] for c in answer["citations"]}, question


def test_20_sessions_share_one_assistant(assistant, alone: dict[Turn, dict], capsys) -> None:
    started = time.perf_counter()
    answers, latencies = run_sessions(lambda _, q, history: assistant.ask(q, list(history)).as_dict(), turns=3)
    report("20 threads x 3 questions on one Assistant", latencies, time.perf_counter() - started, capsys)
    assert len(latencies) == SESSIONS * 3
    for turn, given in answers.items():
        assert all(essentials(a) == essentials(alone[turn]) for a in given), turn


def test_20_sessions_through_the_app_api(corpus_settings, alone: dict[Turn, dict], capsys) -> None:
    server = pytest.importorskip("kentrag.app.server", reason="the web app (app/server.py) is not there yet")
    from gradio_client import Client

    demo, url = server.start(corpus_settings, "127.0.0.1", free_port())
    try:
        clients = [Client(url, verbose=False) for _ in range(SESSIONS)]

        def ask(session: int, question: str, history: tuple[str, ...]) -> dict:
            return clients[session].predict(question, list(history), None, None, api_name="/ask")

        started = time.perf_counter()
        answers, latencies = run_sessions(ask, turns=2)
        report("20 gradio_client sessions x 2 questions on /ask", latencies, time.perf_counter() - started, capsys)
    finally:
        demo.close()
    assert len(latencies) == SESSIONS * 2
    for turn, given in answers.items():
        assert all(essentials(a) == essentials(alone[turn]) for a in given), turn
