"""The values that cross layers: a retrieved passage, the result of one retrieval, a quoted sentence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """Stable chunk id: the same document content always gives the same ids."""
    return f"{doc_id}#{content_hash[:12]}#{index}"


def following_chunk_id(of: str) -> str:
    """The id the chunk after chunk `of` of the same document version has (it may not exist)."""
    version, index = of.rsplit("#", 1)
    return f"{version}#{int(index) + 1}"


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its place in the source document and its retrieval scores."""

    chunk_id: str
    doc_id: str
    title: str
    source: str
    language: str
    text: str
    start_char: int
    end_char: int
    score: float = 0.0  # fused, centred within its language (kentrag.index.scoring)
    dense: float | None = None  # e5 cosine of the chunk
    keyword: float | None = None  # BM25 as a share of a full match
    sentence: float | None = None  # e5 cosine of its best sentence; None without sentence vectors
    page: int | None = None  # first page (1-based) of a paged document (PDF, slides, sheets); None otherwise
    page_end: int | None = None  # last page, page_end >= page

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Retrieval:
    """Everything one question's retrieval found, read from one snapshot of the index: generators rank
    sentences with the same vectors the retriever searched with, and never ask the index again."""

    language: str  # the question's language, "tr" or "en"
    query: str  # what was searched: the question, with earlier turns for a follow-up
    query_vector: np.ndarray | None  # e5, float32; None when nothing was searched (empty question or index)
    use_query_vector: np.ndarray | None  # USE, float32; None when USE was not needed or is off
    passages: tuple[Passage, ...] = ()  # best first
    # The stored e5 vectors of each passage's sentences (kentrag.core.sentences.sentence_texts order), by chunk id;
    # a passage is missing when the index holds no sentence vectors.
    sentence_vectors: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    """A sentence an answer rests on: passage number (1-based), its span in that passage's text, and the
    answer-sentence selector's probability that it answers (None when not scored)."""

    n: int
    start: int
    end: int
    support: float | None = None
