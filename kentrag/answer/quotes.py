"""Quotes a person can read: a span of a document as shown (no markdown markup, on one line), the heading a
sentence depends on, the fragments and repeats that are never quoted. Pure functions of the text: a citation
keeps pointing at the exact span, only what is shown is cleaned."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kentrag.core.language import is_stopword, turkish_casefold
from kentrag.core.sentences import BULLETS, LIST_ITEM, ends_with_abbreviation, introduces_list, sentence_spans

# Markdown strong emphasis (any **, and __ around words: "__init__" or "window.__x" stay), heading marks (#) at
# the start of a line.
_MARKUP = re.compile(r"\*\*|(?<!\w)__(?=\w(?:[^\n]*?\w)?__(?!\w))|(?<=\w)__(?!\w)|^[ \t]*#+[ \t]+", re.MULTILINE)
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")
_SENTENCE_END = ".!?…"
# A label and its value on one line: "Kaynak: …", "Posted: 10/18/2017".
_LABELLED = re.compile(r"[^:\n]{1,40}:[ \t]+\S")
# A line this short that does not end a sentence is a heading (or a clause broken off over a line break).
HEADING_WORDS = 12


def _runs_on(line: str, next_line: str) -> bool:
    """Whether `next_line` continues `line` as one sentence: it opens in lower case, or `line` ends with
    punctuation or a function word ("… will" / "Start its route …")."""
    last = line.split()[-1] if line.split() else ""
    return next_line[:1].islower() or line[-1:] in _SENTENCE_END + ":;," or is_stopword(last.strip("*_"))


def unmarked(text: str) -> str:
    """Text without markdown markup, its line breaks kept (a passage shown whole)."""
    return _MARKUP.sub("", text)


def shown(text: str) -> str:
    """A quote or title as it is shown: markdown markup removed, whitespace collapsed; a heading and the
    sentence under it joined by a space when the sentence runs on from it, else by a dash."""
    lines = [_SPACE.sub(" ", line).strip() for line in _LINE_BREAK.split(unmarked(text).strip())]
    result = ""
    for line in filter(None, lines):
        bullet = LIST_ITEM.match(line)
        if bullet and line[:1] in BULLETS:
            line = line[bullet.end():]  # a bullet is markup; an item number is text
        if result:
            result += "; " if bullet and result[-1] != ":" else " " if _runs_on(result, line) else " — "
        result += line
    return result


def normalised(text: str) -> str:
    """The words of a text, casefolded (Turkish-aware), without markup or punctuation: two quotes with the same
    normalised text are the same quote."""
    return _NON_WORD.sub(" ", turkish_casefold(shown(text))).strip()


def heading_start(text: str, start: int) -> int | None:
    """Where the heading line above the sentence starting at `start` begins, or None: the sentence must open a
    line, and the line above be short and not end a sentence."""
    before = text[:start]
    stripped = before.rstrip()
    if "\n" not in before[len(stripped):] or not stripped:
        return None
    line_start = stripped.rfind("\n") + 1
    if not _heading_like(stripped[line_start:]):
        return None
    return line_start + len(stripped[line_start:]) - len(stripped[line_start:].lstrip())


def depends_on_heading(heading: str, sentence: str) -> bool:
    """Whether a sentence reads only with the heading above it, because it runs on from it ("B40 Young City
    Representatives Summit" / "will be planned …")."""
    heading, sentence = shown(heading), shown(sentence)
    return bool(heading and sentence) and _runs_on(heading, sentence)


def whole_sentences(text: str) -> list[tuple[int, int, tuple[int, ...]]]:
    """(start, end, positions among `sentence_spans(text)`) of the sentences of a text, a sentence wrapped over
    single line breaks (a PDF's or a scan's lines) joined back: a line that does not end a sentence and runs on
    into the next ("… için 48 adet" / "elektrikli otobüs satın aldı."); and a parenthesis after a sentence's end on
    its line, which belongs to it ("… social media accounts for the Network. (IG, FB, YT, LinkedIn, Twitter)")."""
    spans = sentence_spans(text)
    groups: list[list[int]] = []
    for i, (start, end) in enumerate(spans):
        if groups:
            last_start, last_end = spans[groups[-1][-1]]
            gap, line = text[last_end:start], text[last_start:last_end]
            wrapped = gap.count("\n") == 1 and not gap.strip() and not text[start:end].startswith("#")
            if (wrapped and line[-1:] not in _SENTENCE_END and _runs_on(line, text[start:end])
                    or "\n" not in gap and _parenthesis(text[start:end])):
                groups[-1].append(i)
                continue
        groups.append([i])
    return [(spans[g[0]][0], spans[g[-1]][1], tuple(g)) for g in groups]


def _parenthesis(sentence: str) -> bool:
    """A span that is only a parenthesis with no sentence end of its own inside: "(IG, FB, YT, LinkedIn, Twitter)",
    not "(Mitchell Tower, for example, is modeled after Oxford's Magdalen Tower.)"."""
    sentence = sentence.strip()
    return sentence.startswith("(") and sentence.endswith(")") and sentence[-2:-1] not in _SENTENCE_END


def _heading_like(line: str) -> bool:
    """A short line that does not end a sentence: a heading, or a clause broken off over a line break; not a
    label and its value ("Kaynak: (BYZHA) Beyaz Haber Ajansı"), which says something whole."""
    line = unmarked(line).strip()
    short = bool(line) and line[-1] not in _SENTENCE_END and len(line.split()) <= HEADING_WORDS
    return short and not _LABELLED.match(line)


def cut_off(text: str, start: int, end: int) -> bool:
    """Whether the sentence at [start, end) was cut by the end of its chunk: it ends the chunk at an abbreviation
    ("… Yardımcısı Dr."), introduces with a colon a list that is in the next chunk, or is a heading-like line whose
    sentence is in the next chunk ("B40 Festival Bus will").
    A chunk that ends at a comma ends a clause, which is quoted (retrieval runs such a passage on to its sentence's
    end when the document's next chunk meets it: index.sentence_ends)."""
    if end < len(text.rstrip()):
        return False
    heading = text[:start].endswith("\n") and _heading_like(text[start:end])
    return ends_with_abbreviation(text[:end]) or introduces_list(text[:end]) or heading


def title_line(text: str, start: int, end: int, title: str) -> bool:
    """Whether the span is a line of its own that reads as the document's title. A title taken from a plain text's
    first line may be its first sentence, cut; that sentence shares its line with the rest and stays a candidate."""
    alone = text[:start].rstrip(" \t")[-1:] in ("", "\n") and text[end:].lstrip(" \t")[:1] in ("", "\n")
    return alone and normalised(text[start:end]) == normalised(title)


def distinct(texts: Sequence[str]) -> list[int]:
    """The positions of the texts to keep, in order: a text seen before (same normalised words) and a fragment
    of another text (its words inside the other's) are left out."""
    keys = [normalised(text) for text in texts]
    kept: list[int] = []
    for i, key in enumerate(keys):
        repeat = any(keys[j] == key for j in kept)
        fragment = any(key != other and f" {key} " in f" {other} " for other in keys)
        if key and not repeat and not fragment:
            kept.append(i)
    return kept
