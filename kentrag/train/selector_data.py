"""XQuAD as answer-sentence selection data: parallel paragraphs cut into sentences, the sentence holding each
answer, and groups (one question, candidate sentences, labels) for training and evaluation.

The split never depends on options: even-numbered articles (0, 2, 4, …) train, their last `dev_articles` are held
out to calibrate thresholds, and odd-numbered articles are only ever evaluated on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from kentrag.answer.selector import Candidate
from kentrag.core.sentences import sentence_spans

# Languages whose paragraphs our sentence splitter cuts (zh, th and hi end sentences without "." and stay whole).
LANGUAGES = ("en", "tr", "de", "es", "ru", "ro", "el", "vi", "ar")
PRODUCT_LANGUAGES = ("tr", "en")
EVAL_PAIRS = (("tr", "tr"), ("en", "en"), ("tr", "en"), ("en", "tr"))
MAX_GROUP = 12  # candidates per training group (the answer sentence(s) kept, negatives sampled)


@dataclass(frozen=True)
class Question:
    """A question and the indices of the paragraph sentences its answer lies in."""

    qid: str
    text: str
    answers: frozenset[int]


@dataclass(frozen=True)
class Paragraph:
    """One XQuAD paragraph in one language, as sentences."""

    title: str
    sentences: tuple[str, ...]
    questions: dict[str, Question]  # by XQuAD id (the same in every language)

    def candidate(self, k: int, previous: int | None = None) -> Candidate:
        """Sentence k with the title and, as context, sentence `previous` (default k - 1; none before the first)."""
        previous = k - 1 if previous is None else previous
        context = self.sentences[previous] if previous >= 0 else ""
        return Candidate(self.sentences[k], self.title, context)

    def near_misses(self, answers: frozenset[int]) -> dict[int, Candidate]:
        """The sentences whose context changes once the answer sentences are deleted (topic present, answer
        absent), by index, each with the context it then has."""
        kept = [k for k in range(len(self.sentences)) if k not in answers]
        return {k: self.candidate(k, prev) for prev, k in zip([-1, *kept], kept) if k - 1 in answers}


Corpus = dict[str, list[list[Paragraph]]]  # language → article → paragraph (parallel across languages)


def read_paragraph(title: str, raw: dict) -> Paragraph:
    """A paragraph of the XQuAD JSON: sentences by `sentence_spans`, each answer mapped to the sentence(s) it
    overlaps (a byte-order mark at the start becomes a space, keeping the answer offsets)."""
    text = raw["context"].replace("\ufeff", " ")
    spans = sentence_spans(text)
    questions = {}
    for qa in raw["qas"]:
        answer = qa["answers"][0]
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        hits = frozenset(k for k, (s, e) in enumerate(spans) if s < end and start < e)
        if hits:
            questions[qa["id"]] = Question(qa["id"], qa["question"].strip(), hits)
    return Paragraph(title, tuple(text[s:e] for s, e in spans), questions)


def load_xquad(directory: Path, languages: tuple[str, ...]) -> Corpus:
    """The XQuAD files `xquad.<language>.json` of `directory`, as paragraphs of sentences."""
    corpus: Corpus = {}
    for language in languages:
        data = json.loads((directory / f"xquad.{language}.json").read_text(encoding="utf-8"))["data"]
        corpus[language] = [
            [read_paragraph(article["title"].replace("_", " "), p) for p in article["paragraphs"]] for article in data
        ]
    return corpus


@dataclass(frozen=True)
class Split:
    """Article indices: train and dev (even articles), test (odd articles)."""

    train: tuple[int, ...]
    dev: tuple[int, ...]
    test: tuple[int, ...]


def split_articles(n_articles: int, dev_articles: int) -> Split:
    """Even articles train except their last `dev_articles` (dev); odd articles are the test set."""
    even = tuple(range(0, n_articles, 2))
    cut = len(even) - dev_articles
    return Split(even[:cut], even[cut:], tuple(range(1, n_articles, 2)))


@dataclass(frozen=True)
class Group:
    """One question in one language over one paragraph's sentences in another (or the same) language."""

    question: str
    question_language: str
    sentence_language: str
    candidates: tuple[Candidate, ...]
    labels: tuple[int, ...]
    near_misses: dict[int, Candidate]  # index → the candidate with the context it has without the answer


def paragraph_group(corpus: Corpus, a: str, b: str, article: int, paragraph: int, qid: str) -> Group:
    """The question (language a) over its paragraph's sentences (language b), labelled by b's answer sentence."""
    target = corpus[b][article][paragraph]
    answers = target.questions[qid].answers
    candidates = tuple(target.candidate(k) for k in range(len(target.sentences)))
    labels = tuple(int(k in answers) for k in range(len(candidates)))
    text = corpus[a][article][paragraph].questions[qid].text
    return Group(text, a, b, candidates, labels, target.near_misses(answers))


def question_keys(corpus: Corpus, articles: tuple[int, ...]) -> list[tuple[int, int, str]]:
    """(article, paragraph, question id) of every question whose answer sentence is found in every language."""
    first = next(iter(corpus.values()))
    return [
        (i, j, qid)
        for i in articles for j, paragraph in enumerate(first[i]) for qid in paragraph.questions
        if all(qid in corpus[language][i][j].questions for language in corpus)
    ]


def pair_weight(a: str, b: str) -> float:
    """How often question language a is paired with sentence language b in training: tr↔en most (the product's
    cross-language case), then tr→tr and en→en, then pairs with one product language, then the rest."""
    if a in PRODUCT_LANGUAGES and b in PRODUCT_LANGUAGES:
        return 32.0 if a != b else 16.0
    return 2.0 if a in PRODUCT_LANGUAGES or b in PRODUCT_LANGUAGES else 0.5


def training_group(corpus: Corpus, key: tuple[str, str, int, int, str], rng: random.Random,
                   other_negatives: int = 2) -> Group:
    """A training group: the paragraph's sentences, the near-miss variants (the answer deleted), and a few
    sentences of other paragraphs of the same article; at most MAX_GROUP candidates, the answer always kept."""
    a, b, i, j, q = key
    group = paragraph_group(corpus, a, b, i, j, q)
    positives = [(c, 1) for c, y in zip(group.candidates, group.labels) if y]
    negatives = [(c, 0) for c, y in zip(group.candidates, group.labels) if not y]
    negatives += [(c, 0) for c in group.near_misses.values()]
    others = [(p, k) for jj, p in enumerate(corpus[b][i]) if jj != j for k in range(len(p.sentences))]
    negatives += [(p.candidate(k), 0) for p, k in rng.sample(others, min(other_negatives, len(others)))]
    rng.shuffle(negatives)
    chosen = positives + negatives[: MAX_GROUP - len(positives)]
    rng.shuffle(chosen)
    return Group(group.question, a, b, tuple(c for c, _ in chosen), tuple(y for _, y in chosen), {})


def training_groups(corpus: Corpus, articles: tuple[int, ...], max_pairs: int, rng: random.Random) -> list[Group]:
    """Groups over `articles` until `max_pairs` candidates: (question, language pair) drawn without replacement
    with `pair_weight` as weight, in a seeded order."""
    languages = tuple(corpus)
    weighted = [
        (rng.random() ** (1.0 / pair_weight(a, b)), (a, b, *key))
        for key in question_keys(corpus, articles) for a in languages for b in languages
    ]
    weighted.sort(key=lambda item: item[0], reverse=True)
    groups: list[Group] = []
    pairs = 0
    for _, key in weighted:
        if pairs >= max_pairs:
            break
        groups.append(training_group(corpus, key, rng))
        pairs += len(groups[-1].candidates)
    rng.shuffle(groups)
    return groups


def evaluation_groups(corpus: Corpus, articles: tuple[int, ...], max_questions: int | None = None
                      ) -> dict[tuple[str, str], list[Group]]:
    """For each pair of EVAL_PAIRS, a group per question of `articles` (the first `max_questions` if given)."""
    keys = question_keys(corpus, articles)[:max_questions]
    return {(a, b): [paragraph_group(corpus, a, b, *key) for key in keys] for a, b in EVAL_PAIRS}
