"""The default generator: quote the passage sentences that answer the question, verbatim, each with [n].

Fast and faithful: nothing is said that a source does not say word for word. The sentences come ranked
(kentrag.answer.ranking): with the answer-sentence selector the answer leads with the best sentence that passes
its threshold and adds another only when that one passes on its own too (a list question) and scores nearly as well
as the lead; without it, the best sentences by e5 cosine and keyword overlap within a margin of the best, as before
the selector. Either way the lead runs on into the next sentence when that continues the answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from kentrag.answer.base import GenerationRequest, Piece
from kentrag.answer.quotes import whole_sentences
from kentrag.answer.ranking import Sentence, SentenceRanker, content_tokens
from kentrag.core.texts import phrase
from kentrag.core.types import Passage, Quote

MAX_QUOTES = 3
# A further quote must score within this margin of the best one. Without the selector (e5 cosine + overlap):
QUOTE_MARGIN = 0.035
# With it (its combined score + overlap), besides passing its threshold: passing alone let 2-3 quotes through
# where one held the answer (eval set, cosine weight 2: citation precision 0.456, answer match 0.709, median 75
# words; with this margin 0.566, 0.691, 50 words; 0.1: 0.585, 0.673; 0.3: 0.538, 0.691; BENCHMARKS.md "Answers").
SELECTOR_QUOTE_MARGIN = 0.2


def number(passages: Sequence[Passage], sentence: Sentence) -> int:
    """The [n] of the passage a sentence is quoted from (its 1-based position in the request's passages)."""
    return next(n for n, p in enumerate(passages, start=1) if p.chunk_id == sentence.passage.chunk_id)


def quoted(passages: Sequence[Passage], sentence: Sentence) -> Piece:
    """A sentence as an answer quotes it: verbatim in quotation marks after a blank line, with its [n] and Quote."""
    n = number(passages, sentence)
    return Piece(f"\n\n“{sentence.quote}” [{n}]", Quote(n, sentence.start, sentence.end, sentence.probability))


def runs_on(lead: Sentence, question: str) -> Sentence:
    """The lead, run on into the sentence right after it on the same line (one verbatim span) when that one shares
    a content word with the question: an answer often continues there ("two workshops were held … In these
    workshops, the Smart Cities … and … working groups discussed …")."""
    text = lead.passage.text
    after = next(((a, b) for a, b, _ in whole_sentences(text) if a >= lead.end), None)
    if after is None or text[lead.end:after[0]].strip() or "\n" in text[lead.end:after[0]]:
        return lead
    shares = content_tokens(question) & content_tokens(text[after[0]:after[1]])
    return replace(lead, end=after[1]) if shares else lead


def choose(sentences: Sequence[Sentence], question: str, margin: float) -> list[Sentence]:
    """The sentences to quote, the best first, its lead run on (`runs_on`): those within `margin` of the best,
    MAX_QUOTES at most."""
    if not sentences:
        return []
    best = sentences[0]
    chosen = [s for s in sentences[:MAX_QUOTES] if s.score >= best.score - margin]
    lead = runs_on(best, question)
    apart = [s for s in chosen[1:]
             if s.passage.chunk_id != lead.passage.chunk_id or not lead.start <= s.start < lead.end]
    return [lead, *apart]


class ExtractiveGenerator:
    """Quotes the best sentences of the top passages."""

    name = "extractive"
    verbatim = True

    def __init__(self, ranker: SentenceRanker) -> None:
        self.ranker = ranker  # ranks the sentences of a request that comes without its ranking

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        chosen = self.select(request)
        yield Piece(phrase("quotes_lead", request.language))
        languages = {s.passage.language for s in chosen}
        if languages and request.language not in languages:
            yield Piece(" " + phrase("quotes_other_language", request.language))
        for sentence in chosen:
            yield quoted(request.passages, sentence)

    def select(self, request: GenerationRequest) -> list[Sentence]:
        """The sentences to quote, the best first: with the selector those that pass their threshold and score
        nearly as well as the best, else the best ones by e5 cosine and keyword overlap."""
        ranking = request.ranking or self.ranker.rank(request.question, request.retrieval)
        if self.ranker.selector is None:
            return choose(ranking.sentences, request.question, QUOTE_MARGIN)
        return choose(ranking.answering, request.question, SELECTOR_QUOTE_MARGIN)
