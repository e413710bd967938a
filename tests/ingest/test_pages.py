"""Page starts through cleaning, and the page metadata chunks carry (real llama-index splitter)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kentrag.ingest.chunking import chunk_document, make_splitter, page_at, page_metadata
from kentrag.ingest.clean import clean_pages
from kentrag.ingest.document import LoadedDocument
from kentrag.ingest.readers import read_document

from tests.conftest import make_settings
from tests.ingest.ingest_samples import pdf_pages

pytestmark = pytest.mark.slow

PAGE_MARK = re.compile(r"(?:Sayfa|Page) (\d):")
SENTENCES = [
    "Sayfa {n}: İzmir'de akıllı şehir çalışmaları sürüyor ve yeni sensörler kuruluyor.",
    "Page {n}: the network agreed on a joint programme for the coming years.",
    "Sayfa {n}: bütçe kalemleri meclis tarafından onaylandı ve yayımlandı.",
]


def test_clean_pages_measures_starts_in_the_cleaned_text() -> None:
    text, pages = clean_pages([(1, "  Birinci\r\n\r\n\r\nsayfa  \x00"), (2, " \n\t "), (3, "\ufeffÜçüncü\fsayfa")])
    assert text == "Birinci\n\nsayfa\n\nÜçüncü\nsayfa"
    assert pages == ((0, 1), (text.index("Üçüncü"), 3))  # the empty page 2 is left out


def test_clean_pages_of_nothing() -> None:
    assert clean_pages([]) == ("", ())


def test_page_at_and_page_metadata() -> None:
    pages = ((0, 1), (10, 2), (25, 4))
    assert [page_at(pages, offset) for offset in (0, 9, 10, 24, 25, 99)] == [1, 1, 2, 2, 4, 4]
    assert page_metadata(pages, 5, 10) == {"page": 1, "page_end": 1}
    assert page_metadata(pages, 5, 11) == {"page": 1, "page_end": 2}
    assert page_metadata((), 5, 11) == {}


def test_chunks_of_a_paged_pdf_name_the_pages_their_text_is_on(tmp_path: Path) -> None:
    texts = [" ".join(sentence.format(n=n) for sentence in SENTENCES * 3) for n in range(1, 6)]
    path = tmp_path / "rapor.pdf"
    path.write_bytes(pdf_pages(texts))
    doc = read_document(path, tmp_path)
    assert [number for _, number in doc.pages] == [1, 2, 3, 4, 5]
    chunks = chunk_document(doc, make_splitter(make_settings(tmp_path, chunk_size=48, chunk_overlap=8)))
    assert len(chunks) > 5
    for chunk in chunks:
        meta = chunk.metadata
        first, last = meta["page"], meta["page_end"]
        assert (first, last) == (page_at(doc.pages, meta["start_char"]), page_at(doc.pages, meta["end_char"] - 1))
        marked = {int(n) for n in PAGE_MARK.findall(chunk.text)}  # pages whose sentences the chunk holds
        assert all(first <= n <= last for n in marked), (first, last, chunk.text)


def test_a_chunk_over_several_short_pages_names_first_and_last(tmp_path: Path) -> None:
    path = tmp_path / "slaytlar.pdf"
    path.write_bytes(pdf_pages([SENTENCES[0].format(n=n) for n in range(1, 4)]))
    (chunk,) = chunk_document(read_document(path, tmp_path), make_splitter(make_settings(tmp_path)))
    assert (chunk.metadata["page"], chunk.metadata["page_end"]) == (1, 3)


def test_unpaged_documents_have_no_page_keys(tmp_path: Path) -> None:
    doc = LoadedDocument(doc_id="not.txt", path=tmp_path / "not.txt", text="Kısa bir not.", title="Not",
                         language="tr", content_hash="0" * 64)
    (chunk,) = chunk_document(doc, make_splitter(make_settings(tmp_path)))
    assert "page" not in chunk.metadata and "page_end" not in chunk.metadata
    assert chunk.metadata["source"] == "not.txt"


def test_a_web_page_chunk_has_its_url_as_source(tmp_path: Path) -> None:
    doc = LoadedDocument(doc_id="https://example.org/haber", path=None, text="Haber metni.", title="Haber",
                         language="tr", content_hash="0" * 64, url="https://example.org/haber?sayfa=1")
    (chunk,) = chunk_document(doc, make_splitter(make_settings(tmp_path)))
    assert chunk.metadata["source"] == "https://example.org/haber?sayfa=1"
    assert chunk.metadata["doc_id"] == "https://example.org/haber"
