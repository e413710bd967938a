"""Run an eval set through the assistant (the same code path as `ask` and the app) and score it."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from kentrag.eval.metrics import (
    aggregate,
    answer_words,
    citation_precision,
    lead_text,
    passage_matches,
    ranking_metrics,
)
from kentrag.eval.questions import NEAR_MISS, EvalItem, load_eval_set
from tqdm import tqdm

from kentrag.answer.answers import Answer
from kentrag.core.language import detect_language
from kentrag.core.settings import Settings

DEFAULT_SET = Path(__file__).with_name("questions.jsonl")
RANKING_DEPTH = 10
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "answer_match", "citation_precision", "refusal_accuracy")
# Shares of refused answers: of the unanswerable items, of the near-miss ones among them, of the answerable ones.
REFUSALS = ("refused_unanswerable", "refused_near_miss", "wrongly_refused")
# Streaming speed of LLM generators (from Answer.extra; absent for the extractive one).
TIMINGS = ("first_token_s", "tokens_per_s")


class EmptyIndex(RuntimeError):
    """The index holds no documents, so every score would be a meaningless 0."""


def _timings(extra: dict) -> dict:
    if "first_token_s" not in extra:
        return {}
    decoding = extra["generation_s"] - extra["first_token_s"]
    rate = (extra["tokens"] - 1) / decoding if extra["tokens"] > 1 and decoding > 0 else None
    return {"first_token_s": extra["first_token_s"], "tokens_per_s": rate}


def score_item(item: EvalItem, answer: Answer, doc_languages: dict[str, str]) -> dict:
    """Metrics of one answered item (retrieval metrics only for answerable items)."""
    row: dict = {"id": item.id, "lang": item.lang, "found": answer.found, "follow_up": bool(item.history),
                 "split": item.split}
    row["refusal_accuracy"] = answer.found == item.answerable
    row["wrongly_refused" if item.answerable else "refused_unanswerable"] = not answer.found
    if item.split == NEAR_MISS:
        row["refused_near_miss"] = not answer.found
    if answer.found:
        lead = lead_text(answer.text)
        row["answer_words"] = answer_words(answer.text)
        row["language_match"] = bool(lead) and detect_language(lead) == item.lang
    if item.doc:
        row["doc_lang"] = doc_languages.get(item.doc)
        row["cross_lingual"] = row["doc_lang"] is not None and row["doc_lang"] != item.lang
    if item.answerable:
        row.update(ranking_metrics([passage_matches(p.text, item.answer_any) for p in answer.passages[:RANKING_DEPTH]]))
        row["answer_match"] = answer.found and passage_matches(answer.text, item.answer_any)
    row["citation_precision"] = citation_precision([c.passage.text for c in answer.citations], item.answer_any)
    # What each citation points at (page: null for unpaged documents), to check an answer by hand.
    row["citations"] = [{"doc_id": c.passage.doc_id, "page": c.passage.page, "page_end": c.passage.page_end}
                        for c in answer.citations]
    row.update(_timings(answer.extra))
    return row


def _splits(rows: list[dict]) -> dict[str, dict]:
    groups = {
        "tr": [r for r in rows if r["lang"] == "tr"],
        "en": [r for r in rows if r["lang"] == "en"],
        "same_language": [r for r in rows if r.get("cross_lingual") is False],
        "cross_lingual": [r for r in rows if r.get("cross_lingual")],
        "follow_up": [r for r in rows if r["follow_up"]],
        "unanswerable": [r for r in rows if "hit@1" not in r],
        NEAR_MISS: [r for r in rows if r["split"] == NEAR_MISS],
    }
    return {name: {"n": len(group), **aggregate(group, METRICS + REFUSALS)} for name, group in groups.items()
            if group}


def _answers(rows: list[dict]) -> dict:
    """What the found answers read like: median words ([n] left out) and the share whose own words (outside
    the quotes) are in the question's language."""
    words = [r["answer_words"] for r in rows if "answer_words" in r]
    return {"answer_words": statistics.median(words) if words else None,
            "answer_language_match": aggregate(rows, ["language_match"])["language_match"]}


def run_eval(settings: Settings, eval_set: Path | None = None, generator: str | None = None,
             show_progress: bool = True) -> dict:
    """Answer every item and return overall and per-split metrics plus per-item rows. Before answering:
    EvalSetError for an eval set that cannot be used, EmptyIndex for an index without documents,
    GeneratorUnavailable for a generator this configuration does not offer."""
    from kentrag.index.store import Store

    from kentrag.answer.assistant import Assistant
    from kentrag.answer.registry import pick

    items = load_eval_set(eval_set or DEFAULT_SET)
    store = Store(settings)
    assistant = Assistant(settings, store)
    doc_languages = {doc_id: entry.language for doc_id, entry in store.manifest_entries().items()}
    if not doc_languages:
        raise EmptyIndex(f"the index in {settings.data_dir} holds no documents: run `kentrag ingest` first")
    pick(assistant.generators, generator or settings.generator)
    rows = []
    started = time.perf_counter()
    for item in tqdm(items, desc="eval", unit="question", disable=not show_progress, file=sys.stderr):
        asked = time.perf_counter()
        answer = assistant.ask(item.question, item.history, k=max(RANKING_DEPTH, settings.top_k),
                               generator=generator)
        rows.append({**score_item(item, answer, doc_languages), "seconds": time.perf_counter() - asked})
    elapsed = time.perf_counter() - started
    return {
        "n": len(rows), **aggregate(rows, METRICS + REFUSALS), **_answers(rows), **aggregate(rows, TIMINGS),
        "splits": _splits(rows), "generator": generator or settings.generator,
        "seconds_per_question": round(elapsed / max(1, len(rows)), 3),
        "seconds_p50": round(statistics.median(r["seconds"] for r in rows), 3), "items": rows,
    }


def print_report(report: dict) -> None:
    """The metrics as a table: overall, then each split."""
    columns = ("n", *METRICS)
    header = f"{'split':<15}" + "".join(f"{c:>19}" for c in columns)
    print(header)
    print("-" * len(header))
    for name, values in [("all", report), *report["splits"].items()]:
        cells = [(column, values.get(column)) for column in columns]
        print(f"{name:<15}" + "".join(f"{'—' if v is None else (v if c == 'n' else f'{v:.3f}'):>19}" for c, v in cells))
    figures = {key: "—" if report.get(key) is None else f"{report[key]:.3f}" for key in REFUSALS}
    print(f"\nrefused: unanswerable {figures['refused_unanswerable']}, near-miss {figures['refused_near_miss']}, "
          f"answerable (wrongly) {figures['wrongly_refused']}")
    if report.get("answer_words") is not None:
        print(f"found answers: median {report['answer_words']} words, own words in the question's language "
              f"{report['answer_language_match']:.3f}")
    print(f"generator: {report['generator']}, {report['seconds_per_question']} s per question "
          f"(median {report['seconds_p50']} s)")
    if report.get("first_token_s") is not None:
        print(f"time to first token {report['first_token_s']:.2f} s, {report['tokens_per_s'] or 0:.1f} tokens/s")
