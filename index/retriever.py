"""Hybrid retrieval: dense (Chroma) + BM25, fused with language awareness.

The multilingual embedder scores passages in the question's own language higher across the board, which
buries the answer when it sits in a document of the other language. So dense candidates are fetched per
passage language and each language's scores are centred on the mean of its best few (how much a passage
stands out within its language, not the language itself, decides). Keyword scores are normalised by the
query's own weight (1.0 = every query term matched), so a match on rare names and numbers counts in any
language while common words add little. Measured in BENCHMARKS.md.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from llama_index.core.vector_stores.types import VectorStoreQuery

from index.keyword import KeywordIndex
from index.store import Store

CANDIDATES = 40
KEYWORD_WEIGHT = 0.02
# Each language's dense scores are centred on the mean of its best CENTERING_DEPTH candidates.
CENTERING_DEPTH = 10


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its place in the source document."""

    chunk_id: str
    doc_id: str
    title: str
    source: str
    language: str
    text: str
    start_char: int
    end_char: int
    score: float = 0.0
    dense: float | None = None
    keyword: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _passage(chunk_id: str, text: str, meta: dict) -> Passage:
    return Passage(
        chunk_id=chunk_id, doc_id=meta["doc_id"], title=meta.get("title", ""), source=meta.get("source", ""),
        language=meta.get("language", "en"), text=text, start_char=int(meta.get("start_char", 0)),
        end_char=int(meta.get("end_char", 0)),
    )


class HybridRetriever:
    """Dense + keyword retrieval over one Store; call `refresh()` after the index changes."""

    def __init__(self, store: Store, embedding, keyword_weight: float = KEYWORD_WEIGHT,
                 candidates: int = CANDIDATES) -> None:
        self.store = store
        self.embedding = embedding
        self.keyword_weight = keyword_weight
        self.candidates = candidates
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._passages: list[Passage] = []
        self._row_of: dict[str, int] = {}
        self._keyword = KeywordIndex([])
        self._languages: tuple[str, ...] = ()
        self.refresh()

    def refresh(self) -> None:
        """Reload the chunk texts from Chroma and rebuild the keyword index."""
        got = self.store.chunks.get(include=["documents", "metadatas"])
        passages = [_passage(i, t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        keyword = KeywordIndex([f"{p.title}\n{p.text}" for p in passages])
        with self._lock:
            self._ids = list(got["ids"])
            self._passages = passages
            self._row_of = {chunk_id: row for row, chunk_id in enumerate(self._ids)}
            self._keyword = keyword
            self._languages = tuple(sorted({p.language for p in passages}))

    @property
    def size(self) -> int:
        return len(self._ids)

    def dense(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks, ignoring language."""
        if self.size == 0:
            return []
        return self._dense_from_vector(self.embedding.get_query_embedding(query), k)

    def _dense_from_vector(self, vector: Sequence[float], k: int, language: str | None = None,
                           ) -> list[tuple[str, float]]:
        query = VectorStoreQuery(
            query_embedding=np.asarray(vector, dtype=np.float32).tolist(), similarity_top_k=min(k, self.size)
        )
        where = {"language": language} if language else None
        result = self.store.vector_store().query(query, where=where)
        return list(zip(result.ids or [], result.similarities or []))

    def retrieve(self, query: str, k: int = 5) -> list[Passage]:
        """The k best passages for the query, best first."""
        if self.size == 0 or not query.strip():
            return []
        vector = np.asarray(self.embedding.get_query_embedding(query), dtype=np.float32)
        with self._lock:
            passages, keyword, row_of, languages = self._passages, self._keyword, self._row_of, self._languages
        dense: dict[str, float] = {}
        offsets: dict[str, float] = {}
        for language in languages:
            found = self._dense_from_vector(vector, self.candidates, language)
            dense.update(found)
            offsets[language] = float(np.mean(sorted((s for _, s in found), reverse=True)[:CENTERING_DEPTH] or [0]))
        keyword_scores = keyword.scores(query) / max(keyword.query_weight(query), 1e-6)
        keyword_top = keyword.top(query, self.candidates)
        candidate_rows = {row_of[c] for c in dense if c in row_of} | {row for row, _ in keyword_top}
        missing = [passages[row].chunk_id for row in candidate_rows if passages[row].chunk_id not in dense]
        dense.update(self._similarities(vector, missing))
        ranked = []
        for row in candidate_rows:
            passage = passages[row]
            dense_score = float(dense.get(passage.chunk_id, 0.0))
            keyword_score = float(keyword_scores[row])
            centred = dense_score - offsets.get(passage.language, 0.0)
            score = centred + self.keyword_weight * keyword_score
            ranked.append(replace(passage, score=score, dense=dense_score, keyword=keyword_score))
        ranked.sort(key=lambda p: p.score, reverse=True)
        return ranked[:k]

    def _similarities(self, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to chunks that the dense search did not return."""
        if not chunk_ids:
            return {}
        got = self.store.chunks.get(ids=chunk_ids, include=["embeddings"])
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        return dict(zip(got["ids"], (matrix @ vector).tolist()))
