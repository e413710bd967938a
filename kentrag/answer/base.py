"""The interface every answer generator implements, and what it is given and gives back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from kentrag.core.types import Passage, Quote, Retrieval

if TYPE_CHECKING:
    from kentrag.answer.ranking import Ranking


@dataclass(frozen=True)
class GenerationRequest:
    """A question and what its retrieval found: the passages to answer from ([1] is passages[0]), the
    language to answer in, and the vectors the retriever searched with; the ranked candidate sentences when the
    assistant has ranked them (kentrag.answer.ranking)."""

    question: str
    retrieval: Retrieval
    ranking: Ranking | None = None

    @property
    def language(self) -> str:
        return self.retrieval.language

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.retrieval.passages

    @property
    def retrieval_query(self) -> str:
        """What was searched: the question, with the earlier turns of a follow-up."""
        return self.retrieval.query


@dataclass(frozen=True)
class Piece:
    """A piece of answer text (with inline [n] markers) and the quote it rests on, when known."""

    text: str
    quote: Quote | None = None


class Generator(Protocol):
    """Turns a request into answer pieces carrying inline [n] markers that number request.passages."""

    name: str
    # True: every claim is a verbatim quote of a passage, given with its Quote, so the answer stands as it is.
    # False: the generator writes its own words (pieces without a Quote), then the quotes they rest on (pieces with
    # their Quote); the assistant checks the words against the quotes (kentrag.answer.grounding) before showing
    # them, and shows the quotes alone when the check fails.
    verbatim: bool

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        """Yield the answer in pieces, as soon as each is ready."""
        ...
