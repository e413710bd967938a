"""Office files → text: Word (.docx), Excel (.xlsx, sheet number as page), PowerPoint (.pptx, slide number as
page) and OpenDocument text (.odt)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator

import docx
import odfdo
import openpyxl
import pptx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from kentrag.ingest.clean import clean_pages, clean_text
from kentrag.ingest.document import Extracted, UnreadableDocument, shorten_title
from openpyxl.utils import get_column_letter
from pptx.presentation import Presentation
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

# The top-level paragraphs and headings of an ODT body (a footnote's or a frame's own paragraphs are part of
# the paragraph that holds them).
_ODT_BLOCKS = "descendant::*[(self::text:p or self::text:h) and not(ancestor::text:p or ancestor::text:h)]"


def _docx_blocks(document: DocxDocument) -> Iterator[str]:
    """Paragraph texts and table cell texts in document order (merged cells once)."""
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield item.text
        elif isinstance(item, Table):
            for row in item.rows:
                yield from (cell.text for cell in {id(cell._tc): cell for cell in row.cells}.values())


def _docx_title(document: DocxDocument) -> str | None:
    """First non-empty paragraph styled Title or Heading N."""
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if (style == "Title" or style.startswith("Heading")) and paragraph.text.strip():
            return shorten_title(paragraph.text)
    return None


def extract_docx(data: bytes) -> Extracted:
    """DOCX: paragraphs and table cells joined with newlines."""
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zip, XML and package errors
        raise UnreadableDocument("DOCX is not a valid Word file") from error
    return Extracted(clean_text("\n".join(_docx_blocks(document))), _docx_title(document))


def cell_text(value: object) -> str:
    """A cell value as people write it, on one line: 1500000 not 1500000.0, 2024-03-01 not 2024-03-01 00:00:00."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def sheet_text(name: str, rows: Iterable[tuple[object, ...]]) -> str:
    """The sheet name, then its rows: each row under the header row (the first with two or more cells) as
    'header: value; header: value', so a question about a figure finds its row; rows above it (a title) as they
    are. '' for an empty sheet."""
    lines: list[str] = []
    headers: list[str] = []
    for row in rows:
        cells = [cell_text(value) if value is not None else "" for value in row]
        filled = [cell for cell in cells if cell]
        if headers:
            labels = headers + [get_column_letter(n) for n in range(len(headers) + 1, len(cells) + 1)]
            lines.append("; ".join(f"{label}: {cell}" for label, cell in zip(labels, cells) if cell))
        elif filled:
            lines.append("; ".join(filled))
            if len(filled) >= 2:
                headers = [cell or get_column_letter(n) for n, cell in enumerate(cells, 1)]
    return "\n".join([name, *filter(None, lines)]) if lines else ""


def extract_xlsx(data: bytes) -> Extracted:
    """XLSX: each sheet's rows as 'header: value' lines under the sheet's name; sheet number as page. Formulas give
    the value last saved with the file."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(n, sheet_text(sheet.title, sheet.iter_rows(values_only=True)))
                      for n, sheet in enumerate(workbook.worksheets, 1)]
            title = workbook.properties.title
        finally:
            workbook.close()
    except Exception as error:  # openpyxl raises zip, XML, key and value errors
        raise UnreadableDocument("XLSX is not a valid Excel workbook (damaged, or password-protected)") from error
    text, pages = clean_pages(sheets)
    return Extracted(text, shorten_title(title) if title and title.strip() else None, pages)


def _shape_texts(shapes: Iterable[BaseShape]) -> Iterator[str]:
    """Text of text frames and table cells, looking inside groups, in the slide's shape order."""
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif shape.has_table:
            yield from (cell.text for row in shape.table.rows for cell in row.cells)


def _slide_text(slide: Slide) -> str:
    """A slide's text, then its speaker notes after a blank line."""
    parts = list(_shape_texts(slide.shapes))
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        parts.append("\n" + slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def _pptx_title(presentation: Presentation) -> str | None:
    """The file's own title, else the first slide title."""
    candidates = [presentation.core_properties.title or ""]
    candidates += [slide.shapes.title.text for slide in presentation.slides if slide.shapes.title is not None]
    return next((shorten_title(title) for title in candidates if title.strip()), None)


def extract_pptx(data: bytes) -> Extracted:
    """PPTX: slide text and speaker notes, slide number as page."""
    try:
        presentation = pptx.Presentation(io.BytesIO(data))
        slides = [(n, _slide_text(slide)) for n, slide in enumerate(presentation.slides, 1)]
        title = _pptx_title(presentation)
    except Exception as error:  # python-pptx raises zip, XML, key and package errors
        raise UnreadableDocument("PPTX is not a valid PowerPoint file (damaged, or password-protected)") from error
    text, pages = clean_pages(slides)
    return Extracted(text, title, pages)


def extract_odt(data: bytes) -> Extracted:
    """ODT: headings and paragraphs (lists and tables included) in document order; title from the first heading."""
    try:
        body = odfdo.Document(io.BytesIO(data)).body
        blocks = [(element.tag, element.inner_text) for element in body.xpath(_ODT_BLOCKS)]
    except Exception as error:  # odfdo raises zip, XML, type and value errors
        raise UnreadableDocument("ODT is not a valid OpenDocument text file") from error
    title = next((shorten_title(text) for tag, text in blocks if tag == "text:h" and text.strip()), None)
    return Extracted(clean_text("\n".join(text for _, text in blocks)), title)
