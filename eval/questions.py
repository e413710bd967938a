"""The eval set: questions in JSON Lines (eval/questions.jsonl), read and checked line by line.

Each line is an object with `id` and `question` (non-empty strings), `lang` ("tr" or "en"), `answer_any` (the
strings a right answer contains; empty for a question the corpus does not answer), `doc` (the corpus file that
answers; only for an answerable question) and optionally `history` (earlier user turns of a follow-up) and
`split` ("near-miss": an unanswerable question on a subject the corpus talks about, the fact never stated).
Anything else is an EvalSetError naming the file, the line and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("tr", "en")
NEAR_MISS = "near-miss"
SPLITS = (NEAR_MISS,)
_FIELDS = frozenset({"id", "question", "answer_any", "lang", "doc", "history", "split"})
_REQUIRED = frozenset({"id", "question", "answer_any", "lang"})


class EvalSetError(ValueError):
    """An eval set kentrag cannot use; the message names the file (and line) and the problem."""


@dataclass(frozen=True)
class EvalItem:
    """One eval question; an empty `answer_any` marks a question the corpus does not answer."""

    id: str
    question: str
    answer_any: tuple[str, ...]
    lang: str
    doc: str | None = None
    history: tuple[str, ...] = ()
    split: str | None = None

    @property
    def answerable(self) -> bool:
        """True when the corpus answers the question (`answer_any` is not empty)."""
        return bool(self.answer_any)


class _Invalid(ValueError):
    """What is wrong with one line (the loader adds file and line)."""


def _shown(value: object) -> str:
    """A JSON value as the eval file writes it, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _text(record: dict, name: str) -> str:
    value = record[name]
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"'{name}' must be a non-empty string, not {_shown(value)}")
    return value


def _texts(record: dict, name: str) -> tuple[str, ...]:
    value = record.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid(f"'{name}' must be a list of non-empty strings, not {_shown(value)}")
    return tuple(value)


def _parse_item(record: object) -> EvalItem:
    """One decoded line as an EvalItem; _Invalid saying what is wrong."""
    if not isinstance(record, dict):
        raise _Invalid(f"expected a JSON object, not {_shown(record)}")
    unknown = set(record) - _FIELDS
    if unknown:
        raise _Invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
    missing = _REQUIRED - set(record)
    if missing:
        raise _Invalid(f"missing field(s): {', '.join(sorted(missing))}")
    item_id, question = _text(record, "id"), _text(record, "question")
    if record["lang"] not in LANGUAGES:
        raise _Invalid(f"'lang' must be \"tr\" or \"en\", not {_shown(record['lang'])}")
    answer_any, history = _texts(record, "answer_any"), _texts(record, "history")
    doc = record.get("doc")
    if answer_any and (not isinstance(doc, str) or not doc.strip()):
        raise _Invalid("'doc' must name the answering corpus file when 'answer_any' is not empty")
    if not answer_any and doc is not None:
        raise _Invalid("'doc' must be left out for an unanswerable item (empty 'answer_any')")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise _Invalid(f"'split' must be {' or '.join(json.dumps(s) for s in SPLITS)}, not {_shown(split)}")
    if split == NEAR_MISS and answer_any:
        raise _Invalid("a near-miss item is unanswerable: 'answer_any' must be empty")
    return EvalItem(item_id, question, answer_any, record["lang"], doc, history, split)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").split("\n")  # not splitlines: JSON strings may hold U+2028
    except FileNotFoundError:
        raise EvalSetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise EvalSetError(f"{path}: a folder, not an eval file") from None
    except UnicodeDecodeError as error:
        raise EvalSetError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise EvalSetError(f"{path}: cannot be read ({error.strerror})") from None


def load_eval_set(path: Path) -> list[EvalItem]:
    """The items of a JSON Lines eval set (blank lines skipped); EvalSetError at the first problem."""
    path = Path(path)
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            item = _parse_item(json.loads(line))
        except json.JSONDecodeError as error:
            raise EvalSetError(f"{path}:{number}: not JSON ({error.msg})") from None
        except _Invalid as problem:
            raise EvalSetError(f"{path}:{number}: {problem}") from None
        if item.id in first_line:
            raise EvalSetError(f"{path}:{number}: duplicate id {item.id!r} (first on line {first_line[item.id]})")
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise EvalSetError(f"{path}: no questions")
    return items
