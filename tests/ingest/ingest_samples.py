"""Documents the ingest tests make themselves: scanned pages (text printed into an image), PDFs with and
without a text layer, spreadsheets; and a small web site on loopback."""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import matplotlib
import openpyxl
from kentrag.ingest.document import LoadedDocument
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
DPI = 300
A4_PIXELS = (2480, 3508)  # A4 at 300 dpi
FONT_PIXELS = 50  # 12 pt at 300 dpi
LINE_CHARS = 60


def scanned_page(text: str) -> Image.Image:
    """An A4 page at 300 dpi with `text` printed in 12 pt DejaVu Sans, as a scanner would give it."""
    image = Image.new("L", A4_PIXELS, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), FONT_PIXELS)
    for n, line in enumerate(textwrap.wrap(text, LINE_CHARS)):
        draw.text((200, 250 + n * 75), line, font=font, fill=0)
    return image


def image_pdf(images: list[Image.Image]) -> bytes:
    """A PDF whose pages are only these images (no text layer)."""
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def pdf_pages(pages: list[str | Image.Image]) -> bytes:
    """A PDF with a text-layer page (DejaVu Sans, Turkish letters kept) for each string and a full-page scan for
    each image; an empty string gives a blank page."""
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(DEJAVU)))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in pages:
        if isinstance(page, Image.Image):
            pdf.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
        else:
            pdf.setFont("DejaVu", 11)
            for n, line in enumerate(textwrap.wrap(page, 80)):
                pdf.drawString(60, A4[1] - 80 - n * 15, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def page_texts(doc: LoadedDocument) -> dict[int, str]:
    """Page number → that page's text, cut from the document text at its page starts."""
    ends = [start for start, _ in doc.pages[1:]] + [len(doc.text)]
    return {number: doc.text[start:end].strip() for (start, number), end in zip(doc.pages, ends)}


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook with these sheets (name → rows), in order."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@contextmanager
def local_site(pages: dict[str, str]) -> Iterator[str]:
    """Serve `pages` (path → HTML, changeable while served; other paths: 404) on 127.0.0.1 at a free port;
    yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "<h1>Not found</h1>").encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
