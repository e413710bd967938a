"""Citation numbering: a generator's [n] name positions in the passage list; the reader sees [1], [2], ... in
the order the answer first cites them, each with the sentence it rests on. Pure functions of the text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kentrag.answer.base import Piece
from kentrag.answer.quotes import shown
from kentrag.core.texts import phrase
from kentrag.core.types import Passage, Quote

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Citation:
    """One cited passage; `quote` is the sentence the answer rests on as shown (empty when not known), at
    [quote_start, quote_end) of the passage text; `support` is the selector's probability that it answers."""

    n: int
    passage: Passage
    quote: str = ""
    quote_start: int = -1
    quote_end: int = -1
    support: float | None = None

    def as_dict(self) -> dict:
        p = self.passage
        return {
            "n": self.n, "doc_id": p.doc_id, "title": p.title, "source": p.source, "chunk_id": p.chunk_id,
            "text": p.text, "score": round(p.score, 4), "language": p.language, "start_char": p.start_char,
            "end_char": p.end_char, "page": p.page, "page_end": p.page_end, "quote": self.quote,
            "quote_start": self.quote_start, "quote_end": self.quote_end,
            "support": None if self.support is None else round(self.support, 2),
        }


def page_label(passage: Passage, language: str) -> str:
    """Where a passage is in its document: "p. 12" or "p. 12–13" in `language`; "" for an unpaged document."""
    if passage.page is None:
        return ""
    if passage.page_end is None or passage.page_end == passage.page:
        return phrase("page", language, page=passage.page)
    return phrase("pages", language, first=passage.page, last=passage.page_end)


class Citations:
    """Renumbers an answer's [n] (positions in the passage list) into citation order, dropping bad ones.

    A "[2]" inside a verbatim quote is the document's own text, not a marker: it is left as it is.
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        self.order: dict[int, int] = {}  # passage position → citation number
        self.quotes: dict[int, Quote] = {}  # passage position → its quoted sentence
        self.verbatim: list[tuple[int, int]] = []  # spans of the raw answer that are quoted document text

    def quote(self, quote: Quote) -> None:
        """Note the sentence passage `quote.n` is cited for (the first one noted counts)."""
        if 1 <= quote.n <= len(self.passages):
            self.quotes.setdefault(quote.n, quote)

    def note(self, piece: Piece, offset: int) -> None:
        """Note a piece of answer that starts at `offset` of the raw answer: its quote, and where the piece
        writes that quote out word for word (markers inside it stay as they are)."""
        if piece.quote is None or not 1 <= piece.quote.n <= len(self.passages):
            return
        self.quote(piece.quote)
        quote = piece.quote
        quoted = shown(self.passages[quote.n - 1].text[quote.start:quote.end])
        at = piece.text.find(quoted) if quoted else -1
        if at >= 0:
            self.verbatim.append((offset + at, offset + at + len(quoted)))

    def render(self, raw: str) -> str:
        """The raw answer with its markers renumbered in citation order (markers of unknown passages dropped)."""

        def swap(match: re.Match) -> str:
            if any(start <= match.start() < end for start, end in self.verbatim):
                return match.group(0)
            source = int(match.group(1))
            if not 1 <= source <= len(self.passages):
                return ""
            number = self.order.setdefault(source, len(self.order) + 1)
            return f"[{number}]"

        return _MARKER.sub(swap, raw)

    def build(self) -> tuple[Citation, ...]:
        """The citations of the markers rendered so far, in citation order."""
        citations = []
        for source, number in sorted(self.order.items(), key=lambda item: item[1]):
            passage = self.passages[source - 1]
            quote = self.quotes.get(source)
            if quote is None:
                citations.append(Citation(number, passage))
                continue
            text = shown(passage.text[quote.start:quote.end])
            citations.append(Citation(number, passage, text, quote.start, quote.end, quote.support))
        return tuple(citations)
