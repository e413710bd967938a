"""Light, citation-safe text cleaning: whitespace and control characters only."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from itertools import accumulate

_LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
_EXCESS_NEWLINES = re.compile(r"\n{3,}")
_KEPT_CONTROLS = frozenset("\n\t")
_PAGE_SEPARATOR = "\n\n"


def _drop_controls(text: str) -> str:
    """Remove control characters (and stray BOMs) except newline and tab."""
    return "".join(ch for ch in text if ch in _KEPT_CONTROLS or (ch != "\ufeff" and unicodedata.category(ch) != "Cc"))


def clean_text(text: str) -> str:
    """NFC, \\n newlines, no control chars, no trailing or blank-line whitespace, at most one blank line."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = _drop_controls(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _EXCESS_NEWLINES.sub("\n\n", text).strip()


def clean_pages(pages: Iterable[tuple[int, str]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Clean each (page number, text) page and join the non-empty ones with a blank line; returns the text and the
    (start_char, page number) of each kept page in it, so a chunk's offsets map to its pages."""
    kept = [(number, text) for number, raw in pages if (text := clean_text(raw))]
    starts = accumulate((len(text) + len(_PAGE_SEPARATOR) for _, text in kept), initial=0)
    return _PAGE_SEPARATOR.join(text for _, text in kept), tuple(zip(starts, (number for number, _ in kept)))
