"""The candidate answer sentences of the top passages, scored, and what they decide: whether the documents answer,
which sentences are quoted, and the order of the passages.

With the answer-sentence selector (kentrag.answer.selector) a sentence's combined score is its probability + w ×
e5 cosine (w chosen on XQuAD dev articles, in selector.json); it answers only when that passes the threshold
calibrated for its language pair, and sentences rank by how far they pass it. Without the selector
(KENTRAG_SELECTOR=off or no weights) a sentence scores e5 cosine alone and every sentence may answer. Keyword
overlap with the question is added to both, so no language pair ranks worse than on e5 cosine and keywords
alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from kentrag.answer.answer_kinds import asked_kind, holds_kind, names_other_part
from kentrag.answer.names import asked_names, folded_words, resembles
from kentrag.answer.quotes import (
    cut_off,
    depends_on_heading,
    distinct,
    heading_start,
    shown,
    title_line,
    whole_sentences,
)
from kentrag.answer.selector import AnswerSelector, Candidate
from kentrag.core.language import is_stopword, keyword_tokens, tokenize_words
from kentrag.core.sentences import list_end, sentence_spans
from kentrag.core.types import Passage, Retrieval

PASSAGES_READ = 5
OVERLAP_WEIGHT = 0.15
# The selector reads this many sentences, the best by e5 cosine and keyword overlap: each costs about as much as
# a retrieval (a cross-encoder pass); on the eval set the answer sentence it picks is always among them.
SELECTOR_READS = 6
# Added to the selector's thresholds (calibrated to refuse 5 % of answerable XQuAD dev paragraphs): on the eval
# set, the largest margin that still refuses at most 5 % of the answerable questions (BENCHMARKS.md "The cosine
# weight: 6, chosen on dev": 0.15 refuses 2 of 55 and 13 of 24 near misses, 0.2 refuses 3 of 55).
THRESHOLD_MARGIN = 0.15


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence: the span of its passage that is quoted (with the heading it depends on), the
    sentence and context the selector reads, and its scores."""

    passage: Passage
    start: int
    end: int
    text: str
    context: str = ""  # the heading the sentence sits under, else the sentence before it in the passage
    cosine: float = 0.0  # e5, with the vector the retriever searched with
    overlap: float = 0.0  # share of the question's content words it holds
    probability: float | None = None  # the selector's; None without it
    score: float = 0.0  # ranks it: combined score above its pair's threshold (or e5 cosine) + keyword overlap
    # Answers on its own: reaches its pair's threshold, holds the kind of answer asked for, does not name only the
    # other part of the event asked about, and its document names what the question asks about (always, without
    # the selector).
    passes: bool = True

    @property
    def quote(self) -> str:
        """The quoted span as it is shown (kentrag.answer.quotes.shown)."""
        return shown(self.passage.text[self.start:self.end])


@dataclass(frozen=True)
class Ranking:
    """One question's candidate sentences, best first, and the passages in the order their numbers follow."""

    passages: tuple[Passage, ...]
    sentences: tuple[Sentence, ...] = ()

    @property
    def answering(self) -> tuple[Sentence, ...]:
        """The sentences that answer on their own (pass their threshold), best first: none means refuse."""
        return tuple(s for s in self.sentences if s.passes)

    def best_of(self, passage: Passage) -> Sentence | None:
        """The best sentence of a passage (None when all of its sentences were repeats or fragments)."""
        return next((s for s in self.sentences if s.passage.chunk_id == passage.chunk_id), None)


def content_tokens(text: str) -> set[str]:
    """Keyword tokens of the words that are not function words."""
    return {token for word in tokenize_words(text) if not is_stopword(word) for token in keyword_tokens(word)}


@dataclass(frozen=True)
class Quotable:
    """A sentence of a passage that may be quoted: the span quoted (from its heading on, when it depends on it),
    where the sentence itself starts, the positions of the `sentence_spans` it is made of (its heading's
    included), and the context the selector reads with it."""

    start: int
    sentence_start: int
    end: int
    spans: tuple[int, ...]
    context: str


def passage_sentences(passage: Passage) -> list[Quotable]:
    """The whole sentences of a passage that may be quoted: not one the chunk's end cut off, not a heading (a
    short line above a blank line and a sentence: that sentence's context), not the document's title line (the
    selector reads the title with every sentence, and a title states no fact: "Belgrade and Rijeka at the World
    Smart City Summit …" answered "Belgrad hangi ödülü aldı?"). A sentence that depends on its heading is quoted
    from the heading on, one that introduces a list with its items; the context is the heading, else the sentence
    before."""
    text = passage.text
    sentences = whole_sentences(text)
    by_start = {start: (end, spans) for start, end, spans in sentences}
    quotable, headings = [], set()
    for n, (start, end, spans) in enumerate(sentences):
        heading = heading_start(text, start)
        if heading is not None and text[heading:start].count("\n") >= 2:
            headings.add(heading)
        if heading is not None and depends_on_heading(text[heading:start], text[start:end]):
            headings.add(heading)
            quotable.append(Quotable(heading, start, end, by_start.get(heading, (0, ()))[1] + spans,
                                     text[heading:start]))
        else:
            context = text[heading:start] if heading is not None else text[slice(*sentences[n - 1][:2])] if n else ""
            quotable.append(Quotable(start, start, end, spans, context))
    return [with_list(text, sentences, q) for q in quotable
            if q.sentence_start not in headings and not cut_off(text, q.sentence_start, q.end)
            and not title_line(text, q.start, q.end, passage.title)]


def with_list(text: str, sentences: Sequence[tuple[int, int, tuple[int, ...]]], quotable: Quotable) -> Quotable:
    """A sentence that introduces a list with a colon, quoted with the list's items (core.sentences.list_end): alone it
    says only that there is a list ("… four pillars of creating a super app which are as follows:")."""
    end = list_end(text, quotable.end)
    if end is None:
        return quotable
    items = tuple(i for start, stop, spans in sentences if quotable.end <= start and stop <= end for i in spans)
    return replace(quotable, end=end, spans=quotable.spans + items)


def unnamed_documents(question: str, passages: Sequence[Passage]) -> frozenset[str]:
    """The documents of the passages that mention none of the names the question asks about (names.asked_names)
    in their title or retrieved passages, when another one does: their sentences answer another subject's
    question ("When was the expert conference in Tashkent held?" / a date of a programme in Istanbul). When no
    document names them, none is left out: the documents may write them in their own language (Varşova /
    Warsaw)."""
    names = asked_names(question, "\n".join(f"{passage.title}\n{passage.text}" for passage in passages))
    if not names:
        return frozenset()
    words: dict[str, set[str]] = {}
    for passage in passages:
        words.setdefault(passage.doc_id, folded_words(passage.title)).update(folded_words(passage.text))
    unnamed = frozenset(doc for doc, held in words.items() if not any(resembles(held, name) for name in names))
    return unnamed if len(unnamed) < len(words) else frozenset()


def reordered(passages: Sequence[Passage], sentences: Sequence[Sentence]) -> tuple[Passage, ...]:
    """The passages ordered by their best sentence's score; passages without a scored sentence after them, in
    retrieval order."""
    best: dict[str, float] = {}
    for sentence in sentences:
        best.setdefault(sentence.passage.chunk_id, sentence.score)  # sentences come best first
    return tuple(sorted(passages, key=lambda p: (p.chunk_id not in best, -best.get(p.chunk_id, 0.0))))


class SentenceRanker:
    """Scores the candidate sentences of a retrieval's top passages (the selector loaded once, by the caller)."""

    def __init__(self, embedding, selector: AnswerSelector | None = None) -> None:
        self.embedding = embedding  # embeds what the retrieval did not bring: sentences, the query
        self.selector = selector

    def rank(self, question: str, retrieval: Retrieval) -> Ranking:
        """The candidate sentences of the top passages, best first, without repeats or fragments; with the
        selector, the passages re-ordered by their best sentence."""
        candidates = self._candidates(retrieval)
        keep = distinct([c.text for c in candidates])
        unnamed = unnamed_documents(question, retrieval.passages) if self.selector else frozenset()
        scored = self._scored(question, retrieval.language, [candidates[i] for i in keep], unnamed)
        ranked = tuple(sorted(scored, key=lambda s: s.score, reverse=True))
        passages = reordered(retrieval.passages, ranked) if self.selector else retrieval.passages
        return Ranking(passages, ranked)

    def _candidates(self, retrieval: Retrieval) -> list[Sentence]:
        """Every sentence that may be quoted from the top passages, with its e5 cosine and keyword overlap with
        what was searched (the question, with a follow-up's earlier turns)."""
        query = retrieval.query_vector
        question_tokens = content_tokens(retrieval.query)
        candidates = []
        for passage in retrieval.passages[:PASSAGES_READ]:
            vectors = self._sentence_vectors(passage, retrieval.sentence_vectors.get(passage.chunk_id))
            if query is None and len(vectors):
                query = np.asarray(self.embedding.get_query_embedding(retrieval.query), dtype=np.float32)
            for q in passage_sentences(passage):
                quoted = content_tokens(passage.text[q.start:q.end])
                overlap = len(question_tokens & quoted) / max(1, len(question_tokens))
                # A sentence is as near as its nearest part: a line of it, or the heading it is quoted with ("B40
                # Young City Representatives Summit" / "will be planned … between August 22nd - 27th").
                cosine = max(float(vectors[i] @ query) for i in q.spans)
                text = passage.text[q.sentence_start:q.end]
                candidates.append(Sentence(passage, q.start, q.end, text, q.context, cosine, overlap))
        return candidates

    def _sentence_vectors(self, passage: Passage, stored: np.ndarray | None) -> np.ndarray:
        """e5 vectors of a passage's sentences: the stored ones when they match its sentences, else embedded
        now (embedding them would be most of an answer's time)."""
        texts = [passage.text[a:b] for a, b in sentence_spans(passage.text)]
        if stored is not None and len(stored) == len(texts):
            return np.asarray(stored, dtype=np.float32)
        vectors = self.embedding.get_text_embedding_batch(texts) if texts else []
        return np.asarray(vectors, dtype=np.float32)

    def _scored(self, question: str, language: str, candidates: list[Sentence],
                unnamed: frozenset[str] = frozenset()) -> list[Sentence]:
        """The candidates with their scores: e5 cosine + keyword overlap; with the selector, the SELECTOR_READS
        best of them by that score, scored instead by how far their combined score lies above their language
        pair's threshold, + keyword overlap. e5 cosines run higher within a language than across, so raw combined
        scores would rank a sentence in the question's language above a better one in the other; each pair's
        threshold refuses the same share of answerable dev paragraphs, which makes the distances comparable. A
        sentence passes when it lies far enough above, holds the kind of answer asked for (a date, a count, a sum),
        does not name only the other part of the event asked about (its opening, for the closing) and its document
        is not among the `unnamed` ones."""
        by_e5 = [replace(c, score=c.cosine + OVERLAP_WEIGHT * c.overlap) for c in candidates]
        if self.selector is None or not candidates:
            return by_e5
        candidates = sorted(by_e5, key=lambda c: c.score, reverse=True)[:SELECTOR_READS]
        read = [Candidate(shown(c.text), shown(c.passage.title), shown(c.context)) for c in candidates]
        probabilities = self.selector.probabilities(question, read)
        combined = self.selector.combined(probabilities, np.array([c.cosine for c in candidates]))
        kind = asked_kind(question)
        scored = []
        for c, p, s in zip(candidates, probabilities, combined):
            above = float(s) - self.selector.threshold(language, c.passage.language)
            quote = c.quote  # shown() once for both checks
            as_asked = (holds_kind(kind, quote) and not names_other_part(question, quote)
                        and c.passage.doc_id not in unnamed)
            scored.append(replace(c, probability=float(p), score=above + OVERLAP_WEIGHT * c.overlap,
                                  passes=above >= THRESHOLD_MARGIN and as_asked))
        return scored
