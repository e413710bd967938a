"""Cleaning a question typed by a person (or sent to the API) before it reaches the assistant."""

from __future__ import annotations

import re
import unicodedata

MAX_QUESTION_CHARS = 1000
# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned code points.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACES = re.compile(r"\s+")


class BadQuestion(ValueError):
    """A question that cannot be asked; `key` names the problem (an i18n key), `values` its details."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def printable(raw: object) -> str:
    """NFC text without invisible or broken characters (lone surrogates included), spaces collapsed."""
    text = unicodedata.normalize("NFC", raw if isinstance(raw, str) else "")
    kept = (ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    return _SPACES.sub(" ", "".join(kept)).strip()


def clean_question(raw: object) -> str:
    """The printable question; BadQuestion when it is empty, too long or has no words."""
    text = printable(raw)
    if not text:
        raise BadQuestion("bad_empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion("bad_too_long", limit=MAX_QUESTION_CHARS, length=len(text))
    if not any(ch.isalnum() for ch in text):
        raise BadQuestion("bad_no_words")
    return text


def clean_history(turns: object) -> list[str]:
    """The usable earlier questions of a conversation (the unusable ones are skipped)."""
    if not isinstance(turns, list | tuple):
        return []
    cleaned = []
    for turn in turns:
        try:
            cleaned.append(clean_question(turn))
        except BadQuestion:
            continue
    return cleaned
