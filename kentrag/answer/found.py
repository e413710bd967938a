"""Whether the documents can answer at all: the cheap first check of a question, before any sentence is read."""

from __future__ import annotations

from kentrag.core.types import Retrieval

# When no retrieved passage reaches its threshold of e5 cosine similarity, the documents are taken not to answer.
# In the question's language: calibrated on the eval set (best refusal accuracy); off-topic questions fall below it.
# Across languages e5 cosines run lower (0.80 let through 0.54 of answerable tr→en XQuAD dev questions): those are
# calibrated per pair by `kentrag bench found` on XQuAD's even articles, as the highest letting 98 % of answerable
# questions through; the selector then refuses what does not answer (BENCHMARKS.md "Found thresholds").
FOUND_THRESHOLD = 0.80
FOUND_THRESHOLDS_ACROSS_LANGUAGES = {"tr-en": 0.75, "en-tr": 0.77}  # "<question language>-<passage language>"


def found_threshold(question_language: str, passage_language: str) -> float:
    """The e5 cosine a passage must reach to be taken as near enough in meaning to answer."""
    if question_language == passage_language:
        return FOUND_THRESHOLD
    across = FOUND_THRESHOLDS_ACROSS_LANGUAGES
    return across.get(f"{question_language}-{passage_language}", min(across.values()))  # uncalibrated: the lowest


def answers_question(retrieval: Retrieval) -> bool:
    """Whether the retrieved passages can answer: one is near enough in meaning for its language pair."""
    return any((p.dense or 0.0) >= found_threshold(retrieval.language, p.language) for p in retrieval.passages)
