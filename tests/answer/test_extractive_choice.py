"""Which of the ranked sentences the extractive answer quotes (kentrag.answer.extractive.choose)."""

from __future__ import annotations

import pytest

from kentrag.answer.extractive import MAX_QUOTES, SELECTOR_QUOTE_MARGIN, choose
from kentrag.answer.ranking import Sentence
from kentrag.core.types import Passage

pytestmark = pytest.mark.fast

TEXT = "The summit was held in Seoul.\nIt had 40 guests.\n\nRijeka joined.\n\nBelgrade joined.\n\nSofia joined."
LINES = [line for line in TEXT.split("\n") if line]


def sentence(n: int, score: float) -> Sentence:
    """The n-th line of the text, as a sentence of a passage of its own, with a score (a line ends at a line
    break, so the lead never runs on)."""
    line = LINES[n]
    start = TEXT.index(line)
    passage = Passage(f"d.txt#{n}", "d.txt", "d", "s", "en", TEXT, 0, len(TEXT))
    return Sentence(passage, start, start + len(line), line, score=score)


def test_a_further_quote_must_score_within_the_margin_of_the_lead() -> None:
    lead, near, far = sentence(0, 2.6), sentence(2, 2.6 - SELECTOR_QUOTE_MARGIN + 0.01), sentence(3, 2.3)
    assert choose([lead, near, far], "Where was the summit held?", SELECTOR_QUOTE_MARGIN) == [lead, near]


def test_a_lone_lead_is_quoted_alone_and_never_more_than_max_quotes() -> None:
    lead = sentence(0, 2.6)
    assert choose([lead, sentence(2, 1.0)], "Where was the summit held?", SELECTOR_QUOTE_MARGIN) == [lead]
    many = [sentence(n, 2.6) for n in (0, 2, 3, 4)]
    assert len(choose(many, "Which cities joined?", SELECTOR_QUOTE_MARGIN)) == MAX_QUOTES


def test_nothing_ranked_quotes_nothing() -> None:
    assert choose([], "Where was the summit held?", SELECTOR_QUOTE_MARGIN) == []
