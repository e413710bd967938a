"""Tests for eval.metrics and for the committed eval set (eval/questions.jsonl)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from kentrag.eval.metrics import (
    EvalItem,
    aggregate,
    citation_precision,
    hit_at_k,
    load_eval_set,
    mrr_at_k,
    ndcg_at_k,
    passage_matches,
)

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "eval" / "questions.jsonl"
CORPUS = ROOT / "corpus"
DOC_LANG = {
    "2017-09-belgrade-rijeka-world-smart-city-week.txt": "en",
    "2017-10-tdbb-smart-municipalism-cyber-security.txt": "en",
    "2022-06-b40-balkan-cities-istanbul-workshops.txt": "en",
    "2022-innoweek-tashkent-smart-cities-conference.txt": "tr",
    "2024-09-izmir-istanbul-technology-protocol.txt": "tr",
}


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


# ---------------------------------------------------------------- load_eval_set


def _write_jsonl(path: Path, records: list[object | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_VALID = {
    "id": "q1",
    "question": "Who signed it?",
    "answer_any": ["Cemil Tugay"],
    "lang": "en",
    "doc": "a.txt",
}


def test_load_eval_set_valid_file(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "set.jsonl",
        [
            _VALID,
            "",
            {"id": "q2", "question": "Bütçesi ne kadar?", "answer_any": [], "lang": "tr"},
            {
                "id": "q3",
                "question": "Kimler katıldı?",
                "answer_any": ["40 representatives", "20 member cities"],
                "lang": "tr",
                "doc": "b40.txt",
                "history": ["B40 atölyeleri ne zaman yapıldı?"],
            },
        ],
    )
    items = load_eval_set(path)
    assert [item.id for item in items] == ["q1", "q2", "q3"]
    assert items[0] == EvalItem("q1", "Who signed it?", ("Cemil Tugay",), "en", "a.txt", ())
    assert items[0].answerable
    assert not items[1].answerable and items[1].doc is None and items[1].history == ()
    assert items[2].history == ("B40 atölyeleri ne zaman yapıldı?",)
    assert items[2].answer_any == ("40 representatives", "20 member cities")
    with pytest.raises(dataclasses.FrozenInstanceError):
        items[0].question = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"id": "q2", "question": "broken"',
        json.dumps(["not", "an", "object"]),
        json.dumps({k: v for k, v in _VALID.items() if k != "question"} | {"id": "q2"}),
        json.dumps(_VALID | {"id": "q2", "question": "  "}),
        json.dumps(_VALID | {"id": "q2", "lang": "de"}),
        json.dumps(_VALID | {"id": "q2", "answer_any": "Cemil Tugay"}),
        json.dumps(_VALID | {"id": "q2", "answer_any": ["ok", 3]}),
        json.dumps({k: v for k, v in _VALID.items() if k != "doc"} | {"id": "q2"}),
        json.dumps(_VALID | {"id": "q2", "answer_any": []}),
        json.dumps(_VALID | {"id": "q2", "history": "earlier question"}),
        json.dumps(_VALID | {"id": "q2", "answers": ["typo field"]}),
        json.dumps(_VALID),  # duplicate id
    ],
)
def test_load_eval_set_reports_line_number(tmp_path: Path, bad_line: str) -> None:
    path = _write_jsonl(tmp_path / "set.jsonl", [_VALID, bad_line])
    with pytest.raises(ValueError, match=r"set\.jsonl:2: "):
        load_eval_set(path)


# ---------------------------------------------------------------- the committed eval set


@pytest.fixture(scope="module")
def eval_set() -> list[EvalItem]:
    return load_eval_set(EVAL_SET)


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    if not CORPUS.is_dir():
        pytest.fail(f"corpus folder missing: {CORPUS}")
    return {name: (CORPUS / name).read_text(encoding="utf-8") for name in DOC_LANG}


def test_eval_set_size_and_language_balance(eval_set: list[EvalItem]) -> None:
    assert len(eval_set) >= 44
    by_lang = {lang: sum(1 for item in eval_set if item.lang == lang) for lang in ("tr", "en")}
    for lang, count in by_lang.items():
        assert count >= 0.4 * len(eval_set), f"too few {lang} questions: {by_lang}"


def test_eval_set_covers_every_document(eval_set: list[EvalItem]) -> None:
    for item in eval_set:
        if item.doc is not None:
            assert item.doc in DOC_LANG, f"{item.id}: unknown doc {item.doc}"
    for doc in DOC_LANG:
        assert sum(1 for item in eval_set if item.doc == doc) >= 5, f"too few questions on {doc}"


def test_eval_set_cross_lingual(eval_set: list[EvalItem]) -> None:
    cross = [item for item in eval_set if item.doc is not None and item.lang != DOC_LANG[item.doc]]
    assert len(cross) >= 12
    tr_on_en = sum(1 for item in cross if item.lang == "tr")
    en_on_tr = sum(1 for item in cross if item.lang == "en")
    assert tr_on_en >= 4 and en_on_tr >= 4, (tr_on_en, en_on_tr)


def test_eval_set_unanswerable(eval_set: list[EvalItem]) -> None:
    unanswerable = [item for item in eval_set if not item.answerable]
    assert len(unanswerable) >= 6
    assert {item.lang for item in unanswerable} == {"tr", "en"}
    assert all(item.doc is None for item in unanswerable)


def test_eval_set_follow_ups(eval_set: list[EvalItem]) -> None:
    follow_ups = [item for item in eval_set if item.history]
    assert len(follow_ups) >= 4
    for item in follow_ups:
        assert item.answerable, item.id
        assert all(turn.strip().endswith("?") for turn in item.history), item.id
        # The follow-up is elliptical: short, leaning on the earlier turn for its subject.
        assert len(item.question.split()) <= 8, item.id


def test_eval_set_answers_verbatim_and_specific(
    eval_set: list[EvalItem], corpus_texts: dict[str, str]
) -> None:
    for item in eval_set:
        if item.doc is None:
            continue
        for answer in item.answer_any:
            assert answer in corpus_texts[item.doc], f"{item.id}: {answer!r} not verbatim in {item.doc}"
            assert len(answer) <= 60, f"{item.id}: answer string too long: {answer!r}"
            # Specific: a passage from another document must not count as relevant.
            others = [
                name
                for name, text in corpus_texts.items()
                if name != item.doc and passage_matches(text, [answer])
            ]
            assert not others, f"{item.id}: {answer!r} also occurs in {others}"
