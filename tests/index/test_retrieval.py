"""HybridRetriever and the keyword index on a tiny real index (real model, real Chroma)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import kentrag.index.retriever
import kentrag.index.store
import pytest
from kentrag.index.keyword import KeywordIndex
from kentrag.index.retriever import HybridRetriever
from kentrag.index.stopwatch import Stopwatch

from kentrag.core.language import keyword_tokens
from tests.conftest import make_settings

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


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    return synced_index(tmp_path_factory.mktemp("tiny-corpus"), tmp_path_factory.mktemp("tiny-index"))[1]


def test_turkish_question_finds_english_only_fact(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?", k=2)
    assert passages[0].doc_id == "metro.txt"
    assert passages[0].language == "en"


def test_english_question_finds_turkish_only_fact(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve("How much did Bursa's smart water meters cut the water loss rate?", k=2)
    assert passages[0].doc_id == "su.txt"


def test_same_language_question_and_passage_fields(retriever: HybridRetriever) -> None:
    passages = retriever.retrieve("İzmir'de hangi ilçelerde yeni parklar açıldı?", k=3)
    top = passages[0]
    assert top.doc_id == "parklar.txt" and top.language == "tr"
    assert top.text in DOCUMENTS["parklar.txt"]
    assert DOCUMENTS["parklar.txt"][top.start_char:top.end_char] == top.text
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_k_and_empty_query(retriever: HybridRetriever) -> None:
    assert retriever.uses_second_embedder
    assert len(retriever.retrieve("library", k=1)) == 1
    assert retriever.retrieve("   ") == []


def test_keyword_tokens_fold_turkish_capitals_and_cut_suffixes() -> None:
    assert keyword_tokens("İSTANBUL'DA") == keyword_tokens("istanbul'da") == ["istan", "da"]
    assert keyword_tokens("ISPARTA") == keyword_tokens("Isparta") == keyword_tokens("ısparta")
    assert keyword_tokens("Belediyesinin", prefix=0) == ["belediyesinin"]


def test_keyword_index_matches_across_case_and_suffixes() -> None:
    index = KeywordIndex(["İzmir Büyükşehir Belediyesi parkları", "Bursa su idaresi", "Ankara metro hattı"])
    assert index.top("IZMIR belediye", 1)[0][0] == 0
    assert index.top("izmir'deki parklar", 1)[0][0] == 0
    assert index.top("Bursa'nın suyu", 1)[0][0] == 1
    assert index.top("metrosu", 1)[0][0] == 2
    assert index.top("zzz", 3) == []


def test_dense_scores_are_the_stored_vectors_similarities(retriever: HybridRetriever) -> None:
    """The in-memory copy of the vectors gives the same cosine as Chroma's own nearest-neighbour search."""
    query = "How long will the Esenboğa metro line be?"
    passages = retriever.retrieve(query, k=4)
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
    assert "su.txt" not in {p.doc_id for p in retriever.retrieve(question, k=3)}

    (folder / "su.txt").write_text(DOCUMENTS["su.txt"], encoding="utf-8")
    (folder / "metro.txt").unlink()
    syncer.sync([folder])
    retriever.refresh()
    found = retriever.retrieve(question, k=3)
    assert found[0].doc_id == "su.txt"
    assert "metro.txt" not in {p.doc_id for p in found}


def test_missing_use_vectors_fall_back_to_e5_and_keywords(tmp_path: Path) -> None:
    """An index whose USE vectors are incomplete (e.g. an interrupted back-fill) still answers, without USE."""
    syncer, _ = synced_index(tmp_path / "docs", tmp_path / "index")
    store = syncer.store
    with store.writing():  # as an interrupted back-fill leaves it
        store.second.delete(ids=store.second.get(include=[])["ids"][:1])
    retriever = HybridRetriever(store, syncer.embedding)
    assert not retriever.uses_second_embedder
    passages = retriever.retrieve("How much did Bursa's smart water meters cut the water loss rate?", k=2)
    assert passages[0].doc_id == "su.txt"


def test_graph_search_above_the_exact_search_limit_gives_the_same_ranking(
        retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large indexes take their dense candidates from an HNSW graph instead of the exact scan; on a small index
    the graph finds the same neighbours."""

    monkeypatch.setattr(kentrag.index.retriever, "EXACT_SEARCH_LIMIT", 0)
    large = HybridRetriever(retriever.store, retriever.embedding)
    assert large._snapshot.graph is not None and retriever._snapshot.graph is None
    for question in ("Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?", "library week workshops",
                     "Bursa su kaybı"):
        expected = [(p.chunk_id, round(p.score, 3)) for p in retriever.retrieve(question, k=4)]
        assert [(p.chunk_id, round(p.score, 3)) for p in large.retrieve(question, k=4)] == expected


def test_patched_graph_maps_its_keys_to_the_new_rows() -> None:
    """After dropping rows and adding new ones, each row's own vector is found at that row, and dropped vectors
    are gone. The graph's own search is approximate (a parallel build leaves a few of 300 nodes out of reach),
    so the mapping is checked through usearch's exact search of the same index, and nearest_rows by share."""
    import numpy as np
    from kentrag.index.graph import DenseGraph

    def exact_row(graph: DenseGraph, vector: np.ndarray) -> int:
        return int(graph.row_of_key[graph.index.search(vector, 1, exact=True).keys[0]])

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    keep = rng.random(300) > 0.3
    graph = DenseGraph.build(vectors[:250]).patched(keep[:250], vectors[250:])
    rows = np.concatenate([vectors[:250][keep[:250]], vectors[250:]])
    assert [exact_row(graph, vector) for vector in rows] == list(range(len(rows)))
    found = np.mean([graph.nearest_rows(vector, 1).tolist() == [row] for row, vector in enumerate(rows)])
    assert found >= 0.95  # a wrong mapping finds almost none
    # A dropped vector's exact nearest is a live row: were it still in the graph, it would come first (-1).
    assert all(exact_row(graph, vector) >= 0 for vector in vectors[:250][~keep[:250]])
    again = graph.patched(np.ones(len(rows), dtype=bool), np.zeros((0, 16), np.float32))
    assert [exact_row(again, vector) for vector in rows] == list(range(len(rows)))


def test_excluded_documents_are_left_out_before_scoring(retriever: HybridRetriever) -> None:
    question = "How long will the Esenboğa metro line be?"
    assert retriever.retrieve(question, k=1)[0].doc_id == "metro.txt"
    without = retriever.retrieve(question, k=10, exclude={"metro.txt"})
    assert without and "metro.txt" not in {p.doc_id for p in without}
    # Left out of the English centring too, so the other English passage scores differently.
    library = {p.doc_id: p.score for p in retriever.retrieve(question, k=10)}["library.txt"]
    assert {p.doc_id: p.score for p in without}["library.txt"] != pytest.approx(library, abs=1e-4)
    assert retriever.retrieve(question, k=10, exclude=set(DOCUMENTS)) == []


def test_use_scores_only_passages_in_another_language(retriever: HybridRetriever) -> None:
    """Within the question's language the fused score is e5 + sentence weight × best-sentence e5 + keyword
    weight × BM25 (centring shifts a language's passages alike), so score differences between same-language
    passages show no USE term."""
    from kentrag.index.retriever import KEYWORD_WEIGHT_SAME_LANGUAGE, SENTENCE_WEIGHT

    passages = retriever.retrieve("İzmir'de hangi ilçelerde yeni parklar açıldı?", k=10)
    turkish = [p for p in passages if p.language == "tr"]
    assert len(turkish) >= 2 and retriever.uses_second_embedder
    first, second = turkish[:2]
    expected = sum(weight * (getattr(first, part) - getattr(second, part)) for part, weight in
                   (("dense", 1.0), ("sentence", SENTENCE_WEIGHT), ("keyword", KEYWORD_WEIGHT_SAME_LANGUAGE)))
    assert first.score - second.score == pytest.approx(expected, abs=1e-5)


def test_best_sentence_scores_group_sentences_by_chunk() -> None:
    import numpy as np
    from kentrag.index.sentence_vectors import SentenceVectors

    # Chunk rows 0, 1, 2 own sentences [0, 1], [2], [3, 4, 5].
    vectors = np.eye(6, dtype=np.float16)
    sentences = SentenceVectors(starts=np.array([0, 2, 3]), counts=np.array([2, 1, 3]), e5=vectors, second=None)
    query = np.array([0.1, 0.9, 0.3, 0.2, 0.8, 0.4], dtype=np.float32)
    assert sentences.best(np.array([2, 0]), query) == pytest.approx([0.8, 0.9], abs=1e-3)
    assert sentences.best(np.array([1]), query) == pytest.approx([0.3], abs=1e-3)


def test_top_rows_are_the_largest_products() -> None:
    import numpy as np
    from kentrag.index.arrays import top_rows

    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((500, 16)).astype(np.float32)
    vector = rng.standard_normal(16).astype(np.float32)
    scores = matrix @ vector
    assert top_rows(matrix, vector, 7).tolist() == np.argsort(-scores)[:7].tolist()
    assert sorted(top_rows(matrix[:3], vector, 7).tolist()) == [0, 1, 2]  # fewer rows than k


def test_a_languages_own_search_finds_its_nearest_rows(retriever: HybridRetriever) -> None:
    """The search a language with too few candidates gets: its own vectors scanned, rows mapped back."""
    import numpy as np

    snapshot = retriever._snapshot
    vector = retriever.query_vector("Bursa akıllı sayaç kayıp kaçak")
    scores = snapshot.vectors @ vector
    for language in snapshot.languages:
        mine = np.flatnonzero(snapshot.passage_languages == language)
        assert len(mine) >= 2
        expected = set(mine[np.argsort(-scores[mine])[:1]].tolist())
        assert HybridRetriever._nearest_rows(snapshot, vector, 1, language) == expected


def test_sentence_score_is_the_best_sentence_cosine(retriever: HybridRetriever) -> None:
    import numpy as np

    from kentrag.core.sentences import sentence_texts

    question = "How many passengers will the Esenboğa metro line carry?"
    top = retriever.retrieve(question, k=1)[0]
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
    retriever = HybridRetriever(store, syncer.embedding)
    passages = retriever.retrieve("How much did Bursa's smart water meters cut the water loss rate?", k=2)
    assert passages[0].doc_id == "su.txt" and passages[0].sentence is None


def test_bm25_scores_follow_the_okapi_formula() -> None:
    """Scores summed from the sparse arrays equal Okapi BM25 written out term by term."""
    import math

    from kentrag.index.keyword import K1, B

    texts = ["İzmir parkları açıldı", "parklar parklar ve bahçeler", "metro hattı", "İzmir metro parkı"]
    index = KeywordIndex(texts)
    tokens = [keyword_tokens(t) for t in texts]
    average = sum(map(len, tokens)) / len(tokens)
    query = keyword_tokens("izmir parkları metro")

    def idf(term: str) -> float:
        frequency = sum(1 for d in tokens if term in d)
        return math.log1p((len(tokens) - frequency + 0.5) / (frequency + 0.5))

    def bm25(doc: list[str]) -> float:
        return sum(idf(term) * doc.count(term) * (K1 + 1) / (doc.count(term) + K1 * (1 - B + B * len(doc) / average))
                   for term in set(query))

    expected = [bm25(doc) for doc in tokens]
    assert index.scores("izmir parkları metro") == pytest.approx(expected, rel=1e-5)
    full_match = sum(idf(term) for term in set(query))
    assert index.matched_share("izmir parkları metro") == pytest.approx([e / full_match for e in expected], rel=1e-5)
    assert index.scores("zzz").tolist() == [0.0] * 4


def test_refresh_reads_collections_page_by_page_with_the_same_result(
        retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole-collection reads go page by page (Chroma's `get` of ~100k records at once fails); pages of 3
    records give the same vectors, sentence groups and ranking as one page."""
    import numpy as np

    question = "Esenboğa Havalimanı metro hattı kaç kilometre uzunluğunda olacak?"
    before, snapshot = retriever.retrieve(question, k=4), retriever._snapshot
    monkeypatch.setattr(kentrag.index.store, "GET_PAGE", 3)
    paged = HybridRetriever(retriever.store, retriever.embedding)
    assert len(paged._snapshot.passages) > 3 and len(paged._snapshot.sentences.e5) > 3
    assert np.array_equal(paged._snapshot.sentences.counts, snapshot.sentences.counts)
    assert np.array_equal(paged._snapshot.sentences.second, snapshot.sentences.second)
    assert [(p.chunk_id, p.score) for p in paged.retrieve(question, k=4)] == [(p.chunk_id, p.score) for p in before]


@pytest.mark.parametrize("graph", [False, True], ids=["exact scan", "graph"])
def test_refresh_of_changed_documents_equals_a_full_reload(tmp_path: Path, graph: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Patching only the added, changed and removed documents into the retriever gives the same state and the
    same answers as reading the whole index again, with or without the graph of a large index."""
    import numpy as np

    if graph:
        monkeypatch.setattr(kentrag.index.retriever, "EXACT_SEARCH_LIMIT", 0)
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
            state[passage.chunk_id] = (passage, snapshot.vectors[row].tolist(), snapshot.second_vectors[row].tolist(),
                                       sentences.e5[own].tolist(), sentences.second[own].tolist())
        return state

    assert by_chunk(patched._snapshot) == by_chunk(full._snapshot)
    assert {p.doc_id for p in patched._snapshot.passages} == {"parklar.txt", "library.txt", "su.txt"}
    if graph:  # patched, not rebuilt: each row's vector finds that row
        assert patched._snapshot.graph is not full._snapshot.graph
        assert [patched._snapshot.graph.nearest_rows(v, 1).tolist() for v in patched._snapshot.vectors] == [
            [row] for row in range(len(patched._snapshot.passages))]
    for question in ("Bursa'da akıllı sayaçlar kayıp kaçak oranını ne kadar düşürdü?", "Are the parks open at night?",
                     "library week workshops", "Esenboğa metro"):
        got, expected = patched.retrieve(question, k=3), full.retrieve(question, k=3)
        assert [p.chunk_id for p in got] == [p.chunk_id for p in expected]
        assert np.allclose([p.score for p in got], [p.score for p in expected], atol=1e-5)
        assert [p.keyword for p in got] == pytest.approx([p.keyword for p in expected], abs=1e-6)


def test_refresh_of_changed_documents_reloads_all_when_vector_sets_differ(tmp_path: Path) -> None:
    """A changed document whose USE vectors are missing (an interrupted write) cannot be patched into a
    retriever that scores with USE: the refresh reads the whole index, which then scores without USE."""
    folder = tmp_path / "docs"
    syncer, retriever = synced_index(folder, tmp_path / "index", ("metro.txt", "library.txt"))
    assert retriever.uses_second_embedder
    (folder / "su.txt").write_text(DOCUMENTS["su.txt"], encoding="utf-8")
    syncer.sync([folder])
    with syncer.store.writing():
        syncer.store.second.delete(where={"doc_id": "su.txt"})
    retriever.refresh(["su.txt"])
    assert not retriever.uses_second_embedder
    assert retriever.retrieve("Bursa akıllı sayaç kayıp kaçak", k=1)[0].doc_id == "su.txt"


def test_graph_answers_concurrent_searches_as_it_answers_them_one_by_one() -> None:
    """Chat sessions search one graph from several threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    from kentrag.index.graph import DenseGraph

    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((3000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    graph = DenseGraph.build(vectors)
    queries = list(vectors[:400] + 0.1 * rng.standard_normal((400, 64)).astype(np.float32))
    one_by_one = [graph.nearest_rows(query, 20).tolist() for query in queries]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda query: graph.nearest_rows(query, 20).tolist(), queries)) == one_by_one


def test_a_stopwatch_times_each_stage_of_its_own_thread_s_queries(retriever: HybridRetriever) -> None:
    """The speed benchmark's per-stage table: every stage of `retrieve` is lapped in order, the laps add up to
    no more than the query took, and a query of another thread does not count."""
    question = "How much did Bursa's smart water meters cut the water loss rate?"  # answer only in Turkish
    started = time.perf_counter()
    with Stopwatch() as watch:
        retriever.retrieve(question)
        elapsed = time.perf_counter() - started
        other_thread = threading.Thread(target=retriever.retrieve, args=(question,))
        other_thread.start()
        other_thread.join()
    assert list(watch.laps) == ["e5 query vector", "BM25", "candidates", "e5 cosines", "fusion",
                                "USE query vector", "USE cosines", "centring, ranking"]
    assert all(seconds > 0 for seconds in watch.laps.values())
    assert sum(watch.laps.values()) <= elapsed


def test_use_vectors_from_the_query_worker_rank_as_those_made_here(
        retriever: HybridRetriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large index takes USE's query vectors from the worker process (started with the retriever), with the
    rankings and scores of vectors made in this process; a small one makes them here."""
    from kentrag.core.embedding import load_embedding, load_second_embedding

    settings = retriever.store.settings
    there = load_second_embedding(settings)
    here = load_second_embedding(settings.with_overrides(query_worker=False))
    embedding = load_embedding(settings)
    questions = ["İzmir'de hangi ilçelerde yeni parklar açıldı?", "How long is the new Ankara metro line?",
                 "Bursa'da kayıp kaçak oranı ne kadar düştü?", "When are Istanbul's libraries open late?"]
    small = HybridRetriever(retriever.store, embedding, second_embedding=there)
    answered = there.query_worker.answered
    expected = [[(p.chunk_id, p.score) for p in small.retrieve(question, k=4)] for question in questions]
    assert there.query_worker.answered == answered
    monkeypatch.setattr(kentrag.index.retriever, "QUERY_WORKER_MIN_CHUNKS", 0)
    large = HybridRetriever(retriever.store, embedding, second_embedding=there)
    assert there.start_query_worker(wait_s=120)
    without = HybridRetriever(retriever.store, embedding, second_embedding=here)
    for question, in_process in zip(questions, expected):
        ours, theirs = large.retrieve(question, k=4), without.retrieve(question, k=4)
        assert [p.chunk_id for p in ours] == [p.chunk_id for p in theirs] == [chunk for chunk, _ in in_process]
        assert [p.score for p in ours] == pytest.approx([p.score for p in theirs], abs=1e-5)
    assert there.query_worker.answered - answered == len(questions)


def test_single_threaded_keeps_this_thread_s_pytorch_work_on_one_core_only_meanwhile() -> None:
    """Measured as CPU time: a matrix-vector product on two threads costs the process about twice what it costs
    the calling thread; inside `single_threaded` about the same. Other threads keep their count."""
    import torch

    from kentrag.torch_threads import single_threaded

    torch.set_num_threads(2)  # as kentrag.core.embedding.load_embedding does: OpenMP's and MKL's counts of this thread
    matrix, vector = torch.randn(20_000, 384), torch.randn(384)

    def process_over_thread_cpu() -> float:
        thread, process = time.thread_time(), time.process_time()
        for _ in range(300):
            torch.mv(matrix, vector)
        return (time.process_time() - process) / (time.thread_time() - thread)

    before, seen = torch.get_num_threads(), []
    assert process_over_thread_cpu() > 1.5
    with single_threaded():
        assert process_over_thread_cpu() < 1.2
        other = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        other.start()
        other.join()
    assert seen == [before] and torch.get_num_threads() == before and process_over_thread_cpu() > 1.5
