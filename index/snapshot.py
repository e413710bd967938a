"""The snapshot: everything a query reads, held in memory and swapped in whole when the index changes.

A snapshot is read from Chroma, patched with the documents a sync changed, and saved to and read from the snapshot
cache (index.snapshot_cache), so that a restart reads Chroma only for what changed. A query never reads Chroma.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import kentrag.index.arrays
import kentrag.index.dense_search
import kentrag.index.keyword
import kentrag.index.sentence_vectors
import kentrag.index.store
import numpy as np
from kentrag.index.dense_search import DenseSearch, ExactSearch, GraphSearch
from kentrag.index.keyword import KeywordIndex
from kentrag.index.sentence_vectors import SentenceVectors, load_sentence_vectors
from kentrag.index.snapshot_cache import SnapshotCache, cache_path, code_digest
from kentrag.index.store import Store, get_all, vectors_in_order

import kentrag.core.language
import kentrag.core.types
from kentrag.core.types import Passage

# Up to this many chunks an exact scan finds the dense candidates; above it an HNSW graph (BENCHMARKS.md).
EXACT_SEARCH_LIMIT = 20_000
# A refresh told of more changed documents than this reads everything (one `$in` filter per read).
PATCH_LIMIT = 500


@dataclass(frozen=True)
class Chunks:
    """Chunks as read from Chroma, with their vectors in the same order."""

    passages: list[Passage]
    vectors: np.ndarray  # e5, float32, one row per passage
    use_vectors: np.ndarray | None  # USE, float16, same rows; None while USE is off or incomplete
    sentences: SentenceVectors | None  # None for an index without (complete) sentence vectors

    def joined(self, keep: np.ndarray, new: Chunks) -> Chunks | None:
        """The kept chunks (a boolean mask) followed by `new`; None when the two do not have the same vector sets."""
        if new.passages and self.vector_sets() != new.vector_sets():
            return None

        def rows(mine: np.ndarray | None, theirs: np.ndarray | None) -> np.ndarray | None:
            if mine is None:
                return None
            return np.concatenate([mine[keep], theirs]) if new.passages else mine[keep]

        return Chunks([p for p, kept in zip(self.passages, keep) if kept] + new.passages,
                      rows(self.vectors, new.vectors), rows(self.use_vectors, new.use_vectors),
                      None if self.sentences is None else self.sentences.patched(keep, new.sentences))

    def vector_sets(self) -> tuple[bool, bool, bool]:
        """Which of USE, sentence and USE sentence vectors these chunks have."""
        sentences = self.sentences
        return self.use_vectors is not None, sentences is not None, bool(sentences and sentences.use is not None)


@dataclass(frozen=True)
class Snapshot(Chunks):
    """The chunks and what is derived from them; never changed (a refresh makes a new one)."""

    keyword: KeywordIndex
    search: DenseSearch  # exact up to EXACT_SEARCH_LIMIT chunks, a graph above
    row_of: dict[str, int]  # chunk id → row
    passage_languages: np.ndarray  # one per row
    language_rows: dict[str, np.ndarray]  # each language (sorted) → its rows, int64

    @classmethod
    def of(cls, chunks: Chunks, keyword: KeywordIndex, search: DenseSearch | None = None) -> Snapshot:
        """The snapshot of these chunks with their keyword index and dense search (made here when None, or when of
        the other kind than `dense_search` picks for their number)."""
        languages = np.asarray([p.language for p in chunks.passages])
        if search is None or isinstance(search, GraphSearch) != (len(chunks.passages) > EXACT_SEARCH_LIMIT):
            search = dense_search(chunks.vectors)
        return cls(chunks.passages, chunks.vectors, chunks.use_vectors, chunks.sentences, keyword, search,
                   row_of={p.chunk_id: row for row, p in enumerate(chunks.passages)}, passage_languages=languages,
                   language_rows={language: np.flatnonzero(languages == language)
                                  for language in sorted(set(languages.tolist()))})

    @property
    def chunks(self) -> Chunks:
        return Chunks(self.passages, self.vectors, self.use_vectors, self.sentences)

    def patched(self, keep: np.ndarray, new: Chunks) -> Snapshot | None:
        """This snapshot with only the `keep` rows (a boolean mask) followed by the `new` chunks (keyword index and
        graph patched, not made again); None when the two do not have the same vector sets."""
        joined = self.chunks.joined(keep, new)
        if joined is None:
            return None
        keyword = self.keyword.patched(keep, keyword_texts(new.passages))
        large = len(joined.passages) > EXACT_SEARCH_LIMIT
        search = self.search.patched(keep, joined.vectors) if large and isinstance(self.search, GraphSearch) else None
        return Snapshot.of(joined, keyword, search)

    def e5_cosines(self, rows: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The e5 cosines of these chunk rows with the query vector, and of each one's best sentence (or None)."""
        sentence = self.sentences.best(rows, vector) if self.sentences is not None else None
        return self.vectors[rows] @ vector, sentence

    def use_cosines(self, rows: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The same with the USE vectors (only when `use_vectors` is set) and the question's USE vector."""
        with_sentences = self.sentences is not None and self.sentences.use is not None
        sentence = self.sentences.best(rows, vector, use=True) if with_sentences else None
        return self.use_vectors[rows].astype(np.float32) @ vector, sentence

    def sentence_vectors(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The e5 vectors of these chunk rows' sentences, by chunk id (none without sentence vectors)."""
        if self.sentences is None:
            return {}
        return {self.passages[row].chunk_id: self.sentences.of_chunk(row) for row in rows}


def dense_search(vectors: np.ndarray) -> DenseSearch:
    """The dense search for an index of these vectors: exact up to EXACT_SEARCH_LIMIT chunks, a graph above."""
    return GraphSearch.build(vectors) if len(vectors) > EXACT_SEARCH_LIMIT else ExactSearch(vectors)


def keyword_texts(passages: list[Passage]) -> list[str]:
    """What the keyword index matches: title and text."""
    return [f"{p.title}\n{p.text}" for p in passages]


@dataclass(frozen=True)
class CachedSnapshot:
    """What the snapshot cache holds: a snapshot's chunks, keyword index and dense search, and each document's
    manifest version they were read at."""

    versions: dict[str, tuple[str, str, str]]
    chunks: Chunks
    keyword: KeywordIndex
    search: DenseSearch

    def snapshot(self) -> Snapshot:
        return Snapshot.of(self.chunks, self.keyword, self.search)


class SnapshotLoader:
    """Reads the snapshots of one store: from Chroma, patched, or through its snapshot cache."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = snapshot_cache_of(store) if store.settings.snapshot_cache else None
        self.source = "chroma"  # where the last `load` came from: "cache", "patched cache" or "chroma"

    def load(self) -> Snapshot:
        """A snapshot of the whole index: the cached one when no write ran since it was saved, else the cached one
        patched with the documents changed since, else read from Chroma; saved to the cache unless no write ran
        since it was saved, or one ran meanwhile."""
        token = self.store.write_token()
        self.source = "chroma"
        if not (self.cache and token):
            return self.read()
        saved_token, saved = self.cache.load() or (None, None)
        if saved_token == token:
            self.source = "cache"
            return saved.snapshot()
        versions = document_versions(self.store)  # read between two equal tokens: those of the snapshot
        snapshot = self._patched_cache(saved, versions) if saved is not None else None
        if snapshot is None:
            snapshot = self.read()
        else:
            self.source = "patched cache"
        if self.store.write_token() == token:
            self.cache.save(token, CachedSnapshot(versions, snapshot.chunks, snapshot.keyword, snapshot.search))
        return snapshot

    def _patched_cache(self, saved: CachedSnapshot, versions: dict[str, tuple]) -> Snapshot | None:
        """The cached snapshot with the documents whose manifest versions changed read again (every write to a
        document's chunks changes its manifest record first). None when no document changed though the index was
        written to (a back-fill), when more than PATCH_LIMIT did, or when the cache lacks a vector set."""
        changed = {doc for doc in saved.versions.keys() | versions.keys()
                   if saved.versions.get(doc) != versions.get(doc)}
        chunks = saved.chunks
        complete = chunks.sentences is not None and (chunks.use_vectors is not None or self.store.use_chunks is None)
        if not changed or len(changed) > PATCH_LIMIT or not complete or not chunks.passages:
            return None
        return self.patched(saved.snapshot(), changed)

    def patched(self, snapshot: Snapshot, changed: set[str]) -> Snapshot | None:
        """`snapshot` with the chunks of the `changed` documents read again from Chroma; None when the two do not
        have the same vector sets."""
        where = {"doc_id": {"$in": sorted(changed)}}
        new = self._with_other_vectors(*self._read_passages(where), where)
        return snapshot.patched(np.asarray([p.doc_id not in changed for p in snapshot.passages]), new)

    def read(self) -> Snapshot:
        """A snapshot of the whole index read from Chroma; a large index's graph is built in a thread meanwhile."""
        passages, vectors = self._read_passages()
        with ThreadPoolExecutor(1) as pool:
            graph = pool.submit(GraphSearch.build, vectors) if len(passages) > EXACT_SEARCH_LIMIT else None
            chunks = self._with_other_vectors(passages, vectors)
            keyword = KeywordIndex(keyword_texts(chunks.passages))
            return Snapshot.of(chunks, keyword, graph.result() if graph else None)

    def _read_passages(self, where: dict | None = None) -> tuple[list[Passage], np.ndarray]:
        """The chunks (all, or those matching `where`) and their e5 vectors, from Chroma."""
        got = get_all(self.store.chunks, ["documents", "metadatas", "embeddings"], where)
        passages = [_passage(i, t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return passages, _matrix(got["embeddings"])

    def _with_other_vectors(self, passages: list[Passage], vectors: np.ndarray, where: dict | None = None) -> Chunks:
        """These chunks with their USE and sentence vectors, read from Chroma (`where`: what selected them)."""
        ids = [p.chunk_id for p in passages]
        return Chunks(
            passages=passages, vectors=vectors,
            # USE vectors in passage order, or None unless every chunk has one (ingest writes them after e5).
            use_vectors=vectors_in_order(self.store.use_chunks, ids, where),
            sentences=load_sentence_vectors(self.store, {chunk: row for row, chunk in enumerate(ids)}, where),
        )


def document_versions(store: Store) -> dict[str, tuple[str, str, str]]:
    """Each document's (content hash, updated at, status): what changes whenever its chunks are written."""
    return {doc: (e.content_hash, e.updated_at, e.status) for doc, e in store.manifest_entries().items()}


def snapshot_cache_of(store: Store) -> SnapshotCache:
    """The snapshot cache of this store's index, and what it must match besides the write token: the code that
    reads the index into the classes it pickles (keyword tokens included) and whether USE vectors were on."""
    modules = (kentrag.index.arrays, kentrag.index.dense_search, kentrag.index.keyword,
               kentrag.index.sentence_vectors, kentrag.index.store, kentrag.core.language, kentrag.core.types)
    return SnapshotCache(cache_path(store.settings.data_dir, store.base_name), {
        "code": code_digest([Path(__file__), *(Path(module.__file__) for module in modules)]),
        "use": store.use_chunks is not None,
    })


def _passage(chunk_id: str, text: str, meta: dict) -> Passage:
    """A chunk as read from Chroma; `page`/`page_end` only in the metadata of a paged document's chunks."""
    return Passage(
        chunk_id=chunk_id, doc_id=meta["doc_id"], title=meta.get("title", ""), source=meta.get("source", ""),
        language=meta.get("language", "en"), text=text, start_char=int(meta.get("start_char", 0)),
        end_char=int(meta.get("end_char", 0)), page=meta.get("page"), page_end=meta.get("page_end"),
    )


def _matrix(vectors: list) -> np.ndarray:
    """Stored vectors as one float32 matrix (an empty index gives a 0 × 0 one)."""
    if not len(vectors):
        return np.zeros((0, 0), np.float32)
    return np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
