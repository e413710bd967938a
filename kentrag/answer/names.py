"""Proper names in Turkish and English text, compared across the two languages and their spellings: the names a
language model's answer must share with its quotes (kentrag.answer.grounding), and the names a question asks
about, which the document of an answering sentence must mention (kentrag.answer.ranking)."""

from __future__ import annotations

import re
import unicodedata

from kentrag.core.language import ENGLISH_MONTHS, PREFIX_LENGTH, TURKISH_MONTHS, is_stopword, turkish_casefold
from kentrag.core.sentences import ends_with_abbreviation

# A word (group 1), with the suffix Turkish puts after an apostrophe on a proper name ("Taşkent'te").
_WORD = re.compile(r"([^\W\d_][^\W_]*)(?:['’][^\W\d_]+)?")
# What may stand between a sentence's end and its first word.
_OPENING = " \t\n\"'“”‘’«»()[]*-–—"


def proper_names(text: str) -> list[str]:
    """The capitalised words of a text that do not open a sentence, and those that do but take a Turkish suffix
    after an apostrophe ("Ankara'da"); without that suffix."""
    names = []
    for match in _WORD.finditer(text):
        word = match.group(1)
        if len(word) < 2 or not word[0].isupper():
            continue
        suffixed = match.end(1) < match.end() and not is_stopword(word)  # not "It's"
        if suffixed or not _opens_sentence(text, match.start()):
            names.append(word)
    return names


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at `start` is the first of a sentence (not one after "Dr.")."""
    before = text[:start].rstrip(_OPENING)
    return not before or (before[-1] in ".!?…" and not ends_with_abbreviation(before))


def _latin(word: str) -> str:
    """A word casefolded (Turkish-aware) into Latin letters without marks, sh and ch as s and c."""
    decomposed = unicodedata.normalize("NFKD", turkish_casefold(word).replace("ı", "i"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("sh", "s").replace("ch", "c")


_MONTHS = {_latin(turkish): english for turkish, english in zip(TURKISH_MONTHS, ENGLISH_MONTHS)}


def fold(word: str) -> str:
    """A word as names are compared: casefolded (Turkish-aware) into Latin letters without marks, sh and ch as s
    and c (Taşkent = Tashkent, İmamoğlu = Imamoglu), a Turkish month as its English name (Haziran = June)."""
    latin = _latin(word)
    return _MONTHS.get(latin, latin)


def holds(words: set[str], name: str) -> bool:
    """Whether folded words hold a folded name: as one of them, or as the first PREFIX_LENGTH letters of one (a
    Turkish suffix written without an apostrophe, on either side)."""
    stem = name[:PREFIX_LENGTH]
    return name in words or (len(stem) == PREFIX_LENGTH and any(word.startswith(stem) for word in words))


def folded_words(text: str) -> set[str]:
    """The words of a text, folded (`fold`), without the suffix an apostrophe puts on a name."""
    return {fold(match.group(1)) for match in _WORD.finditer(text)}


def resembles(words: set[str], name: str) -> bool:
    """Whether folded words hold a folded name (`holds`) or a spelling of it one letter apart (Seul = Seoul, Kore =
    Korea), for names of four letters or more."""
    return holds(words, name) or (len(name) >= 4 and any(
        word[:1] == name[:1] and _one_edit_apart(word, name) for word in words))


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether two words differ by one inserted, deleted or replaced letter at most."""
    if abs(len(a) - len(b)) > 1:
        return False
    shorter, longer = sorted((a, b), key=len)
    i = next((i for i, (x, y) in enumerate(zip(shorter, longer)) if x != y), len(shorter))
    return shorter[i + (len(shorter) == len(longer)):] == longer[i + 1:]


def asked_names(question: str, passages_text: str = "") -> list[str]:
    """The folded names a question asks about: its proper names (`proper_names`) and its first word too if
    capitalised, when the question has other names ("Zeytinburnu Belediyesi'nin …": a name, or a word such as
    "Which" no document lacks for long) or when `passages_text` writes that word only as a name ("Taşkent
    konferansı …": capitalised, somewhere inside a sentence, never in lower case, as "Konferans" is)."""
    names = proper_names(question)
    first = _WORD.search(question)
    if first and first.group(1)[:1].isupper() and not is_stopword(first.group(1)) and (
            names or written_as_name(first.group(1), passages_text)):
        names.insert(0, first.group(1))
    return list(dict.fromkeys(fold(name) for name in names))


def written_as_name(word: str, text: str) -> bool:
    """Whether a text writes a word (or its suffixed forms) capitalised inside a sentence and never in lower case."""
    name = fold(word)
    written = [match.group(1) for match in _WORD.finditer(text) if holds({fold(match.group(1))}, name)]
    return (bool(written) and all(w[:1].isupper() for w in written)
            and any(holds({fold(w)}, name) for w in proper_names(text)))
