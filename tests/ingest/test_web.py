"""fetch_page against a real HTTP server on loopback, started by the test: main text, redirects, and a reason for
every way a URL can fail."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kentrag.ingest.readers import UnreadableDocument
from kentrag.ingest.web import MAX_REDIRECTS, fetch_page, normalise_url

pytestmark = pytest.mark.slow

ARTICLE = """<!doctype html><html lang="tr"><head><meta charset="utf-8"><title>Akıllı şehir haberi</title></head>
<body><nav><a href="/">Ana sayfa</a> | <a href="/haberler">Haberler</a> | <a href="/iletisim">İletişim</a></nav>
<article><h1>İzmir ve İstanbul teknoloji protokolü imzaladı</h1>
<p>İzmir Büyükşehir Belediyesi ile İstanbul Büyükşehir Belediyesi, akıllı şehir uygulamalarında iş birliği için
bir teknoloji protokolü imzaladı. Protokol, ulaşım verilerinin paylaşılmasını ve ortak yazılım geliştirmeyi
kapsıyor.</p>
<p>Törende konuşan yetkililer, çağrı merkezlerinin ve sensör ağlarının birlikte yönetileceğini söyledi.
Çalışmaların {version} yılında tamamlanması bekleniyor.</p>
</article><footer>Telif hakkı 2024 — tüm hakları saklıdır. Çerez politikası.</footer></body></html>"""
SLOW_RELEASE = threading.Event()


class Handler(BaseHTTPRequestHandler):
    """The routes the tests fetch."""

    pages: dict[str, tuple[bytes, str]] = {}  # path → (body, content type)

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path in self.pages:
            body, content_type = self.pages[path]
            self.send(200, body, content_type, headers={"Content-Length": str(len(body))})
        elif path == "/eski":
            self.send(301, b"", headers={"Location": "/haber"})
        elif path == "/dongu":
            self.send(302, b"", headers={"Location": "/dongu"})
        elif path == "/veri.json":
            self.send(200, b'{"a": 1}', content_type="application/json")
        elif path == "/buyuk":
            self.send(200, b"<p>" + b"x" * 5000 + b"</p>", headers={"Content-Length": "5007"})
        elif path == "/akan":  # large, without announcing its length
            self.send(200, b"<html><body>" + b"<p>uzun metin</p>" * 1000)
        elif path == "/yavas":
            SLOW_RELEASE.wait(10)
            self.send(200, ARTICLE.encode())
        elif path == "/bos":
            self.send(200, b"<html><head><title>Bos</title></head><body><script>var a = 1;</script></body></html>")
        else:
            self.send(404, b"<h1>Not found</h1>")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """Base URL of a local HTTP server (127.0.0.1, a free port) for this module."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    SLOW_RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def articles() -> None:
    """The pages served, as each test starts."""
    Handler.pages = {
        "/haber": (ARTICLE.format(version="2025").encode(), "text/html; charset=utf-8"),
        "/eski-turkce": (ARTICLE.format(version="2026").replace('<meta charset="utf-8">', "").encode("cp1254"),
                         "text/html; charset=windows-1254"),
    }


def test_a_page_gives_its_main_text_title_and_url(server: str) -> None:
    doc = fetch_page(f"{server}/haber#giris")
    assert doc.doc_id == doc.url == f"{server}/haber"
    assert doc.source == doc.url and doc.path is None and doc.pages == ()
    assert doc.text.startswith("İzmir ve İstanbul teknoloji protokolü imzaladı")
    assert "2025 yılında tamamlanması" in doc.text
    assert "Ana sayfa" not in doc.text and "Çerez" not in doc.text  # no menu, no footer
    assert doc.title and doc.language == "tr"


def test_a_changed_page_has_a_new_hash_and_the_same_id(server: str) -> None:
    before = fetch_page(f"{server}/haber")
    Handler.pages["/haber"] = (ARTICLE.format(version="2027").encode(), "text/html")
    after = fetch_page(f"{server}/haber")
    assert after.doc_id == before.doc_id and after.content_hash != before.content_hash
    assert "2027 yılında" in after.text
    assert fetch_page(f"{server}/haber").content_hash == after.content_hash


def test_charset_from_the_http_header(server: str) -> None:
    doc = fetch_page(f"{server}/eski-turkce")
    assert "teknoloji protokolü imzaladı" in doc.text and "2026 yılında" in doc.text


def test_a_redirect_is_followed_and_the_final_url_kept(server: str) -> None:
    doc = fetch_page(f"{server}/eski")
    assert doc.doc_id == f"{server}/eski" and doc.url == f"{server}/haber"
    assert doc.source == f"{server}/haber"


@pytest.mark.parametrize(("path", "reason"), [
    ("/yok", r"^HTTP 404 Not Found$"),
    ("/veri.json", r"^not a web page: the content type is application/json$"),
    ("/buyuk", r"^page too large: 5007 bytes, the limit is 4096$"),
    ("/akan", r"^page too large: more than 4096 bytes$"),
    ("/dongu", rf"^too many redirects \(more than {MAX_REDIRECTS}\)$"),
    ("/bos", r"^no main text found on the page$"),
])
def test_each_failure_has_a_reason(server: str, path: str, reason: str) -> None:
    with pytest.raises(UnreadableDocument, match=reason):
        fetch_page(f"{server}{path}", timeout_s=5, max_bytes=4096)


def test_an_error_after_a_redirect_names_the_final_url(server: str) -> None:
    Handler.pages.pop("/haber")
    with pytest.raises(UnreadableDocument, match=rf"^HTTP 404 Not Found at {server}/haber$"):
        fetch_page(f"{server}/eski")


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match=r"^timed out after 0.5 s$"):
        fetch_page(f"{server}/yavas", timeout_s=0.5)
    assert time.monotonic() - started < 3


def test_an_unreachable_host_is_reported() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UnreadableDocument, match=rf"^cannot connect to 127.0.0.1:{port}: "):
        fetch_page(f"http://127.0.0.1:{port}/haber", timeout_s=2)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/dosya", "dosya.html", "http://127.0.0.1:99999/"])
def test_urls_that_cannot_be_fetched(url: str) -> None:
    with pytest.raises(UnreadableDocument, match=r"^not (an http|a valid URL)"):
        fetch_page(url)


def test_normalise_url() -> None:
    assert normalise_url("HTTPS://Example.ORG:443/Haber?id=3#bolum") == "https://example.org/Haber?id=3"
    assert normalise_url("http://user:secret@example.org:8080") == "http://example.org:8080/"
    assert normalise_url("http://[::1]:80/a") == "http://[::1]/a"
