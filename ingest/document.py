"""The values every reader produces: a loaded document, a format's extracted text, and the reading error."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

TITLE_MAX_CHARS = 120
_WHITESPACE = re.compile(r"\s+")

# (start_char, page_number) of each page in a document's cleaned text, in text order; () for unpaged formats.
PageStarts = tuple[tuple[int, int], ...]


class UnreadableDocument(Exception):
    """A file that cannot be turned into text; the message says why, for people."""


@dataclass(frozen=True)
class Extracted:
    """What one format's extractor returns: cleaned text, a title if the file names one, and page starts."""

    text: str
    title: str | None
    pages: PageStarts = ()


@dataclass(frozen=True)
class LoadedDocument:
    """One corpus file (or fetched web page) as cleaned text plus metadata."""

    doc_id: str
    path: Path | None  # None for a web page
    text: str
    title: str
    language: str
    content_hash: str
    pages: PageStarts = ()
    url: str | None = None  # a web page's final URL (after redirects)

    @property
    def source(self) -> str:
        """What a citation shows as the origin: the page's URL, else the file name."""
        if self.url:
            return self.url
        assert self.path is not None, "a LoadedDocument has a path or a URL"
        return self.path.name


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of the raw file bytes."""
    return hashlib.sha256(data).hexdigest()


def shorten_title(line: str) -> str:
    """Collapse whitespace and cut to TITLE_MAX_CHARS at a word boundary, marking the cut with '…'."""
    line = _WHITESPACE.sub(" ", line).strip()
    if len(line) <= TITLE_MAX_CHARS:
        return line
    cut = line[: TITLE_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
