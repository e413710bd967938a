"""`kentrag bench answers`: the extractive answer with the answer-sentence selector off (e5 cosine + keyword overlap,
the answer before the selector) and on, side by side, on XQuAD's odd-numbered articles.

Every question goes through `Assistant.ask`, the code path of `kentrag ask`, over a real index of all the odd
articles' paragraphs in one language (built by `ingest.sync.Syncer`, as `kentrag bench retrieval` builds its own).
Near misses are asked of a second index of the same paragraphs in which their answer sentences are deleted;
off-topic questions are questions of the even articles (whose paragraphs no index holds) asked of the first.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from kentrag.bench.answer_cases import (
    Answers,
    Case,
    Key,
    case,
    load_answers,
    near_miss_keys,
    near_miss_pool,
    odd_articles,
    quotes_answer,
    sample,
)
from kentrag.bench.data import XQUAD_DIR, Paragraph, key_of, load_squad
from kentrag.bench.indexes import CACHE_DIR, build_index
from kentrag.bench.retrieval import RESULTS_DIR
from kentrag.bench.table import markdown_table
from kentrag.index.store import Store
from tqdm import tqdm

from kentrag.answer.assistant import Assistant
from kentrag.answer.selector import CONFIG_FILE, SHIPPED_DIR, WEIGHTS_FILE, SelectorConfig
from kentrag.core.settings import Settings
from kentrag.train.selector_data import EVAL_PAIRS, PRODUCT_LANGUAGES, Corpus, load_xquad, question_keys

METHODS = {"selector off": False, "selector on": True}  # method → the `selector` setting
PAIRS = tuple(f"{a}→{b}" for a, b in EVAL_PAIRS)  # question language → paragraph language
ANSWERABLE, NEAR_MISS, OFF_TOPIC = "answerable", "near miss", "off topic"
SCORES = ("answer in 1st quote", "1st citation's paragraph", "refused answerable", "refused near miss",
          "refused off topic", "median s / answer")
NEAR_MISSES = 100  # near-miss questions per pair (the same ones in every pair); as many off-topic ones
SEED = 17
SMOKE_ARTICLES, SMOKE_QUESTIONS, SMOKE_NEAR_MISSES = 2, 6, 3


def shipped_selector() -> dict[str, object]:
    """Which selector the figures are made with: its trained layers, cosine weight, training command and weights'
    hash."""
    config = SelectorConfig.from_json((SHIPPED_DIR / CONFIG_FILE).read_text(encoding="utf-8"))
    weights = hashlib.sha256((SHIPPED_DIR / WEIGHTS_FILE).read_bytes()).hexdigest()[:12]
    return {"trained_layers": config.trained_layers, "cosine_weight": config.cosine_weight,
            "command": config.training.get("command"), "weights_sha256": weights}


def paragraphs_of(language: str, articles: tuple[int, ...]) -> list[Paragraph]:
    """The paragraphs of `articles` in `language`, as `kentrag bench retrieval` writes them for ingest."""
    dataset = load_squad(XQUAD_DIR / f"xquad.{language}.json", max(articles) + 1)
    if dataset.language != language:
        raise ValueError(f"xquad.{language}.json reads as {dataset.language}")
    return [p for p in dataset.paragraphs if p.key[0] in articles]


def assistants(store: Store) -> dict[str, Assistant]:
    """An extractive Assistant over the store per method."""
    built = {}
    for method, selector in METHODS.items():
        built[method] = Assistant(store.settings.with_overrides(selector=selector, generator="extractive"), store)
        if selector and built[method].ranker.selector is None:
            raise RuntimeError(f"no answer-sentence selector in {SHIPPED_DIR}")
    return built


def ask(assistant: Assistant, question: Case) -> dict[str, object]:
    """One answer, timed: whether it was found, its first quote holds the gold answer, and its first citation is
    the gold paragraph."""
    started = time.perf_counter()
    answer = assistant.ask(question.question)
    seconds = time.perf_counter() - started
    first = answer.citations[0] if answer.found and answer.citations else None
    return {"qid": question.key[2], "found": answer.found, "seconds": seconds,
            "answer_in_first_quote": first is not None and quotes_answer(first.quote, question.answer),
            "first_citation_paragraph": first is not None and key_of(first.passage.doc_id) == question.paragraph}


def ask_all(methods: dict[str, Assistant], questions: list[Case], pair: str, kind: str) -> list[dict]:
    """Every question asked of every method in turn (so a change in the machine's load hits both alike)."""
    rows = []
    for question in tqdm(questions, desc=f"{pair} {kind}", unit="q", file=sys.stderr):
        rows += [{"pair": pair, "kind": kind, "method": method, **ask(assistant, question)}
                 for method, assistant in methods.items()]
    return rows


def evaluate(corpus: Corpus, answers: Answers, articles: tuple[int, ...], asked: dict[str, list[Key]],
             settings: Settings, cache_dir: Path) -> list[dict]:
    """One row per (pair, question, method): per paragraph language, the answerable and the off-topic questions over
    the full index, then the near misses over the index without their answer sentences."""
    rows = []
    for b in PRODUCT_LANGUAGES:
        paragraphs = paragraphs_of(b, articles)
        near = asked[NEAR_MISS]
        variants = ((ANSWERABLE, paragraphs, asked[ANSWERABLE], f"answers-{b}"),
                    (OFF_TOPIC, paragraphs, asked[OFF_TOPIC], f"answers-{b}"),
                    (NEAR_MISS, near_miss_pool(paragraphs, corpus, near), near, f"answers-{b}-near-miss"))
        for kind, pool, keys, name in variants:
            methods = assistants(build_index(pool, settings, name, cache_dir))
            for a in (a for a, paragraph_language in EVAL_PAIRS if paragraph_language == b):
                rows += ask_all(methods, [case(corpus, answers, a, b, key) for key in keys], f"{a}→{b}", kind)
    return rows


def share(rows: list[dict], field: str) -> float:
    """The share of rows whose `field` is true."""
    return sum(bool(r[field]) for r in rows) / len(rows)


def summarise(rows: list[dict]) -> dict[str, dict[str, dict[str, float]]]:
    """pair → method → score (and the numbers of questions), pairs in PAIRS order."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["pair"], row["method"]].append(row)
    summary: dict[str, dict[str, dict[str, float]]] = {pair: {} for pair in PAIRS}
    for (pair, method), group in groups.items():
        answerable = [r for r in group if r["kind"] == ANSWERABLE]
        near = [r for r in group if r["kind"] == NEAR_MISS]
        off_topic = [r for r in group if r["kind"] == OFF_TOPIC]
        summary[pair][method] = {
            "answer in 1st quote": share(answerable, "answer_in_first_quote"),
            "1st citation's paragraph": share(answerable, "first_citation_paragraph"),
            "refused answerable": 1.0 - share(answerable, "found"),
            "refused near miss": 1.0 - share(near, "found"),
            "refused off topic": 1.0 - share(off_topic, "found"),
            "median s / answer": statistics.median(r["seconds"] for r in group),
            "answerable": len(answerable), "near misses": len(near),
        }
    return summary


def print_report(summary: dict, selector: dict[str, object]) -> None:
    """One table: a row per pair and method."""
    counts = summary[PAIRS[0]]["selector on"]
    print(f"\n### Answers on XQuAD odd articles ({counts['answerable']} answerable questions, "
          f"{counts['near misses']} near misses and as many off-topic questions per pair)\n")
    print(f"selector: {selector['trained_layers']} trained layers, cosine weight {selector['cosine_weight']:g}, "
          f"weights {selector['weights_sha256']}, `{selector['command']}`\n")
    rows = [[pair, method, *(scores[s] for s in SCORES)] for pair in PAIRS for method, scores in summary[pair].items()]
    print(markdown_table(["pair", "method", *SCORES], rows))


def question_counts(smoke: bool, questions: int | None) -> tuple[int | None, int]:
    """Answerable questions per pair (None: all) and near misses per pair (no more than the answerable)."""
    asked = questions or (SMOKE_QUESTIONS if smoke else None)
    most = SMOKE_NEAR_MISSES if smoke else NEAR_MISSES
    return asked, min(most, asked or most)


def run_answers(smoke: bool, questions: int | None, settings: Settings, cache_dir: Path = CACHE_DIR) -> dict:
    """Run the benchmark, print its table and return the summary (also saved under bench/results/)."""
    corpus = load_xquad(XQUAD_DIR, PRODUCT_LANGUAGES)
    answers = load_answers(XQUAD_DIR, PRODUCT_LANGUAGES)
    articles = odd_articles(corpus, SMOKE_ARTICLES if smoke else None)
    keys = question_keys(corpus, articles)
    asked, near_misses = question_counts(smoke, questions)
    near = near_miss_keys(corpus, answers, keys, near_misses, SEED)
    off_topic = sample(question_keys(corpus, tuple(article - 1 for article in articles)), near_misses, SEED)
    selector = shipped_selector()  # before the run: the weights it loads
    started = time.perf_counter()
    questions = {ANSWERABLE: sample(keys, asked, SEED), NEAR_MISS: near, OFF_TOPIC: off_topic}
    rows = evaluate(corpus, answers, articles, questions, settings, cache_dir)
    summary = summarise(rows)
    print_report(summary, selector)
    seconds = time.perf_counter() - started
    print(f"\n{len(rows)} answers in {seconds:.0f} s")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"answers-{'smoke-' if smoke else ''}{stamp}.json").write_text(json.dumps(
        {"selector": selector, "articles": articles, "seconds": seconds, "summary": summary, "rows": rows},
        ensure_ascii=False, indent=1))
    return summary
