"""The app's HTTP API: one named Gradio endpoint, /ask, returning the answer as JSON."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr
from kentrag.app.i18n import text
from kentrag.app.questions import BadQuestion, clean_history, clean_question

from kentrag.answer.assistant import Assistant

API_NAME = "ask"
MAX_TOP_K = 20


def make_ask(assistant: Assistant) -> Callable[..., dict]:
    """The /ask endpoint function for this assistant (its type hints define the API schema)."""

    def ask(question: str, history: list[str] | None = None, k: int | None = None,
            generator: str | None = None) -> dict:
        """Answer a Turkish or English question from the documents, with citations.

        history: the conversation's earlier user questions, oldest first (a follow-up is retrieved in
        their context). k: passages to retrieve (1-20). generator: answer generator name.
        Returns Answer.as_dict(): question, language, answer, found, citations, generator, fallback.
        """
        try:
            cleaned = clean_question(question)
        except BadQuestion as problem:
            raise gr.Error(text(problem.key, "en", **problem.values)) from problem
        if generator is not None and generator not in assistant.generators:
            raise gr.Error(f"unknown generator {generator!r}; available: {', '.join(assistant.generators)}")
        if k is not None and not 1 <= k <= MAX_TOP_K:
            raise gr.Error(f"k must be between 1 and {MAX_TOP_K}")
        return assistant.ask(cleaned, clean_history(history), k, generator).as_dict()

    return ask
