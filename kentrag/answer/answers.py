"""What the assistant gives back: an answer as the user sees it, with its citations, and its JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from kentrag.answer.citations import Citation
from kentrag.core.types import Passage


@dataclass(frozen=True)
class Answer:
    """An answer so far (`complete` False while streaming) with its citations."""

    question: str
    language: str
    text: str
    found: bool
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    generator: str = "extractive"
    complete: bool = True
    fallback: str | None = None  # why a language model's answer was replaced by quotes
    retrieval_query: str = ""
    extra: dict = field(default_factory=dict)  # a language model's timings
    # A refused answer's closest passages, each with its best sentence: related, but not an answer.
    related: tuple[Citation, ...] = ()

    def as_dict(self) -> dict:
        """The answer as `kentrag ask --json` and the app's /ask API return it."""
        return {
            "question": self.question, "language": self.language, "answer": self.text, "found": self.found,
            "citations": [c.as_dict() for c in self.citations], "generator": self.generator,
            "fallback": self.fallback, "related": [c.as_dict() for c in self.related],
        }
