"""One conversation in the web chat: questions in, streamed answers out, never an exception."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from kentrag.app.i18n import text
from kentrag.app.questions import BadQuestion, clean_question, printable
from kentrag.app.render import answer_html, message_html, notice_html

from kentrag.answer.answers import Answer
from kentrag.answer.assistant import Assistant

# How much of a refused question is echoed back into the chat.
ECHO_CHARS = 300
log = logging.getLogger(__name__)


@dataclass
class Conversation:
    """The chat messages (HTML, Gradio's messages format), the questions asked and the latest answer."""

    messages: list[dict[str, str]] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)
    last: Answer | None = None


def _user(content: str) -> dict[str, str]:
    return {"role": "user", "content": content}


def _bot(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def respond(assistant: Assistant, conversation: Conversation, question: object, language: str,
            k: int | None = None, generator: str | None = None) -> Iterator[Conversation]:
    """Add the question and its answer as it streams; yields the conversation after every change.

    Earlier questions are passed as history so that follow-ups retrieve in context. A bad question or a
    failure while answering ends in a message in the chat, never in an exception.
    """
    try:
        cleaned = clean_question(question)
    except BadQuestion as problem:
        echo = printable(question)
        if echo:
            shown = echo[:ECHO_CHARS] + ("…" if len(echo) > ECHO_CHARS else "")
            conversation.messages.append(_user(message_html(shown)))
        conversation.messages.append(_bot(notice_html(text(problem.key, language, **problem.values))))
        conversation.last = None
        yield conversation
        return
    conversation.messages += [_user(message_html(cleaned)), _bot(notice_html(text("thinking", language), pending=True))]
    yield conversation
    try:
        for answer in assistant.stream(cleaned, conversation.turns, k, generator):
            conversation.messages[-1] = _bot(answer_html(answer))
            conversation.last = answer if answer.complete else None
            yield conversation
    except Exception as error:  # any failure must end as a message, the app keeps running
        log.exception("answering %r failed", cleaned)
        reason = f"{type(error).__name__}: {error}"
        conversation.messages[-1] = _bot(notice_html(text("failed", language, error=reason)))
        conversation.last = None
        yield conversation
    conversation.turns.append(cleaned)
