"""The single retrieval methods and naive fusion that the default retriever is measured against.

They score the chunks of the same index the default retriever uses (e5 vectors read back from Chroma,
the same keyword text), and a paragraph scores as its best chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from kentrag.index.keyword import KeywordIndex
from kentrag.index.store import Store, get_all

RRF_K = 60


@dataclass
class ChunkTable:
    """Every chunk of one index: ids, owning documents, keyword texts and stored e5 and USE vectors."""

    ids: list[str]
    doc_ids: list[str]
    texts: list[str]
    languages: np.ndarray
    vectors: np.ndarray
    use: np.ndarray

    @classmethod
    def from_store(cls, store: Store) -> ChunkTable:
        got = get_all(store.chunks, ["documents", "metadatas", "embeddings"])
        metas = got["metadatas"]
        use = store.use_chunks.get(ids=got["ids"], include=["embeddings"])
        by_id = dict(zip(use["ids"], use["embeddings"]))
        return cls(
            ids=list(got["ids"]), doc_ids=[m["doc_id"] for m in metas],
            texts=[f"{m.get('title', '')}\n{t}" for m, t in zip(metas, got["documents"])],
            languages=np.asarray([m["language"] for m in metas]),
            vectors=np.asarray(got["embeddings"], dtype=np.float32),
            use=np.asarray([by_id[i] for i in got["ids"]], dtype=np.float32),
        )

    @property
    def documents(self) -> list[str]:
        return sorted(set(self.doc_ids))


class DocScorer:
    """Turns chunk scores into paragraph scores (each paragraph scores as its best chunk)."""

    def __init__(self, table: ChunkTable) -> None:
        self.documents = table.documents
        position = {d: i for i, d in enumerate(self.documents)}
        self.rows = np.asarray([position[d] for d in table.doc_ids])

    def __call__(self, chunk_scores: np.ndarray) -> np.ndarray:
        scores = np.full(len(self.documents), -np.inf, dtype=np.float64)
        np.maximum.at(scores, self.rows, chunk_scores)
        return scores


def rrf(*scores: np.ndarray, k: int = RRF_K) -> np.ndarray:
    """Reciprocal rank fusion of paragraph score vectors (rank from 1)."""
    fused = np.zeros_like(scores[0])
    for s in scores:
        ranks = np.empty(len(s))
        ranks[np.argsort(-s, kind="stable")] = np.arange(1, len(s) + 1)
        fused += 1.0 / (k + ranks)
    return fused


# A method maps (question text, its e5 vector, its USE vector) to paragraph scores.
Method = Callable[[str, np.ndarray, np.ndarray], np.ndarray]


def baseline_methods(table: ChunkTable) -> dict[str, Method]:
    """BM25 (whole words and 5-character prefixes), e5, USE, and RRF fusions of them."""
    docs = DocScorer(table)
    bm25 = KeywordIndex(table.texts, prefix=0)
    bm25_p5 = KeywordIndex(table.texts, prefix=5)

    def e5(q: str, v: np.ndarray, u: np.ndarray) -> np.ndarray:
        return docs(table.vectors @ v)

    def use(q: str, v: np.ndarray, u: np.ndarray) -> np.ndarray:
        return docs(table.use @ u)

    def keyword(index: KeywordIndex) -> Method:
        return lambda q, v, u: docs(index.scores(q))

    return {
        "BM25": keyword(bm25),
        "BM25-p5": keyword(bm25_p5),
        "e5": e5,
        "USE": use,
        "RRF BM25-p5+e5": lambda q, v, u: rrf(docs(bm25_p5.scores(q)), e5(q, v, u)),
        "RRF e5+USE": lambda q, v, u: rrf(e5(q, v, u), use(q, v, u)),
    }


def ranking(documents: Sequence[str], scores: np.ndarray, depth: int, exclude: str | None = None) -> list[str]:
    """The best `depth` documents by score, leaving out `exclude`."""
    order = np.argsort(-scores, kind="stable")[: depth + 1]
    return [documents[i] for i in order if documents[i] != exclude][:depth]
