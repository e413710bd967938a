"""Office documents through the whole stack (Tesseract, Chroma and the model, nothing mocked): a scanned Turkish
PDF and a spreadsheet ingested by Syncer are answered by Assistant.ask, the PDF with its page cited; a PDF
indexed before pages were kept is read again once; bad files are skipped with a reason, leave the rest of the
index as it was, and a failing file is not read (OCR'd) again while it stays the same."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from kentrag.index.store import Store
from kentrag.ingest.sync import Syncer, SyncReport
from PIL import Image

from kentrag.answer.assistant import Assistant
from kentrag.cli import main
from kentrag.core.settings import Settings
from tests.conftest import make_settings
from tests.ingest.ingest_samples import A4_PIXELS, image_pdf, pdf_pages, scanned_page, xlsx_bytes

pytestmark = pytest.mark.slow

COVER = ("Kocaeli Büyükşehir Belediyesi ulaşım raporu. Bu rapor, ilçe belediyelerinin 2023 yılında toplu taşıma, "
         "bisiklet yolları ve akıllı durak sistemleri için yaptığı çalışmaları özetler. Rapor, belediyelerin "
         "yatırımlarını, yolcu sayılarını ve yeni hatları ilçe ilçe anlatır. Akıllı duraklarda bekleme süreleri "
         "ekranlarda gösteriliyor; bisiklet yolları sahil boyunca uzatıldı. Toplu taşıma kartları tek bir sistemde "
         "birleştirildi ve yolcular aktarmalarda indirimli ücret ödüyor. Raporun sonraki sayfalarında her ilçenin "
         "kendi projeleri ayrı ayrı ele alınıyor.")
# Page 2, scanned: long enough that its last sentences make a chunk of their own (page 2 only).
SCANNED = ("Gölcük ilçesinde ulaşım. İlçede toplu taşıma son yıllarda büyük ölçüde yenilendi. Sahil yolu boyunca "
           "yeni duraklar yapıldı ve durakların çoğuna güneş enerjisiyle çalışan ekranlar kondu. Okul saatlerinde "
           "ek seferler düzenleniyor; öğrenciler kartlarıyla ücretsiz biniyor. Feribot iskelesi ile otogar "
           "arasındaki aktarma süresi on dakikaya indi. Gölcük Belediyesi, 2023 yılında kent içi ulaşım için 48 "
           "adet elektrikli otobüs satın aldı. Otobüsler Değirmendere ile İzmit arasındaki hatta çalışıyor.")
BUDGET = [["İlçe", "Yıl", "Bütçe (TL)"], ["Karşıyaka", 2024, 1250000000], ["Bornova", 2024, 980000000]]
PDF, XLSX = "ulasim-raporu.pdf", "butce.xlsx"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, SyncReport]:
    """A folder of the scanned report and the budget sheet, and the report of its first sync."""
    folder = tmp_path_factory.mktemp("belgeler")
    (folder / PDF).write_bytes(pdf_pages([COVER, scanned_page(SCANNED)]))
    (folder / XLSX).write_bytes(xlsx_bytes({"Bütçe": BUDGET}))
    settings = make_settings(tmp_path_factory.mktemp("data"), folder)
    return settings, folder, Syncer(settings, show_progress=False).sync([folder])


@pytest.fixture(scope="module")
def office_assistant(indexed) -> Assistant:
    return Assistant(indexed[0])


def chunk_records(settings: Settings) -> dict[str, tuple[dict, str]]:
    got = Store(settings).chunks.get(include=["metadatas", "documents"])
    return {i: (meta, text) for i, meta, text in zip(got["ids"], got["metadatas"], got["documents"])}


def test_a_scanned_turkish_pdf_is_answered_with_its_page(indexed, office_assistant: Assistant) -> None:
    report = indexed[2]
    assert sorted(report.added) == [XLSX, PDF] and not report.failed
    answer = office_assistant.ask("Gölcük Belediyesi kaç elektrikli otobüs satın aldı?")
    assert answer.found, answer.text
    cited = answer.as_dict()["citations"][0]
    assert cited["doc_id"] == PDF and (cited["page"], cited["page_end"]) == (2, 2)
    assert "48 adet" in cited["text"] and "elektrikli otobüs" in cited["text"]


@pytest.mark.parametrize("question", ["Karşıyaka'nın 2024 bütçesi ne kadar?", "What is the budget of Karşıyaka?"])
def test_a_spreadsheet_row_answers_a_question_about_its_figure(office_assistant: Assistant, question: str) -> None:
    answer = office_assistant.ask(question)
    assert answer.found and answer.citations[0].passage.doc_id == XLSX, answer.text
    assert "Karşıyaka; Yıl: 2024; Bütçe (TL): 1250000000" in answer.text


def test_a_pdf_indexed_before_pages_were_kept_is_read_again_once(indexed) -> None:
    settings, folder, _ = indexed
    store = Store(settings)
    old = store.chunks.get(where={"doc_id": PDF}, include=["metadatas", "documents", "embeddings"])
    store.chunks.delete(ids=old["ids"])  # the chunks as an index built before pages were kept holds them
    without_pages = [{k: v for k, v in meta.items() if k not in ("page", "page_end")} for meta in old["metadatas"]]
    store.chunks.add(ids=old["ids"], embeddings=old["embeddings"], documents=old["documents"],
                     metadatas=without_pages)

    report = Syncer(settings, show_progress=False).sync([folder])
    assert (report.updated, report.unchanged) == ([PDF], [XLSX])
    pages = [(m["page"], m["page_end"]) for m in Store(settings).chunks.get(where={"doc_id": PDF})["metadatas"]]
    assert sorted(pages) == [(1, 1), (1, 1), (2, 2), (2, 2)]
    assert Syncer(settings, show_progress=False).sync([folder]).unchanged == [XLSX, PDF]


def broken(data: bytes) -> bytes:
    """A document cut short, as a failed copy leaves it."""
    return data[: len(data) // 3]


def office_bytes(entries: dict[str, str]) -> bytes:
    """A zip with these members: the shape of an Office file without its content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_bad_files_are_skipped_with_a_reason_and_read_once(indexed, office_assistant: Assistant,
                                                           tmp_path: Path) -> None:
    settings = replace(indexed[0], ocr_max_pages=1)
    before = chunk_records(settings)
    bad = tmp_path / "bozuk"
    bad.mkdir()
    (bad / "tablo.xlsx").write_bytes(broken(xlsx_bytes({"Bütçe": BUDGET})))
    (bad / "sunum.pptx").write_bytes(office_bytes({"[Content_Types].xml": "<Types/>"}))
    (bad / "metin.odt").write_bytes(b"PK\x03\x04 not really a zip")
    (bad / "uzun.pdf").write_bytes(image_pdf([scanned_page("Sayfa bir"), scanned_page("Sayfa iki")]))
    (bad / "bos-tarama.pdf").write_bytes(image_pdf([Image.new("L", A4_PIXELS, 255)]))  # a scan of a blank sheet
    syncer = Syncer(settings, show_progress=False)
    progress: list[str] = []

    first = syncer.sync([bad], on_progress=lambda _, message: progress.append(message))
    assert {Path(path).name: reason for path, reason in first.failed.items()} == {
        "tablo.xlsx": "XLSX is not a valid Excel workbook (damaged, or password-protected)",
        "sunum.pptx": "PPTX is not a valid PowerPoint file (damaged, or password-protected)",
        "metin.odt": "ODT is not a valid OpenDocument text file",
        "uzun.pdf": "2 scanned pages to read by OCR, more than the limit of 1 per document (KENTRAG_OCR_MAX_PAGES)",
        "bos-tarama.pdf": "PDF has no extractable text (blank pages, or images without text)",
    }
    assert "OCR bos-tarama.pdf: 1/1 pages" in progress
    assert not (first.added or first.updated or first.removed)

    progress.clear()
    again = syncer.sync([bad], on_progress=lambda _, message: progress.append(message))
    assert again.failed == first.failed and not any(message.startswith("OCR") for message in progress)
    assert chunk_records(settings) == before
    assert office_assistant.ask("Karşıyaka'nın 2024 bütçesi ne kadar?").found


def test_the_plain_ask_output_names_the_page(indexed, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(indexed[0].data_dir), "ask", "Gölcük kaç elektrikli otobüs aldı?"]) == 0
    assert f"— {PDF}, p. 2 (chars " in capsys.readouterr().out
