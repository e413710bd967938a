"""The kind of answer a question asks for (a sum of money, a span of time, an age, a count, a date) and whether a
sentence holds one, in Turkish and English. A sentence without a sum of money cannot answer "what was the budget",
however close its topic: many near-miss questions (a budget, a term, an attendance figure the documents never
give) are of this kind, and the selector, which reads meaning, is least sure about them.
"""

from __future__ import annotations

import re

from kentrag.core.language import turkish_casefold

MONEY, DURATION, AGE, COUNT, DATE = "money", "duration", "age", "count", "date"
# Question phrases, casefolded (Turkish-aware), matched at word starts ("kaç" also finds "kaçıncı"); the first
# kind that matches counts ("how much did it cost" asks for money, "how long" for a span of time, "kaç yaşında"
# for an age, "how many days" for a count).
_ASKS = {
    MONEY: ("budget", "cost", "price", "turnover", "revenue", "funding", "bütçe", "maliyet", "mal ol", "ciro",
            "fiyat", "tutar", "ücret"),
    DURATION: ("how long", "ne kadar sür", "ne kadar zaman", "süresi"),
    AGE: ("how old", "what age", "kaç yaş", "yaşı kaç", "yaş sınırı", "age limit", "age group", "yaş grubu"),
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
# ("may" is left out: mostly the verb.)
_MONTHS = ("january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
           "december", "ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
           "kasım", "aralık")
_DATE_WORDS = (*_MONTHS, "today", "tomorrow", "yesterday", "bugün", "yarın", "dün")


def _words(options: tuple[str, ...], prefix: bool) -> re.Pattern[str]:
    """A pattern finding any of `options` as whole words (or word starts, with `prefix`: Turkish suffixes)."""
    ending = r"" if prefix else r"\b"
    return re.compile(r"\b(?:" + "|".join(re.escape(option) for option in options) + r")" + ending)


_ASK_PATTERNS = {kind: _words(phrases, prefix=True) for kind, phrases in _ASKS.items()}
_DIGIT = r"\b\d"  # a number, not a digit inside a name ("B40")
_NUMBER = re.compile(_DIGIT + "|" + _words(_NUMBER_WORDS, prefix=False).pattern)
# A currency, or the word the question asks with ("Bütçe (TL): 1250000000", "the budget is 5,000,000").
_MONEY = re.compile(r"[€$₺£]|" + _words(_MONEY_WORDS, prefix=False).pattern + "|"
                    + _words(("euro", "dolar", "dollar", "lira", *_ASKS[MONEY]), prefix=True).pattern)
_DATE = re.compile(_DIGIT + "|" + _words(_DATE_WORDS, prefix=True).pattern)
# A year, or a day beside its month, is no count ("InnoWeek – 2022", "from September 04-08", "20-25 Haziran" do
# not say how many took part): a count needs another number.
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
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
_HOLDS = {
    MONEY: lambda text: bool(_NUMBER.search(text) and _MONEY.search(text)),
    DURATION: lambda text: bool(_OPEN_ENDED.search(text)
                                or _NUMBER.search(text) and (_UNIT.search(text) or _BOUND.search(text))),
    AGE: lambda text: bool(_NUMBER.search(text)),
    COUNT: lambda text: bool(_NUMBER.search(_AGE_NUMBER.sub(" ", _DAY_OF_MONTH.sub(" ", _YEAR.sub(" ", text))))),
    DATE: lambda text: bool(_DATE.search(text)),
}


def asked_kind(question: str) -> str | None:
    """MONEY, DURATION, AGE, COUNT or DATE when the question asks for one, else None."""
    folded = turkish_casefold(question)
    return next((kind for kind, pattern in _ASK_PATTERNS.items() if pattern.search(folded)), None)


def holds_kind(kind: str | None, text: str) -> bool:
    """Whether a sentence can answer a question asking for `kind`: a number (a digit or a number word; for a count,
    not a year, a day of a month or an age), with a currency or magnitude for money, with a unit of time or a bound
    for a span of time (or no end: "süresiz"); a digit, month or day name for a date. Always true for any other
    question."""
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
