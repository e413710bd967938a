"""The eval metrics (kentrag.eval.metrics) on hand-computed values."""

from __future__ import annotations

import math

import pytest
from kentrag.eval.metrics import (
    aggregate,
    answer_words,
    citation_precision,
    hit_at_k,
    lead_text,
    mrr_at_k,
    ndcg_at_k,
    passage_matches,
    ranking_metrics,
)
from kentrag.eval.questions import EvalItem
from kentrag.eval.runner import score_item

from kentrag.answer.answers import Answer
from kentrag.answer.citations import Citation
from kentrag.core.types import Passage

pytestmark = pytest.mark.fast


# ---------------------------------------------------------------- passage_matches


def test_passage_matches_is_case_insensitive_substring() -> None:
    text = "Two workshops have been held in Istanbul on 20-25 June 2022."
    assert passage_matches(text, ["20-25 june 2022"])
    assert passage_matches(text, ["nothing here", "HELD IN"])
    assert not passage_matches(text, ["21-25 June 2022"])


def test_passage_matches_uses_turkish_casefolding() -> None:
    assert passage_matches("Akın KISA ve Dursun Yıldırım BAYAR katıldı.", ["Akın Kısa"])
    assert passage_matches("Mayor Ekrem İMAMOĞLU greeted the participants", ["Ekrem İmamoğlu"])
    assert passage_matches("İZMİR TEKNOLOJİ standında", ["izmir teknoloji"])
    # English capitals: Turkish casefolding gives "ı" for "I"; the dot is ignored when matching.
    assert passage_matches("ISTANBUL WORKSHOPS", ["Istanbul workshops"])
    assert passage_matches("Istanbul Card Application", ["ISTANBUL CARD"])


def test_passage_matches_folds_quotes_and_whitespace() -> None:
    text = "Kültürpark’taki İzmir Teknoloji\n standında düzenlenen imza töreninde"
    assert passage_matches(text, ["Kültürpark'taki İzmir Teknoloji standında"])
    assert passage_matches("the “teknoloji” teması ile", ['"teknoloji" teması'])


def test_passage_matches_empty_answers_never_match() -> None:
    assert not passage_matches("any text at all", [])
    assert not passage_matches("any text at all", ["", "   "])


# ---------------------------------------------------------------- ranking metrics


def test_hit_at_k() -> None:
    assert hit_at_k([False, True], 1) == 0.0
    assert hit_at_k([False, True], 2) == 1.0
    assert hit_at_k([False, True], 10) == 1.0
    assert hit_at_k([], 5) == 0.0
    assert hit_at_k([False, False, False], 3) == 0.0


def test_mrr_at_k() -> None:
    assert mrr_at_k([True, True]) == 1.0
    assert mrr_at_k([False, False, True]) == pytest.approx(1 / 3)
    assert mrr_at_k([False, False, True], k=2) == 0.0
    assert mrr_at_k([False, True, True, True]) == 0.5
    assert mrr_at_k([]) == 0.0


def test_ndcg_at_k_hand_computed() -> None:
    assert ndcg_at_k([True]) == 1.0
    assert ndcg_at_k([True, False]) == 1.0
    assert ndcg_at_k([False, True]) == pytest.approx(1 / math.log2(3))
    # DCG = 1/log2(3) + 1/log2(4); ideal (2 relevant) = 1 + 1/log2(3).
    assert ndcg_at_k([False, True, True]) == pytest.approx((1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([True, False, True, True]) == pytest.approx(
        (1 + 0.5 + 1 / math.log2(5)) / (1 + 1 / math.log2(3) + 0.5)
    )


def test_ndcg_at_k_caps_ideal_at_k() -> None:
    # Three relevant items but k=2: the ideal ranking has 2 relevant items in the top 2.
    assert ndcg_at_k([True, True, True], k=2) == 1.0
    assert ndcg_at_k([False, True, True], k=2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    # The only relevant item is beyond k.
    assert ndcg_at_k([False, False, True], k=2) == 0.0


def test_ndcg_at_k_without_relevant_items_is_zero() -> None:
    assert ndcg_at_k([]) == 0.0
    assert ndcg_at_k([False, False, False]) == 0.0


def test_ranking_metrics_are_the_eval_columns() -> None:
    relevances = [False, False, True]
    assert ranking_metrics(relevances) == {"hit@1": 0.0, "hit@3": 1.0, "hit@5": 1.0, "mrr@10": mrr_at_k(relevances),
                                           "ndcg@10": ndcg_at_k(relevances)}


@pytest.mark.parametrize("metric", [hit_at_k, mrr_at_k, ndcg_at_k])
@pytest.mark.parametrize("k", [0, -1])
def test_ranking_metrics_reject_non_positive_k(metric, k: int) -> None:
    with pytest.raises(ValueError):
        metric([True], k)


# ---------------------------------------------------------------- citation_precision / aggregate


def test_citation_precision() -> None:
    answers = ["Cemil Tugay"]
    assert citation_precision([], answers) is None
    assert citation_precision(["Başkan Dr. CEMİL TUGAY konuştu"], answers) == 1.0
    assert citation_precision(["Cemil Tugay imzaladı", "İSBAK hakkında"], answers) == 0.5
    assert citation_precision(["İSBAK hakkında", "fuar"], answers) == 0.0
    assert citation_precision(["some cited passage"], []) == 0.0


def test_aggregate_ignores_none_and_missing() -> None:
    rows = [
        {"id": "a", "hit@5": 1.0, "mrr@10": 0.5, "citation_precision": None},
        {"id": "b", "hit@5": 0.0, "mrr@10": 1.0, "citation_precision": 0.5},
        {"id": "c", "hit@5": True, "mrr@10": None},
    ]
    result = aggregate(rows, ["hit@5", "mrr@10", "citation_precision", "absent"])
    assert result["hit@5"] == pytest.approx(2 / 3)
    assert result["mrr@10"] == pytest.approx(0.75)
    assert result["citation_precision"] == pytest.approx(0.5)
    assert result["absent"] is None
    assert aggregate([], ["hit@5"]) == {"hit@5": None}


def test_aggregate_rejects_non_numeric_values() -> None:
    with pytest.raises(TypeError):
        aggregate([{"hit@5": "yes"}], ["hit@5"])


def test_a_scored_row_names_what_each_citation_points_at() -> None:
    pdf = Passage("r.pdf#0", "r.pdf", "Rapor", "r.pdf", "tr", "Protokol 2024'te imzalandı.", 0, 26, page=3, page_end=4)
    txt = Passage("n.txt#0", "n.txt", "Not", "n.txt", "tr", "Protokol imzalandı.", 0, 19)
    answer = Answer("Ne zaman?", "tr", "“Protokol 2024'te imzalandı.” [1] [2]", True,
                    (Citation(1, pdf), Citation(2, txt)), (pdf, txt))
    row = score_item(EvalItem("q1", "Ne zaman?", ("2024",), "tr", "r.pdf"), answer, {"r.pdf": "tr"})
    assert row["citations"] == [{"doc_id": "r.pdf", "page": 3, "page_end": 4},
                                {"doc_id": "n.txt", "page": None, "page_end": None}]
    assert row["hit@1"] and row["citation_precision"] == 0.5


# ---------------------------------------------------------------- what answers read like


def test_answer_words_leave_out_the_markers() -> None:
    assert answer_words("Belgelere göre:\n\n“Protokol 2024'te imzalandı.” [1] [2]") == 5
    assert answer_words("") == 0


def test_lead_text_is_what_is_outside_the_quotes() -> None:
    text = "According to the documents: (The source is in Turkish.)\n\n“Protokol imzalandı.” [1]\n\n“İki.” [2]"
    assert lead_text(text) == "According to the documents: (The source is in Turkish.)"
    assert lead_text('The protocol was signed in 2024 [1]; "it matters" [2].') == "The protocol was signed in 2024 ; ."
    nested = "According to the documents:\n\n“Bu yıl “teknoloji” teması ile fuar açıldı.” [1]"
    assert lead_text(nested) == "According to the documents:"


def test_a_scored_row_counts_refusals_words_and_the_answer_language() -> None:
    passage = Passage("n.txt#0", "n.txt", "Not", "n.txt", "tr", "Protokol 2024'te imzalandı.", 0, 26)
    found = Answer("When?", "en", "According to the documents:\n\n“Protokol 2024'te imzalandı.” [1]", True,
                   (Citation(1, passage),), (passage,))
    refused = Answer("Budget?", "en", "I could not find the answer.", False, (), (passage,))
    answered = score_item(EvalItem("q1", "When?", ("2024",), "en", "n.txt"), found, {"n.txt": "tr"})
    assert (answered["wrongly_refused"], answered["answer_words"], answered["language_match"]) == (False, 7, True)
    near_miss = score_item(EvalItem("q2", "Budget?", (), "en", split="near-miss"), refused, {})
    assert (near_miss["refused_unanswerable"], near_miss["refused_near_miss"]) == (True, True)
    assert "answer_words" not in near_miss and "wrongly_refused" not in near_miss
