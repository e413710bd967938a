"""The eval set: the loader's checks (kentrag.eval.questions), and the committed set (eval/questions.jsonl)
against the corpus."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from kentrag.eval.metrics import passage_matches
from kentrag.eval.questions import EvalItem, EvalSetError, load_eval_set

pytestmark = pytest.mark.fast
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
            {"id": "q2", "question": "Bütçesi ne kadar?", "answer_any": [], "lang": "tr", "split": "near-miss"},
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
    assert (items[0].split, items[1].split) == (None, "near-miss")
    assert items[2].history == ("B40 atölyeleri ne zaman yapıldı?",)
    assert items[2].answer_any == ("40 representatives", "20 member cities")
    with pytest.raises(dataclasses.FrozenInstanceError):
        items[0].question = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        ('{"id": "q2", "question": "broken"', "not JSON (Expecting ',' delimiter)"),
        (json.dumps(["not", "an", "object"]), 'expected a JSON object, not ["not", "an", "object"]'),
        (json.dumps({k: v for k, v in _VALID.items() if k != "question"} | {"id": "q2"}), "missing field(s): question"),
        (json.dumps(_VALID | {"id": 7}), "'id' must be a non-empty string, not 7"),
        (json.dumps(_VALID | {"id": "q2", "question": ["Who?"]}),
         "'question' must be a non-empty string, not [\"Who?\"]"),
        (json.dumps(_VALID | {"id": "q2", "question": "  "}), "'question' must be a non-empty string, not \"  \""),
        (json.dumps(_VALID | {"id": "q2", "lang": "de"}), "'lang' must be \"tr\" or \"en\", not \"de\""),
        (json.dumps(_VALID | {"id": "q2", "answer_any": "Cemil Tugay"}),
         "'answer_any' must be a list of non-empty strings, not \"Cemil Tugay\""),
        (json.dumps(_VALID | {"id": "q2", "answer_any": ["ok", 3]}),
         "'answer_any' must be a list of non-empty strings, not [\"ok\", 3]"),
        (json.dumps({k: v for k, v in _VALID.items() if k != "doc"} | {"id": "q2"}),
         "'doc' must name the answering corpus file when 'answer_any' is not empty"),
        (json.dumps(_VALID | {"id": "q2", "answer_any": []}),
         "'doc' must be left out for an unanswerable item (empty 'answer_any')"),
        (json.dumps(_VALID | {"id": "q2", "history": "earlier question"}),
         "'history' must be a list of non-empty strings, not \"earlier question\""),
        (json.dumps(_VALID | {"id": "q2", "source": "dev"}), "unknown field(s): source"),
        (json.dumps(_VALID | {"id": "q2", "split": "dev"}), "'split' must be \"near-miss\", not \"dev\""),
        (json.dumps(_VALID | {"id": "q2", "split": "near-miss"}),
         "a near-miss item is unanswerable: 'answer_any' must be empty"),
        (json.dumps(_VALID), "duplicate id 'q1' (first on line 1)"),
    ],
)
def test_a_bad_line_is_named_with_its_file_and_number(tmp_path: Path, bad_line: str, problem: str) -> None:
    path = _write_jsonl(tmp_path / "set.jsonl", [_VALID, bad_line])
    with pytest.raises(EvalSetError) as caught:
        load_eval_set(path)
    assert str(caught.value) == f"{path}:2: {problem}"


def test_an_unusable_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "latin1.jsonl").write_bytes('{"question": "Kültürpark nerede?"}'.encode("latin-1"))
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    problems = {
        tmp_path / "missing.jsonl": "no such file",
        tmp_path: "a folder, not an eval file",
        tmp_path / "latin1.jsonl": "not UTF-8 text",
        tmp_path / "empty.jsonl": "no questions",
    }
    for path, problem in problems.items():
        with pytest.raises(EvalSetError, match=f"^{re.escape(f'{path}: {problem}')}"):
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


def test_eval_set_near_misses(eval_set: list[EvalItem]) -> None:
    """Near-miss questions: the corpus talks about the subject but never states the fact, in both languages."""
    near_misses = [item for item in eval_set if item.split == "near-miss"]
    assert len(near_misses) >= 15
    assert all(not item.answerable for item in near_misses)
    assert min(sum(item.lang == lang for item in near_misses) for lang in ("tr", "en")) >= 6


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
