"""Run an eval set through the assistant (the same code path as `ask` and the app) and score it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

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
from tqdm import tqdm

from kentrag.core.settings import Settings

DEFAULT_SET = Path(__file__).with_name("questions.jsonl")
RANKING_DEPTH = 10
METRICS = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "answer_match", "citation_precision", "refusal_accuracy")
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


def score_item(item: EvalItem, answer, doc_languages: dict[str, str]) -> dict:
    """Metrics of one answered item (retrieval metrics only for answerable items)."""
    row: dict = {"id": item.id, "lang": item.lang, "found": answer.found, "follow_up": bool(item.history)}
    row["refusal_accuracy"] = answer.found == item.answerable
    if item.doc:
        row["doc_lang"] = doc_languages.get(item.doc)
        row["cross_lingual"] = row["doc_lang"] is not None and row["doc_lang"] != item.lang
    if item.answerable:
        relevant = [passage_matches(p.text, item.answer_any) for p in answer.passages[:RANKING_DEPTH]]
        row.update({
            "hit@1": hit_at_k(relevant, 1), "hit@3": hit_at_k(relevant, 3), "hit@5": hit_at_k(relevant, 5),
            "mrr@10": mrr_at_k(relevant, 10), "ndcg@10": ndcg_at_k(relevant, 10),
            "answer_match": answer.found and passage_matches(answer.text, item.answer_any),
        })
    row["citation_precision"] = citation_precision([c.passage.text for c in answer.citations], item.answer_any)
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
    }
    return {name: {"n": len(group), **aggregate(group, METRICS)} for name, group in groups.items() if group}


def run_eval(settings: Settings, eval_set: Path | None = None, generator: str | None = None,
             show_progress: bool = True) -> dict:
    """Answer every item and return overall and per-split metrics plus per-item rows."""
    from kentrag.index.store import Store

    from kentrag.answer.assistant import Assistant

    items = load_eval_set(eval_set or DEFAULT_SET)
    store = Store(settings)
    assistant = Assistant(settings, store)
    doc_languages = {doc_id: entry.language for doc_id, entry in store.manifest_entries().items()}
    if not doc_languages:
        raise EmptyIndex(f"the index in {settings.data_dir} holds no documents: run `kentrag ingest` first")
    rows = []
    started = time.perf_counter()
    for item in tqdm(items, desc="eval", unit="question", disable=not show_progress, file=sys.stderr):
        answer = assistant.ask(item.question, item.history, k=max(RANKING_DEPTH, settings.top_k),
                               generator=generator)
        rows.append(score_item(item, answer, doc_languages))
    elapsed = time.perf_counter() - started
    return {
        "n": len(rows),
        **aggregate(rows, METRICS),
        **aggregate(rows, TIMINGS),
        "splits": _splits(rows),
        "generator": generator or settings.generator,
        "seconds_per_question": round(elapsed / max(1, len(rows)), 3),
        "items": rows,
    }


def print_report(report: dict) -> None:
    """The metrics as a table: overall, then each split."""
    columns = ("n", *METRICS)
    header = f"{'split':<15}" + "".join(f"{c:>19}" for c in columns)
    print(header)
    print("-" * len(header))
    for name, values in [("all", report), *report["splits"].items()]:
        cells = []
        for column in columns:
            value = values.get(column)
            cells.append(f"{'—' if value is None else (value if column == 'n' else f'{value:.3f}'):>19}")
        print(f"{name:<15}" + "".join(cells))
    print(f"\ngenerator: {report['generator']}, {report['seconds_per_question']} s per question")
    if report.get("first_token_s") is not None:
        print(f"time to first token {report['first_token_s']:.2f} s, {report['tokens_per_s'] or 0:.1f} tokens/s")
