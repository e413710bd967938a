"""Finding the dense candidates: the chunks whose e5 vectors are nearest to the question's.

Two ways, one interface (`DenseSearch`): an exact scan of every vector (`ExactSearch`), and for a large index an
in-memory HNSW graph (`GraphSearch`, usearch). Not Chroma's own HNSW query: it is slower (BENCHMARKS.md), and a
query then never waits on a Chroma server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from kentrag.index.arrays import top_rows
from usearch.index import Index

LINKS_PER_NODE = 16  # Chroma's default too
SEARCH_BREADTH = 128  # candidates looked at per search (recall in BENCHMARKS.md)
BUILD_BREADTH = 128


class DenseSearch(Protocol):
    """Nearest chunk rows by e5 cosine (inner product of unit vectors)."""

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        """Rows of (about) the k nearest chunks, as int64."""
        ...

    def nearest_rows_among(self, vector: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """Rows of the k nearest chunks among `rows` (one language's), exactly."""
        ...


@dataclass(frozen=True)
class ExactSearch:
    """Every chunk vector scored: exact, and fast enough up to index.snapshot.EXACT_SEARCH_LIMIT chunks."""

    vectors: np.ndarray  # e5, float32, one row per chunk

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        return top_rows(self.vectors @ vector, k)

    def nearest_rows_among(self, vector: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
        """A group of over a quarter of the rows is scored through the product with the whole matrix (cheaper
        than gathering its rows)."""
        vectors = self.vectors
        similarities = (vectors @ vector)[rows] if 4 * len(rows) > len(vectors) else vectors[rows] @ vector
        return rows[top_rows(similarities, k)]


@dataclass(frozen=True)
class GraphSearch(ExactSearch):
    """An HNSW graph over the chunk vectors (float16) and the row each of its keys stands for (-1: removed); a
    search within one language, which the graph cannot filter on, is exact. A patch works on a copy with new
    keys for new rows, so a query still running on the previous snapshot keeps a graph matching its rows."""

    index: Index
    row_of_key: np.ndarray  # int64

    @classmethod
    def build(cls, vectors: np.ndarray) -> GraphSearch:
        """A graph over these (unit) vectors; key n is row n."""
        index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=LINKS_PER_NODE,
                      expansion_add=BUILD_BREADTH, expansion_search=SEARCH_BREADTH)
        keys = np.arange(len(vectors), dtype=np.int64)
        if len(vectors):
            index.add(keys, vectors, threads=0)
        return cls(vectors, index, keys)

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        keys = self.index.search(np.asarray(vector, np.float32), k, threads=1).keys
        rows = self.row_of_key[keys.astype(np.int64)]
        return rows[rows >= 0]

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
        return GraphSearch(vectors, index, np.concatenate([row_of_key, np.arange(kept, len(vectors))]))

    def __reduce__(self) -> tuple:
        """Pickled as usearch's own serialisation (index.snapshot_cache saves the graph with the snapshot)."""
        return _restored, (self.vectors, bytes(self.index.save()), self.row_of_key)


def _restored(vectors: np.ndarray, data: bytes, row_of_key: np.ndarray) -> GraphSearch:
    """A graph from `GraphSearch.__reduce__`'s bytes (usearch does not keep the search breadth)."""
    index = Index.restore(data)
    index.expansion_search = SEARCH_BREADTH
    return GraphSearch(vectors, index, row_of_key)
