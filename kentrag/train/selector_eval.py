"""How well a selector picks and vouches for answer sentences, on XQuAD groups.

Per language pair and score (e5 cosine alone, the selector's probability, and probability + w × cosine):
top-1 = the best-scored sentence of the gold paragraph holds the answer; AUC = how well the best sentence's score
tells the paragraph with its answer sentence from the same paragraph with that sentence deleted (near-miss).
Thresholds are the best-sentence score below which `REFUSE_ANSWERABLE` of answerable dev paragraphs fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from tqdm import tqdm

from kentrag.answer.selector import AnswerSelector
from kentrag.train.selector_data import Group

SCORES = ("cosine", "probability", "combined")
REFUSE_ANSWERABLE = 0.05  # share of answerable dev paragraphs a threshold may refuse
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "


@dataclass(frozen=True)
class ScoredGroup:
    """A group's candidate scores (per kind) and its best score once the answer sentences are deleted."""

    labels: np.ndarray
    scores: dict[str, np.ndarray]
    absent_best: dict[str, float]  # NaN when no sentence would be left


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
        probability, without = both[:n], both[:n].copy()
        without[moved] = both[n:]  # the sentences whose context changes once the answer is deleted
        labels = np.asarray(group.labels)
        scores = {"cosine": cosine, "probability": probability, "combined": selector.combined(probability, cosine)}
        deleted = {"cosine": cosine, "probability": without, "combined": selector.combined(without, cosine)}
        absent = {k: float(v[labels == 0].max()) if (labels == 0).any() else float("nan") for k, v in deleted.items()}
        scored.append(ScoredGroup(labels, scores, absent))
    return scored


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(a positive scores above a negative), ties counted half (Mann-Whitney)."""
    ranks = rankdata(np.concatenate([positives, negatives]))
    n1, n0 = len(positives), len(negatives)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def present_absent(scored: Sequence[ScoredGroup], kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Best scores of the paragraphs with their answer, and of the same paragraphs without it (where any is left)."""
    present = np.array([s.scores[kind].max() for s in scored])
    absent = np.array([s.absent_best[kind] for s in scored])
    return present, absent[~np.isnan(absent)]


def metrics(scored: Sequence[ScoredGroup]) -> dict[str, dict[str, float]]:
    """Top-1 and answer-present vs answer-deleted AUC per score kind."""
    out = {}
    for kind in SCORES:
        top1 = float(np.mean([s.labels[int(np.argmax(s.scores[kind]))] for s in scored]))
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
