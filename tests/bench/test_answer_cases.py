"""The questions of `kentrag bench answers` on a tiny parallel SQuAD-format corpus: the answer found in a quote, the
near-miss paragraphs (answer sentences deleted, one question per paragraph) and the odd articles only."""

from __future__ import annotations

import pytest
from kentrag.bench.answer_cases import (
    case,
    is_near_miss,
    near_miss_keys,
    near_miss_pool,
    odd_articles,
    quotes_answer,
    sample,
    without_answer,
)
from kentrag.bench.data import Paragraph

from kentrag.train.selector_data import Corpus, read_paragraph

pytestmark = pytest.mark.fast

# Per language: three paragraphs of (context, [(question id, question, answer)]), the same in both languages.
TEXTS = {
    "en": [("The bridge opened in 1890. It is painted red. Trains cross it daily.",
            [("q1", "When did the bridge open?", "1890"), ("q2", "What colour is it?", "red")]),
           ("The museum has 300 paintings.", [("q3", "How many paintings?", "300 paintings")]),
           ("The port was built in 1750. The port grew until 1750 ended. Ships still call.",
            [("q4", "When was the port built?", "1750")])],
    "tr": [("Köprü 1890'da açıldı. Köprü kırmızıya boyalı. Trenler her gün geçer.",
            [("q1", "Köprü ne zaman açıldı?", "1890'da"), ("q2", "Rengi ne?", "kırmızıya")]),
           ("Müzede 300 tablo var.", [("q3", "Kaç tablo var?", "300 tablo")]),
           ("Liman 1750'de kuruldu. Liman 1750'de bitene kadar büyüdü. Gemiler hâlâ gelir.",
            [("q4", "Liman ne zaman kuruldu?", "1750'de")])],
}


def raw(context: str, questions: list[tuple[str, str, str]]) -> dict:
    """A paragraph as it stands in the SQuAD JSON."""
    return {"context": context, "qas": [{"id": qid, "question": question,
                                         "answers": [{"text": answer, "answer_start": context.index(answer)}]}
                                        for qid, question, answer in questions]}


@pytest.fixture
def corpus() -> Corpus:
    """Two articles per language: the first (even) with the bridge alone, the second (odd) with all three."""
    return {language: [[read_paragraph("Bridges", raw(*paragraphs[0]))],
                       [read_paragraph("Town", raw(*p)) for p in paragraphs]]
            for language, paragraphs in TEXTS.items()}


@pytest.fixture
def answers() -> dict[str, dict[str, str]]:
    return {language: {qid: answer for _, questions in paragraphs for qid, _, answer in questions}
            for language, paragraphs in TEXTS.items()}


def test_only_odd_articles_are_evaluated(corpus: Corpus) -> None:
    assert odd_articles(corpus) == (1,)
    assert odd_articles(corpus, limit=0) == ()


@pytest.mark.parametrize(("quote", "answer", "holds"), [
    ("Köprü 1890'da açıldı.", "1890'da", True),
    ("İSTANBUL'DA   bir  köprü", "istanbul'da bir", True),  # Turkish casefold, whitespace and punctuation
    ("The museum has 300 paintings.", "300  Paintings", True),
    ("The museum has 30 paintings.", "300 paintings", False),
    ("Anything at all.", "", False),
])
def test_a_quote_holds_the_answer_by_its_words(quote: str, answer: str, holds: bool) -> None:
    assert quotes_answer(quote, answer) is holds


def test_a_case_asks_in_one_language_and_answers_in_the_other(corpus: Corpus, answers: dict) -> None:
    asked = case(corpus, answers, "tr", "en", (1, 0, "q1"))
    assert (asked.question, asked.answer, asked.paragraph) == ("Köprü ne zaman açıldı?", "1890", ("en", (1, 0)))


def test_the_answer_sentence_is_deleted_and_the_rest_kept(corpus: Corpus) -> None:
    assert without_answer(corpus, "en", (1, 0, "q1")) == "It is painted red. Trains cross it daily."
    assert without_answer(corpus, "tr", (1, 0, "q2")) == "Köprü 1890'da açıldı. Trenler her gün geçer."


def test_a_near_miss_keeps_some_text_and_no_mention_of_the_answer(corpus: Corpus, answers: dict) -> None:
    assert is_near_miss(corpus, answers, (1, 0, "q1"))
    assert not is_near_miss(corpus, answers, (1, 1, "q3"))  # nothing would be left
    assert not is_near_miss(corpus, answers, (1, 2, "q4"))  # "1750" is in another sentence too


def test_near_misses_take_each_paragraph_once(corpus: Corpus, answers: dict) -> None:
    keys = [(1, 0, "q1"), (1, 0, "q2"), (1, 1, "q3"), (1, 2, "q4")]
    for seed in range(5):
        near = near_miss_keys(corpus, answers, keys, 10, seed)
        assert len(near) == 1 and near[0] in keys[:2]
    assert near_miss_keys(corpus, answers, keys, 0, 1) == []


def test_the_near_miss_pool_changes_only_the_chosen_paragraphs(corpus: Corpus) -> None:
    paragraphs = [Paragraph((1, j), "en", " ".join(p.sentences)) for j, p in enumerate(corpus["en"][1])]
    pool = near_miss_pool(paragraphs, corpus, [(1, 0, "q2")])
    assert pool[0].text == "The bridge opened in 1890. Trains cross it daily."
    assert pool[1:] == paragraphs[1:]


def test_a_sample_is_seeded_and_keeps_the_order() -> None:
    keys = [(1, j, f"q{j}") for j in range(20)]
    drawn = sample(keys, 5, seed=3)
    assert drawn == sample(keys, 5, seed=3) == sorted(drawn) and len(set(drawn)) == 5
    assert sample(keys, None, 3) == sample(keys, 20, 3) == keys
