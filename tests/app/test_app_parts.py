"""The web app's parts on the real assistant and a real index: upload names, the chat flow and the document
library."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from app_samples import PARK, PARK_FACT, PARK_QUESTION
from conftest import make_settings
from kentrag.app.chat import Conversation, respond
from kentrag.app.handlers import Handlers
from kentrag.app.i18n import text
from kentrag.app.labels import Labels
from kentrag.app.library import Library, safe_name
from kentrag.app.render import sources_html

from kentrag.answer.assistant import Assistant
from kentrag.core.locking import IngestBusy, ingest_lock
from tests.ingest.ingest_samples import local_site

pytestmark = pytest.mark.slow


# --- upload names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("original", "stored"), [
    ("../../x.txt", "x.txt"),
    ("..\\..\\windows\\x.txt", "x.txt"),
    ("/etc/passwd", "passwd"),
    ("..", "upload"),
    (".hidden.md", "hidden.md"),
    ("Rapor <2024>; rm -rf.TXT", "Rapor_2024_rm -rf.txt"),
    (unicodedata.normalize("NFD", "Kocaeli akıllı şehir İzmit.md"), "Kocaeli akıllı şehir İzmit.md"),
])
def test_safe_upload_names(original: str, stored: str) -> None:
    assert safe_name(original) == stored
    assert unicodedata.is_normalized("NFC", safe_name(original))


# --- chat flow on the real assistant -----------------------------------------------------------------


def _run(assistant: Assistant, conversation: Conversation, question: object, **options: object) -> Conversation:
    *_, final = respond(assistant, conversation, question, "en", **options)
    return final


def test_broken_questions_end_in_a_message(assistant: Assistant) -> None:
    conversation = Conversation()
    for question in ("", "x" * 5000, "\ud800\u202e🙂", 12):
        _run(assistant, conversation, question)
        assert conversation.messages[-1]["role"] == "assistant" and conversation.last is None
        assert 'class="kr-notice"' in conversation.messages[-1]["content"]
    assert "at most 1000 characters" in conversation.messages[-4]["content"]
    assert len(conversation.messages[-5]["content"]) < 400  # a huge question is echoed shortened
    assert conversation.turns == []


def test_a_failure_while_answering_is_a_message_and_the_chat_goes_on(assistant: Assistant) -> None:
    # The generator is looked up once retrieval has found an answer, so the question must be one it finds.
    conversation = _run(assistant, Conversation(), "When were the B40 Network workshops held in Istanbul?",
                        generator="no-such-backend")
    assert "Something went wrong" in conversation.messages[-1]["content"]
    _run(assistant, conversation, "Kimler katıldı?")
    assert conversation.last is not None and conversation.last.found
    assert conversation.last.citations[0].passage.doc_id == "2022-06-b40-balkan-cities-istanbul-workshops.txt"


# --- the document library ----------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path) -> Library:
    """A library over a new, empty index of its own."""
    return Library(Assistant(make_settings(tmp_path / "data")), max_bytes=2000)


def _file(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_upload_is_answerable_at_once_and_removal_deletes_it(library: Library, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    result = library.add([_file(incoming, "..\\..\\Kocaeli akıllı park.txt", PARK)])
    assert result.added == ["Kocaeli akıllı park.txt"] and not result.rejected
    stored = library.uploads / "Kocaeli akıllı park.txt"
    assert stored.read_text() == PARK and [p.name for p in library.uploads.iterdir()] == [stored.name]
    assert library.is_upload(library.documents()[0])
    answer = library.assistant.ask(PARK_QUESTION)
    assert answer.found and PARK_FACT in answer.text

    assert library.remove("Kocaeli akıllı park.txt") and not stored.exists()
    assert library.documents() == [] and not library.assistant.ask("Kocaeli akıllı park sensör").found
    assert not library.remove("Kocaeli akıllı park.txt")


def test_refused_uploads_say_why_and_leave_nothing_behind(library: Library, tmp_path: Path) -> None:
    files = [
        _file(tmp_path, "big.txt", "kelime " * 400),
        _file(tmp_path, "program.exe", b"MZ\x00\x01"),
        _file(tmp_path, "empty.md", "   \n"),
        _file(tmp_path, "binary.txt", bytes(range(256)) * 4),
    ]
    result = library.add(files)
    reasons = {r.name: (r.reason, r.values) for r in result.rejected}
    assert reasons["big.txt"][0] == "reason_too_large"
    assert reasons["program.exe"][0] == "reason_unsupported"
    assert reasons["empty.md"] == ("reason_unreadable", {"detail": "empty document (no text)"})
    assert reasons["binary.txt"][0] == "reason_unreadable"
    assert result.added == [] and not library.uploads.exists()


def test_upload_while_another_ingest_runs(library: Library, tmp_path: Path) -> None:
    park = _file(tmp_path, "park.txt", PARK)
    with ingest_lock(library.assistant.settings.data_dir):
        with pytest.raises(IngestBusy):
            library.add([park])
        handlers = Handlers(library.assistant, library, Labels())
        status, *_ = handlers.add_files([str(park)], "tr", progress=lambda *args, **kwargs: None)
    assert text("busy", "tr") in status
    assert list(library.uploads.iterdir()) == [] and library.documents() == []


def test_a_web_page_added_in_the_documents_tab_is_answerable_at_once(library: Library) -> None:
    handlers = Handlers(library.assistant, library, Labels())
    body = PARK.split("\n\n", 1)[1]
    page = (f"<html><head><title>Kocaeli Akıllı Park Projesi</title></head><body><nav>Ana sayfa | Haberler</nav>"
            f"<article><h1>Kocaeli Akıllı Park Projesi</h1><p>{body}</p></article></body></html>")
    with local_site({"/park": page}) as base:
        status, table, _, box = handlers.add_url(f" {base}/park ", "en", progress=lambda *args, **kwargs: None)
        assert text("url_added", "en", url=f"{base}/park") in status and box == ""
        assert f"{base}/park" in table[text("col_file", "en")].tolist()
        answer = library.assistant.ask(PARK_QUESTION)
        assert answer.found and PARK_FACT in answer.text and answer.citations[0].passage.source == f"{base}/park"
        assert f'<a class="kr-file" href="{base}/park"' in sources_html(answer, "en", False)

        status, *_, box = handlers.add_url(f"{base}/park", "tr", progress=lambda *args, **kwargs: None)
        assert text("url_unchanged", "tr", url=f"{base}/park") in status
        status, *_, box = handlers.add_url(f"{base}/yok", "tr", progress=lambda *args, **kwargs: None)
        assert "kr-error" in status and f"{base}/yok: HTTP 404 Not Found" in status and box == f"{base}/yok"
    assert text("url_none", "tr") in handlers.add_url("  ", "tr")[0]
