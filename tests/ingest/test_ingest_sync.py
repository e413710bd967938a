"""Incremental ingest on a real Chroma index with the real model: only what changed is touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kentrag.index.retriever import HybridRetriever
from kentrag.index.store import Store
from kentrag.ingest.sync import Syncer

from tests.conftest import CORPUS, make_settings

pytestmark = pytest.mark.slow

SMALL_DOCS = (
    "2022-innoweek-tashkent-smart-cities-conference.txt",
    "2017-10-tdbb-smart-municipalism-cyber-security.txt",
)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in SMALL_DOCS:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def chunk_state(store: Store) -> dict[str, tuple[str, str]]:
    got = store.chunks.get(include=["metadatas"])
    return {i: (m["doc_id"], m["content_hash"]) for i, m in zip(got["ids"], got["metadatas"])}


def test_second_ingest_embeds_nothing(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", small_corpus)
    first = Syncer(settings, show_progress=False).sync([small_corpus])
    assert sorted(first.added) == sorted(SMALL_DOCS) and first.chunks_embedded > 0
    store = Store(settings)
    before = chunk_state(store)
    assert len(before) == first.chunks_embedded

    second = Syncer(settings, show_progress=False).sync([small_corpus])
    assert second.chunks_embedded == 0
    assert sorted(second.unchanged) == sorted(SMALL_DOCS)
    assert not (second.added or second.updated or second.removed or second.failed)
    assert chunk_state(store) == before


def test_changed_document_replaces_only_its_chunks(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", small_corpus)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([small_corpus])
    before = chunk_state(syncer.store)
    changed, untouched = SMALL_DOCS
    with open(small_corpus / changed, "a", encoding="utf-8") as handle:
        handle.write("\n\nKonferansa ayrıca Kocaeli'den bir akıllı otopark heyeti katıldı.\n")

    report = syncer.sync([small_corpus])
    after = chunk_state(syncer.store)
    assert report.updated == [changed] and report.unchanged == [untouched]
    assert {k: v for k, v in after.items() if v[0] == untouched} == {
        k: v for k, v in before.items() if v[0] == untouched
    }
    old_hash = {v[1] for v in before.values() if v[0] == changed}
    new_hash = {v[1] for v in after.values() if v[0] == changed}
    assert len(old_hash) == len(new_hash) == 1 and old_hash != new_hash
    assert report.chunks_embedded == sum(1 for v in after.values() if v[0] == changed)
    assert syncer.store.manifest_entries()[changed].chunks == report.chunks_embedded
    texts = syncer.store.chunks.get(where={"doc_id": changed}, include=["documents"])["documents"]
    assert any("akıllı otopark" in t for t in texts)


def test_deleted_document_is_removed(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", small_corpus)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([small_corpus])
    gone, kept = SMALL_DOCS
    (small_corpus / gone).unlink()

    report = syncer.sync([small_corpus])
    assert report.removed == [gone] and report.chunks_embedded == 0
    assert {doc for doc, _ in chunk_state(syncer.store).values()} == {kept}
    assert set(syncer.store.manifest_entries()) == {kept}


def test_ingesting_one_file_does_not_remove_the_others(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "data", small_corpus)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([small_corpus])
    report = syncer.sync([small_corpus / SMALL_DOCS[0]])
    assert report.unchanged == [SMALL_DOCS[0]] and not report.removed
    assert set(syncer.store.manifest_entries()) == set(SMALL_DOCS)


def test_model_change_reindexes_into_new_collections(tmp_path: Path, small_corpus: Path) -> None:
    from kentrag.core.embedding import resolve_model_path

    settings = make_settings(tmp_path / "data", small_corpus)
    first = Syncer(settings, show_progress=False)
    first.sync([small_corpus])
    old_names = set(first.store.collection_names)
    old_cache = HybridRetriever(first.store, first.embedding).snapshot_cache.path
    unrelated_cache = old_cache.with_name("other-prefix-0123456789ab.pickle")  # another collection prefix's
    unrelated_cache.write_bytes(old_cache.read_bytes())

    # The same weights named by their folder: a different model setting, so a different index shape.
    other = settings.with_overrides(embedding_model=resolve_model_path(settings), query_prefix="query: ",
                                    passage_prefix="passage: ")
    second = Syncer(other, show_progress=False)
    report = second.sync([small_corpus])
    assert sorted(report.added) == sorted(SMALL_DOCS)
    assert report.chunks_embedded == second.store.chunk_count() > 0
    assert set(report.dropped_collections) == old_names
    names = {c.name for c in second.store.client.list_collections()}
    assert names == set(second.store.collection_names) and len(names) == 6
    assert not old_cache.exists() and unrelated_cache.exists()  # the dropped shape's snapshot cache went with it


def test_chunk_metadata_points_at_exact_text(tmp_path: Path, small_corpus: Path) -> None:
    from kentrag.ingest.readers import read_document

    settings = make_settings(tmp_path / "data", small_corpus)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([small_corpus])
    got = syncer.store.chunks.get(include=["documents", "metadatas"])
    for text, meta in zip(got["documents"], got["metadatas"]):
        document = read_document(small_corpus / meta["doc_id"], small_corpus)
        assert document.text[meta["start_char"]:meta["end_char"]] == text
        assert meta["language"] == document.language and meta["title"] == document.title
        assert meta["source"] == meta["doc_id"] and isinstance(meta["chunk_index"], int)


def test_unreadable_file_is_reported_and_the_rest_indexed(tmp_path: Path, small_corpus: Path) -> None:
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (small_corpus / "empty.txt").write_bytes(b"")
    settings = make_settings(tmp_path / "data", small_corpus)
    report = Syncer(settings, show_progress=False).sync([small_corpus])
    assert sorted(report.added) == sorted(SMALL_DOCS)
    assert set(Path(p).name for p in report.failed) == {"broken.pdf", "empty.txt"}
    assert all(reason for reason in report.failed.values())


def sentence_owners(store: Store) -> dict[str, dict[str, str]]:
    """For the e5 and the USE sentence collections: sentence id → its chunk id."""
    return {name: {i: m["chunk_id"] for i, m in zip(got["ids"], got["metadatas"])}
            for name, got in (("e5", store.sentences.get(include=["metadatas"])),
                              ("use", store.use_sentences.get(include=["metadatas"])))}


def test_every_chunk_has_its_sentence_vectors_and_they_follow_changes(tmp_path: Path, small_corpus: Path) -> None:
    import numpy as np
    from kentrag.index.store import sentence_id

    from kentrag.core.sentences import sentence_texts

    settings = make_settings(tmp_path / "data", small_corpus)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([small_corpus])
    chunks = syncer.store.chunks.get(include=["documents"])
    expected = {sentence_id(chunk, n): chunk for chunk, text in zip(chunks["ids"], chunks["documents"])
                for n in range(len(sentence_texts(text)))}
    assert len(expected) > len(chunks["ids"])  # chunks hold several sentences
    assert sentence_owners(syncer.store) == {"e5": expected, "use": expected}

    # A stored sentence vector is the passage embedding of that sentence alone.
    chunk, text = chunks["ids"][0], chunks["documents"][0]
    stored = syncer.store.sentences.get(ids=[sentence_id(chunk, 1)], include=["embeddings"])["embeddings"][0]
    fresh = syncer.embedding.get_text_embedding(sentence_texts(text)[1])
    assert float(np.dot(stored, fresh)) > 0.999

    changed, removed = SMALL_DOCS
    with open(small_corpus / changed, "a", encoding="utf-8") as handle:
        handle.write("\n\nKonferansa ayrıca Kocaeli'den bir akıllı otopark heyeti katıldı.\n")
    (small_corpus / removed).unlink()
    syncer.sync([small_corpus])
    owners = sentence_owners(syncer.store)
    assert owners["e5"] == owners["use"]
    assert set(owners["e5"].values()) == set(syncer.store.chunks.get(include=[])["ids"])
    assert not any(chunk.startswith(removed) for chunk in owners["e5"].values())


def test_turning_use_vectors_on_back_fills_chunk_and_sentence_vectors(tmp_path: Path, small_corpus: Path) -> None:
    without = make_settings(tmp_path / "data", small_corpus, use_vectors=False)
    first = Syncer(without, show_progress=False)
    first.sync([small_corpus])
    assert first.store.use_chunks is None and first.store.sentences.count() > first.store.chunk_count()

    with_use = make_settings(tmp_path / "data", small_corpus)
    second = Syncer(with_use, show_progress=False)
    report = second.sync([small_corpus])
    assert report.chunks_embedded == 0 and sorted(report.unchanged) == sorted(SMALL_DOCS)
    assert sentence_owners(second.store)["use"] == sentence_owners(second.store)["e5"]
    assert set(second.store.use_chunks.get(include=[])["ids"]) == set(second.store.chunks.get(include=[])["ids"])
    retriever = HybridRetriever(second.store, second.embedding)
    assert retriever.uses_use_vectors and retriever.snapshot.sentences.use is not None


def test_ingest_embeds_passages_in_the_configured_precision(tmp_path: Path, small_corpus: Path) -> None:
    """bfloat16 ("on"; "auto" where the CPU has it) stores other numbers than float32, in the same directions."""
    import numpy as np

    vectors = {}
    for precision in ("on", "off"):
        settings = make_settings(tmp_path / precision, small_corpus, passage_bfloat16=precision, use_vectors=False)
        Syncer(settings, show_progress=False).sync([small_corpus])
        got = Store(settings).chunks.get(include=["embeddings"])
        vectors[precision] = dict(zip(got["ids"], np.asarray(got["embeddings"])))
    assert vectors["on"].keys() == vectors["off"].keys()
    on, off = (np.stack([vectors[p][i] for i in sorted(vectors["off"])]) for p in ("on", "off"))
    assert not np.array_equal(on, off)
    assert (np.sum(on * off, axis=1) > 0.9999).all()
