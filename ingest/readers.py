"""Read one corpus file (txt, md, html, pdf, docx, xlsx, pptx, odt) into a cleaned LoadedDocument."""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup, UnicodeDammit
from bs4.element import PreformattedString, Tag
from charset_normalizer import from_bytes
from kentrag.ingest.clean import clean_text
from kentrag.ingest.document import Extracted, LoadedDocument, UnreadableDocument, content_hash, shorten_title
from kentrag.ingest.ocr import OcrOptions
from kentrag.ingest.office import extract_docx, extract_odt, extract_pptx, extract_xlsx
from kentrag.ingest.pdf import extract_pdf

from kentrag.core.language import detect_language

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".pptx", ".odt")

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
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
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


def _bom_encoding(data: bytes) -> str | None:
    """Encoding named by a leading byte-order mark, if any."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


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
    """Decode non-UTF text: Turkish cp1254 (then ISO-8859-9) for Latin text (mostly ASCII letters, or high bytes
    cp1254 reads as Turkish letters and punctuation), else the best guess."""
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


def _strip_markdown(line: str) -> str:
    """Plain text of one markdown line: no heading/list/quote prefix, links as their text, no emphasis."""
    line = _MD_LINE_PREFIX.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub("", line).strip()


def plain_text_title(text: str) -> str | None:
    """First markdown heading, else the first non-empty line (preferring one of 2+ words), shortened."""
    heading = _MD_HEADING.search(text)
    if heading and _strip_markdown(heading.group(1)):
        return shorten_title(_strip_markdown(heading.group(1)))
    lines = [plain for plain in map(_strip_markdown, text.split("\n")) if plain]
    multiword = [line for line in lines if " " in line]
    candidates = multiword or lines
    return shorten_title(candidates[0]) if candidates else None


def _extract_plain(data: bytes) -> Extracted:
    """Text and markdown files."""
    text = clean_text(decode_text(data))
    return Extracted(text, plain_text_title(text))


def _html_title(soup: BeautifulSoup) -> str | None:
    """<title>, else the first <h1>."""
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and tag.get_text(strip=True):
            return shorten_title(tag.get_text(" "))
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


def decode_html(data: bytes) -> str:
    """Decode HTML: BOM or UTF-16 as plain text, else strict UTF-8, declared charset, Turkish cp1254."""
    if _bom_encoding(data) or _utf16_without_bom(data):
        return decode_text(data)
    dammit = UnicodeDammit(data, known_definite_encodings=["utf-8"], user_encodings=["cp1254"], is_html=True)
    markup = dammit.unicode_markup
    if markup is None or _looks_binary(markup):
        raise UnreadableDocument(_BINARY_MESSAGE)
    return markup


def _extract_html(data: bytes) -> Extracted:
    """HTML: visible body text; title from <title> or the first <h1>."""
    soup = BeautifulSoup(decode_html(data), "lxml")
    title = _html_title(soup)
    return Extracted(clean_text(_html_body_text(soup.body or soup)), title)


_EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    **dict.fromkeys((".txt", ".md", ".markdown"), _extract_plain), **dict.fromkeys((".html", ".htm"), _extract_html),
    ".docx": extract_docx, ".xlsx": extract_xlsx, ".pptx": extract_pptx, ".odt": extract_odt,
}  # and ".pdf": extract_pdf, which takes OCR options too


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
        raise UnreadableDocument(f"too large: {size / _MIB:.1f} MB, the limit is {max_mb} MB (KENTRAG_MAX_DOCUMENT_MB)")
    return data


def read_document(path: Path, root: Path, data: bytes | None = None, ocr: OcrOptions | None = None) -> LoadedDocument:
    """Read and clean one file; UnreadableDocument with a human reason if that is impossible. `ocr` bounds and
    reports the OCR of scanned PDF pages."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(f"unsupported file type {suffix or '(no extension)'}")
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise UnreadableDocument(_EMPTY_MESSAGE)
    extracted = extract_pdf(data, ocr or OcrOptions()) if suffix == ".pdf" else _EXTRACTORS[suffix](data)
    if not extracted.text:
        raise UnreadableDocument(_EMPTY_MESSAGE)
    return LoadedDocument(doc_id=document_id(path, root), path=path, text=extracted.text,
                          title=extracted.title or unicodedata.normalize("NFC", path.stem),
                          language=detect_language(extracted.text), content_hash=content_hash(data),
                          pages=extracted.pages)
