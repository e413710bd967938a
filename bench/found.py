"""`kentrag bench found`: calibrates the found thresholds of kentrag.answer.assistant on XQuAD's even articles.

Every answerable question of each pair (tr→tr, en→en, tr→en, en→tr) is searched, through `Assistant.retrieve`, over
an index of all the even articles' paragraphs in the paragraph language; the e5 cosine of its closest passage is
the figure. A pair's calibrated threshold is the highest that still lets `FOUND_KEPT` of those questions through to
the sentence ranking. Odd articles stay unseen: `kentrag bench answers` measures the thresholds there.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from kentrag.bench.answer_cases import case, load_answers
from kentrag.bench.answers import PAIRS, paragraphs_of
from kentrag.bench.data import XQUAD_DIR
from kentrag.bench.indexes import CACHE_DIR, build_index
from kentrag.bench.retrieval import RESULTS_DIR
from kentrag.bench.table import markdown_table
from tqdm import tqdm

from kentrag.answer.assistant import Assistant
from kentrag.answer.found import found_threshold
from kentrag.core.settings import Settings
from kentrag.train.selector_data import EVAL_PAIRS, PRODUCT_LANGUAGES, load_xquad, question_keys, split_articles

FOUND_KEPT = 0.98  # share of answerable dev questions a calibrated threshold lets through
SMOKE_ARTICLES, SMOKE_QUESTIONS = 2, 6


def calibrated(cosines: list[float], kept: float = FOUND_KEPT) -> float:
    """The highest threshold (to 0.005, rounded down) that `kept` of the cosines reach."""
    return float(np.floor(np.quantile(cosines, 1.0 - kept) / 0.005) * 0.005)


def closest_cosines(assistant: Assistant, questions: list[str], label: str) -> list[float]:
    """Each question's e5 cosine with its closest retrieved passage."""
    cosines = []
    for question in tqdm(questions, desc=label, unit="q", file=sys.stderr):
        cosines.append(max((p.dense or 0.0 for p in assistant.retrieve(question).passages), default=0.0))
    return cosines


def run_found(smoke: bool, settings: Settings) -> dict[str, dict[str, float]]:
    """Per pair: the calibrated threshold, the one in use and the share of dev questions each lets through."""
    corpus = load_xquad(XQUAD_DIR, PRODUCT_LANGUAGES)
    answers = load_answers(XQUAD_DIR, PRODUCT_LANGUAGES)
    articles = split_articles(len(next(iter(corpus.values()))), dev_articles=0).train
    articles = articles[:SMOKE_ARTICLES] if smoke else articles
    keys = question_keys(corpus, articles)[:SMOKE_QUESTIONS if smoke else None]
    started = time.perf_counter()
    summary = {}
    for b in PRODUCT_LANGUAGES:
        store = build_index(paragraphs_of(b, articles), settings, f"found-{b}", CACHE_DIR)
        assistant = Assistant(store.settings.with_overrides(selector=False, generator="extractive"), store)
        for a in (a for a, paragraph_language in EVAL_PAIRS if paragraph_language == b):
            questions = [case(corpus, answers, a, b, key).question for key in keys]
            cosines = closest_cosines(assistant, questions, f"{a}→{b}")
            in_use = found_threshold(a, b)
            summary[f"{a}→{b}"] = {"questions": len(cosines), "calibrated": calibrated(cosines), "in use": in_use,
                                   "through at the threshold in use": float(np.mean(np.array(cosines) >= in_use))}
    print(f"\n### Found thresholds: e5 cosine of the closest passage, XQuAD even articles ({len(keys)} questions "
          f"per pair; calibrated: the highest that lets {FOUND_KEPT:.0%} through)\n")
    print(markdown_table(["pair", *next(iter(summary.values()))], [[p, *summary[p].values()] for p in PAIRS]))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"found-{'smoke-' if smoke else ''}{stamp}.json").write_text(json.dumps(
        {"articles": articles, "seconds": time.perf_counter() - started, "summary": summary}, indent=1))
    return summary
