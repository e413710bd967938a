"""Read one corpus file (txt, md, html, pdf, docx) into a cleaned LoadedDocument."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup, UnicodeDammit
from bs4.element import PreformattedString, Tag
from charset_normalizer import from_bytes
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from kentrag.ingest.clean import clean_text

from kentrag.core.language import detect_language

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")

TITLE_MAX_CHARS = 120
_MIB = 1024 * 1024
_BINARY_MESSAGE = "not valid text in any supported encoding (binary file?)"
_EMPTY_MESSAGE = "empty document (no text)"
_MAX_CONTROL_RATIO = 0.02
_MAX_LEGACY_HIGH_BYTE_RATIO = 0.3
# Turkish letters and the punctuation of Turkish text, as cp1254 decodes them.
_TURKISH_HIGH_CHARS = frozenset("çÇğĞıİöÖşŞüÜâÂîÎûÛ“”‘’–—…«»°€")
_MIN_TURKISH_HIGH_SHARE = 0.8
_UTF16_NUL_RATIO = 0.3
_UTF16_STRAY_NUL_RATIO = 0.05
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_HTML_DROPPED_TAGS = ("script", "style", "iframe", "noscript", "template")
# fmt: off
_HTML_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
)
# fmt: on
_HTML_CELL_TAGS = ("td", "th")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$", re.MULTILINE)
_MD_LINE_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|`+)")
_WHITESPACE = re.compile(r"\s+")


class UnreadableDocument(Exception):
    """A file that cannot be turned into text; the message says why, for people."""


@dataclass(frozen=True)
class LoadedDocument:
    """One corpus file as cleaned text plus metadata."""

    doc_id: str
    path: Path
    text: str
    title: str
    language: str
    content_hash: str


def content_hash(data: bytes) -> str:
    """SHA-256 hex digest of the raw file bytes."""
    return hashlib.sha256(data).hexdigest()


# --- text decoding -------------------------------------------------------------------------------


def _bom_encoding(data: bytes) -> str | None:
    """Encoding named by a leading byte-order mark, if any."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit in every other position, as in mostly-Latin UTF-16."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) / 2
    even_nuls = data[0::2].count(0) / half
    odd_nuls = data[1::2].count(0) / half
    if odd_nuls >= _UTF16_NUL_RATIO and even_nuls <= _UTF16_STRAY_NUL_RATIO:
        return "utf-16-le"
    if even_nuls >= _UTF16_NUL_RATIO and odd_nuls <= _UTF16_STRAY_NUL_RATIO:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> str:
    """Decode non-UTF text: Turkish cp1254 (then ISO-8859-9) for Latin text, else the best guess.

    Latin text is mostly ASCII letters, or (short Turkish text dense in ğ, ş, ı…) high bytes that cp1254
    reads as Turkish letters and punctuation; other scripts are neither.
    """
    try:
        turkish = data.decode("cp1254")
    except UnicodeDecodeError:
        turkish = data.decode("iso-8859-9")
    ascii_letters = sum(1 for ch in turkish if ch.isascii() and ch.isalpha())
    high = [ch for ch in turkish if not ch.isascii()]
    if (len(high) <= _MAX_LEGACY_HIGH_BYTE_RATIO * (len(high) + ascii_letters)
            or sum(ch in _TURKISH_HIGH_CHARS for ch in high) >= _MIN_TURKISH_HIGH_SHARE * len(high)):
        return turkish
    guess = from_bytes(data).best()
    if guess is None:
        raise UnreadableDocument(_BINARY_MESSAGE)
    return str(guess)


def _looks_binary(text: str) -> bool:
    """True when control characters other than ordinary whitespace are more than a trace."""
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    return controls > _MAX_CONTROL_RATIO * max(len(text), 1)


def decode_text(data: bytes) -> str:
    """Decode file bytes: BOM, BOM-less UTF-16, strict UTF-8, then Turkish legacy code pages."""
    encoding = _bom_encoding(data) or _utf16_without_bom(data)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError:
        if encoding:
            raise UnreadableDocument(_BINARY_MESSAGE) from None
        text = _decode_legacy(data)
    if _looks_binary(text):
        raise UnreadableDocument(_BINARY_MESSAGE)
    return text


# --- titles --------------------------------------------------------------------------------------


def _shorten(line: str) -> str:
    """Collapse whitespace and cut to TITLE_MAX_CHARS at a word boundary, marking the cut with '…'."""
    line = _WHITESPACE.sub(" ", line).strip()
    if len(line) <= TITLE_MAX_CHARS:
        return line
    cut = line[: TITLE_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def _strip_markdown(line: str) -> str:
    """Plain text of one markdown line: no heading/list/quote prefix, links as their text, no emphasis."""
    line = _MD_LINE_PREFIX.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub("", line).strip()


def plain_text_title(text: str) -> str | None:
    """First markdown heading, else the first non-empty line (preferring one of 2+ words), shortened."""
    heading = _MD_HEADING.search(text)
    if heading and _strip_markdown(heading.group(1)):
        return _shorten(_strip_markdown(heading.group(1)))
    lines = [plain for plain in map(_strip_markdown, text.split("\n")) if plain]
    multiword = [line for line in lines if " " in line]
    candidates = multiword or lines
    return _shorten(candidates[0]) if candidates else None


# --- per-format extractors: bytes -> (text, title or None) ----------------------------------------


def _extract_plain(data: bytes) -> tuple[str, str | None]:
    """Text and markdown files."""
    text = clean_text(decode_text(data))
    return text, plain_text_title(text)


def _html_title(soup: BeautifulSoup) -> str | None:
    """<title>, else the first <h1>."""
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and tag.get_text(strip=True):
            return _shorten(tag.get_text(" "))
    return None


def _html_body_text(root: Tag) -> str:
    """Visible text with one line per block element and whitespace inside blocks collapsed."""
    for tag in root.find_all(_HTML_DROPPED_TAGS):
        tag.decompose()
    for string in root.find_all(string=True):
        if not isinstance(string, PreformattedString) and string.find_parent("pre") is None:
            string.replace_with(_WHITESPACE.sub(" ", str(string)))
    for tag in root.find_all("br"):
        tag.replace_with("\n")
    for tag in root.find_all(_HTML_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for tag in root.find_all(_HTML_CELL_TAGS):
        tag.insert_after("\t")
    return "\n".join(line.strip() for line in root.get_text().split("\n"))


def _html_markup(data: bytes) -> str:
    """Decode HTML: BOM or UTF-16 as plain text, else strict UTF-8, declared charset, Turkish cp1254."""
    if _bom_encoding(data) or _utf16_without_bom(data):
        return decode_text(data)
    markup = UnicodeDammit(
        data, known_definite_encodings=["utf-8"], user_encodings=["cp1254"], is_html=True
    ).unicode_markup
    if markup is None or _looks_binary(markup):
        raise UnreadableDocument(_BINARY_MESSAGE)
    return markup


def _extract_html(data: bytes) -> tuple[str, str | None]:
    """HTML: visible body text; title from <title> or the first <h1>."""
    soup = BeautifulSoup(_html_markup(data), "lxml")
    title = _html_title(soup)
    return clean_text(_html_body_text(soup.body or soup)), title


def _open_pdf(data: bytes) -> pypdf.PdfReader:
    """A PdfReader, decrypted with the empty password if the file is encrypted."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        raise UnreadableDocument("PDF is encrypted")
    return reader


def _extract_pdf(data: bytes) -> tuple[str, str | None]:
    """PDF: page texts joined with a blank line."""
    try:
        reader = _open_pdf(data)
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except Exception as error:  # pypdf raises many exception types on damaged files
        raise UnreadableDocument(f"PDF is damaged: {error}") from error
    text = clean_text("\n\n".join(pages))
    if not text:
        raise UnreadableDocument("PDF has no extractable text (scanned images?)")
    return text, None


def _docx_blocks(document: DocxDocument) -> list[str]:
    """Paragraph texts and table cell texts in document order (merged cells once)."""
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(item.text)
        elif isinstance(item, Table):
            for row in item.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        blocks.append(cell.text)
    return blocks


def _docx_title(document: DocxDocument) -> str | None:
    """First non-empty paragraph styled Title or Heading N."""
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if (style == "Title" or style.startswith("Heading")) and paragraph.text.strip():
            return _shorten(paragraph.text)
    return None


def _extract_docx(data: bytes) -> tuple[str, str | None]:
    """DOCX: paragraphs and table cells joined with newlines."""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zip, XML and package errors
        raise UnreadableDocument("DOCX is not a valid Word file") from error
    return clean_text("\n".join(_docx_blocks(document))), _docx_title(document)


_EXTRACTORS: dict[str, Callable[[bytes], tuple[str, str | None]]] = {
    ".txt": _extract_plain,
    ".md": _extract_plain,
    ".markdown": _extract_plain,
    ".html": _extract_html,
    ".htm": _extract_html,
    ".pdf": _extract_pdf,
    ".docx": _extract_docx,
}


def document_id(path: Path, root: Path) -> str:
    """POSIX path of `path` relative to `root`, NFC-normalised (NFD file names give the same id)."""
    return unicodedata.normalize("NFC", path.relative_to(root).as_posix())


def read_limited(path: Path, max_mb: int) -> bytes:
    """The file's bytes, reading at most `max_mb` MiB; UnreadableDocument when larger or unreadable."""
    limit = max_mb * _MIB
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
            size = os.fstat(handle.fileno()).st_size
    except OSError as error:
        raise UnreadableDocument(f"cannot read: {error.strerror or error}") from error
    if len(data) > limit:
        raise UnreadableDocument(
            f"too large: {size / _MIB:.1f} MB, the limit is {max_mb} MB (KENTRAG_MAX_DOCUMENT_MB)"
        )
    return data


def read_document(path: Path, root: Path, data: bytes | None = None) -> LoadedDocument:
    """Read and clean one file; raise UnreadableDocument with a human reason if that is impossible."""
    suffix = path.suffix.lower()
    extractor = _EXTRACTORS.get(suffix)
    if extractor is None:
        raise UnreadableDocument(f"unsupported file type {suffix or '(no extension)'}")
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise UnreadableDocument(_EMPTY_MESSAGE)
    text, title = extractor(data)
    if not text:
        raise UnreadableDocument(_EMPTY_MESSAGE)
    return LoadedDocument(
        doc_id=document_id(path, root),
        path=path,
        text=text,
        title=title or unicodedata.normalize("NFC", path.stem),
        language=detect_language(text),
        content_hash=content_hash(data),
    )
