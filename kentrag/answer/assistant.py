"""Question → retrieval → decision to answer → generated answer with citations.

The one code path behind `kentrag ask`, the eval, the app and its API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace

from kentrag.answer import grounding
from kentrag.answer.answers import Answer
from kentrag.answer.base import GenerationRequest, Generator, Piece
from kentrag.answer.changes import IndexChanges
from kentrag.answer.citations import Citation, Citations
from kentrag.answer.found import answers_question
from kentrag.answer.llm import GenerationError
from kentrag.answer.ranking import Ranking, SentenceRanker
from kentrag.answer.registry import FALLBACK, build_generators, pick
from kentrag.answer.selector import AnswerSelector
from kentrag.core.embedding import load_embedding
from kentrag.core.language import detect_language
from kentrag.core.settings import Settings
from kentrag.core.texts import phrase
from kentrag.core.types import Retrieval
from kentrag.index.retriever import HybridRetriever
from kentrag.index.store import Store, store_errors

# How many of a refused question's closest passages are shown as related, but not an answer.
RELATED_SHOWN = 3


def related(ranking: Ranking) -> tuple[Citation, ...]:
    """A refused answer's closest passages, each with its best sentence and that sentence's support."""
    shown = []
    for passage in ranking.passages[:RELATED_SHOWN]:
        best = ranking.best_of(passage)
        quote = (best.quote, best.start, best.end, best.probability) if best else ("", -1, -1, None)
        shown.append(Citation(len(shown) + 1, passage, *quote))
    return tuple(shown)


class Assistant:
    """Answers questions over one index."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings)
        self.embedding = load_embedding(settings)
        self._refreshing = threading.Lock()  # one refresh at a time: each patches the snapshot the last one made
        self.changes = IndexChanges(self.store, self.refresh)  # another process's writes, before the snapshot's
        self.retriever = HybridRetriever(self.store, self.embedding)
        selector = AnswerSelector.load(settings) if settings.selector else None  # None: logged why
        self.ranker = SentenceRanker(self.embedding, selector)
        self.generators: dict[str, Generator] = build_generators(settings, self.ranker)

    def refresh(self, changed_documents: Collection[str] | None = None) -> None:
        """Pick up documents added, changed or removed since the last refresh (only those named, if given)."""
        with self._refreshing, store_errors(self.settings):
            self.retriever.refresh(changed_documents)

    def retrieve(self, question: str, history: Sequence[str] = (), k: int | None = None) -> Retrieval:
        """What the index holds for the question (a follow-up searched with its earlier turns), best passages
        first; StoreUnavailable when the Chroma server has gone away. Another process's writes to the index are
        picked up first (`IndexChanges`)."""
        self.changes.look()
        with store_errors(self.settings):
            return self.retriever.retrieve(question, history, k or self.settings.top_k)

    def ask(self, question: str, history: Sequence[str] = (), k: int | None = None,
            generator: str | None = None) -> Answer:
        """The complete answer."""
        *_, final = self.stream(question, history, k, generator)
        return final

    def stream(self, question: str, history: Sequence[str] = (), k: int | None = None,
               generator: str | None = None) -> Iterator[Answer]:
        """Answers growing piece by piece; the last one has `complete=True`. GeneratorUnavailable when the
        documents answer but the generator asked for is not available."""
        question = (question or "").strip()
        if not question:
            language = detect_language(question)
            yield Answer(question, language, phrase("not_found", language), found=False)
            return
        retrieval = self.retrieve(question, history, k)
        name = generator or self.settings.generator
        base = Answer(question, retrieval.language, "", True, (), retrieval.passages, name, complete=False,
                      retrieval_query=retrieval.query)
        not_found = replace(base, text=phrase("not_found", retrieval.language), found=False, complete=True)
        if not answers_question(retrieval):  # the cheap check first: nothing near in meaning
            yield not_found
            return
        backend = pick(self.generators, name)
        ranking = self.ranker.rank(question, retrieval)
        if not ranking.answering:  # near, but no sentence answers: a near miss
            yield replace(not_found, passages=ranking.passages, related=related(ranking))
            return
        retrieval = replace(retrieval, passages=ranking.passages)
        base = replace(base, passages=ranking.passages)
        request = GenerationRequest(question, retrieval, ranking)
        if backend.verbatim:
            yield from self._quoted(backend.generate(request), request, base)
        else:
            yield from self._checked(backend, request, base)

    @staticmethod
    def _quoted(pieces: Iterable[Piece], request: GenerationRequest, base: Answer) -> Iterator[Answer]:
        """An answer of quotes (after a checked short answer, or not), streamed; it stands as it is (not found when
        it quotes nothing)."""
        citations = Citations(request.passages)
        raw = ""
        for piece in pieces:
            citations.note(piece, len(raw))
            raw += piece.text
            yield replace(base, text=citations.render(raw))
        final = citations.render(raw)
        built = citations.build()
        if not built:
            yield replace(base, text=phrase("not_found", request.language), found=False, complete=True)
            return
        yield replace(base, text=final, citations=built, complete=True)

    def _checked(self, backend: Generator, request: GenerationRequest, base: Answer) -> Iterator[Answer]:
        """A language model's short answer, checked before it is shown (kentrag.answer.grounding): followed by the
        quotes it rests on when they hold its every number and name; not found when the model says they do not
        answer (a second refusal, after the selector's); else, and when the model fails, the quoting generator's
        answer with a note saying why."""
        pieces: list[Piece] = []
        first = None
        started = time.perf_counter()
        try:
            for piece in backend.generate(request):
                first = first if first is not None else time.perf_counter() - started
                pieces.append(piece)
        except GenerationError as error:
            reason = phrase("fallback_error", request.language, detail=str(error)[:200])
            yield from self._fallback(request, base, reason)
            return
        elapsed = time.perf_counter() - started
        checked = grounding.review(pieces, request.passages)
        timing = {"first_token_s": round(first if first is not None else elapsed, 3),
                  "tokens": len(pieces) - len(checked.quotes), "generation_s": round(elapsed, 3)}
        base = replace(base, extra={**base.extra, **timing})
        if checked.refused:
            yield replace(base, text=phrase("not_found", request.language), found=False, complete=True,
                          related=related(request.ranking))
        elif checked.unsupported:
            facts = ", ".join(checked.unsupported)
            yield from self._fallback(request, base, phrase("fallback_unsupported", request.language, facts=facts))
        else:
            yield from self._quoted(checked.pieces, request, base)

    def _fallback(self, request: GenerationRequest, base: Answer, reason: str) -> Iterator[Answer]:
        """The quoting generator's answer, noting why a language model's is not shown."""
        quotes = self.generators[FALLBACK].generate(request)
        return self._quoted(quotes, request, replace(base, fallback=reason))
