"""How the candidates of one question are scored and ranked: pure functions on numpy arrays.

The multilingual e5 scores passages in the question's own language higher across the board, which buries the
answer when it sits in a document of the other language. So each candidate's score is
- its e5 cosine + SENTENCE_WEIGHT × the e5 cosine of its best sentence (index.sentence_vectors)
  + a keyword weight × its BM25 share (1.0 = every query term matched), the weight larger when question and
  passage share a language;
- for a passage in another language than the question's, plus the USE cosines of the chunk and of its best
  sentence (USE is less tied to the question's language);
- then centred within each passage language (minus the mean of that language's best CENTERING_DEPTH), so that
  how much a passage stands out within its language decides, not the language itself.
Weights chosen on XQuAD and the kentrag eval (BENCHMARKS.md).
"""

from __future__ import annotations

import numpy as np

SENTENCE_WEIGHT = 0.3
# Within a language keywords are reliable, e5 is strong and USE only adds noise; across languages USE carries
# much of the signal and keywords only match names and numbers.
KEYWORD_WEIGHT_SAME_LANGUAGE = 0.08
KEYWORD_WEIGHT_OTHER_LANGUAGE = 0.03
USE_WEIGHT_OTHER_LANGUAGE = 0.2
USE_SENTENCE_WEIGHT_OTHER_LANGUAGE = 0.1
CENTERING_DEPTH = 10


def fused_scores(dense: np.ndarray, sentence: np.ndarray | None, keyword: np.ndarray, same_language: np.ndarray,
                 use: np.ndarray | None = None, use_sentence: np.ndarray | None = None) -> np.ndarray:
    """Each candidate's score before centring. `dense`, `sentence` (None without sentence vectors), `keyword` and
    `same_language` hold one value per candidate; `use` and `use_sentence` (None when off) one per candidate in
    another language."""
    sentence_part = SENTENCE_WEIGHT * sentence if sentence is not None else 0.0
    keyword_weight = np.where(same_language, KEYWORD_WEIGHT_SAME_LANGUAGE, KEYWORD_WEIGHT_OTHER_LANGUAGE)
    fused = dense + sentence_part + keyword_weight * keyword
    if use is not None:
        use_part = USE_WEIGHT_OTHER_LANGUAGE * use
        if use_sentence is not None:
            use_part += USE_SENTENCE_WEIGHT_OTHER_LANGUAGE * use_sentence
        fused[~same_language] += use_part
    return fused


def centre_per_language(scores: np.ndarray, languages: np.ndarray, depth: int = CENTERING_DEPTH) -> np.ndarray:
    """Each language's scores minus the mean of its best `depth`; a language with fewer candidates fills the
    missing places with the mean of the best `depth` of all (a lone passage is not centred onto 0)."""
    reference = np.sort(scores)[-depth:].mean()
    out = scores.copy()
    for language in np.unique(languages):
        mask = languages == language
        best = np.sort(scores[mask])[-depth:]
        out[mask] -= (best.sum() + (depth - len(best)) * reference) / depth
    return out


def ranked(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, best first; equal scores keep their order."""
    return np.argsort(-scores, kind="stable")[:k]
