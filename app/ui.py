"""The Gradio Blocks layout (Chat, Documents, Settings, language toggle) and its event wiring."""

from __future__ import annotations

from typing import Any

import gradio as gr
from kentrag.app.api import API_NAME, MAX_TOP_K, make_ask
from kentrag.app.chat import Conversation
from kentrag.app.documents_view import documents_table, removal_choices
from kentrag.app.handlers import Handlers
from kentrag.app.i18n import BROWSER_LANGUAGE_JS, DEFAULT_LANGUAGE
from kentrag.app.labels import Labels
from kentrag.app.library import Library
from kentrag.ingest.readers import SUPPORTED_SUFFIXES

from kentrag.answer.assistant import Assistant

EXAMPLES = (
    "B40 atölyeleri ne zaman yapıldı?",
    "Taşkent'teki InnoWeek konferansının teması neydi?",
    "Who signed the technology cooperation protocol between İzmir and Istanbul?",
    "Which Korean ministry hosted the World Smart City Week in Seoul?",
)
# UI events stay out of the API page and the clients: /ask is the API.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
# Events that change the index run one at a time.
LIBRARY_QUEUE: dict[str, Any] = {"concurrency_id": "library", "concurrency_limit": 1, **PRIVATE}


def _chat_tab(labels: Labels) -> dict[str, Any]:
    with gr.Row():
        with gr.Column(scale=3):
            # Messages are HTML built by app.render (Markdown off); no copy buttons, which would copy the HTML.
            chatbot = labels.make(
                gr.Chatbot, {"label": "chat_label", "placeholder": "chat_placeholder"},
                examples=[{"text": q} for q in EXAMPLES], render_markdown=False, latex_delimiters=[],
                sanitize_html=True, buttons=[], feedback_options=None, height=540, elem_id="kr-chat",
            )
            with gr.Row(equal_height=True):
                question = labels.make(gr.Textbox, {"label": "question", "placeholder": "question_hint"},
                                       show_label=False, container=False, lines=1, max_lines=6, scale=1,
                                       elem_id="kr-question")
                ask = labels.make(gr.Button, {"value": "send"}, variant="primary", scale=0, min_width=100,
                                  elem_id="kr-ask")
                clear = labels.make(gr.Button, {"value": "clear"}, scale=0, min_width=150, elem_id="kr-clear")
        with gr.Column(scale=2):
            # Filled on page load, in the browser's language.
            sources = gr.HTML("", js_on_load=None, elem_id="kr-sources")
    return {"chatbot": chatbot, "question": question, "ask": ask, "clear": clear, "sources": sources}


def _documents_tab(labels: Labels, library: Library) -> dict[str, Any]:
    labels.make(gr.Markdown, {"value": "documents_intro"})
    table = gr.Dataframe(documents_table(library, DEFAULT_LANGUAGE), datatype="str", interactive=False, wrap=True,
                         column_widths=["34%", "8%", "8%", "15%", "27%", "8%"], elem_id="kr-documents")
    upload = labels.make(gr.File, {"label": "upload"}, file_count="multiple", type="filepath", height=150,
                         file_types=list(SUPPORTED_SUFFIXES), elem_id="kr-upload")
    with gr.Row(equal_height=True):
        url = labels.make(gr.Textbox, {"label": "url", "placeholder": "url_hint"}, lines=1, max_lines=1, scale=4,
                          elem_id="kr-url")
        add_url = labels.make(gr.Button, {"value": "url_add"}, scale=0, min_width=140, elem_id="kr-add-url")
    status = gr.HTML("", js_on_load=None, elem_id="kr-library-status")
    with gr.Row(equal_height=True):
        to_remove = labels.make(gr.Dropdown, {"label": "remove_choice"}, choices=removal_choices(library), value=None,
                                scale=4, elem_id="kr-remove-choice")
        remove = labels.make(gr.Button, {"value": "remove"}, variant="stop", scale=0, min_width=140,
                             elem_id="kr-remove")
    return {"table": table, "upload": upload, "url": url, "add_url": add_url, "status": status,
            "to_remove": to_remove, "remove": remove}


def _settings_tab(labels: Labels, assistant: Assistant) -> dict[str, Any]:
    settings, generators = assistant.settings, list(assistant.generators)
    top_k = labels.make(gr.Slider, {"label": "top_k"}, minimum=1, maximum=MAX_TOP_K, step=1, value=settings.top_k,
                        elem_id="kr-top-k")
    generator = labels.make(gr.Dropdown, {"label": "generator"}, choices=generators, elem_id="kr-generator",
                            value=settings.generator if settings.generator in generators else generators[0])
    show_scores = labels.make(gr.Checkbox, {"label": "show_scores"}, value=False, elem_id="kr-show-scores")
    return {"top_k": top_k, "generator": generator, "show_scores": show_scores}


def build_app(assistant: Assistant, library: Library) -> gr.Blocks:
    """The whole web app for one assistant and its document library."""
    labels = Labels(max_mb=library.max_bytes // 2**20)
    handlers = Handlers(assistant, library, labels)
    # delete_cache: Gradio's copies of uploaded files go after an hour (the kept ones are under uploads/).
    with gr.Blocks(title="kentrag", delete_cache=(3600, 3600)) as demo:
        conversation = gr.State(Conversation())
        with gr.Row(equal_height=True):
            labels.make(gr.Markdown, {"value": "title"}, elem_id="kr-title")
            language = gr.Radio([("Türkçe", "tr"), ("English", "en")], value=DEFAULT_LANGUAGE, show_label=False,
                                container=False, scale=0, min_width=220, elem_id="kr-language")
        labels.make(gr.Markdown, {"value": "intro"})
        with gr.Tabs():
            with labels.make(gr.Tab, {"label": "tab_chat"}, id="chat"):
                chat = _chat_tab(labels)
            with labels.make(gr.Tab, {"label": "tab_documents"}, id="documents") as documents_tab:
                docs = _documents_tab(labels, library)
            with labels.make(gr.Tab, {"label": "tab_settings"}, id="settings"):
                options = _settings_tab(labels, assistant)

        relabelled = [language, *labels.components, chat["sources"], docs["table"]]
        demo.load(handlers.relabel, [language], relabelled, js=BROWSER_LANGUAGE_JS, **PRIVATE)
        language.input(handlers.relabel, [language, conversation, options["show_scores"]], relabelled, **PRIVATE)

        chat_inputs = [chat["question"], conversation, language, options["top_k"], options["generator"],
                       options["show_scores"]]
        chat_outputs = [chat["question"], chat["chatbot"], chat["sources"], conversation]
        chat["question"].submit(handlers.answer, chat_inputs, chat_outputs, **PRIVATE)
        chat["ask"].click(handlers.answer, chat_inputs, chat_outputs, **PRIVATE)
        chat["chatbot"].example_select(handlers.example, None, chat["question"], **PRIVATE).then(
            handlers.answer, chat_inputs, chat_outputs, **PRIVATE)
        restart_outputs = [chat["chatbot"], chat["sources"], conversation]
        chat["clear"].click(handlers.restart, [language, options["show_scores"]], restart_outputs, **PRIVATE)
        chat["chatbot"].clear(handlers.restart, [language, options["show_scores"]], restart_outputs, **PRIVATE)
        options["show_scores"].change(handlers.sources, [conversation, language, options["show_scores"]],
                                      chat["sources"], **PRIVATE)

        listing = [docs["table"], docs["to_remove"]]
        docs["upload"].upload(handlers.add_files, [docs["upload"], language],
                              [docs["status"], *listing, docs["upload"]], **LIBRARY_QUEUE)
        for event in (docs["url"].submit, docs["add_url"].click):
            event(handlers.add_url, [docs["url"], language], [docs["status"], *listing, docs["url"]],
                  **LIBRARY_QUEUE)
        docs["remove"].click(handlers.remove, [docs["to_remove"], language], [docs["status"], *listing],
                             **LIBRARY_QUEUE)
        documents_tab.select(handlers.documents, [language], listing, **PRIVATE)

        gr.api(make_ask(assistant), api_name=API_NAME)
    return demo
