"""Bad documents through `kentrag ingest`: each is indexed or skipped with a clear reason, nothing else suffers."""

from __future__ import annotations

import os
import random
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_settings
from robustness import index_snapshot, run_cli

from tests.ingest.test_readers import encrypt_pdf, make_docx, make_pdf

pytestmark = pytest.mark.slow
HUGE_MB = 50
TWIN = "Çalışma notu.txt"
NFD_ONLY = "İzmir toplantı özeti.md"
CP1254_TEXT = "Bursa Büyükşehir Belediyesi akıllı şehir çalışmalarını sürdürüyor: ğ Ğ ı İ ş Ş ö Ö ü Ü ç Ç."
UTF16_TEXT = "Kazan hosted the Turkic smart city forum; Kazan'da akıllı şehir forumu düzenlendi."
HTML = """<html><head><title>Konya tram</title><style>.x { color: red } /* STYLE-LEAK */</style>
<script>var token = "SCRIPT-LEAK"; document.write("x")</script></head>
<body><h1>Konya tram</h1><p>The Konya smart tram line opened in March 2021 with 14 stations.</p>
<iframe src="https://example.com">IFRAME-LEAK</iframe><noscript>NOSCRIPT-LEAK</noscript></body></html>"""
GOOD_EN = "Rize harbour report\nThe Rize smart harbour project installed 40 sensors on the pier in 2023.\n"
GOOD_TR = "Sivas notları\nSivas belediyesi 2022 yılında 12 akıllı durak kurdu ve otobüs bilgisini paylaştı.\n"

# file name → the reason `kentrag ingest` must give for skipping it
SKIPPED = {
    "empty.txt": "empty document",
    "binary.txt": "not valid text in any supported encoding",
    "huge.txt": rf"too large: {HUGE_MB}\.0 MB, the limit is 20 MB \(KENTRAG_MAX_DOCUMENT_MB\)",
    "truncated.pdf": "PDF is damaged",
    "encrypted.pdf": "PDF is encrypted",
    "corrupt.docx": "DOCX is not a valid Word file",
    "loop-a.txt": "broken or looping symbolic link",
    "loop-b.txt": "broken or looping symbolic link",
    "pipe.txt": r"not a regular file \(FIFO",
}
# doc_id → text its chunks must contain
INDEXED = {
    "good-en.txt": "40 sensors on the pier",
    "good-tr.txt": "12 akıllı durak",
    "turkish-cp1254.txt": CP1254_TEXT,
    "utf16.txt": UTF16_TEXT,
    "page.html": "opened in March 2021 with 14 stations",
    "sub folder/İzmir toplantı özeti.md": "İzmir toplantısı",
    TWIN: "notu",
}


def write_bad_corpus(root: Path) -> None:
    root.mkdir()
    pdf = make_pdf(["Ankara metro notes", "Second page"])
    files = {
        "empty.txt": b"",
        "binary.txt": random.Random(6).randbytes(4096),
        "truncated.pdf": pdf[: len(pdf) // 2],
        "encrypted.pdf": encrypt_pdf(pdf, "secret"),
        "corrupt.docx": make_docx()[:2000],
        "good-en.txt": GOOD_EN.encode(),
        "good-tr.txt": GOOD_TR.encode(),
        "turkish-cp1254.txt": CP1254_TEXT.encode("cp1254"),
        "utf16.txt": UTF16_TEXT.encode("utf-16"),
        "page.html": HTML.encode(),
        unicodedata.normalize("NFC", TWIN): "Çalışma notu (NFC adı): ilk sürüm.".encode(),
        unicodedata.normalize("NFD", TWIN): "Çalışma notu (NFD adı): ikinci sürüm.".encode(),
        "sub folder/" + unicodedata.normalize("NFD", NFD_ONLY): "# İzmir toplantısı\nKarar alındı.".encode(),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(data)
    with (root / "huge.txt").open("wb") as handle:
        line = b"The same long line of plain text, repeated until the file is very large indeed.\n"
        handle.write(line * (HUGE_MB * 2**20 // len(line) + 1))
        handle.truncate(HUGE_MB * 2**20)
    (root / "loop-a.txt").symlink_to("loop-b.txt")
    (root / "loop-b.txt").symlink_to("loop-a.txt")
    (root / "sub folder" / "back to top").symlink_to("..", target_is_directory=True)
    os.mkfifo(root / "pipe.txt")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The bad corpus ingested twice through the CLI; outputs and index snapshots of both runs."""
    base = tmp_path_factory.mktemp("bad-docs")
    corpus = base / "corpus"
    write_bad_corpus(corpus)
    settings = make_settings(base / "data", corpus)
    argv = ("--data-dir", str(settings.data_dir), "ingest", str(corpus))
    first = run_cli(*argv)
    first_index = index_snapshot(settings)
    second = run_cli(*argv)
    return SimpleNamespace(corpus=corpus, settings=settings, first=first, second=second,
                           first_index=first_index, second_index=index_snapshot(settings))


def skipped_lines(err: str) -> dict[str, str]:
    return dict(re.findall(r"^skipped (.+?): (.+)$", err, flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_bad_file_is_skipped_with_its_reason(ingested: SimpleNamespace, name: str) -> None:
    reasons = skipped_lines(ingested.first.err)
    assert re.match(SKIPPED[name], reasons.get(str(ingested.corpus / name), "")), reasons


def test_nfd_twin_of_an_nfc_name_is_reported_not_merged(ingested: SimpleNamespace) -> None:
    reasons = skipped_lines(ingested.first.err)
    twins = [path for path in reasons if unicodedata.normalize("NFC", Path(path).name) == TWIN]
    assert len(twins) == 1 and "same document id" in reasons[twins[0]] and "rename one" in reasons[twins[0]]
    chunk_docs = [meta["doc_id"] for meta, _ in ingested.first_index["chunks"].values()]
    assert chunk_docs.count(TWIN) == 1


@pytest.mark.parametrize("doc_id", sorted(INDEXED))
def test_readable_file_is_indexed_with_the_right_text(ingested: SimpleNamespace, doc_id: str) -> None:
    texts = [text for meta, text in ingested.first_index["chunks"].values() if meta["doc_id"] == doc_id]
    assert texts and any(INDEXED[doc_id] in text for text in texts), texts
    assert ingested.first_index["manifest"][doc_id]["status"] == "ok"


def test_html_script_style_iframe_text_is_not_indexed(ingested: SimpleNamespace) -> None:
    texts = [text for _, text in ingested.first_index["chunks"].values()]
    assert not [text for text in texts if "LEAK" in text or "document.write" in text]


def test_only_the_readable_files_are_indexed_once(ingested: SimpleNamespace) -> None:
    assert set(ingested.first_index["manifest"]) == set(INDEXED)
    assert not [doc_id for doc_id in ingested.first_index["manifest"] if "back to top" in doc_id]


def test_summary_line_and_exit_code(ingested: SimpleNamespace) -> None:
    failed = len(SKIPPED) + 1  # + the NFD twin
    assert ingested.first.code == 1
    assert ingested.first.out.strip() == f"added {len(INDEXED)} / updated 0 / unchanged 0 / removed 0 / failed {failed}"
    assert len(skipped_lines(ingested.first.err)) == failed


def test_second_run_changes_nothing(ingested: SimpleNamespace) -> None:
    failed = len(SKIPPED) + 1
    assert ingested.second.code == 1
    assert ingested.second.out.strip() == (
        f"added 0 / updated 0 / unchanged {len(INDEXED)} / removed 0 / failed {failed}"
    )
    assert ingested.second_index == ingested.first_index


def test_good_documents_still_answer(ingested: SimpleNamespace) -> None:
    from kentrag.answer.assistant import Assistant

    answer = Assistant(ingested.settings).ask("How many sensors did the Rize smart harbour project install?")
    assert answer.found and {c.passage.doc_id for c in answer.citations} == {"good-en.txt"}
    assert "40 sensors" in answer.text


@pytest.mark.skipif(os.geteuid() == 0, reason="runs as root: chmod 000 does not stop root from reading")
def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD_EN)
    locked = corpus / "locked.txt"
    locked.write_text("secret text")
    locked.chmod(0)
    result = run_cli("--data-dir", str(tmp_path / "data"), "ingest", str(corpus))
    assert result.code == 1 and "added 1 / updated 0 / unchanged 0 / removed 0 / failed 1" in result.out
    assert skipped_lines(result.err) == {str(locked): "cannot read: Permission denied"}
