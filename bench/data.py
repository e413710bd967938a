"""SQuAD-format data (XQuAD by default) as paragraphs, questions and the retrieval splits built from them.

XQuAD's language files are parallel: paragraph i of article j is the same text in every language, so a
paragraph's `key` (article, paragraph) links its translations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kentrag.core.language import detect_language

PROJECT = Path(__file__).resolve().parent.parent
XQUAD_DIR = PROJECT.parent / "shared" / "bench" / "xquad"
XQUAD_FILES = (XQUAD_DIR / "xquad.tr.json", XQUAD_DIR / "xquad.en.json")


@dataclass(frozen=True)
class Paragraph:
    """One context paragraph; `doc_id` is the name of the file it is written to for ingest."""

    key: tuple[int, int]
    language: str
    text: str

    @property
    def doc_id(self) -> str:
        return f"{self.language}-{self.key[0]:03d}-{self.key[1]:02d}.txt"


@dataclass(frozen=True)
class Question:
    key: tuple[int, int]
    language: str
    text: str


@dataclass(frozen=True)
class Dataset:
    """One language's paragraphs and questions."""

    language: str
    paragraphs: list[Paragraph]
    questions: list[Question]


def key_of(doc_id: str) -> tuple[str, tuple[int, int]]:
    """(language, key) back from a paragraph's doc_id."""
    language, article, paragraph = doc_id.removesuffix(".txt").split("-")
    return language, (int(article), int(paragraph))


def load_squad(path: Path, articles: int | None = None, questions_per_paragraph: int | None = None) -> Dataset:
    """Paragraphs and questions of a SQuAD-format file (BOMs stripped); its language detected from the text.

    `articles` and `questions_per_paragraph` cut it down (smoke runs).
    """
    data = json.loads(path.read_text(encoding="utf-8-sig"))["data"][:articles]
    texts = [p["context"].replace("\ufeff", "").strip() for a in data for p in a["paragraphs"]]
    language = detect_language(" ".join(texts[:20]))
    paragraphs, questions = [], []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            paragraphs.append(Paragraph((a, p), language, paragraph["context"].replace("\ufeff", "").strip()))
            questions += [Question((a, p), language, q["question"].replace("\ufeff", "").strip())
                          for q in paragraph["qas"][:questions_per_paragraph]]
    return Dataset(language, paragraphs, questions)


@dataclass(frozen=True)
class Split:
    """Questions asked of a pool of paragraphs.

    `relevant` lists the languages whose version of the gold paragraph counts; with `exclude_own` the
    question's own-language version is removed from the ranking (the hard mixed case).
    """

    name: str
    questions: list[Question]
    pool: tuple[str, ...]
    relevant: tuple[str, ...]
    exclude_own: bool = False


def make_splits(datasets: list[Dataset]) -> list[Split]:
    """Same-language splits for every file; cross-lingual and mixed ones for every pair of languages."""
    splits = [Split(f"{d.language}→{d.language}", d.questions, (d.language,), (d.language,)) for d in datasets]
    if len(datasets) != 2 or datasets[0].language == datasets[1].language:
        return splits
    a, b = datasets
    both = tuple(sorted((a.language, b.language)))
    for asker, other in ((a, b), (b, a)):
        splits.append(Split(f"{asker.language}→{other.language}", asker.questions, (other.language,),
                            (other.language,)))
    for asker in (a, b):
        splits.append(Split(f"{asker.language}→mixed", asker.questions, both, both))
    for asker, other in ((a, b), (b, a)):
        splits.append(Split(f"{asker.language}→mixed−own", asker.questions, both, (other.language,),
                            exclude_own=True))
    return splits
