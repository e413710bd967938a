"""Tests for kentrag.core.language: tr/en detection, Turkish casefolding and tokenisation."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from kentrag.core.language import detect_language, tokenize_words, turkish_casefold

pytestmark = pytest.mark.fast
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kimler katıldı?", "tr"),
        ("Who attended?", "en"),
        ("B40 atölyeleri ne zaman yapıldı?", "tr"),
        ("When was the protocol signed?", "en"),
        ("İSBAK nedir?", "tr"),
        ("Tugay ne dedi?", "tr"),
        ("Protokolü kim imzaladı?", "tr"),
        ("Who is Ekrem İmamoğlu?", "en"),
        ("What did İzmir Teknoloji and İSBAK agree on?", "en"),
        ("Smart Cities working group toplantısı hangi şehirde yapıldı?", "tr"),
        ("IN WHICH CITY WAS THE WORKSHOP HELD?", "en"),
        ("IS IT IN İZMİR?", "en"),
        ("İZMİR'DE HANGİ FUAR AÇILDI?", "tr"),
    ],
)
def test_detect_language_on_questions(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "2022", "B40", "?!", "Tashkent"])
def test_detect_language_defaults_to_english(text: str) -> None:
    assert detect_language(text) == "en"


def test_detect_language_on_nfd_turkish() -> None:
    assert detect_language(unicodedata.normalize("NFD", "Konferansa katılanlar ödül aldı")) == "tr"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("2017-09-belgrade-rijeka-world-smart-city-week.txt", "en"),
        ("2017-10-tdbb-smart-municipalism-cyber-security.txt", "en"),
        ("2022-06-b40-balkan-cities-istanbul-workshops.txt", "en"),
        ("2022-innoweek-tashkent-smart-cities-conference.txt", "tr"),
        ("2024-09-izmir-istanbul-technology-protocol.txt", "tr"),
    ],
)
def test_detect_language_on_whole_documents(name: str, language: str) -> None:
    assert detect_language((CORPUS / name).read_text(encoding="utf-8")) == language


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("İSTANBUL", "istanbul"),
        ("IŞIK", "ışık"),
        ("Iğdır", "ığdır"),
        ("DİYARBAKIR", "diyarbakır"),
        ("ÇÖĞÜŞ", "çöğüş"),
        ("Smart CITY", "smart cıty"),
        ("I\u0307zmir", "izmir"),  # NFD capital dotted I
        ("o\u0308du\u0308l", "ödül"),  # NFD umlauts come out composed
        ("ÀÉÎ ß", "àéî ß"),
    ],
)
def test_turkish_casefold(text: str, folded: str) -> None:
    assert turkish_casefold(text) == folded
    assert unicodedata.is_normalized("NFC", turkish_casefold(text))


def test_turkish_casefold_never_leaves_combining_dot() -> None:
    assert "\u0307" not in turkish_casefold("İİ İzmir İSBAK")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("İzmir’in", ["izmir", "in"]),
        ("İzmir'de", ["izmir", "de"]),
        ("20-25 June 2022", ["20", "25", "june", "2022"]),
        ("B40 Balkan Cities Network", ["b40", "balkan", "cities", "network"]),
        ("“Dijital Çağda Yeşil Enerji”", ["dijital", "çağda", "yeşil", "enerji"]),
        ("93. İzmir Enternasyonal Fuarı’nın (İEF)", ["93", "izmir", "enternasyonal", "fuarı", "nın", "ief"]),
        ("snake_case e-mail", ["snake", "case", "e", "mail"]),
        ("", []),
        ("... — !!", []),
    ],
)
def test_tokenize_words(text: str, tokens: list[str]) -> None:
    assert tokenize_words(text) == tokens


def test_tokenize_words_matches_nfc_and_nfd() -> None:
    text = "Büyükşehir Belediyesi İzmir"
    assert tokenize_words(unicodedata.normalize("NFD", text)) == tokenize_words(text)
