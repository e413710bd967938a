"""Array helpers shared by the in-memory index (numpy only)."""

from __future__ import annotations

import numpy as np


def offsets(counts: np.ndarray) -> np.ndarray:
    """Where each of consecutive groups of these sizes begins."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def concatenated_ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """starts[0] .. starts[0]+counts[0]-1, then starts[1] .. and so on, as one index array; and where each
    range begins in it."""
    firsts = offsets(counts)
    return np.repeat(starts - firsts, counts) + np.arange(int(counts.sum())), firsts


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k largest scores, largest first (equal scores in position order)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    best = np.sort(np.argpartition(-scores, k - 1)[:k])
    return best[np.argsort(-scores[best], kind="stable")].astype(np.int64)
