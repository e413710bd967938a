"""The shipped answer-sentence selector, loaded offline over the converted e5-small base, ranks the answer
sentence of hand-written Turkish, English and cross-language questions over the bundled corpus first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kentrag.answer.selector import SHIPPED_DIR, AnswerSelector, Candidate
from kentrag.core.sentences import sentence_spans
from kentrag.core.settings import Settings

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
B40 = ("2022-06-b40-balkan-cities-istanbul-workshops.txt", "B40 Balkan Cities Network: Istanbul Workshops")
IZMIR = ("2024-09-izmir-istanbul-technology-protocol.txt", "İzmir ile İstanbul arasında teknoloji protokolü")
TASHKENT = ("2022-innoweek-tashkent-smart-cities-conference.txt", "InnoWeek 2022 Taşkent akıllı şehirler konferansı")


def candidates(document: tuple[str, str], first: str, last: str) -> list[Candidate]:
    """The sentences of a corpus document from the one starting with `first` to the one containing `last`, each
    with the document title and the sentence (or heading line) before it as context."""
    text = (CORPUS / document[0]).read_text(encoding="utf-8")
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    begin = next(i for i, s in enumerate(sentences) if s.startswith(first))
    end = next(i for i, s in enumerate(sentences) if i >= begin and last in s)
    return [Candidate(sentences[i], document[1], sentences[i - 1] if i else "") for i in range(begin, end + 1)]


@pytest.fixture(scope="module")
def selector() -> AnswerSelector:
    loaded = AnswerSelector.load(Settings())
    assert loaded is not None, f"no selector weights in {SHIPPED_DIR}"
    return loaded


FESTIVAL_BUS = (B40, "It aims to organize a series of public concerts", "open to the participation of all")
SUMMIT = (B40, "B40 Network Local Economic Cooperation Working Group", "covered by Istanbul")
PROTOCOL = (IZMIR, "Bu yıl “teknoloji” teması", "Türkiye için de çok önemli")
SIGNERS = "İzmir Büyükşehir Belediyesi’nin İzmir"
OPENING = (TASHKENT, "“Sürdürülebilir Kalkınma için Yeşil Yenilikler”", "vurgu yapılmıştır")


MISSED = pytest.mark.xfail(strict=True, reason="selector run 2 misses these 2 of the 8; run 3 (not shipped) got the "
                           "Summit right, not the Tashkent opening speeches (issue 17)")


@pytest.mark.parametrize(("question", "paragraph", "answer"), [
    ("Which cities took part in the B40 Festival Bus project?", FESTIVAL_BUS, "The participating cities of Festival"),
    ("Festival Bus projesine hangi şehirler katılıyor?", FESTIVAL_BUS, "The participating cities of Festival"),
    ("When was the first concert of the festival bus?", FESTIVAL_BUS, "The following timetable"),
    pytest.param("When is the Young City Representatives Summit?", SUMMIT, "will be planned to host in Istanbul",
                 marks=MISSED),
    ("İzmir ile İstanbul arasındaki teknoloji protokolünü kim imzaladı?", PROTOCOL, SIGNERS),
    ("Who signed the technology protocol between İzmir and İstanbul?", PROTOCOL, SIGNERS),
    pytest.param("Taşkent'teki konferansın açılış konuşmalarını kim yaptı?", OPENING, "Konferansın açılış konuşmaları",
                 marks=MISSED),
    ("Which ministry organised the conference in Tashkent together with the secretariat?", OPENING,
     "“Sürdürülebilir Kalkınma"),
])
def test_the_answer_sentence_gets_the_highest_probability(selector: AnswerSelector, question: str,
                                                          paragraph: tuple, answer: str) -> None:
    options = candidates(*paragraph)
    probabilities = selector.probabilities(question, options)
    ranked = [options[i].sentence[:60] for i in np.argsort(-probabilities)]
    assert options[int(np.argmax(probabilities))].sentence.startswith(answer), ranked


def test_a_question_the_sentences_do_not_answer_scores_below_one_they_do(selector: AnswerSelector) -> None:
    options = candidates(*PROTOCOL)
    answered = selector.probabilities("İzmir ile İstanbul arasındaki teknoloji protokolünü kim imzaladı?", options)
    budget = selector.probabilities("What was the budget of the İzmir–İstanbul technology protocol?", options)
    assert budget.max() < answered.max()


def test_probabilities_keep_the_candidates_order_and_thresholds_cover_the_product_pairs(
        selector: AnswerSelector) -> None:
    options = candidates(*FESTIVAL_BUS)
    question = "Which cities took part in the B40 Festival Bus project?"
    forward = selector.probabilities(question, options)
    backward = selector.probabilities(question, options[::-1])
    assert forward.dtype == np.float32 and ((forward >= 0) & (forward <= 1)).all()
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-3)
    assert selector.probabilities(question, []).shape == (0,)
    for pair in ("tr-tr", "en-en", "tr-en", "en-tr", "default"):
        assert pair in selector.config.thresholds["combined"] and pair in selector.config.thresholds["probability"]
    assert selector.threshold("de", "tr") == selector.config.thresholds["combined"]["default"]


def test_no_weights_means_no_selector(tmp_path: Path) -> None:
    assert AnswerSelector.load(Settings(), tmp_path) is None
