"""The running web app: the real Gradio server on a copy of the corpus index, driven in headless Chromium
(Playwright) and through its HTTP API with gradio_client.

KENTRAG_SCREENSHOT=1 also saves docs/screenshot.png (a Turkish question answered, sources shown).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_samples import PARK, PARK_FACT, PARK_NAME, PARK_QUESTION, XSS, XSS_NAME, XSS_QUESTION
from conftest import PROJECT, make_settings
from gradio_client import Client
from gradio_client.exceptions import AppError
from kentrag.app.server import start
from playwright.sync_api import Browser, Page, expect, sync_playwright
from robustness import free_port

from kentrag.answer.quotes import shown
from kentrag.core.settings import Settings
from kentrag.core.texts import phrase
from tests.ingest.ingest_samples import local_site

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
B40 = "2022-06-b40-balkan-cities-istanbul-workshops.txt"
PROTOCOL = "2024-09-izmir-istanbul-technology-protocol.txt"
ANSWER_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def app_settings(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of the corpus index, since these tests upload and remove documents."""
    data = tmp_path_factory.mktemp("app-data")
    shutil.copytree(corpus_settings.data_dir / "chroma", data / "chroma")
    return make_settings(data)


@pytest.fixture(scope="module")
def app_url(app_settings: Settings) -> Iterator[str]:
    demo, url = start(app_settings, "127.0.0.1", free_port())
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_app(browser: Browser, app_url: str) -> Iterator:
    """Opens the app in a fresh browser context with the given language; fails on page errors."""
    errors: list[str] = []
    contexts = []

    def opener(locale: str) -> Page:
        context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(app_url, wait_until="load")
        # The sources panel is filled by the page-load event, in the browser's language.
        expect(page.locator('#kr-sources [data-state="empty"]')).to_be_visible()
        return page

    yield opener
    for context in contexts:
        context.close()
    assert errors == []


def bot_messages(page: Page):
    return page.locator('#kr-chat [data-testid="bot"]')


def wait_for_answer(page: Page, before: int, sources: str = "cited") -> str:
    """Wait for the next complete answer, check the sources panel's state ("cited", "none" or "empty" when
    the question was refused) and return the answer's text."""
    page.wait_for_function(
        """([before, expected]) => {
            const count = document.querySelectorAll('#kr-chat [data-testid="bot"]').length;
            const state = document.querySelector('#kr-sources .kr-sources')?.dataset.state;
            return count > before && !document.querySelector('#kr-chat .kr-pending')
                && (state !== 'empty' || expected === 'empty');
        }""",
        arg=[before, sources], timeout=ANSWER_TIMEOUT,
    )
    answer = bot_messages(page).last.inner_text()
    assert page.locator("#kr-sources .kr-sources").get_attribute("data-state") == sources, answer
    return answer


def ask(page: Page, question: str, sources: str = "cited", click: bool = False) -> str:
    """Type a question, send it with Enter (or the button) and wait for the complete answer."""
    before = bot_messages(page).count()
    page.fill("#kr-question textarea", question)
    if click:
        page.click("#kr-ask")
    else:
        page.press("#kr-question textarea", "Enter")
    return wait_for_answer(page, before, sources)


def source_files(page: Page) -> list[str]:
    return page.locator("#kr-sources .kr-file").all_inner_texts()


def upload(page: Page, path: Path) -> str:
    """Upload a file on the Documents tab; the new status text once the upload is processed."""
    page.get_by_role("tab", name="Documents").click()
    status = page.locator("#kr-library-status .kr-status")
    previous = status.inner_text() if status.count() else ""
    page.locator('#kr-upload input[type="file"]').set_input_files(str(path))
    page.wait_for_function(
        "old => (document.querySelector('#kr-library-status .kr-status')?.innerText ?? old) !== old",
        arg=previous, timeout=ANSWER_TIMEOUT,
    )
    return status.inner_text()


@pytest.mark.browser
def test_turkish_question_sources_and_follow_up(open_app) -> None:
    page = open_app("tr-TR")
    expect(page.get_by_role("tab", name="Belgeler")).to_be_visible()
    expect(page.get_by_role("radio", name="Türkçe")).to_be_checked()
    expect(page.get_by_text("Which Korean ministry hosted the World Smart City Week in Seoul?")).to_be_visible()

    page.get_by_text("B40 atölyeleri ne zaman yapıldı?").click()  # an example on the empty chat
    answer = wait_for_answer(page, before=0)
    assert answer.startswith("Belgelere göre") and "20-25 June 2022" in answer and "[1]" in answer

    first = page.locator("#kr-sources .kr-source").first
    assert first.locator(".kr-title").inner_text() == "Balkan Cities Network"
    assert first.locator(".kr-file").inner_text() == B40
    expect(first.locator(".kr-snippet mark")).to_contain_text("20-25 June 2022")
    passage = first.locator(".kr-passage")
    expect(passage).to_be_hidden()
    first.get_by_text("Bölümün tamamı").click()
    expect(passage).to_be_visible()
    expect(passage.locator("mark")).to_contain_text("20-25 June 2022")
    assert len(passage.inner_text()) > len(first.locator(".kr-snippet").inner_text()) - 10
    if os.environ.get("KENTRAG_SCREENSHOT") == "1":
        (PROJECT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(PROJECT / "docs" / "screenshot.png"))

    ask(page, "Kimler katıldı?")
    assert B40 in source_files(page)
    assert page.locator('#kr-chat [data-testid="user"]').all_inner_texts() == [
        "B40 atölyeleri ne zaman yapıldı?", "Kimler katıldı?"]


@pytest.mark.browser
def test_english_question_and_language_toggle(open_app) -> None:
    page = open_app("en-US")
    expect(page.get_by_role("tab", name="Documents")).to_be_visible()
    answer = ask(page, "Who signed the technology cooperation protocol between İzmir and Istanbul?", click=True)
    assert answer.startswith("According to the documents") and "Cemil Tugay" in answer
    assert source_files(page)[0] == PROTOCOL
    expect(page.locator("#kr-sources .kr-heading")).to_have_text("Sources")

    page.get_by_role("radio", name="Türkçe").click()
    expect(page.get_by_role("tab", name="Belgeler")).to_be_visible()
    expect(page.locator("#kr-sources .kr-heading")).to_have_text("Kaynaklar")
    assert source_files(page)[0] == PROTOCOL  # the sources stay, relabelled
    expect(page.locator("#kr-ask")).to_have_text("Sor")

    page.get_by_role("tab", name="Ayarlar").click()
    page.get_by_label("Getirme skorlarını göster").check()
    expect(page.locator("#kr-sources .kr-score").first).to_contain_text("skor")


@pytest.mark.browser
def test_broken_and_unanswerable_questions(open_app) -> None:
    page = open_app("en-US")
    ask(page, "", sources="empty", click=True)
    assert bot_messages(page).last.inner_text() == "Please type a question."
    assert "too long" in ask(page, "Kocaeli " * 800, sources="empty")
    assert "no letters or digits" in ask(page, "🙂 ?? \u202e…", sources="empty")
    assert ask(page, "How many craters are there on Mars?", sources="none") == phrase("not_found", "en")
    expect(page.locator('#kr-sources [data-state="none"]')).to_contain_text("No sources")
    assert "Ministry of Land" in ask(page, "Which Korean ministry hosted the World Smart City Week in Seoul?")


@pytest.mark.browser
def test_upload_ask_and_remove(open_app, app_settings: Settings, tmp_path: Path) -> None:
    page = open_app("en-US")
    incoming = tmp_path / PARK_NAME
    incoming.write_text(PARK, encoding="utf-8")
    assert f"Added to the index: {PARK_NAME}" in upload(page, incoming)
    stored = app_settings.data_dir / "uploads" / PARK_NAME
    assert stored.read_text(encoding="utf-8") == PARK
    expect(page.locator("#kr-documents")).to_contain_text("Kocaeli Akıllı Park Projesi")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, PARK_QUESTION)
    assert PARK_FACT in answer and source_files(page)[0] == PARK_NAME

    page.get_by_role("tab", name="Documents").click()
    page.locator("#kr-remove-choice input").fill("Kocaeli")
    page.get_by_role("option", name=f"Kocaeli Akıllı Park Projesi — {PARK_NAME}").click()
    page.click("#kr-remove")
    expect(page.locator("#kr-library-status")).to_contain_text(f"Removed: {PARK_NAME}")
    expect(page.locator("#kr-documents")).not_to_contain_text("Kocaeli Akıllı Park Projesi")
    assert not stored.exists()

    refused = tmp_path / "notes.txt"
    refused.write_bytes(b"\x00\x01\x02" * 100)
    assert "Not added — notes.txt: unreadable" in upload(page, refused)


@pytest.mark.browser
def test_html_in_a_document_stays_text(open_app, tmp_path: Path) -> None:
    page = open_app("en-US")
    incoming = tmp_path / XSS_NAME
    incoming.write_text(XSS, encoding="utf-8")
    assert "Added to the index" in upload(page, incoming)
    expect(page.locator("#kr-documents")).to_contain_text("<img src=x onerror=")  # the title, as text
    page.locator("#kr-remove-choice input").click()
    expect(page.get_by_role("option", name=re.compile("^<img src=x onerror="))).to_be_visible()
    page.keyboard.press("Escape")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, XSS_QUESTION)
    assert "QX-7731" in answer and "<script>window.__xss=2</script>" in answer
    sources = page.locator("#kr-sources")
    expect(sources.locator(".kr-title").first).to_contain_text("<img src=x onerror=")
    sources.get_by_text("Whole passage").first.click()
    expect(sources.locator(".kr-passage").first).to_contain_text("<script>window.__xss=2</script>")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("img[src='x'], #kr-chat script, #kr-sources script").count() == 0


def test_api_ask_returns_the_answer_json(app_url: str) -> None:
    client = Client(app_url, verbose=False)
    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/ask"] and not api["unnamed_endpoints"]

    answer = client.predict("Who signed the technology cooperation protocol between İzmir and Istanbul?",
                            api_name="/ask")
    assert answer["found"] and answer["language"] == "en" and "[1]" in answer["answer"]
    first = answer["citations"][0]
    assert first["doc_id"] == PROTOCOL and first["n"] == 1
    assert shown(first["text"][first["quote_start"]:first["quote_end"]]) == first["quote"]

    follow_up = client.predict("Kimler katıldı?", ["B40 atölyeleri ne zaman yapıldı?"], api_name="/ask")
    assert follow_up["language"] == "tr" and follow_up["citations"][0]["doc_id"] == B40

    unanswerable = client.predict(question="How many craters are there on Mars?", k=3, api_name="/ask")
    assert unanswerable == {"question": "How many craters are there on Mars?", "language": "en",
                            "answer": phrase("not_found", "en"), "found": False, "citations": [],
                            "generator": "extractive", "fallback": None, "related": []}
    with pytest.raises(AppError, match="Please type a question"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="unknown generator"):
        client.predict("B40?", generator="nope", api_name="/ask")


@pytest.mark.browser
def test_a_web_page_added_by_its_address_is_cited_with_a_link(open_app) -> None:
    page = open_app("en-US")
    body = PARK.split("\n\n", 1)[1]
    site = {"/park": "<html><head><title>Kocaeli Akıllı Park Projesi</title></head><body><nav>Ana sayfa</nav>"
                     f"<article><h1>Kocaeli Akıllı Park Projesi</h1><p>{body}</p></article></body></html>"}
    with local_site(site) as base:
        page.get_by_role("tab", name="Documents").click()
        page.locator("#kr-url").get_by_role("textbox").fill(f"{base}/park")
        page.click("#kr-add-url")
        expect(page.locator("#kr-library-status")).to_contain_text(f"Page indexed: {base}/park",
                                                                   timeout=ANSWER_TIMEOUT)
        expect(page.locator("#kr-documents")).to_contain_text(f"{base}/park")
        page.get_by_role("tab", name="Chat").click()
        assert PARK_FACT in ask(page, PARK_QUESTION)
        assert page.locator("#kr-sources a.kr-file").first.get_attribute("href") == f"{base}/park"
