"""The web app's parts without a browser: question cleaning, upload names, escaping, the chat flow and the
document library, on the real assistant and a real index."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from app_samples import PARK, PARK_FACT, PARK_QUESTION
from conftest import make_settings
from kentrag.app.chat import Conversation, respond
from kentrag.app.handlers import Handlers
from kentrag.app.i18n import STRINGS, pick_language, text
from kentrag.app.labels import Labels
from kentrag.app.library import Library, safe_name
from kentrag.app.questions import MAX_QUESTION_CHARS, BadQuestion, clean_history, clean_question
from kentrag.app.render import answer_html, sources_html

from kentrag.answer.assistant import Answer, Assistant, Citation
from kentrag.core.locking import IngestBusy, ingest_lock
from kentrag.core.types import Passage

MALICIOUS = '<img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>'


# --- questions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "key"), [
    ("", "bad_empty"), ("  \n\t ", "bad_empty"), (None, "bad_empty"), ("\u200b\u202e\x00", "bad_empty"),
    ("x" * (MAX_QUESTION_CHARS + 1), "bad_too_long"), ("?!? 🙂🙂 …", "bad_no_words"),
])
def test_unusable_questions_are_refused_with_a_reason(raw: object, key: str) -> None:
    with pytest.raises(BadQuestion) as caught:
        clean_question(raw)
    assert caught.value.key == key
    assert text(key, "tr", **caught.value.values) != text(key, "en", **caught.value.values)


def test_questions_are_normalised_not_rejected() -> None:
    decomposed = unicodedata.normalize("NFD", "Kimler katıldı?")
    assert clean_question(f"  \ud800{decomposed}\u202e\n ") == "Kimler katıldı?"
    assert clean_history(["B40 atölyeleri?", "", None, "\x00"]) == ["B40 atölyeleri?"]
    assert clean_history("not a list") == []


def test_every_string_has_both_languages() -> None:
    assert all(set(entry) == {"tr", "en"} for entry in STRINGS.values())
    assert [pick_language(tag) for tag in ("tr-TR", "TR", "en-GB", "de-DE", "", None)] == \
        ["tr", "tr", "en", "en", "en", "en"]


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


# --- rendering ---------------------------------------------------------------------------------------


def _citation(passage_text: str, quote: str, title: str = "Title") -> Citation:
    passage = Passage("doc#0", "doc.txt", title, "doc.txt", "en", passage_text, 0, len(passage_text), score=0.5,
                      dense=0.9, keyword=0.4, sentence=0.7)
    start = passage_text.index(quote)
    return Citation(1, passage, quote, start, start + len(quote))


def test_sources_panel_escapes_documents_and_highlights_the_quote() -> None:
    passage_text = f"Intro line.\nThe fact is 42. {MALICIOUS} Tail."
    answer = Answer("q", "en", "“The fact is 42.” [1]", True, (_citation(passage_text, "The fact is 42.", MALICIOUS),))
    panel = sources_html(answer, "en", show_scores=True)
    assert "<img" not in panel and "<script" not in panel
    assert "&lt;script&gt;window.__xss=2&lt;/script&gt;" in panel
    assert panel.count('<mark class="kr-quote">The fact is 42.</mark>') == 2  # snippet and whole passage
    assert 'data-state="cited"' in panel and "dense 0.900 · best sentence 0.700 · keyword 0.40" in panel


def test_sources_panel_without_citations_or_answer() -> None:
    not_found = Answer("q", "tr", "Bu sorunun yanıtını belgelerde bulamadım.", False)
    assert 'data-state="none"' in sources_html(not_found, "tr", False)
    assert text("sources_none", "tr") in sources_html(not_found, "tr", False)
    assert 'data-state="empty"' in sources_html(None, "en", False)
    odd = Citation(1, _citation("short text", "short").passage, "", -1, -1)
    assert "short text" in sources_html(Answer("q", "en", "x [1]", True, (odd,)), "en", False)


def test_answers_escape_quoted_html_and_note_a_fallback() -> None:
    answer = Answer("q", "en", f"“{MALICIOUS}” [1]", True, fallback="The model failed (<b>timeout</b>)")
    shown = answer_html(answer)
    assert "<img" not in shown and "<script" not in shown and "<b>" not in shown
    assert shown.index('class="kr-notice"') < shown.index('class="kr-message"')
    assert 'class="kr-notice"' in answer_html(Answer("q", "en", "not found", False))


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
