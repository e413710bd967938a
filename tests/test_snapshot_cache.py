"""The retriever's saved copy of the index (index.snapshot_cache): reused while the index is unchanged, never
after any write to it, on a real index (real model, real Chroma)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import index.retriever
from index.retriever import HybridRetriever
from index.snapshot_cache import SnapshotCache
from index.store import Store
from kentrag.embedding import load_embedding
from tests.conftest import make_settings
from tests.test_retrieval import DOCUMENTS, synced_index

QUESTIONS = ("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?",
             "Which parks did Izmir open this year?", "Bursa akıllı sayaç kayıp kaçak", "library week wifi")


def answers(retriever: HybridRetriever) -> list[list[tuple[str, float]]]:
    return [[(p.chunk_id, round(p.score, 5)) for p in retriever.retrieve(q, k=4)] for q in QUESTIONS]


def reopened(syncer) -> HybridRetriever:
    """A new retriever over the same index, as a restarted app makes one."""
    return HybridRetriever(Store(syncer.settings), syncer.embedding)


@pytest.mark.parametrize("graph", [False, True], ids=["exact-scan", "graph"])
def test_a_restarted_retriever_reads_the_saved_copy_and_answers_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph: bool) -> None:
    if graph:
        monkeypatch.setattr(index.retriever, "EXACT_SEARCH_LIMIT", 3)
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    assert not first.read_saved_copy and first.saved_copy.path.exists()
    second = reopened(syncer)
    assert second.read_saved_copy
    assert (second._snapshot.graph is not None) is graph
    assert answers(second) == answers(first)
    assert second.uses_second_embedder and second.sentence_vectors(second.retrieve("metro", k=1))


def test_a_sync_that_adds_or_removes_documents_makes_the_copy_stale(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index", ("metro.txt", "library.txt"))
    (folder / "su.txt").write_text(DOCUMENTS["su.txt"], encoding="utf-8")
    syncer.sync([folder])
    added = reopened(syncer)
    assert not added.read_saved_copy
    assert added.retrieve("Bursa akıllı sayaç kayıp kaçak", k=1)[0].doc_id == "su.txt"

    assert syncer.remove("su.txt")
    removed = reopened(syncer)
    assert not removed.read_saved_copy
    assert "su.txt" not in {p.doc_id for p in removed.retrieve("Bursa akıllı sayaç kayıp kaçak", k=3)}
    assert reopened(syncer).read_saved_copy  # nothing written since: the copy just made is reused


def test_an_unchanged_sync_keeps_the_copy(tmp_path: Path) -> None:
    """A restarted app syncs its corpus folder first: finding nothing changed must not make the copy stale."""
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index")
    report = syncer.sync([folder])
    assert len(report.unchanged) == len(DOCUMENTS) and not report.added
    assert reopened(syncer).read_saved_copy


def test_no_copy_is_made_or_read_while_a_killed_write_left_the_index_half_written(tmp_path: Path) -> None:
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    killed_inside_a_write = (
        "import os, sys; from pathlib import Path; from index.store import Store; "
        "from tests.conftest import make_settings\n"
        "store = Store(make_settings(Path(sys.argv[1])))\n"
        "with store.writing():\n"
        "    store.sentences.delete(where={'doc_id': 'su.txt'})\n"
        "    os._exit(9)\n")
    done = subprocess.run([sys.executable, "-c", killed_inside_a_write, str(syncer.settings.data_dir)],
                          cwd=Path(__file__).parents[1], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert Store(syncer.settings).write_token() is None
    first.saved_copy.clear()
    after = reopened(syncer)
    assert not after.read_saved_copy and not after.saved_copy.path.exists()
    passages = after.retrieve("Bursa akıllı sayaç kayıp kaçak", k=1)
    assert passages[0].doc_id == "su.txt" and passages[0].sentence is None  # read as it is: half-written


def test_a_damaged_copy_is_reported_and_the_index_read_instead(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    path = first.saved_copy.path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    damaged = reopened(syncer)
    assert not damaged.read_saved_copy and "ignoring the saved index copy" in caplog.text
    assert answers(damaged) == answers(first)
    assert reopened(syncer).read_saved_copy  # saved again, whole


def test_the_copy_can_be_turned_off(tmp_path: Path) -> None:
    folder, data = tmp_path / "docs", tmp_path / "index"
    synced_index(folder, data)
    settings = make_settings(data, corpus_dir=folder, snapshot_cache=False)
    retriever = HybridRetriever(Store(settings), load_embedding(settings))
    assert retriever.saved_copy is None and not retriever.read_saved_copy


def test_a_copy_made_by_other_code_or_under_another_token_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "copy.pickle"
    SnapshotCache(path, {"code": "a"}).save("token-1", {"state": 1})
    assert SnapshotCache(path, {"code": "a"}).load("token-1") == {"state": 1}
    assert SnapshotCache(path, {"code": "b"}).load("token-1") is None
    assert SnapshotCache(path, {"code": "a"}).load("token-2") is None
    assert not list(tmp_path.glob("*.tmp"))
