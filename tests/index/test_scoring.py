"""The fusion, the per-language centring and the ranking of index.scoring, on small hand-computed numbers."""

from __future__ import annotations

import numpy as np
import pytest
from kentrag.index.scoring import (
    KEYWORD_WEIGHT_OTHER_LANGUAGE,
    KEYWORD_WEIGHT_SAME_LANGUAGE,
    SENTENCE_WEIGHT,
    USE_SENTENCE_WEIGHT_OTHER_LANGUAGE,
    USE_WEIGHT_OTHER_LANGUAGE,
    centre_per_language,
    fused_scores,
    ranked,
)

pytestmark = pytest.mark.fast

# Three candidates; the middle one is in another language than the question's.
DENSE = np.array([0.8, 0.6, 0.5], dtype=np.float32)
SENTENCE = np.array([0.9, 0.7, 0.4], dtype=np.float32)
KEYWORD = np.array([0.5, 1.0, 0.0])
SAME = np.array([True, False, True])
USE = np.array([0.5], dtype=np.float32)  # of the other-language candidate only
USE_SENTENCE = np.array([0.6], dtype=np.float32)


def test_the_weights_are_the_measured_ones() -> None:
    """The figures below are computed with these weights (BENCHMARKS.md, "The default retriever")."""
    assert (SENTENCE_WEIGHT, KEYWORD_WEIGHT_SAME_LANGUAGE, KEYWORD_WEIGHT_OTHER_LANGUAGE) == (0.3, 0.08, 0.03)
    assert (USE_WEIGHT_OTHER_LANGUAGE, USE_SENTENCE_WEIGHT_OTHER_LANGUAGE) == (0.2, 0.1)


def test_fusion_adds_sentence_keyword_and_use_for_other_language_candidates_only() -> None:
    fused = fused_scores(DENSE, SENTENCE, KEYWORD, SAME, USE, USE_SENTENCE)
    assert fused == pytest.approx([
        0.8 + 0.3 * 0.9 + 0.08 * 0.5,  # 1.11: same language, keyword weight 0.08, no USE
        0.6 + 0.3 * 0.7 + 0.03 * 1.0 + 0.2 * 0.5 + 0.1 * 0.6,  # 1.00: other language, keyword weight 0.03, USE
        0.5 + 0.3 * 0.4 + 0.08 * 0.0,  # 0.62
    ], abs=1e-6)
    assert fused == pytest.approx([1.11, 1.00, 0.62], abs=1e-6)


def test_fusion_without_sentence_or_use_vectors_leaves_their_terms_out() -> None:
    assert fused_scores(DENSE, None, KEYWORD, SAME) == pytest.approx([0.8 + 0.04, 0.6 + 0.03, 0.5], abs=1e-6)
    # USE chunk vectors without USE sentence vectors: 0.6 + 0.21 + 0.03 + 0.2 × 0.5 = 0.94
    assert fused_scores(DENSE, SENTENCE, KEYWORD, SAME, USE)[1] == pytest.approx(0.94, abs=1e-6)


def test_centring_subtracts_the_mean_of_each_language_s_best() -> None:
    scores = np.array([3.0, 1.0, 2.0, 5.0])
    languages = np.array(["tr", "tr", "en", "tr"])
    # tr: best two of 3, 1, 5 are 5 and 3, mean 4 → 3 − 4, 1 − 4, 5 − 4.
    # en has one score (2), one place short of depth 2: filled with the mean of the best two overall, (5 + 3) / 2
    # = 4, so en's mean is (2 + 4) / 2 = 3 → 2 − 3.
    assert centre_per_language(scores, languages, depth=2).tolist() == [-1.0, -3.0, -1.0, 1.0]
    assert scores.tolist() == [3.0, 1.0, 2.0, 5.0]  # not changed in place


def test_centring_of_one_language_with_enough_scores_is_a_plain_shift() -> None:
    scores = np.array([0.5, 0.9, 0.7])
    # Best two: 0.9 and 0.7, mean 0.8.
    assert centre_per_language(scores, np.array(["en"] * 3), depth=2) == pytest.approx([-0.3, 0.1, -0.1])


def test_ranking_is_best_first_and_keeps_the_order_of_equal_scores() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.9, 0.1])
    assert ranked(scores, 4).tolist() == [1, 3, 0, 2]
    assert ranked(scores, 10).tolist() == [1, 3, 0, 2, 4]
    assert ranked(scores, 0).tolist() == []
