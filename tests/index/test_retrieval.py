"""HybridRetriever on a tiny real index (real model, real Chroma)."""

from __future__ import annotations

from pathlib import Path

import kentrag.index.snapshot
import kentrag.index.store
import numpy as np
import pytest
from kentrag.index.dense_search import GraphSearch
from kentrag.index.retriever import HybridRetriever

from kentrag.core.sentences import sentence_texts
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

DOCUMENTS = {
    "metro.txt": "Ankara Metro Extension\n\nThe new metro line from Kızılay to Esenboğa Airport will be 38 kilometres "
                 "long and carry 120,000 passengers a day when it opens in 2027.",
    "parklar.txt": "İzmir'in Yeni Parkları\n\nİzmir Büyükşehir Belediyesi bu yıl Karşıyaka ve Bornova'da iki yeni "
                   "kent parkı açtı. Parklarda yürüyüş yolları, çocuk oyun alanları ve bisiklet parkurları var.",
    "su.txt": "Bursa'da Su Tasarrufu\n\nBursa Su ve Kanalizasyon İdaresi, akıllı sayaçlarla kayıp kaçak oranını "
              "yüzde 30'dan yüzde 22'ye indirdi. Sayaçlar her saat tüketim verisi gönderiyor.",
    "library.txt": "Istanbul Library Week\n\nThe municipal libraries of Istanbul opened late on weekdays during "
                   "the library week, with reading workshops for children and free wifi.",
}
BURSA = "How much did Bursa's smart water meters cut the water loss rate?"  # answered only in Turkish


def synced_index(folder: Path, data_dir: Path, names: tuple[str, ...] = tuple(DOCUMENTS)):
    """A real index of the named DOCUMENTS written into `folder`: (its Syncer, a retriever over it)."""
    from kentrag.index.store import Store
    from kentrag.ingest.sync import Syncer

    from kentrag.core.embedding import load_embedding

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(DOCUMENTS[name], encoding="utf-8")
    settings = make_settings(data_dir, corpus_dir=folder)
    syncer = Syncer(settings, show_progress=False)
    syncer.sync([folder])
    return syncer, HybridRetriever(Store(settings), load_embedding(settings))


def add_change_remove(syncer, folder: Path, add: str, change: str, remove: str):
    """Add one of DOCUMENTS to the synced folder, change another (a sentence appended), delete a third, and sync
    again: the sync's report."""
    (folder / add).write_text(DOCUMENTS[add], encoding="utf-8")
    (folder / change).write_text(DOCUMENTS[change] + " Güncellendi: 2026.", encoding="utf-8")
    (folder / remove).unlink()
    return syncer.sync([folder])


def top_documents(retriever: HybridRetriever, question: str, k: int = 3) -> list[str]:
    return [p.doc_id for p in retriever.retrieve(question, k=k).passages]


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    return synced_index(tmp_path_factory.mktemp("tiny-corpus"), tmp_path_factory.mktemp("tiny-index"))[1]


def test_turkish_question_finds_english_only_fact(retriever: HybridRetriever) -> None:
    found = retriever.retrieve("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?", k=2)
    assert found.language == "tr"
    assert found.passages[0].doc_id == "metro.txt" and found.passages[0].language == "en"
    assert found.use_query_vector is not None and found.use_query_vector.shape == (512,)


def test_english_question_finds_turkish_only_fact(retriever: HybridRetriever) -> None:
    assert top_documents(retriever, BURSA, k=2)[0] == "su.txt"


def test_same_language_question_and_passage_fields(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve("İzmir'de hangi ilçelerde yeni parklar açıldı?", k=3).passages
    top = passages[0]
    assert top.doc_id == "parklar.txt" and top.language == "tr"
    assert top.text in DOCUMENTS["parklar.txt"]
    assert DOCUMENTS["parklar.txt"][top.start_char:top.end_char] == top.text
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_k_and_empty_question(retriever: HybridRetriever) -> None:
    assert retriever.uses_use_vectors
    assert len(retriever.retrieve("library", k=1).passages) == 1
    empty = retriever.retrieve("   ", history=["How long is the metro line?"])
    assert empty.passages == () and empty.query_vector is None and empty.sentence_vectors == {}


def test_an_empty_index_retrieves_nothing(tmp_path: Path) -> None:
    from kentrag.index.store import Store

    from kentrag.core.embedding import load_embedding

    settings = make_settings(tmp_path / "index", corpus_dir=tmp_path)
    empty = HybridRetriever(Store(settings), load_embedding(settings)).retrieve("Bursa su kaybı")
    assert (empty.language, empty.query, empty.passages, empty.query_vector) == ("tr", "Bursa su kaybı", (), None)


def test_the_retrieval_carries_the_query_and_its_vectors(retriever: HybridRetriever) -> None:
    """The query searched with is the question with the previous user turn; its e5 vector is the one searched
    with; the language is the question's own."""
    found = retriever.retrieve("Kaç yolcu taşıyacak?", history=["How long will the Esenboğa metro line be?"], k=2)
    assert found.query == "How long will the Esenboğa metro line be? Kaç yolcu taşıyacak?"
    assert found.language == "tr"
    vector = np.asarray(retriever.embedding.get_query_embedding(found.query), dtype=np.float32)
    assert np.allclose(found.query_vector, vector, atol=1e-6)
    assert found.passages[0].dense == pytest.approx(float(retriever.snapshot.vectors[
        retriever.snapshot.row_of[found.passages[0].chunk_id]] @ vector), abs=1e-6)


def test_passages_and_sentence_vectors_come_from_one_snapshot(retriever: HybridRetriever, tmp_path: Path) -> None:
    """A refresh that swaps the snapshot while a question is answered does not mix the two: the passages and their
    sentence vectors are those of the snapshot the question began with, one vector per sentence."""
    _, other = synced_index(tmp_path / "docs", tmp_path / "index", ("metro.txt",))
    swapping = HybridRetriever(retriever.store, retriever.embedding)
    before = swapping.snapshot

    class RefreshedMeanwhile:
        def get_query_embedding(self, query: str) -> list[float]:
            swapping._snapshot = other.snapshot  # what a refresh in another thread does
            return retriever.embedding.get_query_embedding(query)

    swapping.embedding = RefreshedMeanwhile()
    found = swapping.retrieve(BURSA, k=10)
    assert swapping.snapshot is other.snapshot and found.passages[0].doc_id == "su.txt"
    assert {p.doc_id for p in found.passages} == set(DOCUMENTS)
    assert set(found.sentence_vectors) == {p.chunk_id for p in found.passages}
    for passage in found.passages:
        vectors = found.sentence_vectors[passage.chunk_id]
        assert np.array_equal(vectors, before.sentences.of_chunk(before.row_of[passage.chunk_id]))
        assert vectors.shape == (len(sentence_texts(passage.text)), len(found.query_vector))


def test_dense_scores_are_the_stored_vectors_similarities(retriever: HybridRetriever) -> None:
    """The in-memory vectors give the same cosine as Chroma's own nearest-neighbour search."""
    query = "How long will the Esenboğa metro line be?"
    passages = retriever.retrieve(query, k=4).passages
    vector = retriever.embedding.get_query_embedding(query)
    found = retriever.store.chunks.query(query_embeddings=[vector], n_results=4, include=["distances"])
    chroma = {i: 1.0 - d for i, d in zip(found["ids"][0], found["distances"][0])}
    assert {p.chunk_id for p in passages} == set(chroma)
    for passage in passages:
        assert passage.dense == pytest.approx(chroma[passage.chunk_id], abs=2e-3)


def test_refresh_picks_up_added_and_removed_documents(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    syncer, retriever = synced_index(folder, tmp_path / "index", ("metro.txt", "library.txt"))
    question = "Bursa'da akıllı sayaçlar kayıp kaçak oranını ne kadar düşürdü?"
    assert "su.txt" not in top_documents(retriever, question)

    (folder / "su.txt").write_text(DOCUMENTS["su.txt"], encoding="utf-8")
    (folder / "metro.txt").unlink()
    syncer.sync([folder])
    retriever.refresh()
    found = top_documents(retriever, question)
    assert found[0] == "su.txt" and "metro.txt" not in found


def test_missing_use_vectors_fall_back_to_e5_and_keywords(tmp_path: Path) -> None:
    """An index whose USE vectors are incomplete (e.g. an interrupted back-fill) still answers, without USE."""
    syncer, _ = synced_index(tmp_path / "docs", tmp_path / "index")
    store = syncer.store
    with store.writing():  # as an interrupted back-fill leaves it
        store.use_chunks.delete(ids=store.use_chunks.get(include=[])["ids"][:1])
    retriever = HybridRetriever(store, syncer.embedding)
    assert not retriever.uses_use_vectors
    found = retriever.retrieve(BURSA, k=2)
    assert found.passages[0].doc_id == "su.txt" and found.use_query_vector is None


def test_graph_search_above_the_exact_search_limit_gives_the_same_ranking(
        retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large indexes take their dense candidates from an HNSW graph instead of the exact scan; on a small index
    the graph finds the same neighbours."""
    monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 0)
    large = HybridRetriever(retriever.store, retriever.embedding)
    assert isinstance(large.snapshot.search, GraphSearch) and not isinstance(retriever.snapshot.search, GraphSearch)
    for question in ("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?", "library week workshops",
                     "Bursa su kaybı"):
        expected = [(p.chunk_id, round(p.score, 3)) for p in retriever.retrieve(question, k=4).passages]
        assert [(p.chunk_id, round(p.score, 3)) for p in large.retrieve(question, k=4).passages] == expected


def test_excluded_documents_are_left_out_before_scoring(retriever: HybridRetriever) -> None:
    question = "How long will the Esenboğa metro line be?"
    assert top_documents(retriever, question, k=1) == ["metro.txt"]
    without = retriever.retrieve(question, k=10, exclude={"metro.txt"}).passages
    assert without and "metro.txt" not in {p.doc_id for p in without}
    # Left out of the English centring too, so the other English passage scores differently.
    library = {p.doc_id: p.score for p in retriever.retrieve(question, k=10).passages}["library.txt"]
    assert {p.doc_id: p.score for p in without}["library.txt"] != pytest.approx(library, abs=1e-4)
    nothing = retriever.retrieve(question, k=10, exclude=set(DOCUMENTS))
    assert nothing.passages == () and nothing.query_vector is not None


def test_use_scores_only_passages_in_another_language(retriever: HybridRetriever) -> None:
    """Within the question's language the fused score is e5 + sentence weight × best-sentence e5 + keyword
    weight × BM25 (centring shifts a language's passages alike), so score differences between same-language
    passages show no USE term."""
    from kentrag.index.scoring import KEYWORD_WEIGHT_SAME_LANGUAGE, SENTENCE_WEIGHT

    passages = retriever.retrieve("İzmir'de hangi ilçelerde yeni parklar açıldı?", k=10).passages
    turkish = [p for p in passages if p.language == "tr"]
    assert len(turkish) >= 2 and retriever.uses_use_vectors
    first, second = turkish[:2]
    expected = sum(weight * (getattr(first, part) - getattr(second, part)) for part, weight in
                   (("dense", 1.0), ("sentence", SENTENCE_WEIGHT), ("keyword", KEYWORD_WEIGHT_SAME_LANGUAGE)))
    assert first.score - second.score == pytest.approx(expected, abs=1e-5)


def test_best_sentence_scores_group_sentences_by_chunk() -> None:
    from kentrag.index.sentence_vectors import SentenceVectors

    # Chunk rows 0, 1, 2 own sentences [0, 1], [2], [3, 4, 5].
    vectors = np.eye(6, dtype=np.float16)
    sentences = SentenceVectors(starts=np.array([0, 2, 3]), counts=np.array([2, 1, 3]), e5=vectors, use=None)
    query = np.array([0.1, 0.9, 0.3, 0.2, 0.8, 0.4], dtype=np.float32)
    assert sentences.best(np.array([2, 0]), query) == pytest.approx([0.8, 0.9], abs=1e-3)
    assert sentences.best(np.array([1]), query) == pytest.approx([0.3], abs=1e-3)


@pytest.mark.parametrize("graph", [False, True], ids=["exact scan", "graph"])
def test_a_languages_own_search_finds_its_nearest_rows(retriever: HybridRetriever, graph: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The search a language with too few candidates gets: exactly its own rows' nearest."""
    if graph:
        monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 0)
    snapshot = HybridRetriever(retriever.store, retriever.embedding).snapshot
    vector = retriever.retrieve("Bursa akıllı sayaç kayıp kaçak").query_vector
    scores = snapshot.vectors @ vector
    assert set(snapshot.language_rows) == {"en", "tr"}
    for language, rows in snapshot.language_rows.items():
        assert len(rows) >= 2 and set(snapshot.passage_languages[rows]) == {language}
        expected = rows[np.argsort(-scores[rows])[:1]].tolist()
        assert snapshot.search.nearest_rows_among(vector, rows, 1).tolist() == expected


def test_sentence_score_is_the_best_sentence_cosine(retriever: HybridRetriever) -> None:
    question = "How many passengers will the Esenboğa metro line carry?"
    top = retriever.retrieve(question, k=1).passages[0]
    embedding = retriever.embedding
    query = np.asarray(embedding.get_query_embedding(question))
    cosines = [float(np.dot(query, embedding.get_text_embedding(s))) for s in sentence_texts(top.text)]
    assert len(cosines) >= 2 and top.sentence == pytest.approx(max(cosines), abs=2e-3)


def test_missing_sentence_vectors_fall_back_to_chunk_vectors(tmp_path: Path) -> None:
    """An index with a chunk lacking its sentence vectors (written before they existed, or mid-ingest) still
    answers, by chunk vectors alone."""
    syncer, _ = synced_index(tmp_path / "docs", tmp_path / "index")
    store = syncer.store
    with store.writing():
        store.sentences.delete(where={"doc_id": "su.txt"})
    found = HybridRetriever(store, syncer.embedding).retrieve(BURSA, k=2)
    assert found.passages[0].doc_id == "su.txt" and found.passages[0].sentence is None
    assert found.sentence_vectors == {}


def test_refresh_reads_collections_page_by_page_with_the_same_result(
        retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole-collection reads go page by page (Chroma's `get` of ~100k records at once fails); pages of 3
    records give the same vectors, sentence groups and ranking as one page."""
    question = "Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?"
    before, snapshot = retriever.retrieve(question, k=4).passages, retriever.snapshot
    monkeypatch.setattr(kentrag.index.store, "GET_PAGE", 3)
    paged = HybridRetriever(retriever.store, retriever.embedding)
    assert len(paged.snapshot.passages) > 3 and len(paged.snapshot.sentences.e5) > 3
    assert np.array_equal(paged.snapshot.sentences.counts, snapshot.sentences.counts)
    assert np.array_equal(paged.snapshot.sentences.use, snapshot.sentences.use)
    assert [(p.chunk_id, p.score) for p in paged.retrieve(question, k=4).passages] == [
        (p.chunk_id, p.score) for p in before]


@pytest.mark.parametrize("graph", [False, True], ids=["exact scan", "graph"])
def test_refresh_of_changed_documents_equals_a_full_reload(tmp_path: Path, graph: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Patching only the added, changed and removed documents into the retriever gives the same state and the
    same answers as reading the whole index again, with or without the graph of a large index."""
    if graph:
        monkeypatch.setattr(kentrag.index.snapshot, "EXACT_SEARCH_LIMIT", 0)
    folder = tmp_path / "docs"
    syncer, patched = synced_index(folder, tmp_path / "index", ("metro.txt", "parklar.txt", "library.txt"))
    report = add_change_remove(syncer, folder, add="su.txt", change="parklar.txt", remove="metro.txt")
    changed = report.added + report.updated + report.removed
    assert sorted(changed) == ["metro.txt", "parklar.txt", "su.txt"]
    patched.refresh(changed)
    full = HybridRetriever(syncer.store, syncer.embedding)

    def by_chunk(snapshot) -> dict[str, tuple]:
        """Each chunk's passage and every vector the retriever holds for it."""
        sentences = snapshot.sentences
        state = {}
        for row, passage in enumerate(snapshot.passages):
            own = slice(sentences.starts[row], sentences.starts[row] + sentences.counts[row])
            state[passage.chunk_id] = (passage, snapshot.vectors[row].tolist(), snapshot.use_vectors[row].tolist(),
                                       sentences.e5[own].tolist(), sentences.use[own].tolist())
        return state

    assert by_chunk(patched.snapshot) == by_chunk(full.snapshot)
    assert {p.doc_id for p in patched.snapshot.passages} == {"parklar.txt", "library.txt", "su.txt"}
    assert {language: rows.tolist() for language, rows in patched.snapshot.language_rows.items()} == {
        language: [row for row, p in enumerate(patched.snapshot.passages) if p.language == language]
        for language in ("en", "tr")}
    if graph:  # patched, not rebuilt: each row's vector finds that row
        search = patched.snapshot.search
        assert isinstance(search, GraphSearch) and search is not full.snapshot.search
        assert [search.nearest_rows(v, 1).tolist() for v in patched.snapshot.vectors] == [
            [row] for row in range(len(patched.snapshot.passages))]
    for question in ("Bursa'da akıllı sayaçlar kayıp kaçak oranını ne kadar düşürdü?", "Are the parks open at night?",
                     "library week workshops", "Esenboğa metro"):
        got, expected = patched.retrieve(question, k=3).passages, full.retrieve(question, k=3).passages
        assert [p.chunk_id for p in got] == [p.chunk_id for p in expected]
        assert np.allclose([p.score for p in got], [p.score for p in expected], atol=1e-5)
        assert [p.keyword for p in got] == pytest.approx([p.keyword for p in expected], abs=1e-6)


def test_refresh_of_changed_documents_reloads_all_when_vector_sets_differ(tmp_path: Path) -> None:
    """A changed document whose USE vectors are missing (an interrupted write) cannot be patched into a
    retriever that scores with USE: the refresh reads the whole index, which then scores without USE."""
    folder = tmp_path / "docs"
    syncer, retriever = synced_index(folder, tmp_path / "index", ("metro.txt", "library.txt"))
    assert retriever.uses_use_vectors
    (folder / "su.txt").write_text(DOCUMENTS["su.txt"], encoding="utf-8")
    syncer.sync([folder])
    with syncer.store.writing():
        syncer.store.use_chunks.delete(where={"doc_id": "su.txt"})
    retriever.refresh(["su.txt"])
    assert not retriever.uses_use_vectors
    assert top_documents(retriever, "Bursa akıllı sayaç kayıp kaçak", k=1) == ["su.txt"]
