"""Sentence spans with exact character offsets (citations quote and highlight them verbatim).

A small splitter of our own: llama-index's sentence splitting (NLTK punkt) returns strings, not offsets,
and its English model does not know Turkish abbreviations ("Doç.", "Yrd.", "Sn.").
"""

from __future__ import annotations

import re

from kentrag.core.language import ENGLISH_MONTHS

# A sentence ends at . ! ? … (plus closing quotes/brackets) before whitespace, or at a line break.
_BOUNDARY = re.compile(r"[.!?…][\"'”’»)\]]*(\s+)|(\n+)")
# Words whose trailing dot does not end a sentence (casefolded, without the dot), and single initials.
ABBREVIATIONS = frozenset((
    "dr", "prof", "doç", "doc", "yrd", "av", "sn", "sy", "mr", "mrs", "ms", "st", "jr", "sr", "no", "nr",
    "vs", "etc", "inc", "ltd", "co", "corp", "dept", "gen", "cf", "e.g", "i.e", "yy", "bkz", "örn", "vb",
    "vd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
))
_LAST_WORD = re.compile(r"(?:(\S+)\s+)?(\S+)\.[\"'”’»)\]]*$")
# A short number after an English month ends a date ("on July 16."), not an ordinal ("93. İzmir Fuarı").
MONTHS = frozenset((*ENGLISH_MONTHS, "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                    "dec"))
MIN_SENTENCE_CHARS = 12
# A list item's line: a bullet or an item number or letter ("1.", "2)", "3-", "a)") before its text.
BULLETS = "-*•–"
LIST_ITEM = re.compile(rf"[ \t]*(?:[{re.escape(BULLETS)}][ \t]+|\d{{1,2}}[.)-][ \t]+|[a-zçğıöşü]\)[ \t]+)(?=\S)")
# A list introduced by a colon is quoted with this many of its items at most.
LIST_ITEMS_QUOTED = 10


def ends_with_abbreviation(text: str) -> bool:
    """Whether text ends with an abbreviation's dot (Dr., vb., No.), an initial or a short ordinal: no sentence
    ends there."""
    match = _LAST_WORD.search(text)
    if not match:
        return False
    before, word = (group.lower() if group else "" for group in match.groups())
    # Single initials ("K."), and short numbers, which are ordinals in Turkish ("93. İzmir Fuarı") unless they
    # end a date ("the first concert on July 16.").
    ordinal = word.isdigit() and len(word) <= 3 and before.strip(",") not in MONTHS
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or ordinal


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in text, whitespace trimmed, tiny fragments skipped."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        gap = 2 if match.group(2) else 1
        end = match.start(gap)
        if "\n" not in match.group(0) and ends_with_abbreviation(text[start:end]):
            continue
        spans.append((start, end))
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


def sentence_texts(text: str) -> list[str]:
    """The sentences of a chunk as strings (ingest embeds each one); the whole text when none is long enough."""
    return [text[start:end] for start, end in sentence_spans(text)] or [text]


def introduces_list(text: str) -> bool:
    """Whether text ends with a colon (markdown emphasis aside): what follows is a list, or an answer."""
    return text.rstrip(" \t\n*_").endswith(":")


def list_end(text: str, end: int) -> int | None:
    """Where the list ends that the sentence ending at `end` introduces with a colon ("… four pillars of creating
    a super app which are as follows:" / "- 1- Technology Partner" / "- 2- …"): the end of its last item line
    (LIST_ITEMS_QUOTED at most; blank lines between items allowed), or None when no list follows."""
    if not introduces_list(text[:end]):
        return None
    last, items = None, 0
    for line in re.finditer(r"[^\n]*", text[end:]):
        if line.start() == 0 or not line.group().strip():
            continue  # the rest of the colon's line; blank lines
        if not LIST_ITEM.match(line.group()) or items == LIST_ITEMS_QUOTED:
            break
        items += 1
        last = end + line.start() + len(line.group().rstrip())
    return last
