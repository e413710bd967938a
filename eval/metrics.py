"""Retrieval and citation metrics for the kentrag eval set.

Relevance is string-based: a passage (or an answer) is relevant to an item when it contains any of the item's
``answer_any`` strings, compared after Turkish casefolding with dotted and dotless i treated alike, whitespace
collapsed and typographic quotes folded to ASCII.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence

from kentrag.core.language import turkish_casefold

_WHITESPACE_RE = re.compile(r"\s+")
_MARKER_RE = re.compile(r"\[\d+\]")
_QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"]*\"")
_QUOTE_FOLD = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "“": '"', "”": '"', "„": '"'})


def _match_key(text: str) -> str:
    """Normalise text for answer matching: quotes folded, whitespace collapsed, Turkish casefold, then ı→i
    (Turkish casefolding maps English "I" to "ı": "HELD IN" must still match "held in")."""
    text = _WHITESPACE_RE.sub(" ", text.translate(_QUOTE_FOLD))
    return turkish_casefold(text).replace("ı", "i").strip()


def passage_matches(text: str, answer_any: Sequence[str]) -> bool:
    """True when ``text`` contains any of ``answer_any`` (casefolded substring match, see module doc); an empty
    ``answer_any`` (an unanswerable item) never matches, blank answer strings are ignored."""
    haystack = _match_key(text)
    return any(key and key in haystack for key in (_match_key(answer) for answer in answer_any))


def answer_words(text: str) -> int:
    """How many words an answer has, its [n] markers left out."""
    return len(_MARKER_RE.sub(" ", text).split())


def lead_text(text: str) -> str:
    """An answer's own words: the text outside its quotes, [n] markers left out. A paragraph that opens with a
    quotation mark is a quote (it may quote in turn: “… “teknoloji” teması …”); “…” or "…" inside a paragraph
    too."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if not p.strip().startswith(("“", '"'))]
    own = _QUOTED_RE.sub(" ", "\n".join(paragraphs))
    return _WHITESPACE_RE.sub(" ", _MARKER_RE.sub(" ", own)).strip()


def _check_k(k: int) -> None:
    """Raise ValueError unless ``k`` is a positive integer."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def hit_at_k(relevances: Sequence[bool], k: int) -> float:
    """1.0 when any of the first ``k`` ranked results is relevant, else 0.0."""
    _check_k(k)
    return 1.0 if any(relevances[:k]) else 0.0


def mrr_at_k(relevances: Sequence[bool], k: int = 10) -> float:
    """Reciprocal rank (1/rank, rank from 1) of the first relevant result within the top ``k``; 0.0 if none."""
    _check_k(k)
    for rank, relevant in enumerate(relevances[:k], start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def _dcg(relevances: Iterable[bool]) -> float:
    """Binary discounted cumulative gain: sum of 1/log2(rank + 1) over relevant ranks."""
    return sum(1.0 / math.log2(rank + 1) for rank, relevant in enumerate(relevances, start=1) if relevant)


def ndcg_at_k(relevances: Sequence[bool], k: int = 10) -> float:
    """Binary nDCG@k, the ideal DCG being that of the list's own relevant results (at most ``k``) ranked first: how
    well the retrieved relevant results are ordered. 0.0 when the list holds no relevant result."""
    _check_k(k)
    n_relevant = min(sum(1 for relevant in relevances if relevant), k)
    if n_relevant == 0:
        return 0.0
    return _dcg(relevances[:k]) / _dcg([True] * n_relevant)


def ranking_metrics(relevances: Sequence[bool]) -> dict[str, float]:
    """The eval's ranking metrics of one ranked list: hit@1, hit@3, hit@5, mrr@10 and ndcg@10."""
    return {"hit@1": hit_at_k(relevances, 1), "hit@3": hit_at_k(relevances, 3), "hit@5": hit_at_k(relevances, 5),
            "mrr@10": mrr_at_k(relevances, 10), "ndcg@10": ndcg_at_k(relevances, 10)}


def citation_precision(cited_texts: Sequence[str], answer_any: Sequence[str]) -> float | None:
    """Share of cited passages that contain an answer string; None when nothing was cited (0.0 for an
    unanswerable item: every citation is wrong)."""
    if not cited_texts:
        return None
    return sum(1 for text in cited_texts if passage_matches(text, answer_any)) / len(cited_texts)


def aggregate(rows: Sequence[Mapping[str, object]], keys: Iterable[str]) -> dict[str, float | None]:
    """Mean of each metric in ``keys`` over the rows that have it (not None; booleans count as 1.0/0.0); None for a
    key no row has. TypeError for a value that is not a number."""
    result: dict[str, float | None] = {}
    for key in keys:
        values = [row[key] for row in rows if row.get(key) is not None]
        for value in values:
            if not isinstance(value, int | float):
                raise TypeError(f"metric {key!r} must be a number, bool or None, got {value!r}")
        result[key] = sum(values) / len(values) if values else None
    return result
