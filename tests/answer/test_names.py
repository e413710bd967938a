"""Proper names across Turkish and English (kentrag.answer.names) and the documents that never name what a
question asks about (kentrag.answer.ranking.unnamed_documents): pure functions of the text."""

from __future__ import annotations

import pytest

from kentrag.answer.names import asked_names, fold, folded_words, resembles
from kentrag.answer.ranking import unnamed_documents
from kentrag.core.types import Passage

pytestmark = pytest.mark.fast


def test_the_names_a_question_asks_about() -> None:
    assert asked_names("Taşkent'teki uzman konferansı hangi tarihte yapıldı?") == ["taskent"]
    assert asked_names("Zeytinburnu Belediyesi'nin uygulamalarını kim anlattı?") == ["zeytinburnu", "belediyesi"]
    assert asked_names("Which Turkish ministry took part in the InnoWeek panels?") == ["turkis", "innoweek"]
    assert asked_names("Kimler katıldı?") == []  # a capitalised first word alone is no name
    # … unless the documents write it only as a name, inside their sentences.
    documents = "Taşkent’te düzenlenen konferans. Konferans iki gün sürdü. Tören Kültürpark'ta yapıldı, tören kısa."
    assert asked_names("Taşkent konferansının kapanış konuşmasını kim yaptı?", documents) == ["taskent"]
    assert asked_names("Konferans ne zaman yapıldı?", documents) == []  # never inside a sentence
    assert asked_names("Tören nerede yapıldı?", documents) == []  # also in lower case
    assert asked_names("Taşkent konferansı ne zaman yapıldı?") == []  # no documents to tell by


def test_a_name_is_found_in_either_language_and_spelling() -> None:
    words = folded_words("World Smart City Week was held in Seoul, South Korea; İmamoğlu'nun Taşkent ziyareti.")
    for name in ("Seul", "Kore", "Korea", "Tashkent", "Imamoglu", "İmamoğlu'nun", "Seoul"):
        assert resembles(words, fold(name.split("'")[0])), name
    assert not resembles(words, fold("Ankara")) and not resembles(words, fold("Sel"))  # short: exactly or not


def passage(doc_id: str, text: str, title: str = "") -> Passage:
    return Passage(f"{doc_id}#0", doc_id, title, doc_id, "en", text, 0, len(text))


def test_documents_that_name_nothing_the_question_asks_about() -> None:
    passages = [passage("tdbb.txt", "The delegation visited BELBIM on October 20 in Istanbul."),
                passage("innoweek.txt", "Konferans gerçekleştirilmiştir.", title="InnoWeek 2022"),
                passage("innoweek.txt", "Taşkent’te düzenlenen konferans.")]
    assert unnamed_documents("When was the expert conference in Tashkent held?", passages) == {"tdbb.txt"}
    assert unnamed_documents("When was the InnoWeek conference held?", passages) == {"tdbb.txt"}  # by its title
    assert unnamed_documents("When was the conference held?", passages) == frozenset()  # no name asked about
    # No document names Varşova (they may write it as Warsaw): none is left out.
    assert unnamed_documents("Varşova'daki konferans ne zaman yapıldı?", passages) == frozenset()
