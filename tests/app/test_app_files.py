"""The documents' own files in the running app, behind its login: a PDF source is a link to the PDF at the cited
page, and the file route serves the indexed documents' bytes and nothing else (no traversal, no other file of
the corpus folder, no file swapped for a link after indexing, nothing without the login)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import PROJECT, make_settings
from kentrag.app.server import start
from kentrag.ingest.sync import Syncer
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page, expect
from robustness import free_port
from test_app import ask, browser  # noqa: F401  (browser: the shared headless Chromium fixture)

from tests.ingest.ingest_samples import pdf_pages
from tests.ingest.test_sync_documents import COVER, SCANNED  # page 2 alone answers the question

pytestmark = pytest.mark.slow
PDF_ID = "raporlar/ulaşım raporu.pdf"
PDF_HREF = "kentrag/file/raporlar/ula%C5%9F%C4%B1m%20raporu.pdf"
PAGE_ID = "duyuru.html"
PAGE = "<html><head><title>Duyuru</title></head><body><p>Otobüs seferleri yarın başlıyor.</p>" \
       "<script>window.__duyuru = 1</script></body></html>"
LOGIN = ("kent", "gizli-şifre")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report PDF in a subfolder, an HTML page, and a file that is in the folder but is no document."""
    folder = tmp_path_factory.mktemp("belgeler")
    (folder / "raporlar").mkdir()
    (folder / PDF_ID).write_bytes(pdf_pages([COVER, SCANNED]))
    (folder / PAGE_ID).write_text(PAGE, encoding="utf-8")
    (folder / "anahtar.key").write_text("not a document", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def app_url(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over an index of `corpus`, with the login of KENTRAG_AUTH."""
    settings = make_settings(tmp_path_factory.mktemp("data"), corpus)
    report = Syncer(settings, show_progress=False).sync([corpus])
    assert sorted(report.added) == [PAGE_ID, PDF_ID] and not report.failed
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KENTRAG_AUTH", ":".join(LOGIN))
        demo, url = start(settings, "127.0.0.1", free_port())
    yield url
    demo.close()


@pytest.fixture(scope="module")
def session(browser: Browser, app_url: str) -> Iterator[BrowserContext]:  # noqa: F811  (the imported fixture)
    """A Turkish browser logged in to the app through Gradio's login form."""
    context = browser.new_context(locale="tr-TR", viewport={"width": 1400, "height": 900})
    login = context.new_page()
    login.goto(app_url, wait_until="load")
    login.get_by_test_id("textbox").fill(LOGIN[0])
    login.get_by_test_id("password").fill(LOGIN[1])
    login.get_by_role("button").click()
    expect(login.locator('#kr-sources [data-state="empty"]')).to_be_visible()
    login.close()
    yield context
    context.close()


@pytest.fixture
def page(session: BrowserContext, app_url: str) -> Iterator[Page]:
    """The app in a new tab of the logged-in browser; fails on page errors."""
    opened = session.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(app_url, wait_until="load")
    expect(opened.locator('#kr-sources [data-state="empty"]')).to_be_visible()
    yield opened
    opened.close()
    assert errors == []


def get(request: APIRequestContext, app_url: str, path: str) -> tuple[int, dict[str, str], bytes]:
    response = request.get(app_url.rstrip("/") + path)
    return response.status, response.headers, response.body()


@pytest.mark.browser
def test_a_pdf_source_links_to_the_pdf_at_the_cited_page(page: Page, app_url: str, corpus: Path) -> None:
    assert "48 adet elektrikli otobüs" in ask(page, "Gölcük Belediyesi kaç elektrikli otobüs satın aldı?")
    first = page.locator("#kr-sources .kr-source").first
    expect(first.locator(".kr-page")).to_have_text("s. 2")
    link = first.locator("a.kr-file")
    expect(link).to_have_text("ulaşım raporu.pdf")
    assert link.get_attribute("href") == f"{PDF_HREF}#page=2"
    assert (link.get_attribute("target"), link.get_attribute("rel")) == ("_blank", "noopener")

    url = link.evaluate("a => a.href")  # the link as the browser resolves it
    response = page.request.get(url)  # with the browser's login
    assert response.status == 200 and response.body() == (corpus / PDF_ID).read_bytes()
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == "inline; filename*=UTF-8''ula%C5%9F%C4%B1m%20raporu.pdf"
    assert httpx.get(url).status_code == 401  # the same link without the login


@pytest.mark.browser
@pytest.mark.parametrize("path", [
    "/kentrag/file/..%2Fpyproject.toml", "/kentrag/file/%2E%2E%2F%2E%2E%2Fpyproject.toml",
    "/kentrag/file/raporlar%2F..%2F..%2Fpyproject.toml", f"/kentrag/file/{PROJECT / 'pyproject.toml'}",
    "/kentrag/file/anahtar.key", "/kentrag/file/yok.pdf", "/kentrag/file/", "/kentrag/file/https%3A%2F%2Fexample.org",
])
def test_the_file_route_serves_no_file_that_is_not_a_document(session: BrowserContext, app_url: str,
                                                               path: str) -> None:
    status, _, body = get(session.request, app_url, path)
    assert status == 404 and b"no document" in body and b"[tool." not in body


@pytest.mark.browser
def test_dot_segments_never_reach_outside_the_route(session: BrowserContext, app_url: str) -> None:
    for path in ("/kentrag/file/../../pyproject.toml", "/kentrag/file/%2e%2e/%2e%2e/pyproject.toml"):
        status, _, body = get(session.request, app_url, path)  # the URL's dot segments are resolved first
        assert status == 404 and b"[tool." not in body


@pytest.mark.browser
def test_a_document_is_sandboxed_and_not_served_once_swapped_for_a_link(session: BrowserContext, app_url: str,
                                                                          corpus: Path) -> None:
    status, headers, body = get(session.request, app_url, f"/kentrag/file/{PAGE_ID}")
    assert status == 200 and body.decode() == PAGE
    assert headers["content-type"].startswith("text/html") and headers["content-security-policy"] == "sandbox"

    (corpus / PAGE_ID).unlink()
    (corpus / PAGE_ID).symlink_to(PROJECT / "pyproject.toml")
    status, _, body = get(session.request, app_url, f"/kentrag/file/{PAGE_ID}")
    assert status == 404 and b"changed since it was indexed" in body and b"[tool." not in body
