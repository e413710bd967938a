"""BM25 keyword index with Turkish-aware tokens, over a sparse matrix.

Not llama-index's BM25Retriever: its str.lower maps "İ" to "i̇" and "I" to "i", and it has no Turkish stemmer;
here tokens are casefolded the Turkish way and cut to a prefix, for suffix-tolerant matching (BENCHMARKS.md).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import repeat

import numpy as np
from kentrag.index.arrays import top_rows
from scipy import sparse

from kentrag.core.language import PREFIX_LENGTH, keyword_tokens

K1 = 1.2
B = 0.75


class KeywordIndex:
    """Okapi BM25 over a fixed list of texts."""

    def __init__(self, texts: Sequence[str], prefix: int = PREFIX_LENGTH) -> None:
        self.prefix = prefix
        self.vocabulary: dict[str, int] = {}
        self._weigh(*self._count(texts))

    def patched(self, keep: np.ndarray, new_texts: Sequence[str]) -> KeywordIndex:
        """The index of the kept texts (a boolean mask over this one's) followed by `new_texts`, without
        tokenising the kept texts again."""
        index = KeywordIndex.__new__(KeywordIndex)
        index.prefix, index.vocabulary = self.prefix, dict(self.vocabulary)
        new_counts, new_lengths = index._count(new_texts)
        kept = self.counts[np.flatnonzero(keep)]
        kept = sparse.csr_matrix((kept.data, kept.indices, kept.indptr), shape=(kept.shape[0], new_counts.shape[1]))
        index._weigh(sparse.vstack([kept, new_counts], format="csr"), np.concatenate([self.lengths[keep], new_lengths]))
        return index

    def _count(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Token counts (one row per text, columns from the vocabulary, which grows) and token totals."""
        rows, columns = array("q"), array("q")  # one entry per token; the sparse matrix sums the repeats
        lengths = np.zeros(len(texts), dtype=np.float32)
        vocabulary = self.vocabulary
        for row, text in enumerate(texts):
            tokens = keyword_tokens(text, self.prefix)
            lengths[row] = len(tokens)
            rows.extend(repeat(row, len(tokens)))
            columns.extend(vocabulary.setdefault(token, len(vocabulary)) for token in tokens)
        shape = (len(texts), max(1, len(vocabulary)))
        ones = np.ones(len(rows), dtype=np.float32)
        return sparse.csr_matrix((ones, (np.frombuffer(rows, np.int64), np.frombuffer(columns, np.int64))),
                                 shape=shape), lengths

    def _weigh(self, counts: sparse.csr_matrix, lengths: np.ndarray) -> None:
        """The BM25 score of every (text, token) from the counts: idf × saturated term frequency."""
        self.counts, self.lengths, self.size = counts, lengths, counts.shape[0]
        self.document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        n = max(1, self.size)
        df = self.document_frequency
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        average = float(lengths.mean()) if self.size else 1.0
        norm = K1 * (1 - B + B * lengths / max(average, 1e-6))
        tf = counts.tocoo()
        weights = self.idf[tf.col] * tf.data * (K1 + 1) / (tf.data + norm[tf.row])
        # Column-major: a query touches only its own tokens' columns.
        self.weights = sparse.csc_matrix((weights, (tf.row, tf.col)), shape=counts.shape)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for the query (zeros when nothing matches)."""
        return self._scores(self._columns(query))

    def matched_share(self, query: str) -> np.ndarray:
        """Every text's BM25 score divided by that of a text matching every query term once (1.0)."""
        columns = self._columns(query)
        return self._scores(columns) / max(float(self.idf[columns].sum()), 1e-6)

    def _columns(self, query: str) -> np.ndarray:
        """The vocabulary columns of the query's tokens that some text holds (after `patched`, the vocabulary
        may keep tokens of texts no longer there)."""
        known = {self.vocabulary[t] for t in keyword_tokens(query, self.prefix) if t in self.vocabulary}
        columns = np.asarray(sorted(known), dtype=np.int64)
        return columns[self.document_frequency[columns] > 0]

    def _scores(self, columns: np.ndarray) -> np.ndarray:
        """Each text's sum of the weights (idf included) of these columns."""
        return np.asarray(self.weights[:, columns].sum(axis=1, dtype=np.float64)).ravel()

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """The k best (row, score) pairs with a positive score, best first."""
        return best_rows(self.scores(query), k)


def best_rows(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs of a score vector with a positive score, best first."""
    if not scores.any():
        return []
    return [(int(row), float(scores[row])) for row in top_rows(scores, k) if scores[row] > 0]
