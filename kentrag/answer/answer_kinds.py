"""The kind of answer a question asks for (a sum of money, a span of time, an age, an ordinal, a count of people,
of places or of anything, a date) and whether a sentence holds one, in Turkish and English; and whether a sentence
names only the other part of an event than the one asked about (its opening, for the closing). A sentence without
a sum of money cannot answer "what was the budget", however close its topic: many near-miss questions (a budget,
a term, an attendance figure the documents never give) are of this kind, and the selector, which reads meaning,
is least sure about them.
"""

from __future__ import annotations

import re

from kentrag.core.language import ENGLISH_MONTHS, TURKISH_MONTHS, turkish_casefold

MONEY, DURATION, AGE, ORDINAL = "money", "duration", "age", "ordinal"
PEOPLE, PLACES, COUNT, DATE = "people", "places", "count", "date"
# Question phrases, casefolded (Turkish-aware), matched at word starts ("kaç" also finds "kaçıncı"); the first
# kind that matches counts ("how much did it cost" asks for money, "how long" for a span of time, "kaç yaşında"
# for an age, "kaçıncı kez" for an ordinal, "how many people" / "kaç ülke" for a count of people or places
# (_COUNTED), "how many days" for any count).
_ASKS = {
    MONEY: ("budget", "cost", "price", "turnover", "revenue", "funding", "bütçe", "maliyet", "mal ol", "ciro",
            "fiyat", "tutar", "ücreti", "ücretin", "ücretler"),  # not "ücretsiz" (free)
    DURATION: ("how long", "ne kadar sür", "ne kadar zaman", "süresi ne", "süresi kaç"),
    AGE: ("how old", "what age", "kaç yaş", "yaşı kaç", "yaş sınırı", "age limit", "age group", "yaş grubu"),
    ORDINAL: ("kaçıncı", "which edition", "what edition"),
    COUNT: ("how many", "how much", "number of", "population", "what share", "percentage", "kaç", "ne kadar",
            "nüfus", "sayısı", "yüzde"),
    DATE: ("when", "what date", "which date", "what year", "which year", "what day", "which day", "ne zaman",
           "hangi tarih", "hangi yıl", "hangi gün", "hangi ay"),
}
_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "billion", "dozen",
                 "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz", "yirmi", "otuz", "kırk", "elli",
                 "yüz", "milyon", "milyar")
# Currencies and the magnitudes money is counted in, as word starts ("liralık", "euroluk"); symbols apart.
_MONEY_WORDS = ("eur", "euro", "usd", "dollar", "dolar", "tl", "lira", "kuna", "pound", "sterlin", "million",
                "billion", "mil", "milyon", "milyar", "bin")
_MONTHS = tuple(m for m in (*ENGLISH_MONTHS, *TURKISH_MONTHS) if m != "may")  # "may": mostly the verb
_DATE_WORDS = (*_MONTHS, "today", "tomorrow", "yesterday", "bugün", "yarın", "dün")


def _words(options: tuple[str, ...], prefix: bool) -> re.Pattern[str]:
    """A pattern finding any of `options` as whole words (or word starts, with `prefix`: Turkish suffixes)."""
    ending = r"" if prefix else r"\b"
    return re.compile(r"\b(?:" + "|".join(re.escape(option) for option in options) + r")" + ending)


# What a count counts, as word starts: "how many experts" asks for a count of people, which "Four topics were on
# the agenda" or "iki panel oturumu" does not give; "kaç ülke" one of places, which "120 call centers" does not.
_PERSON = _words(("people", "person", "participant", "attendee", "visitor", "guest", "expert", "representative",
                  "delegate", "resident", "inhabitant", "citizen", "employee", "worker", "staff", "student", "youth",
                  "young", "men", "women", "child", "artist", "musician", "player", "volunteer", "official",
                  "speaker", "spectator", "user", "customer", "passenger", "population", "kişi", "insan",
                  "katılımcı", "ziyaretçi", "misafir", "konuk", "uzman", "temsilci", "delege", "sakin", "vatandaş",
                  "çalışan", "personel", "işçi", "öğrenci", "genç", "erkek", "kadın", "çocuk", "sanatçı",
                  "müzisyen", "oyuncu", "gönüllü", "yetkili", "konuşmacı", "seyirci", "kullanıcı", "müşteri",
                  "yolcu", "nüfus"), prefix=True)
_PLACE = _words(("countr", "nation", "cities", "city", "town", "municipalit", "region", "province", "village",
                 "district", "ülke", "ulus", "devlet", "şehir", "kent", "belediye", "bölge", "ilçe", "köy", "eyalet"),
                prefix=True)
_COUNTED = {PEOPLE: _PERSON, PLACES: _PLACE}


def _asking_count_of(noun: re.Pattern[str]) -> re.Pattern[str]:
    """A question asking for a count of what `noun` names: "how many (young) people", "kaç ülke", "number of
    cities"."""
    return re.compile(r"\b(?:how many|number of|kaç)\s+(?:\w+\s+)?" + noun.pattern.removeprefix(r"\b"))


_ASK_PATTERNS = {kind: _asking_count_of(_COUNTED[kind]) if kind in _COUNTED else _words(_ASKS[kind], prefix=True)
                 for kind in (MONEY, DURATION, AGE, ORDINAL, PEOPLE, PLACES, COUNT, DATE)}
_DIGIT = r"\b\d"  # a number, not a digit inside a name ("B40")
_NUMBER = re.compile(_DIGIT + "|" + _words(_NUMBER_WORDS, prefix=False).pattern)
# A currency, or the word the question asks with ("Bütçe (TL): 1250000000", "the budget is 5,000,000").
_MONEY = re.compile(r"[€$₺£]|" + _words(_MONEY_WORDS, prefix=False).pattern + "|"
                    + _words(("euro", "dolar", "dollar", "lira", *_ASKS[MONEY]), prefix=True).pattern)
_DATE = re.compile(_DIGIT + "|" + _words(_DATE_WORDS, prefix=True).pattern)
# A year, or a day beside its month, is no count ("InnoWeek – 2022", "from September 04-08", "20-25 Haziran" do
# not say how many took part): a count needs another number.
_YEAR = re.compile(r"\b(?:19|20)\d\d\b(?!\s+" + _PERSON.pattern.removeprefix(r"\b") + ")")  # not "2000 guests"
_DAYS = r"\d{1,2}(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?)?"
_MONTH = _words(_MONTHS, prefix=True).pattern + r"\w*"
_DAY_OF_MONTH = re.compile(rf"{_MONTH}\s+{_DAYS}\b|\b{_DAYS}\s+{_MONTH}")
# A span of time: a unit it is given in (or a length's: "how long is the line"), word starts, with "ay" (month),
# "gün" (day) and "süre" (time) only with their own endings ("aynı", "güncel", "sürdürülebilir" start alike); a
# bound ("until 2025", "2019'dan beri"); or no end at all.
_UNIT = re.compile(_words(("year", "month", "week", "day", "hour", "minute", "decade", "centur", "yıl", "sene",
                           "hafta", "saat", "dakika", "yüzyıl", "km", "kilomet", "metre", "meter", "mile"),
                          prefix=True).pattern
                   + r"|\b(?:ay|gün)(?:l[ıü]k|d[ıü]r|d[ae]|[ıü]n?|l[ae]r\w*)?\b|\bsüre(?:si\w*|yle|de|li\w*)?\b")
_BOUND = _words(("until", "till", "since", "kadar", "beri", "boyunca"), prefix=False)
_OPEN_ENDED = _words(("indefinite", "permanent", "süresiz", "kalıcı"), prefix=True)
# An age is no count ("the age group can be 18-25" does not say how many young people take part).
_RANGE = r"\d+(?:\s*(?:[-–]|to|ile)\s*\d+)?"
_AGE_NUMBER = re.compile(rf"\b(?:age[sd]?|yaş\w*)\W+(?:\w+\W+){{0,3}}?{_RANGE}|{_RANGE}\W+(?:yaş\w*|years? old)")
# An ordinal is no count either ("93. İzmir Enternasyonal Fuarı", "93’üncü kez", "the 8th Summit").
_ORDINAL = re.compile(r"\b\d+(?:\.(?=\s+[^\W\d])|['’]?(?:[ıiuü]nc[ıiuü]|nc[ıiuü])\b|(?:st|nd|rd|th)\b)")
_WORD_START = re.compile(r"\S+")


def _counted(text: str) -> str:
    """The text without the numbers that count nothing: years, days of a month, ages, ordinals."""
    for not_a_count in (_YEAR, _DAY_OF_MONTH, _AGE_NUMBER, _ORDINAL):
        text = not_a_count.sub(" ", text)
    return text


def _near(first: re.Pattern[str], second: re.Pattern[str], text: str, words: int = 3) -> bool:
    """Whether a match of `first` lies within `words` words of a match of `second`."""
    def positions(pattern: re.Pattern[str]) -> list[int]:
        return [len(_WORD_START.findall(text, 0, match.start())) for match in pattern.finditer(text)]
    return any(abs(i - j) <= words for i in positions(first) for j in positions(second))


_HOLDS = {
    # The sum beside its currency: "Citizen Participatory Budget Project, … 24 projects" gives no budget.
    MONEY: lambda text: _near(_NUMBER, _MONEY, text),
    DURATION: lambda text: bool(_OPEN_ENDED.search(text)
                                or _NUMBER.search(text) and (_UNIT.search(text) or _BOUND.search(text))),
    AGE: lambda text: bool(_NUMBER.search(text)),
    ORDINAL: lambda text: bool(_NUMBER.search(text)),
    PEOPLE: lambda text: _near(_NUMBER, _PERSON, _counted(text)),
    PLACES: lambda text: _near(_NUMBER, _PLACE, _counted(text)),
    COUNT: lambda text: bool(_NUMBER.search(_counted(text))),
    DATE: lambda text: bool(_DATE.search(text)),
}


# A yes/no question is answered by a statement, not a value ("Festival Bus etkinlikleri ücretli mi?", "Does the
# Summit cost anything?" → "… will be free for the public"): Turkish by its question particle, English by the
# auxiliary it opens with (its "I" casefolded the Turkish way: "ıs").
_AUXILIARIES = ("is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "has", "have",
                "had", "should")
_YES_NO = re.compile(r"\bm[ıiuü](?:d[ıiuü]r|yd[ıiuü]|s[ıiuü]n[ıiuü]z)?\s*\?|^\W*(?:"
                     + "|".join(a.replace("i", "[iı]") for a in _AUXILIARIES) + r")\b")


def asked_kind(question: str) -> str | None:
    """MONEY, DURATION, AGE, ORDINAL, PEOPLE, PLACES, COUNT or DATE when the question asks for one, else None (also
    for a yes/no question)."""
    folded = turkish_casefold(question)
    if _YES_NO.search(folded):
        return None
    return next((kind for kind, pattern in _ASK_PATTERNS.items() if pattern.search(folded)), None)


def holds_kind(kind: str | None, text: str) -> bool:
    """Whether a sentence can answer a question asking for `kind`: a number (a digit or a number word; for a count,
    not a year, a day of a month, an age or an ordinal), beside a currency or magnitude for money, beside a word for
    people or places for a count of them, with a unit of time or a bound for a span of time (or no end:
    "süresiz"); a digit, month or day name for a date; any number for an age or an ordinal ("93’üncü kez"). Always
    true for any other question."""
    return kind is None or _HOLDS[kind](turkish_casefold(text))


# The parts of an event that come in pairs, each in both languages: a sentence about the opening speeches does not
# answer "who gave the closing speech?" (a near miss the selector, which reads the topic, lets through).
_EVENT_PARTS = (_words(("opening", "opened", "açılış"), prefix=True), _words(("closing", "kapanış"), prefix=True))


def names_other_part(question: str, text: str) -> bool:
    """Whether the question asks about one part of an event (its opening, its closing) and the sentence names only
    the other one."""
    folded_question, folded_text = turkish_casefold(question), turkish_casefold(text)
    for asked, other in (_EVENT_PARTS, _EVENT_PARTS[::-1]):
        if asked.search(folded_question) and other.search(folded_text) and not asked.search(folded_text):
            return True
    return False
