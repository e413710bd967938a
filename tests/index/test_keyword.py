"""The keyword index (index.keyword) and its tokens: Turkish-aware BM25 on plain texts, no model, no Chroma."""

from __future__ import annotations

import math

import numpy as np
import pytest
from kentrag.index.keyword import K1, B, KeywordIndex, best_rows

from kentrag.core.language import keyword_tokens

pytestmark = pytest.mark.fast


def test_keyword_tokens_fold_turkish_capitals_and_cut_suffixes() -> None:
    assert keyword_tokens("İSTANBUL'DA") == keyword_tokens("istanbul'da") == ["istan", "da"]
    assert keyword_tokens("ISPARTA") == keyword_tokens("Isparta") == keyword_tokens("ısparta")
    assert keyword_tokens("Belediyesinin", prefix=0) == ["belediyesinin"]


def test_keyword_index_matches_across_case_and_suffixes() -> None:
    index = KeywordIndex(["İzmir Büyükşehir Belediyesi parkları", "Bursa su idaresi", "Ankara metro hattı"])
    assert index.top("IZMIR belediye", 1)[0][0] == 0
    assert index.top("izmir'deki parklar", 1)[0][0] == 0
    assert index.top("Bursa'nın suyu", 1)[0][0] == 1
    assert index.top("metrosu", 1)[0][0] == 2
    assert index.top("zzz", 3) == []


def test_bm25_scores_follow_the_okapi_formula() -> None:
    """Scores summed from the sparse arrays equal Okapi BM25 written out term by term."""
    texts = ["İzmir parkları açıldı", "parklar parklar ve bahçeler", "metro hattı", "İzmir metro parkı"]
    index = KeywordIndex(texts)
    tokens = [keyword_tokens(t) for t in texts]
    average = sum(map(len, tokens)) / len(tokens)
    query = keyword_tokens("izmir parkları metro")

    def idf(term: str) -> float:
        frequency = sum(1 for d in tokens if term in d)
        return math.log1p((len(tokens) - frequency + 0.5) / (frequency + 0.5))

    def bm25(doc: list[str]) -> float:
        return sum(idf(term) * doc.count(term) * (K1 + 1) / (doc.count(term) + K1 * (1 - B + B * len(doc) / average))
                   for term in set(query))

    expected = [bm25(doc) for doc in tokens]
    assert index.scores("izmir parkları metro") == pytest.approx(expected, rel=1e-5)
    full_match = sum(idf(term) for term in set(query))
    assert index.matched_share("izmir parkları metro") == pytest.approx([e / full_match for e in expected], rel=1e-5)
    assert index.scores("zzz").tolist() == [0.0] * 4
    assert index.matched_share("zzz").tolist() == [0.0] * 4


def test_a_patched_index_scores_as_one_built_from_its_texts() -> None:
    """Dropping texts and adding new ones gives the scores of an index built from the result; tokens only the
    dropped texts held match nothing."""
    texts = ["İzmir parkları açıldı", "Bursa su idaresi", "metro hattı", "İzmir metro parkı"]
    keep = np.array([True, False, True, True])
    new = ["Bursa'da yeni metro", "kütüphane haftası"]
    patched = KeywordIndex(texts).patched(keep, new)
    built = KeywordIndex([t for t, kept in zip(texts, keep) if kept] + new)
    for query in ("izmir metro", "Bursa su", "kütüphane", "idaresi"):
        assert patched.matched_share(query) == pytest.approx(built.matched_share(query), rel=1e-6)
    assert patched.scores("idaresi").tolist() == [0.0] * 5


def test_an_empty_index_scores_nothing() -> None:
    index = KeywordIndex([])
    assert len(index.scores("izmir")) == 0 and len(index.matched_share("izmir")) == 0


def test_best_rows_are_the_positive_scores_best_first() -> None:
    scores = np.array([0.2, 0.0, 0.7, 0.2, 0.5])
    assert best_rows(scores, 2) == [(2, 0.7), (4, 0.5)]
    assert best_rows(scores, 10) == [(2, 0.7), (4, 0.5), (0, 0.2), (3, 0.2)]  # equal scores in row order
    assert best_rows(np.zeros(3), 2) == [] and best_rows(scores, 0) == []
