"""`kentrag ingest URL` and `kentrag ingest --refresh-urls` against a web site on loopback, through
kentrag.cli.main on the real stack: a page is indexed with its URL as source and answered, indexed again only
when it changed, never removed by a folder sync; a URL that cannot be fetched is reported with its reason and
the rest goes on (exit code 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kentrag.cli import main
from tests.ingest.ingest_samples import local_site
from tests.robustness import free_port

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html lang="tr"><head><meta charset="utf-8"><title>Gölcük'e tramvay</title></head>
<body><nav><a href="/">Ana sayfa</a> | <a href="/haberler">Haberler</a></nav>
<article><h1>Gölcük ile İzmit arasına tramvay hattı</h1>
<p>Kocaeli Büyükşehir Belediyesi, Gölcük ile İzmit arasında {length} kilometrelik yeni bir tramvay hattı
kuracağını açıkladı. Hat, Değirmendere ve Kavaklı mahallelerinden geçecek ve on iki durağı olacak.</p>
<p>Belediye başkanı, hattın {year} yılında hizmete girmesinin beklendiğini ve günde otuz bin yolcu
taşıyacağını söyledi. İhale önümüzdeki ay yapılacak.</p>
</article><footer>Telif hakkı 2025 — tüm hakları saklıdır.</footer></body></html>"""
QUESTION = "Gölcük ile İzmit arasındaki tramvay hattı kaç kilometre olacak?"


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, str]]]:
    """The base URL of a site with one news page, and its pages (change them to change the site)."""
    pages = {"/haber": PAGE.format(length=12, year=2026)}
    with local_site(pages) as base:
        yield base, pages


def run(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> tuple[int, dict, str]:
    """`kentrag --data-dir DATA ARGV --json`: exit code, the JSON printed, stderr."""
    code = main(["--data-dir", str(data), *argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_a_page_is_ingested_answered_refreshed_and_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         site) -> None:
    base, pages = site
    url = f"{base}/haber"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "not.txt").write_text("Toplantı notu: İzmit'te bisiklet yolları konuşuldu.\n", encoding="utf-8")
    data = tmp_path / "data"

    code, report, _ = run(capsys, data, "ingest", url, str(folder))  # files and URLs together
    assert code == 0 and sorted(report["added"]) == [url, "not.txt"]
    code, answer, _ = run(capsys, data, "ask", QUESTION)
    cited = answer["citations"][0]
    assert code == 0 and answer["found"] and "12 kilometrelik" in answer["answer"]
    assert (cited["doc_id"], cited["source"], cited["page"]) == (url, url, None)

    pages["/haber"] = PAGE.format(length=15, year=2027)
    code, report, _ = run(capsys, data, "ingest", "--refresh-urls")
    assert code == 0 and report["updated"] == [url] and not report["unchanged"] and report["chunks_embedded"] > 0
    assert "15 kilometrelik" in run(capsys, data, "ask", QUESTION)[1]["answer"]
    code, report, _ = run(capsys, data, "ingest", "--refresh-urls")
    assert (code, report["unchanged"], report["chunks_embedded"]) == (0, [url], 0)

    code, report, _ = run(capsys, data, "ingest", str(folder))  # a folder sync leaves web pages alone
    assert (code, report["unchanged"], report["removed"]) == (0, ["not.txt"], [])
    _, documents, _ = run(capsys, data, "documents")
    assert {d["doc_id"]: d["path"] for d in documents}[url] == url


def test_a_page_that_cannot_be_fetched_is_reported_and_the_rest_goes_on(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str],
                                                                        site) -> None:
    base, _ = site
    data = tmp_path / "data"
    assert run(capsys, data, "ingest", f"{base}/haber")[0] == 0
    port = free_port()
    unreachable, missing = f"http://127.0.0.1:{port}/haber", f"{base}/yok"

    code, report, err = run(capsys, data, "ingest", unreachable, missing, f"{base}/haber")
    assert code == 1 and report["unchanged"] == [f"{base}/haber"] and not report["added"]
    assert report["failed"][missing] == "HTTP 404 Not Found"
    assert report["failed"][unreachable].startswith(f"cannot connect to 127.0.0.1:{port}: ")
    assert f"skipped {unreachable}: cannot connect to" in err
    assert [d["doc_id"] for d in run(capsys, data, "documents")[1]] == [f"{base}/haber"]
