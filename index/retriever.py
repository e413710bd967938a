"""Hybrid retrieval: e5 (Chroma) + optional USE + BM25, fused per passage language.

The multilingual e5 scores passages in the question's own language higher across the board, which buries
the answer when it sits in a document of the other language. So:
- dense candidates are the 2 × `candidates` nearest per language in the index (one unfiltered query), plus
  keyword hits;
- each candidate's score is e5 cosine + SECOND_WEIGHT × USE cosine (USE is less tied to the question's
  language and lifts cross-lingual Recall@1 by ~7 points) + a keyword weight × normalised BM25
  (1.0 = every query term matched), the weight larger when question and passage share a language;
- the fused scores are centred within each passage language (minus the mean of that language's best
  CENTERING_DEPTH), so how much a passage stands out within its language, not the language itself,
  decides. (Dividing by the spread too helped XQuAD's hard mixed split but cost the kentrag eval 9 points
  of hit@1 on its small corpus: BENCHMARKS.md.)
Weights tuned on the even-numbered XQuAD articles; measured in BENCHMARKS.md.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from index.keyword import KeywordIndex, best_rows
from index.store import Store, get_all
from kentrag.embedding import load_second_embedding
from kentrag.language import detect_language

CANDIDATES = 40
SECOND_WEIGHT = 0.2
KEYWORD_WEIGHT_SAME_LANGUAGE = 0.08
KEYWORD_WEIGHT_OTHER_LANGUAGE = 0.03
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


def centre_per_language(scores: np.ndarray, languages: np.ndarray, depth: int) -> np.ndarray:
    """Each language's scores minus the mean of its best `depth`."""
    out = scores.copy()
    for language in np.unique(languages):
        mask = languages == language
        out[mask] -= np.sort(scores[mask])[-depth:].mean()
    return out


class HybridRetriever:
    """Dense + keyword retrieval over one Store; call `refresh()` after the index changes."""

    def __init__(self, store: Store, embedding, candidates: int = CANDIDATES, second_embedding=None) -> None:
        """`second_embedding` defaults to the one the store's settings name (see kentrag.embedding)."""
        self.store = store
        self.embedding = embedding
        self.second_embedding = second_embedding
        self.candidates = candidates
        self._lock = threading.Lock()
        self._passages: list[Passage] = []
        self._row_of: dict[str, int] = {}
        self._keyword = KeywordIndex([])
        self._languages: tuple[str, ...] = ()
        self._second = None
        self.refresh()

    def refresh(self) -> None:
        """Reload the chunk texts from Chroma and rebuild the keyword index."""
        got = get_all(self.store.chunks, ["documents", "metadatas"])
        passages = [_passage(i, t or "", m or {}) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        keyword = KeywordIndex([f"{p.title}\n{p.text}" for p in passages])
        # USE only once every chunk has its vector (ingest writes them after the e5 ones).
        complete = self.store.second is not None and passages and self.store.second.count() == len(passages)
        second = (self.second_embedding or load_second_embedding(self.store.settings)) if complete else None
        with self._lock:
            self._passages = passages
            self._row_of = {p.chunk_id: row for row, p in enumerate(passages)}
            self._keyword = keyword
            self._languages = tuple(sorted({p.language for p in passages}))
            self._second = second

    @property
    def size(self) -> int:
        return len(self._passages)

    def _nearest(self, vector: np.ndarray, k: int, language: str | None = None) -> list[tuple[str, float]]:
        """Nearest chunks by e5 cosine, straight from Chroma (ids and distances only)."""
        result = self.store.chunks.query(
            query_embeddings=[vector.tolist()], n_results=min(k, self.size),
            where={"language": language} if language else None, include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(result["ids"][0], result["distances"][0])]

    def retrieve(self, query: str, k: int = 5) -> list[Passage]:
        """The k best passages for the query, best first."""
        if self.size == 0 or not query.strip():
            return []
        vector = np.asarray(self.embedding.get_query_embedding(query), dtype=np.float32)
        with self._lock:
            passages, keyword, row_of, languages, second = (
                self._passages, self._keyword, self._row_of, self._languages, self._second)
        # One unfiltered query (a language filter makes Chroma scan: 200 ms at 100k chunks); a language with
        # too few candidates to centre on gets a filtered query of its own.
        dense = dict(self._nearest(vector, self.candidates * 2 * len(languages)))
        found = Counter(passages[row_of[c]].language for c in dense if c in row_of)
        for language in languages:
            if found[language] < CENTERING_DEPTH:
                dense.update(self._nearest(vector, self.candidates, language))
        keyword_scores = keyword.scores(query) / max(keyword.query_weight(query), 1e-6)
        rows = sorted({row_of[c] for c in dense if c in row_of}
                      | {row for row, _ in best_rows(keyword_scores, self.candidates)})
        ids = [passages[row].chunk_id for row in rows]
        dense.update(_similarities(self.store.chunks, vector, [c for c in ids if c not in dense]))
        dense_scores = np.asarray([dense.get(c, 0.0) for c in ids], dtype=np.float64)
        fused = dense_scores.copy()
        if second is not None:
            query_vector = second.encode([query])[0]
            found = _similarities(self.store.second, query_vector, ids)
            fused += SECOND_WEIGHT * np.asarray([found.get(c, 0.0) for c in ids])
        passage_languages = np.asarray([passages[row].language for row in rows])
        same = passage_languages == detect_language(query)
        row_keyword = keyword_scores[rows]
        fused += np.where(same, KEYWORD_WEIGHT_SAME_LANGUAGE, KEYWORD_WEIGHT_OTHER_LANGUAGE) * row_keyword
        final = centre_per_language(fused, passage_languages, CENTERING_DEPTH)
        order = np.argsort(-final, kind="stable")[:k]
        return [replace(passages[rows[i]], score=float(final[i]), dense=float(dense_scores[i]),
                        keyword=float(row_keyword[i])) for i in order]


def _similarities(collection, vector: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
    """Cosine similarity of the query vector to the given chunks' stored vectors in `collection`."""
    if not chunk_ids:
        return {}
    got = collection.get(ids=chunk_ids, include=["embeddings"])
    matrix = np.asarray(got["embeddings"], dtype=np.float32)
    return dict(zip(got["ids"], (matrix @ vector).tolist()))
