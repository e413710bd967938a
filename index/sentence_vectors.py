"""The sentence vectors of an index, held in memory in chunk order, and best-sentence scoring.

A question usually asks about one sentence; a whole-chunk vector blurs it with its neighbours, above all across
languages (BENCHMARKS.md). Ingest stores the vectors (index.store: `sentences`, `use_sentences`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from kentrag.index.arrays import concatenated_ranges, offsets
from kentrag.index.store import Store, get_all_vectors, sentence_place, vectors_in_order


@dataclass(frozen=True)
class SentenceVectors:
    """Sentence vectors grouped by chunk: chunk row r owns rows starts[r] .. starts[r] + counts[r]."""

    starts: np.ndarray  # int64, one per chunk row
    counts: np.ndarray  # int64, one per chunk row, each ≥ 1
    e5: np.ndarray  # float16, one row per sentence
    use: np.ndarray | None  # float16 USE vectors of the same sentences; None when incomplete

    def patched(self, keep: np.ndarray, new: SentenceVectors | None) -> SentenceVectors:
        """The sentences of the kept chunk rows (a boolean mask) followed by those of `new`'s chunks (None
        for no new chunks). `new` holds USE vectors exactly when this one does."""
        kept = np.flatnonzero(keep)
        rows, _ = concatenated_ranges(self.starts[kept], self.counts[kept])
        if new is None:
            counts, e5, use = self.counts[kept], self.e5[rows], None if self.use is None else self.use[rows]
        else:
            counts = np.concatenate([self.counts[kept], new.counts])
            e5 = np.concatenate([self.e5[rows], new.e5])
            use = None if self.use is None else np.concatenate([self.use[rows], new.use])
        return SentenceVectors(starts=offsets(counts), counts=counts, e5=e5, use=use)

    def of_chunk(self, row: int) -> np.ndarray:
        """The e5 vectors of one chunk's sentences, in sentence order, as float32."""
        return self.e5[self.starts[row]:self.starts[row] + self.counts[row]].astype(np.float32)

    def best(self, rows: np.ndarray, query_vector: np.ndarray, use: bool = False) -> np.ndarray:
        """For each chunk row, the cosine of its best-matching sentence with the e5 query vector (with `use`: the
        USE vectors and the USE query vector; only when `use` is set)."""
        sentence_rows, firsts = concatenated_ranges(self.starts[rows], self.counts[rows])
        similarities = (self.use if use else self.e5)[sentence_rows].astype(np.float32) @ query_vector
        return np.maximum.reduceat(similarities, firsts) if len(rows) else similarities


def load_sentence_vectors(store: Store, row_of: dict[str, int], where: dict | None = None) -> SentenceVectors | None:
    """The sentence vectors of the chunks in `row_of` (all of the store's, or those matching `where`) in
    chunk-row order, or None unless every chunk has at least one (an index written before sentence vectors
    existed, or mid-ingest, is scored by chunk vectors alone)."""
    if not row_of:
        return None
    ids, e5 = get_all_vectors(store.sentences, where)
    places = [sentence_place(i) for i in ids]
    owners = np.asarray([row_of.get(chunk, -1) for chunk, _ in places], dtype=np.int64)
    if not len(owners) or (owners < 0).any():
        return None
    counts = np.bincount(owners, minlength=len(row_of))
    if (counts == 0).any():
        return None
    order = np.lexsort((np.asarray([number for _, number in places]), owners))  # by chunk, then sentence
    return SentenceVectors(starts=offsets(counts), counts=counts, e5=e5[order],
                           use=vectors_in_order(store.use_sentences, [ids[i] for i in order], where))
