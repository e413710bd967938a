"""Chroma server mode: ingest, ask and eval against a real `chroma run` on loopback; a server that goes away
gives a clear error and is used again when it returns; an ingest killed mid-write is repaired by a rerun."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import kentrag.index.snapshot
import kentrag.index.store
import pytest
from conftest import CORPUS, make_settings
from kentrag.eval.runner import DEFAULT_SET
from kentrag.index.store import StoreUnavailable
from robustness import ChromaServer, Spawned, assert_same_index, chroma_server, index_snapshot, run_cli, small_corpus

from kentrag.core.settings import Settings

pytestmark = pytest.mark.server

DOC = "2022-innoweek-tashkent-smart-cities-conference.txt"
EVAL_IDS = ("innoweek-01", "innoweek-02", "innoweek-05")
QUESTION = "InnoWeek 2022 hangi temayla düzenlendi?"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as chroma:
        yield chroma


def server_env(server: ChromaServer, collection: str = "kentrag") -> dict[str, str]:
    return {"KENTRAG_CHROMA_HOST": "127.0.0.1", "KENTRAG_CHROMA_PORT": str(server.port),
            "KENTRAG_COLLECTION": collection}


def server_settings(server: ChromaServer, data_dir: Path, corpus: Path, collection: str = "kentrag") -> Settings:
    return make_settings(data_dir, corpus).with_overrides(
        chroma_host="127.0.0.1", chroma_port=server.port, collection_prefix=collection
    )


@pytest.fixture(scope="module")
def served(server: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One corpus document ingested into the server through the CLI."""
    data = tmp_path_factory.mktemp("server-data")
    result = run_cli("--data-dir", str(data), "ingest", str(CORPUS / DOC), env=server_env(server))
    assert result.code == 0 and result.out.startswith("added 1 / "), result.out + result.err
    return server_settings(server, data, CORPUS)


def test_ingest_ask_and_eval_use_the_server(served: Settings, server: ChromaServer, tmp_path: Path) -> None:
    data, env = str(served.data_dir), server_env(server)
    assert not (served.data_dir / "chroma").exists(), "server mode must keep no local Chroma data"
    asked = run_cli("--data-dir", data, "ask", QUESTION, "--json", env=env)
    answer = json.loads(asked.out)
    assert asked.code == 0 and answer["found"] and {c["doc_id"] for c in answer["citations"]} == {DOC}
    assert "Sürdürülebilir Kalkınma için Yeşil Yenilikler" in answer["answer"]

    items = [line for line in DEFAULT_SET.read_text().splitlines() if json.loads(line)["id"] in EVAL_IDS]
    (tmp_path / "set.jsonl").write_text("\n".join(items) + "\n")
    evaluated = run_cli("--data-dir", data, "eval", "--set", str(tmp_path / "set.jsonl"), "--json", env=env)
    report = json.loads(evaluated.out)
    assert evaluated.code == 0 and report["n"] == len(EVAL_IDS) and report["hit@5"] == 1.0


def test_server_down_is_a_clear_error_and_recovers(served: Settings, server: ChromaServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kentrag.answer.assistant import Assistant

    assistant = Assistant(served)  # connected while the server is up
    monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 0)
    large = Assistant(served)  # searches a graph, as for a large index
    assert assistant.ask(QUESTION).found and large.ask(QUESTION).found
    data, env = str(served.data_dir), server_env(server)
    message = f"cannot open the Chroma server at 127.0.0.1:{server.port}"
    server.kill()
    try:
        # A running assistant keeps answering from the chunks it loaded, whether it scans them or searches
        # their graph; reloading them reports the server.
        for running in (assistant, large):
            answer = running.ask(QUESTION)
            assert answer.found and {c.passage.doc_id for c in answer.citations} == {DOC}
        with pytest.raises(StoreUnavailable, match=message):
            assistant.refresh()
        for argv in (("ask", QUESTION), ("ingest", str(CORPUS / DOC)), ("documents",)):
            result = run_cli("--data-dir", data, *argv, env=env)
            assert result.code == 2 and result.err.startswith(f"kentrag: {message}"), (argv, result.err)
    finally:
        server.start()
    answer = assistant.ask(QUESTION)
    assert answer.found and {c.passage.doc_id for c in answer.citations} == {DOC}
    assert run_cli("--data-dir", data, "ask", QUESTION, env=env).code == 0


def test_ingest_killed_with_a_write_in_flight_then_rerun_equals_clean_build(server: ChromaServer,
                                                                          tmp_path: Path) -> None:
    """The server is paused (SIGSTOP) while the ingest embeds; once it blocks on its first write, it is
    killed, the server resumes, and a rerun must give the clean build."""
    corpus = small_corpus(tmp_path / "corpus", 8)
    clean = tmp_path / "clean"
    assert run_cli("--data-dir", str(clean), "ingest", str(corpus)).code == 0
    expected = index_snapshot(make_settings(clean, corpus))

    env = server_env(server, "killtest")
    settings = server_settings(server, tmp_path / "data", corpus, "killtest")
    argv = ("--data-dir", str(settings.data_dir), "ingest", str(corpus))
    run = Spawned.start(*argv, env=env)
    run.wait_for(lambda: "embedding:" in run.err)
    time.sleep(1.0)  # the "indexing" marks are written right after the bar appears, then embedding starts
    server.signal(signal.SIGSTOP)
    try:
        deadline, before = time.monotonic() + 180, -1
        while (now := run.cpu_ticks()) != before:  # busy embedding until it blocks on the paused server
            assert run.process.poll() is None and time.monotonic() < deadline, run.err
            before = now
            time.sleep(1.0)
        run.kill()
    finally:
        server.signal(signal.SIGCONT)
    state = index_snapshot(settings)
    assert {entry["status"] for entry in state["manifest"].values()} == {"indexing"} and state["count"] == 0

    rerun = run_cli(*argv, env=env)
    assert rerun.code == 0 and "failed 0" in rerun.out, rerun.out + rerun.err
    assert_same_index(index_snapshot(settings), expected)


def test_a_restart_reads_the_snapshot_cache_and_patches_in_what_another_process_ingested(
        server: ChromaServer, tmp_path: Path) -> None:
    """The snapshot cache with a Chroma server: the write token and manifest live on the server, the cache in the
    local data folder; a document another process ingests through the server is patched into the next start."""
    from kentrag.answer.assistant import Assistant

    data, env = tmp_path / "data", server_env(server, collection="copies")
    settings = server_settings(server, data, CORPUS, collection="copies")
    assert run_cli("--data-dir", str(data), "ingest", str(CORPUS / DOC), env=env).code == 0
    assert Assistant(settings).retriever.load_source == "chroma"
    assert Assistant(settings).retriever.load_source == "cache"
    other = "2024-09-izmir-istanbul-technology-protocol.txt"
    assert run_cli("--data-dir", str(data), "ingest", str(CORPUS / other), env=env).code == 0
    restarted = Assistant(settings)
    assert restarted.retriever.load_source == "patched cache"
    assert restarted.retriever.retrieve("İzmir ve İstanbul teknoloji protokolü", k=1).passages[0].doc_id == other
    assert restarted.retriever.retrieve(QUESTION, k=1).passages[0].doc_id == DOC
