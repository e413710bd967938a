"""An in-memory HNSW graph over the chunks' e5 vectors (usearch), for the dense candidates of a large index.

Why not Chroma's HNSW query, which the index already has: at 100k chunks it took 3.4-3.7 ms a query, 1.9 ms
even for one result, spent inside Chroma's bindings around the graph search; usearch searches a graph of the
same shape (16 links per node) in a fraction of that (BENCHMARKS.md). Why not the exact scan: at 100k chunks
it reads every vector, 6.3 ms a query. Queries then never wait on a Chroma server either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from usearch.index import Index

LINKS_PER_NODE = 16  # Chroma's default too
# Candidates looked at per search: recall of the exact top 80 on real e5 vectors in BENCHMARKS.md.
SEARCH_BREADTH = 128
BUILD_BREADTH = 128


@dataclass(frozen=True)
class DenseGraph:
    """The graph and which snapshot row each of its keys stands for (-1: removed).

    Keys are never reused: a patch removes the keys of dropped rows and adds new keys for new rows, on a copy,
    so a query still running on the previous snapshot keeps a graph that matches its rows.
    """

    index: Index
    row_of_key: np.ndarray  # int64

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseGraph:
        """A graph over these (unit) vectors, stored as float16; key n is row n."""
        index = Index(ndim=vectors.shape[1], metric="ip", dtype="f16", connectivity=LINKS_PER_NODE,
                      expansion_add=BUILD_BREADTH, expansion_search=SEARCH_BREADTH)
        keys = np.arange(len(vectors), dtype=np.int64)
        if len(vectors):
            index.add(keys, vectors, threads=0)
        return cls(index, keys)

    def nearest_rows(self, vector: np.ndarray, k: int) -> np.ndarray:
        """Rows of (about) the k nearest vectors by inner product."""
        keys = self.index.search(np.asarray(vector, np.float32), k, threads=1).keys
        rows = self.row_of_key[keys.astype(np.int64)]
        return rows[rows >= 0]

    def patched(self, keep: np.ndarray, new_vectors: np.ndarray) -> DenseGraph:
        """A graph for the kept rows (a boolean mask, order kept) followed by rows of `new_vectors`."""
        index = self.index.copy()
        live = self.row_of_key >= 0
        dropped = np.zeros_like(live)
        dropped[live] = ~keep[self.row_of_key[live]]
        if dropped.any():
            index.remove(np.flatnonzero(dropped))
        new_row_of_old = np.where(keep, np.cumsum(keep) - 1, -1)
        row_of_key = np.where(live, new_row_of_old[np.maximum(self.row_of_key, 0)], -1)
        new_keys = np.arange(len(row_of_key), len(row_of_key) + len(new_vectors), dtype=np.int64)
        if len(new_vectors):
            index.add(new_keys, new_vectors, threads=0)
        kept = int(keep.sum())
        return DenseGraph(index, np.concatenate([row_of_key, np.arange(kept, kept + len(new_vectors))]))

    def __reduce__(self) -> tuple:
        """Pickled as usearch's own serialisation (index.snapshot_cache saves the graph with the snapshot)."""
        return _restored, (bytes(self.index.save()), self.row_of_key)


def _restored(data: bytes, row_of_key: np.ndarray) -> DenseGraph:
    """A graph from `DenseGraph.__reduce__`'s bytes (usearch does not keep the search breadth)."""
    index = Index.restore(data)
    index.expansion_search = SEARCH_BREADTH
    return DenseGraph(index, row_of_key)
