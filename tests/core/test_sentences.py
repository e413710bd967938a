"""Sentence spans: exact offsets, abbreviations kept inside their sentence."""

import pytest

from kentrag.core.sentences import LIST_ITEMS_QUOTED, list_end, sentence_spans

pytestmark = pytest.mark.fast


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_offsets_slice_the_original_text() -> None:
    text = "  First sentence here.  Second one follows!\n\nThird line without a dot\nEnd?"
    assert sentences(text) == ["First sentence here.", "Second one follows!", "Third line without a dot"]


def test_abbreviations_and_initials_do_not_split() -> None:
    text = ("Protokolü Başkan Dr. Cemil Tugay ile Ekrem İmamoğlu imzaladı. Doç. Dr. Ayşe K. Yılmaz konuştu. "
            "Mr. Kim met the World Bank team.")
    assert sentences(text) == [
        "Protokolü Başkan Dr. Cemil Tugay ile Ekrem İmamoğlu imzaladı.",
        "Doç. Dr. Ayşe K. Yılmaz konuştu.",
        "Mr. Kim met the World Bank team.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = "“Söylemekten çok yapmaya ihtiyacımız var.” Bu iş birliği önemli dedi."
    assert sentences(text) == ["“Söylemekten çok yapmaya ihtiyacımız var.”", "Bu iş birliği önemli dedi."]


def test_turkish_ordinals_do_not_split_but_years_and_dates_do() -> None:
    text = "Bu yıl 93. İzmir Enternasyonal Fuarı açıldı. Fuar açıldı: 2024. Yılın en büyüğüydü."
    assert sentences(text) == [
        "Bu yıl 93. İzmir Enternasyonal Fuarı açıldı.", "Fuar açıldı: 2024.", "Yılın en büyüğüydü.",
    ]
    text = "The first concert is on July 16. The participating cities are Sarajevo and Kotor."
    assert sentences(text) == ["The first concert is on July 16.", "The participating cities are Sarajevo and Kotor."]


def test_sentence_texts_of_a_chunk() -> None:
    from kentrag.core.sentences import sentence_texts

    assert sentence_texts("Tesla 1856'da doğdu. Smiljan'da büyüdü, sonra Graz'da okudu.") == [
        "Tesla 1856'da doğdu.", "Smiljan'da büyüdü, sonra Graz'da okudu."]
    # Nothing long enough to be a sentence: the chunk itself stands for its one sentence.
    assert sentence_texts("Kısa. Çok.") == ["Kısa. Çok."]


def test_abbreviations_inside_a_sentence_in_both_languages() -> None:
    text = ("İzmir Büyükşehir Belediye Başkanı Dr. Cemil Tugay protokolü imzaladı. Akıllı şehir, yapay zeka vb. "
            "alanlarda projeler yürütülecek. Prof. Joengo Kim spoke at No. 5 St. James Street. Sn. Akın KISA katıldı.")
    assert sentences(text) == [
        "İzmir Büyükşehir Belediye Başkanı Dr. Cemil Tugay protokolü imzaladı.",
        "Akıllı şehir, yapay zeka vb. alanlarda projeler yürütülecek.",
        "Prof. Joengo Kim spoke at No. 5 St. James Street.",
        "Sn. Akın KISA katıldı.",
    ]


def test_the_end_of_the_list_a_colon_introduces() -> None:
    text = ("Four pillars are as follows:\n\n- 1- Technology Partner\n- 2- Marketing Resources\n\n"
            "The importance of revenue was emphasized.\n- not an item of that list")
    colon = text.index(":") + 1
    assert text[:list_end(text, colon)].endswith("- 2- Marketing Resources")
    steps = "Steps:\n1. Literature review\n2) Analysis\nb) Roadmap\n20-25 June was the date."
    assert steps[:list_end(steps, len("Steps:"))].endswith("b) Roadmap")
    assert list_end("No list follows:\nA sentence.", len("No list follows:")) is None
    assert list_end("Not a colon.\n- an item", len("Not a colon.")) is None
    many = "Cities:" + "".join(f"\n- City {n}" for n in range(LIST_ITEMS_QUOTED + 5))
    assert many[:list_end(many, len("Cities:"))].endswith(f"City {LIST_ITEMS_QUOTED - 1}")
