"""Hybrid retrieval: e5 (Chroma) + optional USE + BM25, fused per passage language.

The multilingual e5 scores passages in the question's own language higher across the board, which buries
the answer when it sits in a document of the other language. So:
- dense candidates are the `candidates` × (number of languages) nearest chunks (one unfiltered search),
  plus keyword hits;
- each candidate's score is e5 cosine + SENTENCE_WEIGHT × the e5 cosine of its best sentence (see
  index.sentence_vectors) + a keyword weight × normalised BM25 (1.0 = every query term matched), the
  weight larger when question and passage share a language; a passage in another language than the
  question's also gets USE cosines, of the chunk and of its best sentence (USE is less tied to the
  question's language and lifts cross-lingual Recall@1 by ~7 points);
- the fused scores are centred within each passage language (minus the mean of that language's best
  CENTERING_DEPTH), so how much a passage stands out within its language, not the language itself,
  decides. (Dividing by the spread too, or centring on fewer passages, cost the kentrag eval: BENCHMARKS.md.)
Weights chosen on XQuAD and the kentrag eval; measured in BENCHMARKS.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import kentrag.index.arrays
import kentrag.index.graph
import kentrag.index.keyword
import kentrag.index.sentence_vectors
import kentrag.index.store
import numpy as np
from kentrag.index.arrays import float32_rows, top_rows
from kentrag.index.graph import DenseGraph
from kentrag.index.keyword import KeywordIndex, best_rows
from kentrag.index.sentence_vectors import SentenceVectors, load_sentence_vectors
from kentrag.index.snapshot_cache import SnapshotCache, code_digest, copy_path
from kentrag.index.stopwatch import lap
from kentrag.index.store import Store, get_all, vectors_in_order

import kentrag.core.language
from kentrag.core.embedding import load_second_embedding
from kentrag.core.language import detect_language
from kentrag.core.types import Passage
from kentrag.torch_threads import single_threaded

CANDIDATES = 40
# Weights by whether question and passage share a language: within a language keywords are reliable, e5 is
# strong and USE only adds noise; across languages USE carries much of the signal and keywords only match
# names and numbers. (USE on same-language passages too, at 0.1 or 0.2, measured worse: BENCHMARKS.md.)
SECOND_WEIGHT_OTHER_LANGUAGE = 0.2
SECOND_SENTENCE_WEIGHT_OTHER_LANGUAGE = 0.1
SENTENCE_WEIGHT = 0.3
KEYWORD_WEIGHT_SAME_LANGUAGE = 0.08
KEYWORD_WEIGHT_OTHER_LANGUAGE = 0.03
CENTERING_DEPTH = 10
# Up to this many chunks an exact scan finds the dense candidates; above it an HNSW graph (index.graph), which
# costs a build at start-up (BENCHMARKS.md).
EXACT_SEARCH_LIMIT = 20_000
# A refresh told of more changed documents than this reloads everything (one `$in` filter per read).
PATCH_LIMIT = 500
# From this many chunks on, USE's query vector comes from the query worker (kentrag.query_worker): the rest of a
# query then takes long enough to hide it. Measured beyond the e5 query: 1k chunks 3.3 ms in process, 3.6 ms
# with the worker; 10k 4.3 → 3.2 ms; 100k 6.2 → 3.9 ms (BENCHMARKS.md).
QUERY_WORKER_MIN_CHUNKS = 5_000


def _passage(chunk_id: str, text: str, meta: dict) -> Passage:
    return Passage(
        chunk_id=chunk_id, doc_id=meta["doc_id"], title=meta.get("title", ""), source=meta.get("source", ""),
        language=meta.get("language", "en"), text=text, start_char=int(meta.get("start_char", 0)),
        end_char=int(meta.get("end_char", 0)),
    )


def centre_per_language(scores: np.ndarray, languages: np.ndarray, depth: int) -> np.ndarray:
    """Each language's scores minus the mean of its best `depth`.

    A language with fewer than `depth` candidates fills the missing places with the mean of the best `depth`
    of all languages: a lone passage is then compared almost as scored, instead of being centred onto 0
    whatever its score (which made a corpus of one Turkish and one English document a coin toss).
    """
    reference = np.sort(scores)[-depth:].mean()
    out = scores.copy()
    for language in np.unique(languages):
        mask = languages == language
        best = np.sort(scores[mask])[-depth:]
        out[mask] -= (best.sum() + (depth - len(best)) * reference) / depth
    return out


@dataclass(frozen=True)
class _Chunks:
    """Chunks as read from Chroma, with their vectors in the same order."""

    passages: list[Passage]
    vectors: np.ndarray  # e5, float32, one row per passage
    second_vectors: np.ndarray | None  # USE, float16, same rows; None while USE is off or incomplete
    sentences: SentenceVectors | None  # None for an index without (complete) sentence vectors

    def joined(self, keep: np.ndarray, new: _Chunks) -> _Chunks | None:
        """The kept chunks (a boolean mask) followed by `new`; None when the two do not have the same vector
        sets (USE, sentence or USE sentence vectors present on one side only)."""
        if new.passages and self._vector_sets() != new._vector_sets():
            return None

        def rows(mine: np.ndarray | None, theirs: np.ndarray | None) -> np.ndarray | None:
            if mine is None:
                return None
            return np.concatenate([mine[keep], theirs]) if new.passages else mine[keep]

        return _Chunks([p for p, kept in zip(self.passages, keep) if kept] + new.passages,
                       rows(self.vectors, new.vectors), rows(self.second_vectors, new.second_vectors),
                       None if self.sentences is None else self.sentences.patched(keep, new.sentences))

    def _vector_sets(self) -> tuple[bool, bool, bool]:
        sentences = self.sentences
        return self.second_vectors is not None, sentences is not None, bool(sentences and sentences.second is not None)


@dataclass(frozen=True)
class _Snapshot(_Chunks):
    """Everything `retrieve` reads, swapped in whole by `refresh` (so a query never sees half an update): the
    chunks and what is derived from them."""

    row_of: dict[str, int]
    passage_languages: np.ndarray  # one per row
    # Per language (sorted), its rows and their e5 vectors in one contiguous copy (the whole matrix for a single
    # language): a language's own search scans only those (at 100k chunks 0.4 against 2.0 ms for a language
    # with 10 % of them, 1.5 against 5.3 ms at 30 %, without the copy made per query).
    language_vectors: dict[str, tuple[np.ndarray, np.ndarray]]
    keyword: KeywordIndex
    second: object | None  # the USE encoder when second_vectors is set
    graph: DenseGraph | None  # above EXACT_SEARCH_LIMIT chunks

    @property
    def languages(self) -> tuple[str, ...]:
        """The distinct passage languages, sorted."""
        return tuple(self.language_vectors)


def _keyword_texts(passages: list[Passage]) -> list[str]:
    """What the keyword index matches: title and text."""
    return [f"{p.title}\n{p.text}" for p in passages]


class HybridRetriever:
    """Dense + keyword retrieval over one Store; call `refresh()` after the index changes.

    The chunk vectors are kept in memory (e5 as float32, USE as float16: ~250 MB at 100k chunks), so every
    candidate's similarities come without a Chroma read per query. Up to EXACT_SEARCH_LIMIT chunks the dense
    candidates come from an exact scan of that copy; above it from an HNSW graph built over it (index.graph).
    A query never reads Chroma, so it answers while a Chroma server is down. (Encoding USE in a thread while
    PyTorch embeds the query measured no faster on 2 cores: both are memory-bound; BENCHMARKS.md. From
    QUERY_WORKER_MIN_CHUNKS on, a child process makes USE's query vector after the e5 query, while this one
    searches: kentrag.query_worker.)
    """

    def __init__(self, store: Store, embedding, candidates: int = CANDIDATES, second_embedding=None) -> None:
        """`second_embedding` defaults to the one the store's settings name (see kentrag.core.embedding)."""
        self.store = store
        self.embedding = embedding
        self.second_embedding = second_embedding
        self.candidates = candidates
        self.saved_copy = saved_copy_of(store) if store.settings.snapshot_cache else None
        self.load_source = "chroma"  # where the last full load came from: "copy", "patched copy" or "chroma"
        self._snapshot = self._load()
        if self._uses_query_worker(self._snapshot):
            self._snapshot.second.start_query_worker()  # starting now, it does not slow the first questions

    def refresh(self, changed_documents: Collection[str] | None = None) -> None:
        """Pick up changes to the index. Given the documents a sync added, changed or removed, only their chunks
        are read from Chroma and patched into the current state (3.0-3.8 s instead of 79 s for one document at
        100k chunks); else, or when that cannot be done consistently (USE or sentence vectors on one side
        only), a full load (`_load`: the saved copy where it still holds, else Chroma)."""
        old = self._snapshot
        if changed_documents is not None and old.passages and len(changed_documents) <= PATCH_LIMIT:
            if not changed_documents:
                return
            patched = self._patched(old, old.keyword, old.graph, set(changed_documents))
            if patched is not None:
                self._snapshot = patched
                return
        self._snapshot = self._load()

    def _patched(self, old: _Chunks, keyword: KeywordIndex, graph: DenseGraph | None,
                 changed: set[str]) -> _Snapshot | None:
        """The snapshot of `old` (with its keyword index and graph) with the chunks of the `changed` documents
        read again from Chroma; None when the two do not have the same vector sets (USE or sentence vectors on
        one side only)."""
        new = self._read({"doc_id": {"$in": sorted(changed)}})
        keep = np.asarray([p.doc_id not in changed for p in old.passages])
        joined = old.joined(keep, new)
        if joined is None:
            return None
        patched_graph = graph.patched(keep, new.vectors) if graph is not None else None
        return self._snapshot_of(joined, keyword.patched(keep, _keyword_texts(new.passages)), patched_graph)

    def _load(self) -> _Snapshot:
        """A snapshot of the whole index: the saved copy as saved, when no write ran since it was made; else
        the copy with the documents the manifest says changed since read again; else read from Chroma. Saved
        unless it is the copy as saved, or a write ran meanwhile."""
        token = self.store.write_token()
        self.load_source = "chroma"
        if not (self.saved_copy and token):
            return self._read_snapshot()
        saved_token, saved = self.saved_copy.load() or (None, None)  # saved: (versions, chunks, keyword, graph)
        if saved_token == token:
            self.load_source = "copy"
            return self._snapshot_of(*saved[1:])
        versions = document_versions(self.store)  # read between two equal tokens: those of the snapshot
        snapshot = self._patched_copy(*saved, versions) if saved is not None else None
        if snapshot is None:
            snapshot = self._read_snapshot()
        else:
            self.load_source = "patched copy"
        if self.store.write_token() == token:
            self.saved_copy.save(token, (versions, _Chunks(snapshot.passages, snapshot.vectors,
                                                           snapshot.second_vectors, snapshot.sentences),
                                         snapshot.keyword, snapshot.graph))
        return snapshot

    def _patched_copy(self, saved_versions: dict[str, tuple], chunks: _Chunks, keyword: KeywordIndex,
                      graph: DenseGraph | None, versions: dict[str, tuple]) -> _Snapshot | None:
        """The saved copy with the chunks of the documents whose manifest versions differ from the copy's
        read again from Chroma (every write to a document's chunks changes its manifest record first:
        ingest.sync, Store.forget). None (read Chroma) when no document changed though the index was written
        to (a back-fill of vectors), when more than PATCH_LIMIT did, or when the copy lacks a vector set,
        which a back-fill may have completed since."""
        changed = {doc for doc in saved_versions.keys() | versions.keys()
                   if saved_versions.get(doc) != versions.get(doc)}
        complete = chunks.sentences is not None and (chunks.second_vectors is not None or self.store.second is None)
        if not changed or len(changed) > PATCH_LIMIT or not complete or not chunks.passages:
            return None
        return self._patched(chunks, keyword, graph, changed)

    def _read_snapshot(self) -> _Snapshot:
        """A snapshot of the whole index read from Chroma. The graph of a large index is built in a thread
        while the USE and sentence vectors are read: usearch releases the GIL (at 100k synthetic chunks the
        refresh took 62 s before the graph, 90 s with the graph built after the reads, 83 s like this)."""
        passages, vectors = self._read_passages()
        with ThreadPoolExecutor(1) as pool:
            graph = pool.submit(DenseGraph.build, vectors) if len(passages) > EXACT_SEARCH_LIMIT else None
            chunks = self._with_other_vectors(passages, vectors)
            keyword = KeywordIndex(_keyword_texts(chunks.passages))
            return self._snapshot_of(chunks, keyword, graph.result() if graph else None)

    def _read(self, where: dict) -> _Chunks:
        """The chunks matching `where` with their vectors, from Chroma."""
        return self._with_other_vectors(*self._read_passages(where), where)

    def _read_passages(self, where: dict | None = None) -> tuple[list[Passage], np.ndarray]:
        """The chunks (all, or those matching `where`) and their e5 vectors, from Chroma."""
        got = get_all(self.store.chunks, ["documents", "metadatas", "embeddings"], where)
        passages = [_passage(i, t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return passages, _matrix(got["embeddings"], np.float32)

    def _with_other_vectors(self, passages: list[Passage], vectors: np.ndarray, where: dict | None = None) -> _Chunks:
        """These chunks with their USE and sentence vectors, read from Chroma (`where`: what selected them)."""
        ids = [p.chunk_id for p in passages]
        return _Chunks(
            passages=passages, vectors=vectors,
            # USE vectors in passage order, or None unless every chunk has one (ingest writes them after e5).
            second_vectors=vectors_in_order(self.store.second, ids, where),
            sentences=load_sentence_vectors(self.store, {chunk: row for row, chunk in enumerate(ids)}, where),
        )

    def _snapshot_of(self, chunks: _Chunks, keyword: KeywordIndex, graph: DenseGraph | None = None) -> _Snapshot:
        """The snapshot of these chunks; `graph`: one already over their vectors (built here when missing and the
        chunks are more than EXACT_SEARCH_LIMIT, dropped when they are fewer)."""
        passage_languages = np.asarray([p.language for p in chunks.passages])
        languages = tuple(sorted(set(passage_languages.tolist())))
        large = len(chunks.passages) > EXACT_SEARCH_LIMIT
        return _Snapshot(
            passages=chunks.passages, row_of={p.chunk_id: row for row, p in enumerate(chunks.passages)},
            passage_languages=passage_languages, keyword=keyword,
            language_vectors=_vectors_by_language(chunks.vectors, passage_languages, languages),
            vectors=chunks.vectors, second_vectors=chunks.second_vectors,
            second=(self.second_embedding or load_second_embedding(self.store.settings))
            if chunks.second_vectors is not None else None,
            sentences=chunks.sentences,
            graph=(graph if graph is not None else DenseGraph.build(chunks.vectors)) if large else None,
        )

    @property
    def uses_second_embedder(self) -> bool:
        """Whether USE scores count (its vectors are complete for the current index)."""
        return self._snapshot.second is not None

    @staticmethod
    def _nearest_rows(snapshot: _Snapshot, vector: np.ndarray, k: int, language: str | None = None) -> set[int]:
        """Rows of the k nearest chunks by e5 cosine (of one language, if given): from the graph of a large
        index, else by an exact scan; for one language, which the graph cannot filter on, by an exact scan of
        that language's own vectors."""
        if language is not None:
            rows, vectors = snapshot.language_vectors[language]
            return set(rows[top_rows(vectors, vector, k)].tolist())
        if snapshot.graph is not None:
            return set(snapshot.graph.nearest_rows(vector, k).tolist())
        return set(top_rows(snapshot.vectors, vector, k).tolist())

    def _candidate_rows(self, snapshot: _Snapshot, vector: np.ndarray, keyword_scores: np.ndarray,
                        exclude: Collection[str]) -> np.ndarray:
        """Rows of the dense candidates of every language plus the best keyword hits, without the chunks of
        the `exclude` documents."""
        # One search over all languages; a language with too few candidates to centre on gets a search of its
        # own: an exact scan of that language's vectors (at 100k chunks 0.05 ms for a language with 1 % of
        # them, 2.5 ms for half of them, which the search over all languages rarely leaves short).
        languages = snapshot.languages
        rows = self._nearest_rows(snapshot, vector, self.candidates * len(languages))
        found = Counter(snapshot.passage_languages[list(rows)].tolist())
        for language in languages:
            if found[language] < CENTERING_DEPTH:
                rows |= self._nearest_rows(snapshot, vector, self.candidates, language)
        rows.update(row for row, _ in best_rows(keyword_scores, self.candidates))
        if exclude:
            rows = {row for row in rows if snapshot.passages[row].doc_id not in exclude}
        return np.asarray(sorted(rows), dtype=np.int64)

    @staticmethod
    def _uses_query_worker(snapshot: _Snapshot) -> bool:
        """Whether USE's query vectors for this snapshot come from the query worker (where the embedder has one)."""
        return snapshot.second is not None and len(snapshot.passages) >= QUERY_WORKER_MIN_CHUNKS

    def query_vector(self, query: str) -> np.ndarray:
        """The e5 vector `retrieve` searches with (with the model's query prompt)."""
        return np.asarray(self.embedding.get_query_embedding(query), dtype=np.float32)

    def retrieve(self, query: str, k: int = 5, exclude: Collection[str] = frozenset(),
                 query_vector: np.ndarray | None = None) -> list[Passage]:
        """The k best passages for the query, best first; documents in `exclude` are left out before scoring
        (they do not take part in the per-language centring either). `query_vector`: the query's
        `query_vector`, when the caller has it already."""
        snapshot = self._snapshot
        if not snapshot.passages or not query.strip():
            return []
        vector = self.query_vector(query) if query_vector is None else query_vector
        lap("e5 query vector")
        language = detect_language(query)
        # USE's vector is begun now (in the query worker, on the other core) and read when the scores need it.
        second_vector = (snapshot.second.query_vector_soon(query, in_worker=self._uses_query_worker(snapshot))
                         if snapshot.second is not None and set(snapshot.languages) - {language} else None)
        # Meanwhile PyTorch keeps to this core: a two-thread operation would wait for the worker's (BENCHMARKS.md).
        with single_threaded() if second_vector is not None and second_vector.in_worker else nullcontext():
            keyword_scores = snapshot.keyword.matched_share(query)
            lap("BM25")
            rows = self._candidate_rows(snapshot, vector, keyword_scores, exclude)
            lap("candidates")
            if not len(rows):
                return []
            dense = snapshot.vectors[rows] @ vector
            sentence = snapshot.sentences.best(rows, vector) if snapshot.sentences else np.zeros_like(dense)
            lap("e5 cosines")
            passage_languages = snapshot.passage_languages[rows]
            same = passage_languages == language
            row_keyword = keyword_scores[rows]
            fused = (dense + SENTENCE_WEIGHT * sentence
                     + np.where(same, KEYWORD_WEIGHT_SAME_LANGUAGE, KEYWORD_WEIGHT_OTHER_LANGUAGE) * row_keyword)
            other = ~same
            lap("fusion")
        if second_vector is not None and other.any():  # USE counts for other-language passages only
            fused[other] += self._second_scores(snapshot, rows[other], second_vector.result())
        final = centre_per_language(fused, passage_languages, CENTERING_DEPTH)
        order = np.argsort(-final, kind="stable")[:k]
        passages = [replace(snapshot.passages[rows[i]], score=float(final[i]), dense=float(dense[i]),
                            sentence=float(sentence[i]) if snapshot.sentences else None,
                            keyword=float(row_keyword[i]))
                    for i in order]
        lap("centring, ranking")
        return passages

    def sentence_vectors(self, passages: Sequence[Passage]) -> dict[str, np.ndarray]:
        """The stored e5 vectors of these passages' sentences (`kentrag.core.sentences.sentence_texts` order), by
        chunk id; none for a passage the index no longer holds or an index without sentence vectors."""
        snapshot = self._snapshot
        if snapshot.sentences is None:
            return {}
        rows = {p.chunk_id: snapshot.row_of.get(p.chunk_id) for p in passages}
        return {chunk: snapshot.sentences.of_chunk(row) for chunk, row in rows.items() if row is not None}

    @staticmethod
    def _second_scores(snapshot: _Snapshot, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
        """The weighted USE cosines of these chunks (and of their best sentences) with the query's USE vector."""
        lap("USE query vector")
        scores = SECOND_WEIGHT_OTHER_LANGUAGE * (float32_rows(snapshot.second_vectors, rows) @ query_vector)
        if snapshot.sentences is not None and snapshot.sentences.second is not None:
            scores += SECOND_SENTENCE_WEIGHT_OTHER_LANGUAGE * snapshot.sentences.best_second(rows, query_vector)
        lap("USE cosines")
        return scores


def _vectors_by_language(vectors: np.ndarray, passage_languages: np.ndarray,
                         languages: tuple[str, ...]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each language's rows and their vectors (a copy, unless the language has every row)."""
    if len(languages) == 1:
        return {languages[0]: (np.arange(len(vectors)), vectors)}
    by_language = {}
    for language in languages:
        rows = np.flatnonzero(passage_languages == language)
        by_language[language] = (rows, np.ascontiguousarray(vectors[rows]))
    return by_language


def document_versions(store: Store) -> dict[str, tuple[str, str, str]]:
    """Each document's (content hash, updated at, status) from the manifest: what changes whenever its chunks
    are written."""
    return {doc: (e.content_hash, e.updated_at, e.status) for doc, e in store.manifest_entries().items()}


def saved_copy_of(store: Store) -> SnapshotCache:
    """Where the retriever keeps its copy of this store's index (see index.snapshot_cache), and what it must
    match besides the write token: the code that reads the index into the classes it holds (keyword tokens
    included) and the vector sets it was read with."""
    modules = (kentrag.index.arrays, kentrag.index.graph, kentrag.index.keyword, kentrag.index.sentence_vectors,
               kentrag.index.store, kentrag.core.language)
    return SnapshotCache(copy_path(store.settings.data_dir, store.base_name), {
        "code": code_digest([Path(__file__), *(Path(module.__file__) for module in modules)]),
        "second": store.second_name, "sentences": store.sentences_name,
    })


def _matrix(vectors: list, dtype: type) -> np.ndarray:
    """Stored vectors as one matrix (an empty index gives a 0 × 0 one)."""
    return np.asarray(vectors, dtype=dtype).reshape(len(vectors), -1) if len(vectors) else np.zeros((0, 0), dtype)
