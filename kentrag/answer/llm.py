"""A generator that asks a chat model for a short answer from the sentences the answer quotes.

The quoting generator (kentrag.answer.extractive) selects the sentences; the model reads them alone and writes one
short sentence in the question's language, streamed token by token, and the generator follows it with those
sentences as quotes with [n]. The assistant checks the model's words against the quotes before it shows them
(kentrag.answer.grounding). The chat model is a backend (`openai_compat.OpenAIChat`, `local.LocalChat`) that
streams OpenAI-style chat completion chunks; this class stops it at the end of its first sentence or when it loops.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from kentrag.answer import grounding
from kentrag.answer.base import GenerationRequest, Piece
from kentrag.answer.extractive import ExtractiveGenerator, quoted

# One short sentence in Turkish (which takes ~2x the tokens of English), and the start of the next that ends it.
MAX_TOKENS = 96


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
    """Short answers from a chat model, each followed by the quotes it rests on."""

    verbatim = False  # the model's own words: checked by the assistant (kentrag.answer.grounding)

    def __init__(self, name: str, chat: ChatModel, quoting: ExtractiveGenerator, max_tokens: int = MAX_TOKENS) -> None:
        self.name = name
        self.chat = chat
        self.quoting = quoting  # selects the sentences the model reads and the answer quotes
        self.max_tokens = max_tokens

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        chosen = self.quoting.select(request)
        if not chosen:  # the quoting generator refuses: the model is not asked
            return
        yield from self._short_answer(request, [sentence.quote for sentence in chosen])
        for sentence in chosen:
            yield quoted(request.passages, sentence)

    def _short_answer(self, request: GenerationRequest, sentences: Sequence[str]) -> Iterator[Piece]:
        """The model's answer from the sentences alone, token by token, until its first sentence ends or it loops."""
        text = ""
        stream = self.chat.stream_chat(grounding.messages(request, sentences), self.max_tokens)
        try:
            for delta in filter(None, stream):
                text += delta
                yield Piece(delta)
                if grounding.lead_end(text) is not None:
                    break
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
