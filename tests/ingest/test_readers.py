"""Tests for ingest.readers and ingest.clean on real files written to tmp_path."""

from __future__ import annotations

import codecs
import hashlib
import io
import random
import unicodedata
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest
from kentrag.ingest.clean import clean_text
from kentrag.ingest.document import TITLE_MAX_CHARS
from kentrag.ingest.readers import (
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    UnreadableDocument,
    content_hash,
    read_document,
)

CORPUS = Path("/work/shared/corpus")
TURKISH = "İzmir Büyükşehir Belediyesi’nin “akıllı şehir” projesi: ğ ş ı İ Ç Ö Ü ile çalışıyoruz."


def write(root: Path, name: str, data: bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(root: Path, name: str, data: bytes) -> LoadedDocument:
    return read_document(write(root, name, data), root)


def make_pdf(pages: list[str]) -> bytes:
    """A small valid PDF with one Helvetica text page per entry (lines split on newlines)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        shows = " ".join(f"({line}) Tj T*" for line in text.split("\n")).encode("latin-1")
        stream = b"BT /F1 12 Tf 14 TL 72 720 Td " + shows + b" ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypt_pdf(data: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Giriş notu")
    document.add_heading("Akıllı Şehirler Raporu", level=1)
    document.add_paragraph("İzmir ve İstanbul arasında teknoloji protokolü imzalandı.")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Birleşik hücre"
    table.cell(0, 2).text = "Şehir"
    table.cell(1, 0).text = "B40"
    table.cell(1, 1).text = "2022"
    table.cell(1, 2).text = "Bursa"
    document.add_paragraph("Son paragraf.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- text encodings -------------------------------------------------------------------------------


def test_cp1254_turkish_text_is_not_latin1_mojibake(tmp_path: Path) -> None:
    data = TURKISH.encode("cp1254")
    assert any(byte in data for byte in (0xD0, 0xDD, 0xDE, 0xF0, 0xFD, 0xFE))
    doc = read(tmp_path, "eski.txt", data)
    assert doc.text == TURKISH
    assert doc.language == "tr"


def test_iso_8859_9_turkish_text(tmp_path: Path) -> None:
    text = "Büyükşehir Belediyesi İzmir'de ğ ş ı"
    assert read(tmp_path, "iso.txt", text.encode("iso-8859-9")).text == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_encodings_with_and_without_bom(tmp_path: Path, encoding: str) -> None:
    doc = read(tmp_path, "unicode.txt", f"# Başlık\n\n{TURKISH}\n".encode(encoding))
    assert doc.text == f"# Başlık\n\n{TURKISH}"
    assert doc.title == "Başlık"


def test_utf8_bom_does_not_leak_into_text_or_title(tmp_path: Path) -> None:
    doc = read(tmp_path, "bom.txt", codecs.BOM_UTF8 + "Rapor başlığı\nGövde metni.".encode())
    assert doc.text.startswith("Rapor başlığı")
    assert doc.title == "Rapor başlığı"


def test_legacy_non_latin_text_uses_detected_encoding(tmp_path: Path) -> None:
    text = "Программа по умному муниципалитету и кибербезопасности прошла в Стамбуле в октябре."
    assert read(tmp_path, "ru.txt", text.encode("cp1251")).text == text


@pytest.mark.parametrize(
    "data",
    [
        random.Random(0).randbytes(4096),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4,
        b"\x00\x01\x02\x03" * 200,
    ],
)
def test_binary_bytes_named_txt_are_rejected(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="binary file"):
        read(tmp_path, "junk.txt", data)


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", codecs.BOM_UTF8, "\u00a0\n".encode()])
def test_empty_documents_are_rejected(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="empty document"):
        read(tmp_path, "empty.txt", data)


@pytest.mark.parametrize("name", ["table.xls", "README", "photo.PNG"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnreadableDocument, match="unsupported file type"):
        read(tmp_path, name, b"some text")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert read(tmp_path, "NOTES.TXT", b"Upper case suffix works").text == "Upper case suffix works"


def test_supported_suffixes_constant() -> None:
    assert SUPPORTED_SUFFIXES == (
        ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".pptx", ".odt"
    )


# --- ids, hashes, metadata ------------------------------------------------------------------------


def test_doc_id_is_nfc_posix_relative_path(tmp_path: Path) -> None:
    name = "Büyükşehir İzmir.txt"
    nfd_root, nfc_root = tmp_path / "a", tmp_path / "b"
    nfd_path = write(nfd_root, "alt/" + unicodedata.normalize("NFD", name), b"Same text")
    nfc_path = write(nfc_root, "alt/" + unicodedata.normalize("NFC", name), b"Same text")
    assert nfd_path.name != nfc_path.name
    nfd_doc = read_document(nfd_path, nfd_root)
    nfc_doc = read_document(nfc_path, nfc_root)
    assert nfd_doc.doc_id == nfc_doc.doc_id == unicodedata.normalize("NFC", f"alt/{name}")
    assert nfd_doc.title == unicodedata.normalize("NFC", "Same text")


def test_content_hash_is_sha256_of_raw_bytes(tmp_path: Path) -> None:
    data = "Kimler katıldı?\r\n\r\n\r\n\r\nCevap.".encode("cp1254")
    doc = read(tmp_path, "q.txt", data)
    assert doc.content_hash == content_hash(data) == hashlib.sha256(data).hexdigest()
    assert doc.text == "Kimler katıldı?\n\nCevap."


def test_given_bytes_are_used_instead_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "never-written.md"
    doc = read_document(path, tmp_path, data=b"# From memory\n\ntext")
    assert (doc.doc_id, doc.title, doc.path) == ("never-written.md", "From memory", path)


# --- titles of text and markdown ------------------------------------------------------------------


def test_markdown_heading_is_title_even_after_front_text(tmp_path: Path) -> None:
    doc = read(tmp_path, "doc.md", b"intro line\n\n## **Smart** [Cities](http://x.org) ##\n\nBody")
    assert doc.title == "Smart Cities"
    assert "## **Smart** [Cities](http://x.org) ##" in doc.text


def test_first_line_title_strips_markdown(tmp_path: Path) -> None:
    doc = read(tmp_path, "notes.markdown", b"> **Balkan Cities** Network\n\nText")
    assert doc.title == "Balkan Cities Network"


def test_long_first_line_title_is_cut(tmp_path: Path) -> None:
    line = " ".join(["kelime"] * 60)
    doc = read(tmp_path, "long.txt", line.encode())
    assert len(doc.title) <= TITLE_MAX_CHARS
    assert doc.title.endswith("kelime…")


def test_single_word_first_line_yields_to_a_real_title_line(tmp_path: Path) -> None:
    doc = read(tmp_path, "news.txt", b"News\n\nBelgrade and Rijeka at the Summit\n\nBody text.")
    assert doc.title == "Belgrade and Rijeka at the Summit"
    assert doc.text.startswith("News\n\n")


# --- clean_text ---------------------------------------------------------------------------------


def test_clean_text_whitespace_and_controls_only() -> None:
    raw = "  A\u0301nkara **kalın** “tırnak”  \r\n\u00a0 \r\nx\x00y\tz\x0bw\r\r\r\n\n\nson \u00a0\n\n"
    assert clean_text(raw) == "Ánkara **kalın** “tırnak”\n\nxy\tz\nw\n\nson"


def test_clean_text_keeps_single_blank_lines_and_inner_spaces() -> None:
    assert clean_text("a  b\n\nc\n d") == "a  b\n\nc\n d"


# --- HTML ---------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><title> İzmir   Teknoloji </title>
<style>body { color: red; }</style>
<script>var secret = "SCRIPT_TEXT";</script></head>
<body>
<!-- COMMENT_TEXT -->
<noscript>NOSCRIPT_TEXT</noscript>
<template><p>TEMPLATE_TEXT</p></template>
<iframe src="x.html">IFRAME_TEXT</iframe>
<h1>Ana   Başlık</h1>
<p>Birinci <b>kalın</b> paragraf
   devam ediyor.</p><div>İkinci blok<br>yeni satır</div>
<ul><li>madde bir</li><li>madde iki</li></ul>
<script>document.write("MORE_SCRIPT")</script>
</body></html>"""


def test_html_drops_scripts_styles_iframes_and_keeps_block_lines(tmp_path: Path) -> None:
    doc = read(tmp_path, "page.html", HTML.encode())
    for hidden in ("SCRIPT", "color: red", "COMMENT", "NOSCRIPT", "TEMPLATE", "IFRAME", "DOCTYPE"):
        assert hidden not in doc.text
    assert doc.title == "İzmir Teknoloji"
    assert doc.text == (
        "Ana Başlık\n\nBirinci kalın paragraf devam ediyor.\n\nİkinci blok\nyeni satır\n\n"
        "madde bir\n\nmadde iki"
    )
    assert doc.language == "tr"


def test_html_title_falls_back_to_h1_then_stem(tmp_path: Path) -> None:
    assert read(tmp_path, "a.htm", b"<h1>Only heading</h1><p>text</p>").title == "Only heading"
    assert read(tmp_path, "plain-page.html", b"<p>just text</p>").title == "plain-page"


def test_html_cp1254_with_and_without_declared_charset(tmp_path: Path) -> None:
    body = f"<html><body><p>{TURKISH}</p></body></html>"
    declared = body.replace("<body>", '<head><meta charset="windows-1254"></head><body>')
    assert read(tmp_path, "declared.html", declared.encode("cp1254")).text == TURKISH
    assert read(tmp_path, "undeclared.html", body.encode("cp1254")).text == TURKISH


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_html_in_unicode_encodings(tmp_path: Path, encoding: str) -> None:
    doc = read(tmp_path, "u.html", f"<title>Başlık</title><p>{TURKISH}</p>".encode(encoding))
    assert (doc.title, doc.text) == ("Başlık", TURKISH)


def test_html_without_visible_text_is_empty(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="empty document"):
        read(tmp_path, "blank.html", b"<html><script>only()</script></html>")


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_pages_joined_with_blank_line(tmp_path: Path) -> None:
    doc = read(tmp_path, "report.pdf", make_pdf(["Smart city protocol\nsigned in Izmir", "Second page"]))
    assert doc.text == "Smart city protocol\nsigned in Izmir\n\nSecond page"
    assert doc.pages == ((0, 1), (doc.text.index("Second"), 2))
    assert doc.title == "report"
    assert doc.language == "en"


def test_pdf_with_user_password_is_encrypted(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="^PDF is encrypted$"):
        read(tmp_path, "locked.pdf", encrypt_pdf(make_pdf(["Secret text"]), user_password="secret"))


def test_pdf_with_only_owner_password_is_read(tmp_path: Path) -> None:
    data = encrypt_pdf(make_pdf(["Readable despite restrictions"]), user_password="")
    assert pypdf.PdfReader(io.BytesIO(data)).is_encrypted
    assert read(tmp_path, "restricted.pdf", data).text == "Readable despite restrictions"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_damaged(tmp_path: Path, cut: float) -> None:
    data = make_pdf(["Some text", "More text"])
    with pytest.raises(UnreadableDocument, match="^PDF is damaged: "):
        read(tmp_path, "cut.pdf", data[: int(len(data) * cut)])


def test_non_pdf_bytes_named_pdf_are_damaged(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="^PDF is damaged: "):
        read(tmp_path, "fake.pdf", b"this is not a pdf at all")


def test_pdf_without_text_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="no extractable text"):
        read(tmp_path, "scan.pdf", make_pdf([""]))


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_paragraphs_tables_and_heading_title(tmp_path: Path) -> None:
    doc = read(tmp_path, "rapor.docx", make_docx())
    assert doc.title == "Akıllı Şehirler Raporu"
    assert doc.text == (
        "Giriş notu\nAkıllı Şehirler Raporu\nİzmir ve İstanbul arasında teknoloji protokolü imzalandı.\n"
        "Birleşik hücre\nŞehir\nB40\n2022\nBursa\nSon paragraf."
    )
    assert doc.language == "tr"


def test_docx_without_heading_uses_stem(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Plain paragraph only.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert read(tmp_path, "memo.docx", buffer.getvalue()).title == "memo"


def corrupt_docx_variants() -> list[bytes]:
    valid = make_docx()
    zip_without_document = io.BytesIO()
    with zipfile.ZipFile(zip_without_document, "w") as archive:
        archive.writestr("hello.txt", "not a word file")
    return [b"plain text pretending to be docx", valid[: len(valid) // 2], zip_without_document.getvalue()]


@pytest.mark.parametrize("data", corrupt_docx_variants())
def test_corrupt_docx_is_rejected(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="^DOCX is not a valid Word file$"):
        read(tmp_path, "broken.docx", data)


# --- the real corpus ----------------------------------------------------------------------------

REAL_FILES = {
    "2017-09-belgrade-rijeka-world-smart-city-week.txt": (
        "en",
        "Belgrade and Rijeka at the World Smart City Summit and Smart City Week",
    ),
    "2017-10-tdbb-smart-municipalism-cyber-security.txt": (
        "en",
        "Programme on “Smart Municipalism and Cyber Security” organized by",
    ),
    "2022-06-b40-balkan-cities-istanbul-workshops.txt": ("en", "Balkan Cities Network"),
    "2022-innoweek-tashkent-smart-cities-conference.txt": (
        "tr",
        "“Sürdürülebilir Kalkınma için Yeşil Yenilikler” temasıyla Taşkent’te",
    ),
    "2024-09-izmir-istanbul-technology-protocol.txt": (
        "tr",
        "Bu yıl “teknoloji” teması ile düzenlenen 93. İzmir Enternasyonal Fuarı’nın",
    ),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_corpus_files(name: str) -> None:
    language, title_start = REAL_FILES[name]
    doc = read_document(CORPUS / name, CORPUS)
    raw = (CORPUS / name).read_bytes()
    assert doc.doc_id == name
    assert doc.language == language
    assert doc.title.startswith(title_start)
    assert len(doc.title) <= TITLE_MAX_CHARS
    assert doc.content_hash == hashlib.sha256(raw).hexdigest()
    assert doc.text == doc.text.strip() and "\n\n\n" not in doc.text and "\u00a0\n" not in doc.text
    assert doc.text == clean_text(raw.decode("utf-8")) and len(doc.text) > 1000
