"""Passages that end where a sentence ends.

llama-index's splitter cuts a sentence longer than a chunk at a comma or a word ("… Fikirler Haftası “InnoWeek –
2022” kapsamında,"): quoted from that chunk alone, the answer would be half a sentence. A retrieved passage whose
chunk ends inside a sentence is run on to that sentence's end with the start of the document's next chunk; one
that ends with a colon, through the list the colon introduces ("… which are as follows:" / "- 1- Technology
Partner" / …), when the next chunk holds it.
"""

from __future__ import annotations

from dataclasses import replace

from kentrag.core.sentences import ends_with_abbreviation, introduces_list, list_end, sentence_spans
from kentrag.core.types import Passage

# A chunk ending in these stops inside its sentence. Not any chunk without a full stop: a heading, or a line that
# a line break ends, is whole (kentrag.core.sentences), and the stored chunks do not say which whitespace follows.
_INSIDE = (",", ";")
# Chunks are stored without the whitespace between them: a gap of one character is a space or a line break inside
# a paragraph (written as a space); a longer one may be a paragraph break, which ends whatever precedes it.
MAX_GAP = 1


def ends_inside_a_sentence(text: str) -> bool:
    """Whether a chunk's text stops inside a sentence: at a comma or semicolon, or at an abbreviation's dot
    ("… Yardımcısı Dr.")."""
    end = text.rstrip()
    return end.endswith(_INSIDE) or ends_with_abbreviation(end)


def run_on(passage: Passage, following: Passage) -> Passage | None:
    """The passage run on to the end of its last sentence (or of the list it introduces) with the start of
    `following` (the next chunk of its document); None when it ends a sentence, or when the two chunks do not meet
    (a gap that may be a paragraph break). Its text is the document's from start_char to end_char, but for the one
    character between the two chunks, which the store does not keep: it is written as a space."""
    gap = following.start_char - passage.end_char
    listed = introduces_list(passage.text)
    if passage.doc_id != following.doc_id or gap > MAX_GAP or not (listed or ends_inside_a_sentence(passage.text)):
        return None
    rest = following.text[max(0, -gap):]
    if listed:
        end = list_end(passage.text + rest, len(passage.text))
        rest = rest[:end - len(passage.text)] if end is not None else ""
    else:
        spans = sentence_spans(rest)
        rest = rest[:spans[0][1]] if spans else ""
    if not rest:
        return None
    text = passage.text + " " * max(gap, 0) + rest
    return replace(passage, text=text, end_char=passage.end_char + max(gap, 0) + len(rest),
                   page_end=following.page_end if following.page_end is not None else passage.page_end)
