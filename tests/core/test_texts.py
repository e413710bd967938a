"""Every text in both languages, with the same fields to fill in."""

from __future__ import annotations

import string

import pytest

from kentrag.core.texts import LANGUAGES, TEXTS, every_language, phrase

pytestmark = pytest.mark.fast


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_has_both_languages_with_the_same_fields(key: str) -> None:
    entry = TEXTS[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[language].strip() for language in LANGUAGES)
    assert fields(entry["tr"]) == fields(entry["en"])


def test_phrase_fills_in_fields_and_falls_back_to_english() -> None:
    assert phrase("removed", "tr", doc="a.txt") == "Kaldırıldı: a.txt"
    assert phrase("removed", "en", doc="a.txt") == "Removed: a.txt"
    assert phrase("not_found", "de") == phrase("not_found", "en")
    assert every_language("quotes_lead") == ("Belgelere göre:", "According to the documents:")
