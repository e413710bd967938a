"""The interface every answer generator implements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from kentrag.core.types import Passage


@dataclass(frozen=True)
class GenerationRequest:
    """A question with its numbered passages ([1] is passages[0]) and the language to answer in."""

    question: str
    retrieval_query: str
    language: str
    passages: Sequence[Passage]
    # Stored e5 vectors of passage sentences by chunk id (HybridRetriever.sentence_vectors), so that a
    # generator ranking sentences need not embed them again; any passage may be missing.
    sentence_vectors: Mapping[str, np.ndarray] = field(default_factory=dict)
    # The e5 vector of `retrieval_query` the retriever searched with (HybridRetriever.query_vector), if at hand.
    query_vector: np.ndarray | None = None


@dataclass(frozen=True)
class Quote:
    """A sentence a generator relied on: passage number (1-based) and its span in that passage's text."""

    n: int
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    """A piece of answer text (with inline [n] markers) and the quote it rests on, when known."""

    text: str
    quote: Quote | None = None


class Generator(Protocol):
    """Turns a request into answer pieces carrying inline [n] markers that number request.passages."""

    name: str

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        """Yield the answer in pieces, as soon as each is ready."""
        ...
