"""A generator that asks a chat model for a grounded answer and streams its tokens as they arrive.

The chat model is a backend (`openai_compat.OpenAIChat`, `local.LocalChat`) that streams OpenAI-style
chat completion chunks; this class owns the prompt and stops the model when it starts looping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from kentrag.answer import grounding
from kentrag.answer.base import GenerationRequest, Piece

# Enough for three cited sentences in Turkish (which takes ~2x the tokens of English).
MAX_TOKENS = 256


class GenerationError(RuntimeError):
    """The model could not be reached or failed; the message says why, for the user."""


class ChatModel(Protocol):
    """Streams the text of a chat completion."""

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """Yield the answer's text deltas; raise GenerationError on failure."""
        ...


def chunk_text(chunk: dict) -> str:
    """The content delta of one OpenAI-style streaming chunk (raises on an error chunk)."""
    if "error" in chunk or ("choices" not in chunk and "message" in chunk):
        error = chunk.get("error", chunk)
        raise GenerationError(str(error.get("message", error) if isinstance(error, dict) else error))
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


class LLMGenerator:
    """Grounded answers from a chat model, streamed token by token."""

    verbatim = False  # the model's own words: checked by the assistant (kentrag.answer.grounding)

    def __init__(self, name: str, chat: ChatModel, max_tokens: int = MAX_TOKENS) -> None:
        self.name = name
        self.chat = chat
        self.max_tokens = max_tokens

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        text = ""
        stream = self.chat.stream_chat(grounding.messages(request), self.max_tokens)
        try:
            for delta in filter(None, stream):
                text += delta
                yield Piece(delta)
                if grounding.loop_start(text) is not None:
                    break
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
