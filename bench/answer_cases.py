"""The questions of `kentrag bench answers`: XQuAD's odd-numbered articles (never trained or tuned on), each question
asked in one language over the paragraphs of another, with its gold answer; and near-miss paragraphs, the answer
sentence deleted (topic present, answer absent).

Pure functions of the data: no model, no index.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

from kentrag.bench.data import Paragraph

from kentrag.answer.quotes import normalised
from kentrag.train.selector_data import Corpus, split_articles

Key = tuple[int, int, str]  # (article, paragraph, question id), as `selector_data.question_keys` gives them
Answers = dict[str, dict[str, str]]  # language → question id → the gold answer text (in that language)


@dataclass(frozen=True)
class Case:
    """One question (language a) asked over the paragraphs in language b, with its gold paragraph and answer in b."""

    key: Key
    question: str
    paragraph_language: str
    answer: str

    @property
    def paragraph(self) -> tuple[str, tuple[int, int]]:
        """The gold paragraph as `bench.data.key_of` reads it back from a doc_id."""
        return self.paragraph_language, self.key[:2]


def load_answers(directory: Path, languages: tuple[str, ...]) -> Answers:
    """The first (XQuAD: the only) answer of every question in `xquad.<language>.json`."""
    answers: Answers = {}
    for language in languages:
        data = json.loads((directory / f"xquad.{language}.json").read_text(encoding="utf-8"))["data"]
        answers[language] = {qa["id"]: qa["answers"][0]["text"]
                             for article in data for paragraph in article["paragraphs"] for qa in paragraph["qas"]}
    return answers


def odd_articles(corpus: Corpus, limit: int | None = None) -> tuple[int, ...]:
    """The odd-numbered articles (the selector's test split), the first `limit` of them if given."""
    n_articles = len(next(iter(corpus.values())))
    return split_articles(n_articles, dev_articles=0).test[:limit]


def sample(keys: list[Key], n: int | None, seed: int) -> list[Key]:
    """`n` of the keys drawn with a seed, in their order (all of them when n is None or not smaller)."""
    if n is None or n >= len(keys):
        return keys
    return sorted(random.Random(seed).sample(keys, n))


def case(corpus: Corpus, answers: Answers, a: str, b: str, key: Key) -> Case:
    """The question of `key` in language a, over the paragraphs in language b."""
    article, paragraph, qid = key
    return Case(key, corpus[a][article][paragraph].questions[qid].text, b, answers[b][qid])


def quotes_answer(quote: str, answer: str) -> bool:
    """Whether a quote holds the answer text (words compared casefolded, without punctuation)."""
    wanted = normalised(answer)
    return bool(wanted) and wanted in normalised(quote)


def without_answer(corpus: Corpus, language: str, key: Key) -> str:
    """The paragraph of `key` in `language` with the sentences holding the question's answer deleted."""
    article, paragraph, qid = key
    found = corpus[language][article][paragraph]
    deleted = found.questions[qid].answers
    return " ".join(s.strip() for k, s in enumerate(found.sentences) if k not in deleted)


def is_near_miss(corpus: Corpus, answers: Answers, key: Key) -> bool:
    """Whether deleting the answer sentences leaves, in every language, some text and no mention of the answer."""
    for language in corpus:
        rest = without_answer(corpus, language, key)
        if not rest or quotes_answer(rest, answers[language][key[2]]):
            return False
    return True


def near_miss_keys(corpus: Corpus, answers: Answers, keys: list[Key], n: int, seed: int) -> list[Key]:
    """Up to `n` questions drawn with a seed, one per paragraph at most, each a near miss once its answer sentences
    are deleted (`is_near_miss`), in their order."""
    shuffled = random.Random(seed).sample(keys, len(keys))
    chosen: dict[tuple[int, int], Key] = {}
    for key in shuffled:
        if len(chosen) == n:
            break
        if key[:2] not in chosen and is_near_miss(corpus, answers, key):
            chosen[key[:2]] = key
    return sorted(chosen.values())


def near_miss_pool(paragraphs: list[Paragraph], corpus: Corpus, keys: list[Key]) -> list[Paragraph]:
    """The paragraphs with the answer sentences of `keys` deleted from theirs (each paragraph in one key at most)."""
    by_paragraph = {key[:2]: key for key in keys}
    return [replace(p, text=without_answer(corpus, p.language, by_paragraph[p.key])) if p.key in by_paragraph else p
            for p in paragraphs]
