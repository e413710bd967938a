"""The snapshot cache (index.snapshot_cache, index.snapshot): read as saved while the index is unchanged, patched
with the documents that changed since, Chroma read instead when it cannot be trusted; on a real index (real
model, real Chroma)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import kentrag.index.snapshot
import pytest
from kentrag.index.dense_search import GraphSearch
from kentrag.index.retriever import HybridRetriever
from kentrag.index.snapshot_cache import SnapshotCache
from kentrag.index.store import Store

from kentrag.core.embedding import load_embedding
from tests.conftest import make_settings
from tests.index.test_retrieval import DOCUMENTS, add_change_remove, synced_index

pytestmark = pytest.mark.slow

QUESTIONS = ("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?",
             "Which parks did Izmir open this year?", "Bursa akıllı sayaç kayıp kaçak", "library week wifi")


def answers(retriever: HybridRetriever) -> list[list[tuple[str, float]]]:
    return [[(p.chunk_id, round(p.score, 5)) for p in retriever.retrieve(q, k=4).passages] for q in QUESTIONS]


def reopened(syncer, snapshot_cache: bool = True) -> HybridRetriever:
    """A new retriever over the same index, as a restarted app makes one (without the cache: read from Chroma)."""
    settings = syncer.settings.with_overrides(snapshot_cache=snapshot_cache)
    return HybridRetriever(Store(settings), syncer.embedding)


@pytest.mark.parametrize("graph", [False, True], ids=["exact-scan", "graph"])
def test_a_restarted_retriever_reads_the_snapshot_cache_and_answers_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph: bool) -> None:
    if graph:
        monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 3)
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    assert first.load_source == "chroma" and first.snapshot_cache.path.exists()
    second = reopened(syncer)
    assert second.load_source == "cache"
    assert isinstance(second.snapshot.search, GraphSearch) is graph
    assert answers(second) == answers(first)
    assert second.uses_use_vectors and second.retrieve("metro", k=1).sentence_vectors


@pytest.mark.parametrize("graph", [False, True], ids=["exact-scan", "graph"])
def test_documents_added_or_removed_since_the_cache_was_saved_are_patched_into_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph: bool) -> None:
    """As after `kentrag ingest` in another process: the restart reads the cache and only the changed
    documents, answers as a full read does, and saves the patched snapshot for the next restart."""
    if graph:
        monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 3)
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index", ("metro.txt", "library.txt", "parklar.txt"))
    report = add_change_remove(syncer, folder, add="su.txt", change="library.txt", remove="parklar.txt")
    assert report.added == ["su.txt"] and report.updated == ["library.txt"] and report.removed == ["parklar.txt"]
    patched = reopened(syncer)
    assert patched.load_source == "patched cache"
    assert answers(patched) == answers(reopened(syncer, snapshot_cache=False))
    assert patched.retrieve("Bursa akıllı sayaç kayıp kaçak", k=1).passages[0].doc_id == "su.txt"
    assert "parklar.txt" not in {p.doc_id for q in QUESTIONS for p in patched.retrieve(q, k=4).passages}
    assert reopened(syncer).load_source == "cache"

    assert syncer.remove("su.txt")
    removed = reopened(syncer)
    assert removed.load_source == "patched cache"
    assert answers(removed) == answers(reopened(syncer, snapshot_cache=False))


def test_a_write_that_changes_no_document_is_read_from_chroma(tmp_path: Path) -> None:
    """Vectors deleted (or back-filled) without a manifest change: the cache cannot tell what changed."""
    syncer, _ = synced_index(tmp_path / "docs", tmp_path / "index")
    with syncer.store.writing():  # as an interrupted back-fill leaves it
        syncer.store.use_chunks.delete(where={"doc_id": "su.txt"})
    after = reopened(syncer)
    assert after.load_source == "chroma" and not after.uses_use_vectors


def test_a_cached_snapshot_without_use_vectors_is_not_patched_after_a_back_fill(tmp_path: Path) -> None:
    """A snapshot cached while USE vectors were incomplete must not keep USE off once a sync has back-filled them,
    even when that sync only removed documents (nothing read back would show the vector sets differ)."""
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index", ("metro.txt", "su.txt", "library.txt"))
    with syncer.store.writing():
        syncer.store.use_chunks.delete(where={"doc_id": "su.txt"})
    assert not reopened(syncer).uses_use_vectors  # saved so, without USE
    (folder / "library.txt").unlink()
    report = syncer.sync([folder])  # removes a document and back-fills su.txt's USE vectors
    assert report.removed == ["library.txt"] and not report.added
    after = reopened(syncer)
    assert after.load_source == "chroma" and after.uses_use_vectors


def test_an_unchanged_sync_keeps_the_cache(tmp_path: Path) -> None:
    """A restarted app syncs its corpus folder first: finding nothing changed must not make the cache stale."""
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index")
    report = syncer.sync([folder])
    assert len(report.unchanged) == len(DOCUMENTS) and not report.added
    assert reopened(syncer).load_source == "cache"


def test_no_cache_is_saved_or_read_while_a_killed_write_left_the_index_half_written(tmp_path: Path) -> None:
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    killed_inside_a_write = (
        "import os, sys; from pathlib import Path; from kentrag.index.store import Store; "
        "from tests.conftest import make_settings\n"
        "store = Store(make_settings(Path(sys.argv[1])))\n"
        "with store.writing():\n"
        "    store.sentences.delete(where={'doc_id': 'su.txt'})\n"
        "    os._exit(9)\n")
    done = subprocess.run([sys.executable, "-c", killed_inside_a_write, str(syncer.settings.data_dir)],
                          cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert Store(syncer.settings).write_token() is None
    first.snapshot_cache.clear()
    after = reopened(syncer)
    assert after.load_source == "chroma" and not after.snapshot_cache.path.exists()
    passages = after.retrieve("Bursa akıllı sayaç kayıp kaçak", k=1).passages
    assert passages[0].doc_id == "su.txt" and passages[0].sentence is None  # read as it is: half-written


def test_a_damaged_cache_is_reported_and_the_index_read_instead(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    syncer, first = synced_index(tmp_path / "docs", tmp_path / "index")
    path = first.snapshot_cache.path
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    damaged = reopened(syncer)
    assert damaged.load_source == "chroma" and "ignoring the snapshot cache" in caplog.text
    assert answers(damaged) == answers(first)
    assert reopened(syncer).load_source == "cache"  # saved again, whole


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    folder, data = tmp_path / "docs", tmp_path / "index"
    synced_index(folder, data)
    settings = make_settings(data, corpus_dir=folder, snapshot_cache=False)
    retriever = HybridRetriever(Store(settings), load_embedding(settings))
    assert retriever.snapshot_cache is None and retriever.load_source == "chroma"


def test_a_cache_saved_by_other_code_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "cache.pickle"
    SnapshotCache(path, {"code": "a"}).save("token-1", {"state": 1})
    assert SnapshotCache(path, {"code": "a"}).load() == ("token-1", {"state": 1})
    assert SnapshotCache(path, {"code": "b"}).load() is None
    assert not list(tmp_path.glob("*.tmp"))


def test_a_save_killed_mid_write_leaves_no_cache_and_the_next_save_removes_its_file(tmp_path: Path) -> None:
    path = tmp_path / "cache.pickle"
    killed_while_pickling = (
        "import os, sys; from pathlib import Path; from kentrag.index.snapshot_cache import SnapshotCache\n"
        "class Killer:\n"
        "    def __reduce__(self):\n"
        "        os._exit(9)\n"
        "SnapshotCache(Path(sys.argv[1]), {'code': 'a'}).save('token-1', [bytes(1 << 20), Killer()])\n")
    done = subprocess.run([sys.executable, "-c", killed_while_pickling, str(path)],
                          cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    cache = SnapshotCache(path, {"code": "a"})
    [leftover] = tmp_path.glob("*.tmp")
    assert cache.load() is None and leftover.stat().st_size > 0
    running = tmp_path / f"{path.name}.another-process-saving.tmp"  # recent: maybe a save still running
    running.write_bytes(b"")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(leftover, (two_hours_ago, two_hours_ago))
    cache.save("token-2", {"state": 2})
    assert cache.load() == ("token-2", {"state": 2})
    assert list(tmp_path.glob("*.tmp")) == [running]


def test_a_removal_that_failed_half_way_is_patched_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A removal whose chunks were deleted but whose manifest record was not (the server went away between the
    two) must not come back from the cache, even when another document's change is patched in beside it:
    Store.forget marks the record "removing" before it deletes anything."""
    folder = tmp_path / "docs"
    syncer, _ = synced_index(folder, tmp_path / "index", ("metro.txt", "su.txt", "library.txt"))
    (folder / "parklar.txt").write_text(DOCUMENTS["parklar.txt"], encoding="utf-8")
    syncer.sync([folder])
    real_delete = Store.delete_chunks_of

    def delete_then_fail(store: Store, doc_ids) -> None:
        real_delete(store, doc_ids)
        raise ConnectionError("the Chroma server went away")

    monkeypatch.setattr(Store, "delete_chunks_of", delete_then_fail)
    with pytest.raises(ConnectionError):
        syncer.remove("su.txt")
    monkeypatch.undo()
    assert syncer.store.manifest_entries()["su.txt"].status == "removing"
    after = reopened(syncer)
    assert after.load_source == "patched cache"
    assert "su.txt" not in {p.doc_id for q in QUESTIONS for p in after.retrieve(q, k=4).passages}
    assert after.retrieve("Which parks did Izmir open this year?", k=1).passages[0].doc_id == "parklar.txt"
