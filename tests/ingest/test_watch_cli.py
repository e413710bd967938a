"""`kentrag ingest --watch DIR` as a real process beside an Assistant in this process (as the web app holds one),
both on a real `chroma run` server (an embedded Chroma is one process at a time): an added, a changed and a
deleted file reach the Assistant's answers without a refresh or a restart (kentrag.answer.changes), and SIGINT
(Ctrl-C) stops the watcher cleanly with exit code 0."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kentrag.answer.answers import Answer
from kentrag.answer.assistant import Assistant
from tests.conftest import make_settings
from tests.robustness import Spawned, chroma_server

pytestmark = pytest.mark.server

WATER = "İzmit su raporu.\nİzmit Belediyesi 2024 yılında kentte 14 yeni su deposu yaptı.\n"
TREATMENT = "İzmit Belediyesi ayrıca 7 yeni atık su arıtma tesisi açtı.\n"
PORT = "Derince liman raporu.\nDerince limanına 2025 yılında 3 yeni liman vinci kuruldu.\n"
PORT_QUESTION = "Derince limanına kaç yeni vinç kuruldu?"


def picked_up(assistant: Assistant, question: str, done: Callable[[Answer], bool], timeout: float = 180) -> float:
    """Ask until the answer shows the change; the seconds it took."""
    started = time.monotonic()
    while not done(answer := assistant.ask(question)):
        assert time.monotonic() - started < timeout, f"not picked up: {answer.text!r}"
        time.sleep(0.5)
    return time.monotonic() - started


def cites(name: str, text: str = "") -> Callable[[Answer], bool]:
    """An answer that cites `name`, and says `text`."""
    return lambda answer: any(c.passage.doc_id == name for c in answer.citations) and text in answer.text


def test_a_watched_folder_reaches_a_running_assistant(tmp_path: Path) -> None:
    folder = tmp_path / "izlenen"
    folder.mkdir()
    (folder / "su.txt").write_text(WATER, encoding="utf-8")
    with chroma_server(tmp_path / "chroma") as chroma:
        server = {"KENTRAG_CHROMA_HOST": "127.0.0.1", "KENTRAG_CHROMA_PORT": str(chroma.port)}
        watcher = Spawned.start("ingest", "--watch", str(folder), env={**server,
                                                                        "KENTRAG_DATA_DIR": str(tmp_path / "data")})
        try:
            watcher.wait_for(lambda: "watching" in watcher.err, timeout=300)
            settings = make_settings(tmp_path / "app-data", folder).with_overrides(chroma_host="127.0.0.1",
                                                                                   chroma_port=chroma.port)
            assistant = Assistant(settings)
            assert cites("su.txt", "14 yeni su deposu")(assistant.ask("İzmit'te kaç yeni su deposu yapıldı?"))

            (folder / "liman.txt").write_text(PORT, encoding="utf-8")
            added = picked_up(assistant, PORT_QUESTION, cites("liman.txt", "3 yeni liman vinci"))
            (folder / "su.txt").write_text(WATER + TREATMENT, encoding="utf-8")
            changed = picked_up(assistant, "İzmit'te kaç atık su arıtma tesisi açıldı?", cites("su.txt", "7 yeni"))
            (folder / "liman.txt").unlink()
            deleted = picked_up(assistant, PORT_QUESTION,
                                lambda answer: all(p.doc_id != "liman.txt" for p in answer.passages))
            print(f"\npicked up in {added:.1f} / {changed:.1f} / {deleted:.1f} s (added / changed / deleted)")
        finally:
            watcher.process.send_signal(signal.SIGINT)
            code = watcher.process.wait(timeout=300)  # the sync under way ends first; slow on a loaded machine
    lines = watcher.process.stdout.read().decode().splitlines()
    assert code == 0 and "stopped watching" in watcher.err, watcher.err
    assert len(lines) >= 4 and all(" / removed " in line for line in lines), lines  # one line per sync
    assert "added 1 " in lines[0] and any("removed 1 " in line for line in lines[1:])
