"""The default generator: quote the passage sentences that answer the question, verbatim, each with [n].

Fast and faithful: nothing is said that a source does not say word for word. Sentences are ranked by
the embedding model's similarity to the question plus keyword overlap with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from kentrag.answer.base import GenerationRequest, Piece, Quote
from kentrag.core.language import is_stopword, keyword_tokens, tokenize_words
from kentrag.core.sentences import sentence_spans

LEADS = {
    "tr": "Belgelere göre:",
    "en": "According to the documents:",
}
OTHER_LANGUAGE_NOTE = {
    "tr": "(Kaynak İngilizce; alıntılar özgün dilinde.)",
    "en": "(The source is in Turkish; quotes are in the original language.)",
}
PASSAGES_READ = 4
MAX_QUOTES = 3
# A further quote must score within this margin of the best one.
QUOTE_MARGIN = 0.035
OVERLAP_WEIGHT = 0.15


def _content_tokens(text: str) -> set[str]:
    """Keyword tokens of the words that are not function words."""
    return {token for word in tokenize_words(text) if not is_stopword(word) for token in keyword_tokens(word)}


@dataclass(frozen=True)
class _Candidate:
    n: int
    start: int
    end: int
    text: str
    score: float


class ExtractiveGenerator:
    """Quotes the best-matching sentences of the top passages."""

    name = "extractive"

    def __init__(self, embedding) -> None:
        self.embedding = embedding

    def generate(self, request: GenerationRequest) -> Iterator[Piece]:
        chosen = self.select(request)
        yield Piece(LEADS.get(request.language, LEADS["en"]))
        languages = {request.passages[c.n - 1].language for c in chosen}
        if languages and request.language not in languages:
            yield Piece(" " + OTHER_LANGUAGE_NOTE.get(request.language, OTHER_LANGUAGE_NOTE["en"]))
        for candidate in chosen:
            yield Piece(f"\n\n“{candidate.text}” [{candidate.n}]", Quote(candidate.n, candidate.start, candidate.end))

    def select(self, request: GenerationRequest) -> list[_Candidate]:
        """The sentences to quote, the best match first."""
        candidates = self._candidates(request)
        if not candidates:
            return []
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0]
        chosen = [c for c in ranked[:MAX_QUOTES] if c.score >= best.score - QUOTE_MARGIN]
        follower = self._follower(best, candidates, request.question)
        if follower:
            # The answer often runs on into the next sentence: quote both as one verbatim span.
            text = request.passages[best.n - 1].text[best.start:follower.end]
            chosen = [_Candidate(best.n, best.start, follower.end, text, best.score) if c is best else c
                      for c in chosen if c is not follower]
        return sorted(chosen, key=lambda c: c.score, reverse=True)

    def _sentence_vectors(self, spans: list[tuple[int, int, int, str]], stored: np.ndarray | None) -> list:
        """e5 vectors of one passage's sentences: the stored ones when they match its sentences, else embedded
        now (embedding them was most of an answer's time: 0.20 s per eval question against 0.04 s stored)."""
        if stored is not None and len(stored) == len(spans):
            return list(stored)
        return self.embedding.get_text_embedding_batch([s[3] for s in spans]) if spans else []

    @staticmethod
    def _follower(best: _Candidate, candidates: list[_Candidate], question: str) -> _Candidate | None:
        """The sentence right after `best` in its passage, when it shares a content word with the question."""
        index = candidates.index(best)
        if index + 1 >= len(candidates) or candidates[index + 1].n != best.n:
            return None
        follower = candidates[index + 1]
        shares = _content_tokens(question) & _content_tokens(follower.text)
        return follower if shares and follower.start >= best.end else None

    def _candidates(self, request: GenerationRequest) -> list[_Candidate]:
        spans, vectors = [], []
        for n, passage in enumerate(request.passages[:PASSAGES_READ], start=1):
            passage_spans = [(n, start, end, passage.text[start:end]) for start, end in sentence_spans(passage.text)]
            spans.extend(passage_spans)
            vectors.extend(self._sentence_vectors(passage_spans, request.sentence_vectors.get(passage.chunk_id)))
        if not spans:
            return []
        query = request.query_vector
        if query is None:
            query = np.asarray(self.embedding.get_query_embedding(request.retrieval_query), dtype=np.float32)
        similarity = np.asarray(vectors, dtype=np.float32) @ query
        question_tokens = _content_tokens(request.retrieval_query)
        candidates = []
        for (n, start, end, text), dense in zip(spans, similarity):
            overlap = len(question_tokens & _content_tokens(text)) / max(1, len(question_tokens))
            candidates.append(_Candidate(n, start, end, text, float(dense) + OVERLAP_WEIGHT * overlap))
        return candidates
