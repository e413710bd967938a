"""Question → retrieval → decision to answer → generated answer with citations.

The one code path behind `kentrag ask`, the eval, the app and its API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from index.retriever import HybridRetriever, Passage
from index.store import Store
from kentrag.config import Settings
from kentrag.embedding import load_embedding
from kentrag.generators.base import GenerationRequest, Generator, Piece
from kentrag.generators.extractive import ExtractiveGenerator
from kentrag.language import detect_language

NOT_FOUND = {
    "tr": "Bu sorunun yanıtını belgelerde bulamadım.",
    "en": "I could not find the answer to this question in the documents.",
}
# Below this cosine similarity of the best passage, the documents are taken not to answer the question
# (calibrated on the eval set: see README "Evaluation").
FOUND_THRESHOLD = 0.80
# How many earlier user turns a follow-up question carries into retrieval.
HISTORY_TURNS = 1
_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Citation:
    """One cited passage; `quote` is the sentence the answer rests on (empty when not known)."""

    n: int
    passage: Passage
    quote: str = ""
    quote_start: int = -1
    quote_end: int = -1

    def as_dict(self) -> dict:
        p = self.passage
        return {
            "n": self.n, "doc_id": p.doc_id, "title": p.title, "source": p.source, "chunk_id": p.chunk_id,
            "text": p.text, "score": round(p.score, 4), "language": p.language, "start_char": p.start_char,
            "end_char": p.end_char, "quote": self.quote, "quote_start": self.quote_start,
            "quote_end": self.quote_end,
        }


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
    fallback: str | None = None
    retrieval_query: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "question": self.question, "language": self.language, "answer": self.text, "found": self.found,
            "citations": [c.as_dict() for c in self.citations], "generator": self.generator,
            "fallback": self.fallback,
        }


def retrieval_query(question: str, history: Sequence[str]) -> str:
    """The text to search with: a follow-up carries the previous user turn(s) for context."""
    earlier = [turn.strip() for turn in history if turn and turn.strip()][-HISTORY_TURNS:]
    return " ".join([*earlier, question.strip()])


class Citations:
    """Renumbers a generator's [n] (positions in the passage list) into citation order, dropping bad ones."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        self.order: dict[int, int] = {}
        self.quotes: dict[int, tuple[int, int]] = {}

    def note(self, piece: Piece) -> None:
        if piece.quote and 1 <= piece.quote.n <= len(self.passages):
            self.quotes.setdefault(piece.quote.n, (piece.quote.start, piece.quote.end))

    def render(self, raw: str) -> str:
        def swap(match: re.Match) -> str:
            source = int(match.group(1))
            if not 1 <= source <= len(self.passages):
                return ""
            number = self.order.setdefault(source, len(self.order) + 1)
            return f"[{number}]"

        return _MARKER.sub(swap, raw)

    def build(self) -> tuple[Citation, ...]:
        citations = []
        for source, number in sorted(self.order.items(), key=lambda item: item[1]):
            passage = self.passages[source - 1]
            start, end = self.quotes.get(source, (-1, -1))
            quote = passage.text[start:end] if start >= 0 else ""
            citations.append(Citation(number, passage, quote, start, end))
        return tuple(citations)


class Assistant:
    """Answers questions over one index."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.embedding = load_embedding(settings)
        self.retriever = HybridRetriever(self.store, self.embedding)
        self.generators: dict[str, Generator] = {"extractive": ExtractiveGenerator(self.embedding)}

    def refresh(self) -> None:
        """Pick up documents added or removed since start."""
        self.retriever.refresh()

    def retrieve(self, question: str, history: Sequence[str] = (), k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(retrieval_query(question, history), k or self.settings.top_k)

    def ask(self, question: str, history: Sequence[str] = (), k: int | None = None,
            generator: str | None = None) -> Answer:
        """The complete answer."""
        *_, final = self.stream(question, history, k, generator)
        return final

    def stream(self, question: str, history: Sequence[str] = (), k: int | None = None,
               generator: str | None = None) -> Iterator[Answer]:
        """Answers growing piece by piece; the last one has `complete=True`."""
        question = (question or "").strip()
        language = detect_language(question)
        if not question:
            yield Answer(question, language, NOT_FOUND[language], found=False)
            return
        query = retrieval_query(question, history)
        passages = tuple(self.retriever.retrieve(query, k or self.settings.top_k))
        name = generator or self.settings.generator
        if not passages or (passages[0].dense or 0.0) < FOUND_THRESHOLD:
            yield Answer(question, language, NOT_FOUND[language], False, (), passages, name,
                         retrieval_query=query)
            return
        backend = self.generators.get(name)
        if backend is None:
            raise ValueError(f"unknown generator {name!r}; available: {', '.join(self.generators)}")
        request = GenerationRequest(question, query, language, passages)
        citations = Citations(passages)
        raw = ""
        base = Answer(question, language, "", True, (), passages, name, complete=False, retrieval_query=query)
        for piece in backend.generate(request):
            citations.note(piece)
            raw += piece.text
            yield replace(base, text=citations.render(raw))
        final = citations.render(raw)
        built = citations.build()
        if not built:
            yield replace(base, text=NOT_FOUND[language], found=False, complete=True)
            return
        yield replace(base, text=final, citations=built, complete=True)
