"""Scanned and mixed PDFs through the real Tesseract (tur+eng) and PDFium: OCR accuracy, page numbers, limits,
progress, and the reason given when Tesseract is missing. With `-s -k "turkish_letters or a4_page"` the
tests print the accuracy and seconds per page that BENCHMARKS.md reports."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pypdf
import pytest
from kentrag.ingest.chunking import chunk_document, make_splitter
from kentrag.ingest.ocr import OcrOptions
from kentrag.ingest.readers import LoadedDocument, UnreadableDocument, read_document

from tests.conftest import make_settings
from tests.ingest.ingest_samples import image_pdf, page_texts, pdf_pages, scanned_page

pytestmark = pytest.mark.slow

# Every Turkish letter, both cases, in ordinary municipal prose, then English.
PARAGRAPH = (
    "İzmir Büyükşehir Belediyesi, akıllı şehir projesi kapsamında çağrı merkezini yeniledi. Işıklı yaya "
    "geçitleri, güvenli okul yolları ve ölçülebilir hava kalitesi için yeni sensörler kuruldu; çalışmalar "
    "Ağustos ayında başladı ve 2024 yılı sonunda tamamlanacak. ÇAĞRI, ĞÜŞÖÇ ve Üsküdar gibi sözcükler de "
    "doğru okunmalı. The Metropolitan Municipality of Izmir renewed its call centre as part of the smart city "
    "project. New sensors were installed for lit pedestrian crossings, safe school routes and measurable "
    "air quality; the work began in August."
)
SCANNED_NOTE = "Ek 2: Şehir içi ulaşım protokolü imzalandı. Toplantı Gölcük'te yapıldı."
TEXT_PAGE_1 = "Birinci sayfa: Balkan Şehirler Ağı raporu, belediyelerin ortak çalışmalarını anlatır."
TEXT_PAGE_3 = "Third page: the network met in Istanbul and agreed on a joint programme for 2025."


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between two strings."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def words(text: str) -> str:
    """The text with each whitespace run as one space (line breaks are layout, not content)."""
    return " ".join(text.split())


def character_accuracy(expected: str, got: str) -> float:
    """1 − edit distance / length, whitespace runs counted as one space."""
    expected, got = words(expected), words(got)
    return 1 - levenshtein(expected, got) / len(expected)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path



@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadedDocument, list[tuple[int, int]], float]:
    """The image-only PDF of PARAGRAPH read once, with the progress calls it made and the seconds it took."""
    folder = tmp_path_factory.mktemp("scanned")
    calls: list[tuple[int, int]] = []
    path = write(folder, "tarama.pdf", image_pdf([scanned_page(PARAGRAPH)]))
    started = time.perf_counter()
    doc = read_document(path, folder, ocr=OcrOptions(on_page=lambda done, total: calls.append((done, total))))
    return doc, calls, time.perf_counter() - started


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> LoadedDocument:
    """A PDF of a text page, a scanned page and a text page, read once."""
    folder = tmp_path_factory.mktemp("mixed")
    data = pdf_pages([TEXT_PAGE_1, scanned_page(SCANNED_NOTE), TEXT_PAGE_3])
    return read_document(write(folder, "karma.pdf", data), folder)


def test_image_only_pdf_is_read_by_ocr_with_turkish_letters(scanned) -> None:
    doc, _, seconds = scanned
    accuracy = character_accuracy(PARAGRAPH, doc.text)
    print(f"\nOCR of a paragraph page at 300 dpi: {accuracy:.1%} of the characters right, {seconds:.1f} s")
    assert accuracy >= 0.97, f"OCR character accuracy {accuracy:.3f}:\n{doc.text}"
    assert all(letter in doc.text for letter in "çğıİöşüÇĞÖŞÜ")
    assert doc.pages == ((0, 1),)
    assert doc.title == "tarama"


def test_a_full_a4_page_is_read_as_well(tmp_path: Path) -> None:
    """A page filled with text (38 lines), as most scanned letters and protocols are."""
    text = " ".join([PARAGRAPH] * 4)
    path = write(tmp_path, "dolu.pdf", image_pdf([scanned_page(text)]))
    started = time.perf_counter()
    doc = read_document(path, tmp_path)
    seconds = time.perf_counter() - started
    accuracy = character_accuracy(text, doc.text)
    print(f"\nOCR of a full A4 page at 300 dpi: {accuracy:.1%} of the characters right, {seconds:.1f} s")
    assert accuracy >= 0.97, f"OCR character accuracy {accuracy:.3f}:\n{doc.text}"


def test_ocr_reports_progress_per_page(scanned) -> None:
    _, calls, _ = scanned
    assert calls == [(0, 1), (1, 1)]


def test_mixed_pdf_keeps_text_layers_and_scanned_page_in_order(mixed: LoadedDocument) -> None:
    assert [number for _, number in mixed.pages] == [1, 2, 3]
    texts = page_texts(mixed)
    assert words(texts[1]) == TEXT_PAGE_1 and words(texts[3]) == TEXT_PAGE_3  # text layers kept as they are
    assert character_accuracy(SCANNED_NOTE, texts[2]) >= 0.97, texts[2]


def test_chunks_of_a_mixed_pdf_cite_their_pages(mixed: LoadedDocument, tmp_path: Path) -> None:
    splitter = make_splitter(make_settings(tmp_path, chunk_size=24, chunk_overlap=0))
    chunks = chunk_document(mixed, splitter)
    assert len(chunks) >= 3
    texts = page_texts(mixed)
    for chunk in chunks:
        meta = chunk.metadata
        assert 1 <= meta["page"] <= meta["page_end"] <= 3
        if meta["page"] == meta["page_end"]:
            assert chunk.text in texts[meta["page"]]
    assert {chunk.metadata["page"] for chunk in chunks} == {1, 2, 3}


def test_page_limit_refuses_before_any_ocr(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    data = image_pdf([scanned_page(f"Sayfa {n}") for n in range(3)])
    options = OcrOptions(max_pages=2, on_page=lambda done, total: calls.append((done, total)))
    with pytest.raises(UnreadableDocument, match=r"^3 scanned pages to read by OCR, more than the limit of 2 "):
        read_document(write(tmp_path, "uzun.pdf", data), tmp_path, ocr=options)
    assert calls == []


def test_scanned_pdf_with_only_an_owner_password_is_opened_for_ocr(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(image_pdf([scanned_page("Gizli değil")])))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    # The limit is checked after PDFium found the scanned page: an unopenable file would say "damaged".
    with pytest.raises(UnreadableDocument, match=r"^1 scanned page to read by OCR, more than the limit of 0"):
        read_document(write(tmp_path, "kisitli.pdf", buffer.getvalue()), tmp_path, ocr=OcrOptions(max_pages=0))


def test_without_tesseract_a_scanned_pdf_says_how_to_install_it(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    scan = write(tmp_path, "tarama.pdf", image_pdf([scanned_page("Tarama")]))
    with pytest.raises(UnreadableDocument, match=r"Tesseract is not installed \(apt-get install tesseract-ocr "
                                                 r"tesseract-ocr-tur"):
        read_document(scan, tmp_path)
    # Nothing else is affected: text PDFs, even with a blank page, need no Tesseract.
    text_pdf = write(tmp_path, "metin.pdf", pdf_pages([TEXT_PAGE_1, "", TEXT_PAGE_3]))
    doc = read_document(text_pdf, tmp_path)
    assert words(doc.text) == f"{TEXT_PAGE_1} {TEXT_PAGE_3}"
    assert [number for _, number in doc.pages] == [1, 3]


def test_without_turkish_data_the_reason_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    english = next(Path("/usr/share").glob("tesseract-ocr/*/tessdata/eng.traineddata"))
    os.symlink(english, tessdata / "eng.traineddata")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tessdata))
    scan = write(tmp_path, "tarama.pdf", image_pdf([scanned_page("Tarama")]))
    with pytest.raises(UnreadableDocument, match=r"lacks the language data tur \(apt-get install"):
        read_document(scan, tmp_path)
