"""PDF → text page by page: a page's text layer when it has one, Tesseract OCR of the rendered page when not.
Pages are rendered in-process with pypdfium2 (no extra system package or temporary files)."""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pypdf
import pypdfium2
from kentrag.ingest.clean import clean_pages
from kentrag.ingest.document import Extracted, UnreadableDocument
from kentrag.ingest.ocr import OCR_DPI, OcrOptions, check_tesseract, ocr_image
from PIL import Image

# A page with an image whose text layer has fewer characters than this (a page number, a stamp) is read by OCR.
MIN_TEXT_LAYER_CHARS = 20
# Pixels of one rendered page at most (A3 at 300 dpi); larger pages are rendered at a lower resolution.
_MAX_PIXELS = 3508 * 4961
_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe


def text_layers(data: bytes) -> list[str]:
    """The text layer of every page ('' for a page without one); an encrypted file is opened with the empty
    password."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise UnreadableDocument("PDF is encrypted")
        return [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except Exception as error:  # pypdf raises many exception types on damaged files
        raise UnreadableDocument(f"PDF is damaged: {error}") from error


def _pdfium(data: bytes) -> pypdfium2.PdfDocument:
    """The PDF opened in PDFium, to see what a page draws and to render it."""
    try:
        with _PDFIUM_LOCK:
            return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise UnreadableDocument(f"PDF is damaged: {error}") from error


def has_text_layer(text_layer: str) -> bool:
    """True when a page's text layer holds more than a page number or a stamp."""
    return len("".join(text_layer.split())) >= MIN_TEXT_LAYER_CHARS


@contextmanager
def _page(document: pypdfium2.PdfDocument, index: int) -> Iterator[pypdfium2.PdfPage]:
    """Page `index` (0-based), used and closed with _PDFIUM_LOCK held."""
    with _PDFIUM_LOCK:
        try:
            page = document[index]
        except (IndexError, pypdfium2.PdfiumError) as error:
            raise UnreadableDocument(f"PDF is damaged: page {index + 1} cannot be loaded") from error
        try:
            yield page
        finally:
            page.close()


def has_image(document: pypdfium2.PdfDocument, index: int) -> bool:
    """True when page `index` draws an image: a page scanned to PDF is one (a blank page or a short text page
    with no image needs no OCR)."""
    with _page(document, index) as page:
        return next(page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]), None) is not None


def render_page(document: pypdfium2.PdfDocument, index: int, dpi: int = OCR_DPI) -> Image.Image:
    """Page `index` as a greyscale image at `dpi`, or lower when the page is very large."""
    with _page(document, index) as page:
        width, height = page.get_size()  # points, 1/72 inch
        scale = min(dpi / 72, math.sqrt(_MAX_PIXELS / max(width * height, 1.0)))
        return page.render(scale=scale, grayscale=True).to_pil()


def _ocr_pages(document: pypdfium2.PdfDocument, indexes: list[int], options: OcrOptions) -> dict[int, str]:
    """OCR text of the pages at `indexes` (0-based), reporting progress per page."""
    check_tesseract()
    texts: dict[int, str] = {}
    if options.on_page:
        options.on_page(0, len(indexes))
    for done, index in enumerate(indexes, 1):
        texts[index] = ocr_image(render_page(document, index))
        if options.on_page:
            options.on_page(done, len(indexes))
    return texts


def _recognise(data: bytes, candidates: list[int], options: OcrOptions) -> dict[int, str]:
    """OCR text of the candidate pages (0-based, little or no text layer) that hold an image."""
    document = _pdfium(data)
    try:
        scanned = [index for index in candidates if has_image(document, index)]
        if len(scanned) > options.max_pages:
            raise UnreadableDocument(
                f"{len(scanned)} scanned page{'s' if len(scanned) != 1 else ''} to read by OCR, more than the limit "
                f"of {options.max_pages} per document (KENTRAG_OCR_MAX_PAGES)"
            )
        return _ocr_pages(document, scanned, options) if scanned else {}
    finally:
        with _PDFIUM_LOCK:
            document.close()


def extract_pdf(data: bytes, options: OcrOptions) -> Extracted:
    """PDF: one page after another, a blank line between pages, each page's number kept (1-based)."""
    layers = text_layers(data)
    candidates = [index for index, layer in enumerate(layers) if not has_text_layer(layer)]
    recognised = _recognise(data, candidates, options) if candidates else {}
    text, pages = clean_pages((index + 1, recognised.get(index, "").strip() or layer)
                              for index, layer in enumerate(layers))
    if not text:
        raise UnreadableDocument("PDF has no extractable text (blank pages, or images without text)")
    return Extracted(text, None, pages)
