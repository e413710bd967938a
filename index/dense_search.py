"""Finding the dense candidates: the chunks whose e5 vectors are nearest to the question's.

Two ways, one interface (`DenseSearch`): an exact scan of every vector (`ExactSearch`), and for a large index an
in-memory HNSW graph (`GraphSearch`, usearch), which finds about the same neighbours without reading every
vector. Why not Chroma's own HNSW query: it spent most of its time in Chroma's bindings around the graph search
(BENCHMARKS.md, "The graph of a large index"); a query then also never waits on a Chroma server. The snapshot
(index.snapshot) picks which one an index gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from kentrag.index.arrays import top_rows
from usearch.index import Index

LINKS_PER_NODE = 16  # Chroma's default too
# Candidates looked at per search: recall of the exact top 80 on real e5 vectors in BENCHMARKS.md.
SEARCH_BREADTH = 128
BUILD_BREADTH = 128


class DenseSearch(Protocol):
    """Nearest chunk rows by e5 cosine (inner product of unit vectors)."""

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        """Rows of (about) the k nearest chunks, as int64."""
        ...

    def nearest_rows_among(self, vector: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """Rows of the k nearest chunks among `rows` (one language's), exactly."""
        ...


def nearest_among(vectors: np.ndarray, rows: np.ndarray, vector: np.ndarray, k: int) -> np.ndarray:
    """The k rows of `rows` whose `vectors` are nearest to `vector`, exactly. A group of more than a quarter of
    the rows is scored through the product with the whole matrix, read in order: gathering its rows first
    copies each one, which costs more than that product once a group holds a large share of the rows."""
    similarities = (vectors @ vector)[rows] if 4 * len(rows) > len(vectors) else vectors[rows] @ vector
    return rows[top_rows(similarities, k)]


@dataclass(frozen=True)
class ExactSearch:
    """Every chunk vector scored: exact, and fast enough up to index.snapshot.EXACT_SEARCH_LIMIT chunks."""

    vectors: np.ndarray  # e5, float32, one row per chunk

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        return top_rows(self.vectors @ vector, k)

    def nearest_rows_among(self, vector: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        return nearest_among(self.vectors, rows, vector, k)


@dataclass(frozen=True)
class GraphSearch:
    """An HNSW graph over the chunk vectors (stored as float16) and which row each of its keys stands for (-1:
    removed). A search within one language, which the graph cannot filter on, scores that language's rows.

    Keys are never reused: a patch removes the keys of dropped rows and adds new keys for new rows, on a copy of
    the graph, so a query still running on the previous snapshot keeps a graph that matches its rows.
    """

    index: Index
    row_of_key: np.ndarray  # int64
    vectors: np.ndarray  # e5, float32, one row per chunk (for the searches within a language)

    @classmethod
    def build(cls, vectors: np.ndarray) -> GraphSearch:
        """A graph over these (unit) vectors; key n is row n."""
        index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=LINKS_PER_NODE,
                      expansion_add=BUILD_BREADTH, expansion_search=SEARCH_BREADTH)
        keys = np.arange(len(vectors), dtype=np.int64)
        if len(vectors):
            index.add(keys, vectors, threads=0)
        return cls(index, keys, vectors)

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        keys = self.index.search(np.asarray(vector, np.float32), k, threads=1).keys
        rows = self.row_of_key[keys.astype(np.int64)]
        return rows[rows >= 0]

    def nearest_rows_among(self, vector: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        return nearest_among(self.vectors, rows, vector, k)

    def patched(self, keep: np.ndarray, vectors: np.ndarray) -> GraphSearch:
        """The graph for the kept rows (a boolean mask, order kept) followed by new rows; `vectors`: all rows'
        vectors after the patch, the kept ones first."""
        index = self.index.copy()
        live = self.row_of_key >= 0
        dropped = np.zeros_like(live)
        dropped[live] = ~keep[self.row_of_key[live]]
        if dropped.any():
            index.remove(np.flatnonzero(dropped))
        new_row_of_old = np.where(keep, np.cumsum(keep) - 1, -1)
        row_of_key = np.where(live, new_row_of_old[np.maximum(self.row_of_key, 0)], -1)
        kept = int(keep.sum())
        new_vectors = vectors[kept:]
        new_keys = np.arange(len(row_of_key), len(row_of_key) + len(new_vectors), dtype=np.int64)
        if len(new_vectors):
            index.add(new_keys, new_vectors, threads=0)
        return GraphSearch(index, np.concatenate([row_of_key, np.arange(kept, len(vectors))]), vectors)

    def __reduce__(self) -> tuple:
        """Pickled as usearch's own serialisation (index.snapshot_cache saves the graph with the snapshot)."""
        return _restored, (bytes(self.index.save()), self.row_of_key, self.vectors)


def _restored(data: bytes, row_of_key: np.ndarray, vectors: np.ndarray) -> GraphSearch:
    """A graph from `GraphSearch.__reduce__`'s bytes (usearch does not keep the search breadth)."""
    index = Index.restore(data)
    index.expansion_search = SEARCH_BREADTH
    return GraphSearch(index, row_of_key, vectors)
