"""The functions behind the app's events (Gradio calls them with component values)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import gradio as gr
from kentrag.app.chat import Conversation, respond
from kentrag.app.documents_view import documents_table, removal_choices, status_html, upload_report, url_report
from kentrag.app.i18n import pick_language, text
from kentrag.app.labels import Labels
from kentrag.app.library import Library
from kentrag.app.render import sources_html

from kentrag.answer.assistant import Assistant
from kentrag.core.locking import IngestBusy

log = logging.getLogger(__name__)


class Handlers:
    """Event handlers of one app: chat, language, documents."""

    def __init__(self, assistant: Assistant, library: Library, labels: Labels) -> None:
        self.assistant = assistant
        self.library = library
        self.labels = labels

    def relabel(self, tag: str, state: Conversation | None = None, scores: bool = False) -> list:
        """Everything that changes with the interface language; `tag` is a browser tag or "tr"/"en"."""
        language = pick_language(tag)
        last = state.last if state else None
        return [language, *self.labels.updates(language), sources_html(last, language, scores),
                documents_table(self.library, language)]

    def answer(self, question: str, state: Conversation, language: str, k: float, generator: str,
               scores: bool) -> Iterator[tuple]:
        """Streams (cleared question box, chat messages, sources panel, conversation)."""
        for current in respond(self.assistant, state, question, language, int(k), generator):
            yield "", list(current.messages), sources_html(current.last, language, scores), current

    @staticmethod
    def example(event: gr.SelectData) -> str:
        """The text of a clicked chat example."""
        return event.value["text"]

    @staticmethod
    def restart(language: str, scores: bool) -> tuple:
        """An empty chat, sources panel and conversation."""
        return [], sources_html(None, language, scores), Conversation()

    @staticmethod
    def sources(state: Conversation, language: str, scores: bool) -> str:
        return sources_html(state.last, language, scores)

    def documents(self, language: str) -> tuple:
        """The documents table and the removal choices, current."""
        return documents_table(self.library, language), gr.update(choices=removal_choices(self.library), value=None)

    def add_files(self, files: list[str] | None, language: str,
                  progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008  (Gradio's idiom)
        """Upload: store, ingest and report; then the refreshed documents and an emptied file box."""
        progress(0, desc=text("upload_reading", language))

        def indexing(fraction: float, detail: str) -> None:
            progress(fraction, desc=text("upload_indexing", language, detail=detail))

        try:
            status = upload_report(self.library.add(files or [], indexing), language)
        except Exception as error:  # shown on the tab; the app keeps running
            status = library_error(error, language)
        return status, *self.documents(language), None

    def add_url(self, url: str | None, language: str,
                progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008  (Gradio's idiom)
        """Fetch and index a web page; the status, the refreshed documents and an emptied address box (kept as
        it was when the page could not be added)."""
        url = (url or "").strip()
        if not url:
            return status_html([text("url_none", language)], error=True), *self.documents(language), url
        progress(0, desc=text("url_fetching", language))

        def indexing(fraction: float, detail: str) -> None:
            progress(fraction, desc=text("upload_indexing", language, detail=detail))

        try:
            report = self.library.add_url(url, indexing)
        except Exception as error:  # shown on the tab; the app keeps running
            return library_error(error, language), *self.documents(language), url
        return url_report(url, report, language), *self.documents(language), url if report.failed else ""

    def remove(self, doc_id: str | None, language: str) -> tuple:
        """Remove the chosen document; the status and the refreshed documents."""
        if not doc_id:
            status = status_html([text("remove_none", language)], error=True)
        else:
            try:
                removed = self.library.remove(doc_id)
                status = status_html([text("removed" if removed else "remove_missing", language, doc=doc_id)],
                                     error=not removed)
            except Exception as error:  # shown on the tab; the app keeps running
                status = library_error(error, language)
        return status, *self.documents(language)


def library_error(error: Exception, language: str) -> str:
    """A failed upload or removal as a status: another ingest running, or what went wrong."""
    if isinstance(error, IngestBusy):
        return status_html([text("busy", language)], error=True)
    log.exception("changing the document library failed")
    return status_html([text("library_failed", language, error=f"{type(error).__name__}: {error}")], error=True)
