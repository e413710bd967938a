"""Sentence spans with exact character offsets (citations quote and highlight them verbatim)."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (plus closing quotes/brackets) before whitespace, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+|\n+")
MIN_SENTENCE_CHARS = 12


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in text, whitespace trimmed, tiny fragments skipped."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for begin, end in spans:
        piece = text[begin:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right - left >= MIN_SENTENCE_CHARS:
            trimmed.append((begin + left, begin + right))
    return trimmed
