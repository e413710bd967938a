"""Quotes a person can read (kentrag.answer.quotes) and the kind of answer a question asks for
(kentrag.answer.answer_kinds): pure functions of the text."""

from __future__ import annotations

import pytest

from kentrag.answer.answer_kinds import (
    AGE,
    COUNT,
    DATE,
    DURATION,
    MONEY,
    ORDINAL,
    PEOPLE,
    PLACES,
    asked_kind,
    holds_kind,
    names_other_part,
)
from kentrag.answer.quotes import (
    cut_off,
    depends_on_heading,
    distinct,
    heading_start,
    normalised,
    shown,
    whole_sentences,
)
from kentrag.core.sentences import sentence_spans

pytestmark = pytest.mark.fast

B40 = ("B40 Young City Representatives Summit\n\nwill be planned to host in Istanbul between August 22nd - 27th to "
       "create an open space for the future leaders of the Network. The Summit aims to encourage young people.")


def test_shown_quotes_have_no_markdown_markup_and_one_line() -> None:
    assert shown("Two programs: **Festival Bus Project** and **B40 Young City Representatives Summit**.") == \
        "Two programs: Festival Bus Project and B40 Young City Representatives Summit."
    assert shown("# **B40** Balkan Cities\n") == "B40 Balkan Cities"
    assert shown("the __Smart Rate__ deadline,  in   time") == "the Smart Rate deadline, in time"
    assert shown("window.__xss=2 and snake_case_name") == "window.__xss=2 and snake_case_name"


def test_a_list_is_shown_on_one_line_without_its_bullets() -> None:
    assert shown("four pillars as follows:\n\n- 1- Technology Partner\n- 2- Management Organization") == \
        "four pillars as follows: 1- Technology Partner; 2- Management Organization"
    assert shown("4 steps were discussed:\n1. Literature review\n2. Current situation analysis") == \
        "4 steps were discussed: 1. Literature review; 2. Current situation analysis"
    assert shown("Katılımcılar:\n• İzmir\n• İstanbul") == "Katılımcılar: İzmir; İstanbul"


def test_a_heading_and_its_sentence_read_as_one() -> None:
    assert shown(B40[:B40.index("Network.") + 8]).startswith(
        "B40 Young City Representatives Summit will be planned to host in Istanbul between August 22nd - 27th")
    assert shown("B40 Festival Bus will\n\nStart its route from Istanbul.") == \
        "B40 Festival Bus will Start its route from Istanbul."
    assert shown("TIMELINE\n\n24 June Smart Rate deadline") == "TIMELINE — 24 June Smart Rate deadline"


def test_the_heading_a_sentence_sits_under() -> None:
    first, second = sentence_spans(B40)[1:3]
    heading = heading_start(B40, first[0])
    assert heading == 0 and depends_on_heading(B40[heading:first[0]], B40[first[0]:first[1]])
    assert heading_start(B40, second[0]) is None  # not at the start of a line
    text = "A whole sentence ends here.\nThe next line starts a sentence."
    assert heading_start(text, text.index("The next")) is None  # the line above is a sentence, not a heading
    plain = "B40 Network Local Economic Cooperation Working Group\n\nLocal economic cooperation focused on culture."
    start = plain.index("Local economic")
    assert heading_start(plain, start) == 0 and not depends_on_heading(plain[:start], plain[start:])


def test_a_sentence_cut_by_the_end_of_its_chunk_is_a_fragment() -> None:
    chunk = "Konferans başladı. Konferansın açılış konuşmaları Genel Sekreter Yardımcısı Dr."
    first, last = sentence_spans(chunk)
    assert chunk[slice(*last)].endswith("Yardımcısı Dr.") and cut_off(chunk, *last)
    assert not cut_off(chunk, *first)
    assert not cut_off("Belgeler ve raporlar incelendi vb.\nSonra", 0, len("Belgeler ve raporlar incelendi vb."))
    chunk = "InnoWeek başladı. Taşkent’te düzenlenen “InnoWeek – 2022” kapsamında,"
    assert not cut_off(chunk, *sentence_spans(chunk)[-1])  # a whole clause
    chunk = "The route was decided.\n\nB40 Festival Bus will"
    assert cut_off(chunk, *sentence_spans(chunk)[-1])  # its sentence goes on in the next chunk
    assert not cut_off("It was decided.\n\nThe bus will tour", 0, len("It was decided."))
    chunk = "Projeler geliştirilecek.\nKaynak: (BYZHA) Beyaz Haber Ajansı"
    assert not cut_off(chunk, *sentence_spans(chunk)[-1])  # a label and its value: whole, not a heading
    assert heading_start("Posted: 10/18/2017\n\nThe summit opened.", len("Posted: 10/18/2017\n\n")) is None


def test_repeats_and_fragments_are_quoted_once() -> None:
    texts = [
        "Protokolü Dr. Cemil Tugay ile Ekrem İmamoğlu imzaladı.",
        "Protokolü  Dr. Cemil Tugay ile Ekrem İmamoğlu **imzaladı**.",  # the same sentence of an overlapping chunk
        "Ekrem İmamoğlu imzaladı.",  # a chunk starting mid-sentence
        "İstanbul onur konuğu oldu.",
    ]
    assert distinct(texts) == [0, 3]
    assert normalised("İZMİR’de **Fuar**!") == normalised("izmir de fuar")


@pytest.mark.parametrize(("question", "kind"), [
    ("What was the budget of the İzmir–İstanbul protocol?", MONEY),
    ("İzmir–İstanbul protokolünün bütçesi ne kadardı?", MONEY),
    ("How much did the portal cost?", MONEY),
    ("How many cities took part?", PLACES),
    ("How many workshops were held?", COUNT),
    ("Kaç kişi katıldı?", PEOPLE),
    ("How many artists performed in the Festival Bus concerts?", PEOPLE),
    ("TDBB programına kaç uzman katıldı?", PEOPLE),
    ("Seul'deki Akıllı Şehir Haftası'na toplam kaç ülke katıldı?", PLACES),
    ("How many member cities does the network have?", PLACES),
    ("İzmir Enternasyonal Fuarı bu yıl kaçıncı kez düzenlendi?", ORDINAL),
    ("And when is the Young City Representatives Summit?", DATE),
    ("Konferans hangi tarihte yapıldı?", DATE),
    ("Taşkent'teki konferans ne zaman yapıldı?", DATE),
    ("How long will the İzmir–İstanbul technology cooperation protocol stay in force?", DURATION),
    ("Protokolün süresi ne kadar?", DURATION),
    ("Konferans ne kadar sürdü?", DURATION),
    ("Katılımcılar kaç yaşında?", AGE),
    ("How many young people will take part in the Summit?", PEOPLE),
    ("Which cities took part in the B40 Festival Bus project?", None),
    # A yes/no question asks for a statement, not a value; "ücretsiz" (free) asks for no sum.
    ("Festival Bus etkinlikleri ücretli mi?", None),
    ("Does the Summit cost anything for participants?", None),
    ("Is the budget of the protocol known?", None),
    ("BSkyB ücretsiz kanallarını değiştirme niyetini ne zaman duyurdu?", DATE),
    ("Zirvenin katılım ücreti ne kadar?", MONEY),
    ("Protokolü kim imzaladı?", None),
])
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


def test_a_sentence_holds_the_kind_of_answer_asked_for() -> None:
    assert not holds_kind(MONEY, "93. İzmir Enternasyonal Fuarı'nda iş birliği protokolü imzalandı.")
    assert holds_kind(MONEY, "Its total value is about 1.8 billion Kuna.") and holds_kind(MONEY, "Bütçe 5 milyon TL.")
    assert holds_kind(MONEY, "Proje 300 bin liralık.") and holds_kind(MONEY, "It cost €40,000.")
    assert holds_kind(MONEY, "Karşıyaka; Yıl: 2024; Bütçe: 1250000000") and not holds_kind(MONEY, "Bütçe açıklandı.")
    assert not holds_kind(COUNT, "The delegates met in Istanbul.")
    assert holds_kind(COUNT, "Two UPP city representatives joined.") and holds_kind(COUNT, "İki grup toplandı.")
    assert not holds_kind(COUNT, "“InnoWeek – 2022” kapsamında bir konferans düzenlenmiştir.")  # a year is no count
    assert holds_kind(COUNT, "In 2022, 1,250 people took part.") and holds_kind(COUNT, "2022'de 40 kişi katıldı.")
    for date in ("It was hosted from September 04-08, 2017 in Seoul.", "Atölyeler 20-25 Haziran 2022'de yapıldı.",
                 "The Summit is between August 22nd - 27th.", "The first concert is on July 16."):
        assert not holds_kind(COUNT, date), date  # a day of a month is no count
    assert holds_kind(COUNT, "On 15-21 October 13 experts from 7 countries took part.")
    assert holds_kind(DATE, "The Summit will be held in August.") and holds_kind(DATE, "Zirve Ağustos'ta yapılacak.")
    assert not holds_kind(DATE, "A joint open data portal could be created.")
    assert not holds_kind(DATE, "Two programs are on the agenda for this summer: the B40 Summit.")
    assert holds_kind(DATE, "between August 22nd - 27th") and holds_kind(DATE, "WOMEX'22 in Lisbon")
    assert not holds_kind(DATE, "Participants may join later.")
    assert holds_kind(None, "Any sentence at all.")


def test_a_span_of_time_and_an_age() -> None:
    for span in ("The protocol is valid for 5 years.", "Protokol 2029'a kadar geçerli.", "Protokol süresiz.",
                 "Konferans iki gün sürdü.", "It lasted until the second quarter of the 19th century."):
        assert holds_kind(DURATION, span), span
    for no_span in ("Fuarın teknoloji teması ile örtüşen bu protokol, iki şehir arasındaki bağları güçlendiriyor.",
                    "Akıllı şehir teknolojilerinden, dijital altyapılara kadar geniş bir yelpazede projeler.",
                    "Aynı konuda iki sunum yapıldı.", "The protocol was signed by the two mayors."):
        assert not holds_kind(DURATION, no_span), no_span
    ages = "As the Summit will host young citizens of the Network; the age group can be 18-25."
    assert holds_kind(AGE, ages) and not holds_kind(COUNT, ages)  # an age is no count
    assert not holds_kind(COUNT, "Participants aged 18 to 25 joined.")
    assert holds_kind(COUNT, "40 young people aged 18-25 will attend.")
    assert holds_kind(COUNT, "18-25 yaş arası 40 genç katılacak.")


def test_a_count_of_people_a_sum_of_money_and_an_ordinal() -> None:
    for people in ("13 experts from 7 different countries participated.", "2022'de 40 kişi katıldı.",
                   "The opening was celebrated with a grand dinner attended by 2000 guests.",
                   "Esteemed 40 representatives from 20 member cities have met."):
        assert holds_kind(PEOPLE, people) and holds_kind(COUNT, people), people
    for no_people in ("Four topics were on the agenda for 2023: Festival Bus Project, Collaboration with festivals.",
                      "Konferans kapsamında iki panel oturumu gerçekleştirildi; panellere Bakanlık adına katılım oldu.",
                      "In 2022 the participants met in Istanbul."):
        assert not holds_kind(PEOPLE, no_people), no_people
    for places in ("13 experts from 7 different countries participated.", "This region includes nine nations.",
                   "Esteemed 40 representatives from 20 member cities have met.", "Dört ülkenin eyaletleri."):
        assert holds_kind(PLACES, places), places
    assert not holds_kind(PLACES, "Participants visited 120 call centers and 24 projects in four sectors.")
    tour = ("Participants visited 120 call centers, Seoul Smart Complaint Reporting System, mVoting, Citizen "
            "Participatory Budget Project, Seoul's Big Data based Services - 24 projects selected in four sectors.")
    assert not holds_kind(MONEY, tour)  # "Budget" is part of a name, far from any number
    assert holds_kind(MONEY, "Its total value is about 1.8 billion Kuna (over 24 mil EUR), mostly EU funds.")
    fair = "93’üncü kez düzenlenen İzmir Enternasyonal Fuarı’nda, İstanbul onur konuğu şehir oldu."
    assert holds_kind(ORDINAL, fair) and not holds_kind(COUNT, fair)  # an ordinal is no count
    assert not holds_kind(COUNT, "Bu yıl 93. İzmir Enternasyonal Fuarı açıldı.") and not holds_kind(COUNT, "the 8th")
    assert holds_kind(COUNT, "Şerefiye Cistern has a history of approximately 1.600 years.")


def test_a_sentence_about_the_other_part_of_an_event() -> None:
    opening = "Konferansın açılış konuşmaları Genel Sekreter Yardımcısı Dr. Mirvokhid Azimov tarafından yapılmıştır."
    assert names_other_part("Taşkent konferansının kapanış konuşmasını kim yaptı?", opening)
    assert names_other_part("Who gave the closing speech?", "The week was opened with a speech by the minister.")
    assert not names_other_part("Who gave the opening speeches at the Tashkent conference?", opening)
    assert not names_other_part("Who spoke at the conference?", opening)
    assert not names_other_part("Who gave the closing speech?", "The opening and closing speeches were given by X.")


def test_a_sentence_wrapped_over_lines_is_one_sentence() -> None:
    text = ("ile otogar arasındaki aktarma süresi on dakikaya indi.\nGölcük Belediyesi, 2023 yılında kent içi ulaşım "
            "için 48 adet\nelektrikli otobüs satın aldı. Otobüsler Değirmendere ile\nİzmit arasındaki hatta "
            "çalışıyor.\n24 June\tSmart Rate deadline\n1 August\tB40 Stand Booking")
    assert [shown(text[start:end]) for start, end, _ in whole_sentences(text)] == [
        "ile otogar arasındaki aktarma süresi on dakikaya indi.",
        "Gölcük Belediyesi, 2023 yılında kent içi ulaşım için 48 adet elektrikli otobüs satın aldı.",
        "Otobüsler Değirmendere ile İzmit arasındaki hatta çalışıyor.",
        "24 June Smart Rate deadline",  # table rows stay apart
        "1 August B40 Stand Booking",
    ]
    assert [spans for _, _, spans in whole_sentences(text)] == [(0,), (1, 2), (3, 4), (5,), (6,)]
    assert len(whole_sentences(B40)) == 3  # a heading above a blank line is not wrapped into its sentence


def test_a_parenthesis_after_a_sentence_belongs_to_it() -> None:
    text = ("- The importance of digital presence has been mentioned as in social media accounts for the Network. "
            "(IG, FB, YT, LinkedIn, Twitter)\n(Not this one: a line of its own)\nThe tower stands. (Mitchell Tower, "
            "for example, is modeled after it.)")
    assert [shown(text[start:end]) for start, end, _ in whole_sentences(text)] == [
        "The importance of digital presence has been mentioned as in social media accounts for the Network. "
        "(IG, FB, YT, LinkedIn, Twitter)",
        "(Not this one: a line of its own)",
        "The tower stands.",
        "(Mitchell Tower, for example, is modeled after it.)",  # a sentence of its own, in brackets
    ]
