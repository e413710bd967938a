"""IndexChanges on a real (embedded) Chroma store: a write since the last look refreshes the documents whose
manifest records changed; no write, a write under way, or a look before the interval refreshes nothing; a
write that changed no record refreshes everything. (The watch test shows it across processes.)"""

from __future__ import annotations

import time
from collections.abc import Collection
from pathlib import Path

import pytest
from kentrag.index.store import ManifestEntry, Store

from kentrag.answer.changes import IndexChanges
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def entry(doc_id: str, content_hash: str) -> ManifestEntry:
    return ManifestEntry(doc_id=doc_id, path=f"/corpus/{doc_id}", content_hash=content_hash, title=doc_id,
                         language="tr", chunks=1, added_at="2025-01-01", updated_at="2025-01-01", status="ok")


def test_writes_since_the_last_look_are_refreshed(tmp_path: Path) -> None:
    store = Store(make_settings(tmp_path))
    store.put_manifest([entry("a.txt", "1"), entry("b.txt", "1")])
    calls: list[Collection[str] | None] = []
    changes = IndexChanges(store, calls.append, interval_s=0, wait_s=30)

    changes.look()
    assert calls == []  # nothing written since it was made
    store.put_manifest([entry("b.txt", "2"), entry("c.txt", "1")])
    store.forget(["a.txt"])
    changes.look()
    assert calls == [{"a.txt", "b.txt", "c.txt"}]

    with store.writing():
        store.put_manifest([entry("c.txt", "2")])
        changes.look()  # a write under way: left for a later look
    assert calls == [{"a.txt", "b.txt", "c.txt"}]
    changes.look()
    assert calls[-1] == {"c.txt"}

    with store.writing():  # a write that changed no manifest record (a back-fill of vectors)
        pass
    changes.look()
    assert calls[-1] is None and len(calls) == 3


def test_looks_are_spaced_by_the_interval(tmp_path: Path) -> None:
    store = Store(make_settings(tmp_path))
    calls: list[Collection[str] | None] = []
    changes = IndexChanges(store, calls.append, interval_s=0.5, wait_s=30)
    store.put_manifest([entry("a.txt", "1")])
    changes.look()
    assert calls == []  # made less than the interval ago
    time.sleep(0.6)
    changes.look()
    store.put_manifest([entry("a.txt", "2")])
    changes.look()
    assert calls == [{"a.txt"}]
