"""The first check of a question (kentrag.answer.found): a passage near enough in meaning for its language pair."""

from __future__ import annotations

import pytest

from kentrag.answer.found import FOUND_THRESHOLD, FOUND_THRESHOLDS_ACROSS_LANGUAGES, answers_question, found_threshold
from kentrag.core.types import Passage, Retrieval

pytestmark = pytest.mark.fast


def passage(language: str, dense: float | None) -> Passage:
    return Passage(f"{language}.txt#0", f"{language}.txt", "t", "s", language, "text", 0, 4, dense=dense)


def retrieval(language: str, *passages: Passage) -> Retrieval:
    return Retrieval(language, "q", None, None, passages)


def test_the_same_language_threshold_is_the_eval_calibrated_one_and_across_languages_it_is_lower() -> None:
    assert found_threshold("tr", "tr") == found_threshold("en", "en") == FOUND_THRESHOLD == 0.80
    assert found_threshold("tr", "en") == FOUND_THRESHOLDS_ACROSS_LANGUAGES["tr-en"] < FOUND_THRESHOLD
    assert found_threshold("en", "tr") == FOUND_THRESHOLDS_ACROSS_LANGUAGES["en-tr"] < FOUND_THRESHOLD


def test_a_pair_never_calibrated_gets_the_lowest_cross_language_threshold() -> None:
    assert found_threshold("tr", "de") == min(FOUND_THRESHOLDS_ACROSS_LANGUAGES.values())


def test_an_english_passage_answers_a_turkish_question_at_a_cosine_a_turkish_passage_would_not() -> None:
    cosine = (FOUND_THRESHOLD + FOUND_THRESHOLDS_ACROSS_LANGUAGES["tr-en"]) / 2
    assert answers_question(retrieval("tr", passage("en", cosine)))
    assert not answers_question(retrieval("tr", passage("tr", cosine)))
    assert answers_question(retrieval("tr", passage("tr", cosine), passage("en", cosine)))  # any passage will do


def test_nothing_near_enough_or_nothing_retrieved_does_not_answer() -> None:
    assert not answers_question(retrieval("en", passage("en", 0.79), passage("tr", 0.74)))
    assert not answers_question(retrieval("en", passage("en", None)))
    assert not answers_question(retrieval("en"))
    assert answers_question(retrieval("en", passage("en", 0.80)))
