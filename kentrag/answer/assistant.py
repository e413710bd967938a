"""Question → retrieval → decision to answer → generated answer with citations.

The one code path behind `kentrag ask`, the eval, the app and its API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from kentrag.answer import grounding
from kentrag.answer.base import GenerationRequest, Generator, Piece, Quote
from kentrag.answer.grounding import NOT_FOUND
from kentrag.answer.llm import GenerationError
from kentrag.answer.registry import build_generators, unavailable
from kentrag.core.embedding import load_embedding
from kentrag.core.language import detect_language
from kentrag.core.settings import Settings
from kentrag.core.types import Passage
from kentrag.index.retriever import HybridRetriever
from kentrag.index.store import Store, store_errors

# When no retrieved passage reaches this e5 cosine similarity, the documents are taken not to answer.
# Calibrated on the eval set (best refusal accuracy): off-topic questions fall below it; near-miss
# questions about things the corpus does mention (a budget it never states) are not caught (README).
FOUND_THRESHOLD = 0.80
# Why an LLM answer was replaced by the extractive one (shown to the user as Answer.fallback).
FALLBACK = {
    "error": {
        "en": "The language model failed ({detail}); showing quotes from the documents instead.",
        "tr": "Dil modeli çalışmadı ({detail}); bunun yerine belgelerden alıntılar gösteriliyor.",
    },
    "refused": {
        "en": "The language model found no answer, but the documents match the question; showing quotes instead.",
        "tr": "Dil modeli yanıt bulamadı, ancak belgeler soruyla eşleşiyor; bunun yerine alıntılar gösteriliyor.",
    },
    "ungrounded": {
        "en": "The language model's answer could not be tied to the documents; showing quotes instead.",
        "tr": "Dil modelinin yanıtı belgelere dayandırılamadı; bunun yerine alıntılar gösteriliyor.",
    },
}
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
    """Renumbers a generator's [n] (positions in the passage list) into citation order, dropping bad ones.

    A "[2]" inside a verbatim quote is the document's own text, not a marker: it is left as it is.
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        self.order: dict[int, int] = {}
        self.quotes: dict[int, tuple[int, int]] = {}
        self.verbatim: list[tuple[int, int]] = []

    def note(self, piece: Piece, offset: int) -> None:
        """Record a piece that starts at `offset` of the raw answer."""
        if piece.quote and 1 <= piece.quote.n <= len(self.passages):
            self.quotes.setdefault(piece.quote.n, (piece.quote.start, piece.quote.end))
            quoted = self.passages[piece.quote.n - 1].text[piece.quote.start:piece.quote.end]
            at = piece.text.find(quoted) if quoted else -1
            if at >= 0:
                self.verbatim.append((offset + at, offset + at + len(quoted)))

    def render(self, raw: str) -> str:
        def swap(match: re.Match) -> str:
            if any(start <= match.start() < end for start, end in self.verbatim):
                return match.group(0)
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
        self.generators: dict[str, Generator] = build_generators(settings, self.embedding)

    def refresh(self, changed_documents: Collection[str] | None = None) -> None:
        """Pick up documents added, changed or removed since the last refresh (only those named, if given)."""
        with store_errors(self.settings):
            self.retriever.refresh(changed_documents)

    def retrieve(self, question: str, history: Sequence[str] = (), k: int | None = None,
                 query_vector: np.ndarray | None = None) -> list[Passage]:
        """The ranked passages; StoreUnavailable when the Chroma server has gone away. `query_vector`: the
        retrieval query's e5 vector, when the caller has it already."""
        with store_errors(self.settings):
            return self.retriever.retrieve(retrieval_query(question, history), k or self.settings.top_k,
                                           query_vector=query_vector)

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
        # Embedded once: the retriever searches with it and the extractive generator ranks sentences with it.
        query_vector = self.retriever.query_vector(query)
        passages = tuple(self.retrieve(question, history, k, query_vector))
        name = generator or self.settings.generator
        if not passages or max(p.dense or 0.0 for p in passages) < FOUND_THRESHOLD:
            yield Answer(question, language, NOT_FOUND[language], False, (), passages, name,
                         retrieval_query=query)
            return
        backend = self.generators.get(name)
        if backend is None:
            raise ValueError(unavailable(name, self.generators))
        request = GenerationRequest(question, query, language, passages, self.retriever.sentence_vectors(passages),
                                    query_vector)
        base = Answer(question, language, "", True, (), passages, name, complete=False, retrieval_query=query)
        if name == "extractive":
            yield from self._extractive(request, base)
        else:
            yield from self._grounded(backend, request, base)

    def _extractive(self, request: GenerationRequest, base: Answer) -> Iterator[Answer]:
        """The extractive answer, streamed (also the fallback for LLM answers that fail the checks)."""
        citations = Citations(request.passages)
        raw = ""
        for piece in self.generators["extractive"].generate(request):
            citations.note(piece, len(raw))
            raw += piece.text
            yield replace(base, text=citations.render(raw))
        final = citations.render(raw)
        built = citations.build()
        if not built:
            yield replace(base, text=NOT_FOUND[request.language], found=False, complete=True)
            return
        yield replace(base, text=final, citations=built, complete=True)

    def _grounded(self, backend: Generator, request: GenerationRequest, base: Answer) -> Iterator[Answer]:
        """An LLM's answer streamed as it arrives, then checked; a failed check falls back to extractive."""
        language = request.language
        shown = min(len(request.passages), grounding.PROMPT_PASSAGES)
        raw, pieces, first = "", 0, None
        started = time.perf_counter()
        try:
            for piece in backend.generate(request):
                first = first if first is not None else time.perf_counter() - started
                raw += piece.text
                pieces += 1
                yield replace(base, text=Citations(request.passages).render(grounding.tidy(raw, shown)))
        except GenerationError as error:
            reason = FALLBACK["error"][language].format(detail=str(error)[:200])
            yield from self._extractive(request, replace(base, fallback=reason))
            return
        elapsed = time.perf_counter() - started
        timing = {"first_token_s": round(first if first is not None else elapsed, 3), "tokens": pieces,
                  "generation_s": round(elapsed, 3)}
        base = replace(base, extra={**base.extra, **timing})
        checked = grounding.review(raw, request)
        # Retrieval already decided that the documents answer: a refusal is overruled (on the eval set the
        # 1.5B model's refusals were wrong 12 times out of 14; BENCHMARKS.md "Generators").
        if checked.refused or not checked.grounded:
            reason = FALLBACK["refused" if checked.refused else "ungrounded"][language]
            yield from self._extractive(request, replace(base, fallback=reason))
        else:
            yield replace(base, **_cited(checked.text, checked.quotes, request.passages), complete=True)


def _cited(text: str, quotes: Sequence[Quote], passages: Sequence[Passage]) -> dict:
    """Answer fields for a checked text: markers renumbered in citation order, citations with their quotes."""
    citations = Citations(passages)
    for quote in quotes:
        citations.note(Piece("", quote), 0)
    return {"text": citations.render(text), "citations": citations.build()}
