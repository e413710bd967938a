"""The thing a "which …" question asks to be named, and whether a sentence names that kind of thing.

"Which cities took part in the Festival Bus project?" asks for cities: "The participating cities of Festival Bus
project are Sarajevo, …" answers it, "Four topics were on the agenda for 2023: Festival Bus Project, …" does not,
though the selector likes both. On XQuAD's even articles the sentence holding the answer contains the noun after
"which"/"what"/"hangi" 3-4 times as often as the paragraph's other sentences (en 0.28 against 0.08, tr 0.27
against 0.10; BENCHMARKS.md "The thing asked for"), so holding it adds to a sentence's score (kentrag.answer.ranking).
"""

from __future__ import annotations

import re

from kentrag.core.language import is_stopword, keyword_tokens

_ASKING = frozenset({"which", "what", "hangi"})
# Skipped between the question word and its noun: "which two companies", "what kind of stand", "hangi tür".
_SKIPPED = frozenset({"one", "two", "three", "four", "five", "kind", "kinds", "type", "types", "sort", "of",
                      "iki", "üç", "dört", "beş", "tür", "türde", "çeşit"})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Shorter stems match too much ("dil" / "dilek").
_MIN_STEM = 4


def _stem(word: str) -> str:
    """A word as kentrag's keywords cut it (five letters, casefolded), an English y as i ("city" / "cities")."""
    token = keyword_tokens(word)[0]
    return token[:-1] + "i" if token.endswith("y") else token


def asked_thing(question: str) -> str | None:
    """The stem of the noun a "which/what/hangi …" question asks about ("Which Turkish ministry …" → ministry), or
    None: no such question word, or a function word, a name or a number follows it ("what did …", "which NFL
    team" is asked about a team, "Which UPP cities" about cities)."""
    words = _WORD.findall(question)
    for i, word in enumerate(words):
        if word.casefold() not in _ASKING:
            continue
        for following in words[i + 1:i + 4]:
            folded = following.casefold()
            if folded in _SKIPPED or following[:1].isupper() or following[:1].isdigit():
                continue
            if is_stopword(following):
                break
            stem = _stem(following)
            return stem if len(stem) >= _MIN_STEM else None
    return None


def names_thing(stem: str, sentence: str) -> bool:
    """Whether a sentence holds the asked-about noun as a common noun: a word with its stem, not capitalised (but
    for the sentence's first word) — "B40 Cities" names something, "the participating cities" are cities."""
    for n, word in enumerate(_WORD.findall(sentence)):
        if n and word[:1].isupper():
            continue
        other = _stem(word)
        shorter, longer = sorted((stem, other), key=len)
        if len(shorter) >= _MIN_STEM and longer.startswith(shorter):
            return True
    return False
