"""The thing a "which …" question asks to be named (kentrag.answer.focus): pure functions, no model."""

from __future__ import annotations

import pytest

from kentrag.answer.focus import asked_thing, names_thing

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(("question", "stem"), [
    ("Which cities took part in the B40 Festival Bus project?", "citie"),
    ("Which two companies are party to the protocol?", "compa"),
    ("Which Turkish ministry took part in the panels?", "minis"),
    ("What kind of stand does the B40 Network intend to set up?", "stand"),
    ("Taşkent'teki konferansta hangi konular konuşuldu?", "konul"),
    ("Festival Bus projesine hangi şehirler katılıyor?", "şehir"),
    ("What did Belgrade present in Seoul?", None),  # a function word: nothing named
    ("What is InnoWeek?", None),
    ("Who signed the protocol?", None),
    ("Which NFL team won?", "team"),
])
def test_the_noun_after_which_is_the_thing_asked_for(question: str, stem: str | None) -> None:
    assert asked_thing(question) == stem


@pytest.mark.parametrize(("stem", "sentence", "named"), [
    ("citie", "The participating cities of Festival Bus project are Sarajevo, Çanakkale, …", True),
    ("citie", "Four topics were on the agenda for 2023: Festival Bus Project, festivals in B40 Cities.", False),
    ("citie", "Cities such as Sarajevo joined.", True),  # the first word may be capitalised
    ("konul", "“Akıllı Şehir Konsepti” konulu iki panel oturumu gerçekleştirildi.", True),
    ("konul", "Konferansın açılış konuşmaları yapılmıştır.", False),
    ("team", "Both teams played well.", True),
    ("compa", "The company was founded in 1990.", True),
])
def test_a_sentence_names_the_thing_as_a_common_noun(stem: str, sentence: str, named: bool) -> None:
    assert names_thing(stem, sentence) is named
