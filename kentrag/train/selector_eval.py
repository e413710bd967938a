"""How well a selector picks and vouches for answer sentences, on XQuAD groups.

Per language pair and score (e5 cosine alone, the selector's probability, and probability + w × cosine):
top-1 = the best-scored sentence of the gold paragraph holds the answer; AUC = how well the best sentence's score
tells the paragraph with its answer sentence from the same paragraph with that sentence deleted (near-miss).
Thresholds are the best-sentence score below which `REFUSE_ANSWERABLE` of answerable dev paragraphs fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import rankdata
from tqdm import tqdm

from kentrag.answer.selector import AnswerSelector
from kentrag.core.embedding import resolve_model_path
from kentrag.core.settings import DEFAULT_MODEL, Settings
from kentrag.train.selector_data import Corpus, Group, Split, evaluation_groups

SCORES = ("cosine", "probability", "combined")
REFUSE_ANSWERABLE = 0.05  # share of answerable dev paragraphs a threshold may refuse
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "
# Cosine weights of the combined score that dev chooses from (kentrag/answer/selector.py SelectorConfig).
COSINE_WEIGHTS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


@dataclass(frozen=True)
class ScoredGroup:
    """A group's labels, e5 cosines and selector probabilities (also once its answer sentences are deleted), and
    the cosine weight of its combined score."""

    labels: np.ndarray
    cosine: np.ndarray
    probability: np.ndarray
    probability_deleted: np.ndarray  # the sentences whose context changes once the answer is deleted differ
    cosine_weight: float

    def scores(self, kind: str, answer_deleted: bool = False) -> np.ndarray:
        """Every candidate's score of this kind (`cosine`, `probability` or `combined`)."""
        probability = self.probability_deleted if answer_deleted else self.probability
        return {"cosine": self.cosine, "probability": probability,
                "combined": probability + self.cosine_weight * self.cosine}[kind]

    def absent_best(self, kind: str) -> float:
        """The best score once the answer sentences are deleted (NaN when no sentence would be left)."""
        rest = self.labels == 0
        return float(self.scores(kind, answer_deleted=True)[rest].max()) if rest.any() else float("nan")


def e5_cosines(embedder, groups: Sequence[Group]) -> list[np.ndarray]:
    """Cosine of each question ("query: ") with each candidate sentence ("passage: ", without context)."""
    sentences = sorted({c.sentence for g in groups for c in g.candidates})
    row = {s: i for i, s in enumerate(sentences)}
    kwargs = {"normalize_embeddings": True, "batch_size": 32, "show_progress_bar": False}
    passages = embedder.encode([PASSAGE_PREFIX + s for s in sentences], **kwargs)
    questions = embedder.encode([QUERY_PREFIX + g.question for g in groups], **kwargs)
    return [passages[[row[c.sentence] for c in g.candidates]] @ q for g, q in zip(groups, questions)]


def score_groups(selector: AnswerSelector, embedder, groups: Sequence[Group], label: str = "") -> list[ScoredGroup]:
    """Scores of every group's candidates (and near-miss variants) by the three kinds."""
    cosines = e5_cosines(embedder, groups)
    scored = []
    for group, cosine in zip(tqdm(groups, desc=f"scoring {label}", unit="question"), cosines):
        n, moved = len(group.candidates), sorted(group.near_misses)
        both = selector.probabilities(group.question, [*group.candidates, *(group.near_misses[k] for k in moved)])
        deleted = both[:n].copy()
        deleted[moved] = both[n:]
        scored.append(ScoredGroup(np.asarray(group.labels), cosine, both[:n], deleted, selector.config.cosine_weight))
    return scored


def with_cosine_weight(scored: Sequence[ScoredGroup], weight: float) -> list[ScoredGroup]:
    """The same groups, combined with another cosine weight."""
    return [replace(s, cosine_weight=weight) for s in scored]


def choose_cosine_weight(dev: dict[tuple[str, str], Sequence[ScoredGroup]],
                         weights: Sequence[float] = COSINE_WEIGHTS) -> float:
    """The weight that does the selector's two jobs best on dev, averaged over language pairs: picking an answer
    sentence first (top-1) plus refusing near misses at the thresholds calibrated with it (ties: the smallest).
    Top-1 alone keeps rising on dev with the weight while near misses refused fall (BENCHMARKS.md "The cosine
    weight")."""

    def merit(weight: float) -> float:
        values = []
        for scored in dev.values():
            weighted = with_cosine_weight(scored, weight)
            threshold = calibrate(weighted)["combined"]
            values.append(metrics(weighted)["combined"]["top1"]
                          + refusals(weighted, "combined", threshold)["near_miss_refused"])
        return round(float(np.mean(values)), 6)

    return max(weights, key=lambda w: (merit(w), -w))


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive scores above a negative), ties counted half (Mann-Whitney)."""
    ranks = rankdata(np.concatenate([positives, negatives]))
    n1, n0 = len(positives), len(negatives)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def present_absent(scored: Sequence[ScoredGroup], kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Best scores of the paragraphs with their answer, and of the same paragraphs without it (where any is left)."""
    present = np.array([s.scores(kind).max() for s in scored])
    absent = np.array([s.absent_best(kind) for s in scored])
    return present, absent[~np.isnan(absent)]


def metrics(scored: Sequence[ScoredGroup]) -> dict[str, dict[str, float]]:
    """Top-1 and answer-present vs answer-deleted AUC per score kind."""
    out = {}
    for kind in SCORES:
        top1 = float(np.mean([s.labels[int(np.argmax(s.scores(kind)))] for s in scored]))
        out[kind] = {"top1": top1, "auc": auc(*present_absent(scored, kind))}
    return out


def calibrate(scored: Sequence[ScoredGroup]) -> dict[str, float]:
    """Per score kind, the threshold that refuses REFUSE_ANSWERABLE of these answerable paragraphs."""
    return {kind: float(np.quantile(present_absent(scored, kind)[0], REFUSE_ANSWERABLE)) for kind in SCORES}


def refusals(scored: Sequence[ScoredGroup], kind: str, threshold: float) -> dict[str, float]:
    """Share of answerable paragraphs refused and of near-miss paragraphs (answer deleted) refused."""
    present, absent = present_absent(scored, kind)
    return {"answerable_refused": float(np.mean(present < threshold)),
            "near_miss_refused": float(np.mean(absent < threshold))}


def results_table(results: dict[str, dict]) -> str:
    """A Markdown table of `metrics` (and `refusals` where present) per language pair."""
    lines = [
        "| pair | top-1 cosine | top-1 probability | top-1 combined | AUC cosine | AUC probability | AUC combined "
        "| refused answerable / near-miss (combined) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pair, result in results.items():
        m = result["metrics"]
        cells = [f"{m[k]['top1']:.3f}" for k in SCORES] + [f"{m[k]['auc']:.3f}" for k in SCORES]
        r = result.get("refusals", {}).get("combined")
        cells.append(f"{r['answerable_refused']:.3f} / {r['near_miss_refused']:.3f}" if r else "")
        lines.append(f"| {pair} ({result['questions']} q) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(selector: AnswerSelector, settings: Settings, corpus: Corpus, split: Split,
             eval_questions: int | None = None) -> tuple[float, dict, dict]:
    """The cosine weight and thresholds chosen on dev (even) articles, then metrics and refusals on test (odd)
    articles."""
    from sentence_transformers import SentenceTransformer

    embedder = SentenceTransformer(resolve_model_path(settings.with_overrides(embedding_model=DEFAULT_MODEL)),
                                   device="cpu")
    dev = evaluation_groups(corpus, split.dev, eval_questions)
    dev_scored = {(a, b): score_groups(selector, embedder, groups, f"dev {a}→{b}") for (a, b), groups in dev.items()}
    weight = choose_cosine_weight(dev_scored)
    dev_scored = {pair: with_cosine_weight(scored, weight) for pair, scored in dev_scored.items()}
    thresholds: dict[str, dict[str, float]] = {"probability": {}, "combined": {}}
    pooled = calibrate([s for scored in dev_scored.values() for s in scored])
    for (a, b), scored in dev_scored.items():
        for kind, value in calibrate(scored).items():
            if kind in thresholds:
                thresholds[kind][f"{a}-{b}"] = round(value, 4)
    for kind in thresholds:
        thresholds[kind]["default"] = round(pooled[kind], 4)
    results = {}
    for (a, b), groups in evaluation_groups(corpus, split.test, eval_questions).items():
        scored = with_cosine_weight(score_groups(selector, embedder, groups, f"test {a}→{b}"), weight)
        key = f"{a}-{b}"
        results[f"{a}→{b}"] = {
            "questions": len(groups),
            "metrics": metrics(scored),
            "refusals": {kind: refusals(scored, kind, thresholds[kind][key]) for kind in thresholds},
        }
    return weight, thresholds, results
