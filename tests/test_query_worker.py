"""The USE query worker (kentrag.query_worker): real child processes, checked against the same encoder here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kentrag.core.embedding import load_second_embedding
from kentrag.core.settings import Settings
from kentrag.query_worker import MAX_FAILURES, MAX_REQUEST_BYTES, QueryWorker

TEXTS = ["İzmir ile Taşkent arasında hangi protokol imzalandı?",
         "Which cities joined the smart-city network in 2023?", ""]
START_WAIT_S = 120
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def use():
    """USE without a worker of its own: the vectors made in this process."""
    return load_second_embedding(Settings(second_embedder="use", query_worker=False))


@pytest.fixture
def worker(use):
    worker = QueryWorker(use.encode_query)
    assert worker.start(wait_s=START_WAIT_S)
    yield worker
    worker.stop()


def same_vector(vector: np.ndarray, expected: np.ndarray) -> bool:
    return vector.shape == expected.shape and float(vector @ expected) > 0.99999


def wait_until_gone(pid: int, timeout_s: float = 30) -> bool:
    """Whether the process exited (or is a zombie) within the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_the_child_makes_the_vectors_made_here(worker, use) -> None:
    for text in TEXTS:
        pending = worker.soon(text)
        assert pending.in_worker
        assert same_vector(pending.result(), use.encode_query(text))
    assert worker.answered == len(TEXTS)


def test_a_question_too_long_for_the_pipe_is_made_here(worker, use) -> None:
    text = "İstanbul akıllı şehir " * (MAX_REQUEST_BYTES // 20)
    pending = worker.soon(text)
    assert not pending.in_worker
    assert same_vector(pending.result(), use.encode_query(text)) and worker.answered == 0


def test_a_second_question_while_the_child_is_busy_is_made_here(worker, use) -> None:
    first, second = worker.soon(TEXTS[0]), worker.soon(TEXTS[1])
    assert first.in_worker and not second.in_worker
    assert same_vector(second.result(), use.encode_query(TEXTS[1]))
    assert same_vector(first.result(), use.encode_query(TEXTS[0]))


def test_a_vector_nobody_asked_for_does_not_hold_up_the_next(worker, use) -> None:
    assert worker.soon(TEXTS[0]).in_worker  # dropped unread
    pending = worker.soon(TEXTS[1])
    assert pending.in_worker
    assert same_vector(pending.result(), use.encode_query(TEXTS[1]))


def test_questions_from_many_threads_each_get_their_own_vector(worker, use) -> None:
    texts = [f"{n}. {text}" for n in range(12) for text in TEXTS]
    results: dict[str, np.ndarray] = {}

    def ask(part: list[str]) -> None:
        for text in part:
            results[text] = worker.soon(text).result()

    threads = [threading.Thread(target=ask, args=(texts[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(same_vector(results[text], use.encode_query(text)) for text in texts)
    assert worker.answered > 0


def test_a_question_whose_child_dies_is_answered_here_and_the_child_replaced(worker, use, caplog) -> None:
    old = worker.child_pid
    os.kill(old, signal.SIGSTOP)  # so that it cannot answer before it dies
    pending = worker.soon(TEXTS[0])
    assert pending.in_worker
    os.kill(old, signal.SIGKILL)
    assert wait_until_gone(old)
    assert same_vector(pending.result(), use.encode_query(TEXTS[0]))
    assert "USE query worker failed" in caplog.text
    assert worker.start(wait_s=START_WAIT_S) and worker.child_pid not in (None, old)
    assert worker.soon(TEXTS[1]).in_worker


def query_worker_children() -> set[int]:
    """Process ids of this process's children that run kentrag.query_worker."""
    children = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = int(status.read_text().split("PPid:")[1].split()[0])
            command = (status.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if parent == os.getpid() and b"kentrag.query_worker" in command:
            children.add(int(status.parent.name))
    return children


def test_stop_right_after_a_failure_leaves_no_child_running(worker, use) -> None:
    before = query_worker_children()
    old = worker.child_pid
    os.kill(old, signal.SIGKILL)
    assert wait_until_gone(old)
    worker.soon(TEXTS[0]).result()  # the failure starts another child in the background
    worker.stop()
    assert worker.child_pid is None
    assert query_worker_children() <= before - {old}


def test_a_stuck_child_is_given_up_after_the_reply_timeout(worker, use) -> None:
    old = worker.child_pid
    os.kill(old, signal.SIGSTOP)
    pending = worker.soon(TEXTS[0])
    results = []
    waiting = threading.Thread(target=lambda: results.append(pending.result()))
    waiting.start()
    waiting.join(timeout=60)
    assert not waiting.is_alive() and same_vector(results[0], use.encode_query(TEXTS[0]))
    assert wait_until_gone(old)


def test_after_repeated_failures_vectors_are_made_here_for_good(use, caplog) -> None:
    worker = QueryWorker(use.encode_query)
    for _ in range(MAX_FAILURES):
        assert worker.start(wait_s=START_WAIT_S)
        pid = worker.child_pid
        os.kill(pid, signal.SIGKILL)
        assert wait_until_gone(pid)
        assert same_vector(worker.soon(TEXTS[0]).result(), use.encode_query(TEXTS[0]))
    assert "made in this process from now on" in caplog.text
    assert not worker.start(wait_s=1) and worker.child_pid is None
    assert not worker.soon(TEXTS[0]).in_worker


def test_the_child_ends_with_its_parent(tmp_path: Path) -> None:
    """A parent killed without any cleanup leaves no child behind: the child sees its pipe close."""
    script = textwrap.dedent("""
        import os, sys
        from kentrag.core.settings import Settings
        from kentrag.core.embedding import load_second_embedding
        use = load_second_embedding(Settings(second_embedder="use", query_worker=True))
        assert use.start_query_worker(wait_s=120)
        print(use.query_worker.child_pid, flush=True)
        os.kill(os.getpid(), 9)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert wait_until_gone(int(run.stdout.split()[0]))


def test_the_setting_and_a_single_core_turn_the_worker_off() -> None:
    assert load_second_embedding(Settings(second_embedder="use", query_worker=False)).query_worker is None
    with_worker = load_second_embedding(Settings(second_embedder="use", query_worker=True))
    assert (with_worker.query_worker is not None) == (len(os.sched_getaffinity(0)) > 1)


def test_the_first_question_starts_the_child(use) -> None:
    worker = QueryWorker(use.encode_query)
    assert not worker.soon(TEXTS[0]).in_worker  # made here: no child yet
    deadline = time.monotonic() + START_WAIT_S
    while worker.child_pid is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker.child_pid is not None and worker.soon(TEXTS[1]).in_worker
    worker.stop()
