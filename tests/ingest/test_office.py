"""Spreadsheets, slides and OpenDocument text, made in the test with openpyxl, python-pptx and odfdo and read
back through read_document; broken files give reasons."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import odfdo
import openpyxl
import pptx
import pytest
from kentrag.ingest.readers import LoadedDocument, UnreadableDocument, read_document
from pptx.util import Inches

from tests.ingest.ingest_samples import page_texts

pytestmark = pytest.mark.slow


def read(folder: Path, name: str, data: bytes) -> LoadedDocument:
    path = folder / name
    path.write_bytes(data)
    return read_document(path, folder)



def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    budget = workbook.active
    budget.title = "Bütçe"
    budget.append(["2024 bütçe\nraporu"])
    budget.append([])
    budget.append(["Şehir", "Yıl", "Bütçe (TL)", "Not"])
    budget.append(["İzmir", 2024, 1500000.0, "onaylandı"])
    budget.append(["Bursa", 2023, 875000.5, None])
    budget.append([None, None, None, None])
    budget.append(["Gölcük", dt.datetime(2024, 3, 1), 42, "ek", "fazladan"])
    workbook.create_sheet("Boş")
    people = workbook.create_sheet("Nüfus")
    people.append(["İlçe", "Nüfus"])
    people.append(["Konak", 336545])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_pptx() -> bytes:
    presentation = pptx.Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Akıllı Şehir Sunumu"
    first.placeholders[1].text = "İzmir ve İstanbul\nTeknoloji protokolü"
    first.notes_slide.notes_text_frame.text = "Konuşmacı notu: imza töreni Eylül'de."
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Bütçe tablosu"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for (row, column), text in {(0, 0): "Şehir", (0, 1): "Bütçe", (1, 0): "Bursa", (1, 1): "875 bin TL"}.items():
        table.cell(row, column).text = text
    presentation.slides.add_slide(presentation.slide_layouts[6])  # a blank slide: no text, no page
    fourth = presentation.slides.add_slide(presentation.slide_layouts[6])
    group = fourth.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text_frame.text = "Gruplanmış kutu"
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def make_odt() -> bytes:
    document = odfdo.Document("text")
    body = document.body
    body.append(odfdo.Paragraph("Giriş notu"))
    body.append(odfdo.Header(1, "Belediye Raporu"))
    body.append(odfdo.Paragraph("İzmir ve İstanbul arasında protokol imzalandı."))
    body.append(odfdo.List(["birinci madde", "ikinci madde"]))
    table = odfdo.Table("Tablo", width=2, height=1)
    table.set_value((0, 0), "Şehir")
    table.set_value((1, 0), "Gölcük")
    body.append(table)
    noted = odfdo.Paragraph("Dipnotlu cümle.")
    noted.insert_note(body="Kaynak: meclis kararı", note_id="n1", citation="1", after="Dipnotlu")
    body.append(noted)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<not-what-it-should-be/>")
    return buffer.getvalue()


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_rows_become_header_value_lines_under_the_sheet_name(tmp_path: Path) -> None:
    doc = read(tmp_path, "butce.xlsx", make_xlsx())
    assert page_texts(doc) == {
        1: "Bütçe\n2024 bütçe raporu\nŞehir; Yıl; Bütçe (TL); Not\n"
           "Şehir: İzmir; Yıl: 2024; Bütçe (TL): 1500000; Not: onaylandı\n"
           "Şehir: Bursa; Yıl: 2023; Bütçe (TL): 875000.5\n"
           "Şehir: Gölcük; Yıl: 2024-03-01; Bütçe (TL): 42; Not: ek; E: fazladan",
        3: "Nüfus\nİlçe; Nüfus\nİlçe: Konak; Nüfus: 336545",
    }
    assert doc.title == "butce" and doc.language == "tr"


def test_xlsx_title_comes_from_the_workbook_properties(tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(make_xlsx()))
    workbook.properties.title = "2024 Bütçesi"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(tmp_path, "b.xlsx", buffer.getvalue()).title == "2024 Bütçesi"


# --- PPTX ----------------------------------------------------------------------------------------


def test_pptx_slides_and_notes_with_slide_numbers_as_pages(tmp_path: Path) -> None:
    doc = read(tmp_path, "sunum.pptx", make_pptx())
    assert page_texts(doc) == {
        1: "Akıllı Şehir Sunumu\nİzmir ve İstanbul\nTeknoloji protokolü\n\nKonuşmacı notu: imza töreni Eylül'de.",
        2: "Bütçe tablosu\nŞehir\nBütçe\nBursa\n875 bin TL",
        4: "Gruplanmış kutu",
    }
    assert doc.title == "Akıllı Şehir Sunumu"


# --- ODT -----------------------------------------------------------------------------------------


def test_odt_headings_paragraphs_lists_tables_and_notes_in_order(tmp_path: Path) -> None:
    doc = read(tmp_path, "rapor.odt", make_odt())
    assert doc.text == (
        "Giriş notu\nBelediye Raporu\nİzmir ve İstanbul arasında protokol imzalandı.\nbirinci madde\n"
        "ikinci madde\nŞehir\nGölcük\nDipnotlu1. Kaynak: meclis kararı cümle."
    )
    assert doc.title == "Belediye Raporu" and doc.pages == ()


# --- broken files --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("a.xlsx", "^XLSX is not a valid Excel workbook"),
    ("a.pptx", "^PPTX is not a valid PowerPoint file"),
    ("a.odt", "^ODT is not a valid OpenDocument text file$"),
])
@pytest.mark.parametrize("damage", ["not a zip", "truncated", "wrong zip"])
def test_broken_office_files_give_reasons(tmp_path: Path, name: str, reason: str, damage: str) -> None:
    valid = {"a.xlsx": make_xlsx, "a.pptx": make_pptx, "a.odt": make_odt}[name]()
    data = {"not a zip": b"plain text, not an office file", "truncated": valid[: len(valid) // 2],
            "wrong zip": zip_with("content.xml")}[damage]
    with pytest.raises(UnreadableDocument, match=reason):
        read(tmp_path, name, data)


@pytest.mark.parametrize(("name", "make"), [("bos.xlsx", openpyxl.Workbook), ("bos.pptx", pptx.Presentation)])
def test_office_files_without_text_are_empty(tmp_path: Path, name: str, make) -> None:
    buffer = io.BytesIO()
    make().save(buffer)
    with pytest.raises(UnreadableDocument, match="^empty document"):
        read(tmp_path, name, buffer.getvalue())
