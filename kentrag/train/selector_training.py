"""Train the answer-sentence selector on XQuAD, save its trained layers, calibrate and evaluate it.

    .venv/bin/python -m kentrag.train.selector_training --xquad-dir ../shared/bench/xquad --out kentrag/models/selector

Trains the top `--layers` encoder layers of e5-small, its pooler and a one-logit head (everything below frozen)
on even XQuAD articles, with a pointwise (binary cross-entropy) plus a listwise (softmax over each question's
candidates) loss; writes `selector.safetensors` (those tensors in float16) and `selector.json`; then loads the
saved selector back, chooses the cosine weight of its combined score and calibrates thresholds on held-out even
articles, evaluates on odd articles and writes MODEL_CARD.md (kentrag.train.selector_calibration does only the
latter, for a selector already trained).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shlex
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from kentrag.answer.selector import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    AnswerSelector,
    InputFormat,
    PairEncoder,
    SelectorConfig,
    base_classifier,
    lay_trained_tensors,
    load_tokenizer,
    pad,
    trained_parameter_names,
)
from kentrag.core.embedding import native_bfloat16
from kentrag.core.settings import Settings
from kentrag.train.selector_card import write_model_card
from kentrag.train.selector_data import (
    EVAL_PAIRS,
    LANGUAGES,
    Group,
    evaluation_groups,
    load_xquad,
    split_articles,
    training_groups,
)
from kentrag.train.selector_eval import evaluate, results_table

HEAD_LR_FACTOR = 10.0  # the fresh pooler and head learn faster than the pretrained layers
WARMUP = 0.05


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xquad-dir", type=Path, required=True, help="folder with xquad.<language>.json")
    parser.add_argument("--out", type=Path, required=True, help="folder for the weights, config and model card")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-pairs", type=int, default=24000, help="question-sentence pairs per epoch")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--layers", type=int, default=4, help="top encoder layers to train")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per step (whole questions)")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--dev-articles", type=int, default=4, help="last even articles kept for thresholds")
    parser.add_argument("--max-articles", type=int, default=None, help="use only the first N articles (smoke test)")
    parser.add_argument("--eval-questions", type=int, default=None, help="questions per pair in dev/test (all)")
    parser.add_argument("--bfloat16", choices=("auto", "on", "off"), default="auto",
                        help="bfloat16 autocast (auto: where the CPU computes it natively)")
    parser.add_argument("--init", type=Path, default=None,
                        help="a trained selector's folder to continue from (same --layers), instead of a fresh head")
    return parser.parse_args(argv)


def batches(groups: Sequence[Group], batch_size: int) -> list[list[Group]]:
    """Consecutive groups, as many as fit in batch_size pairs (at least one)."""
    out: list[list[Group]] = [[]]
    for group in groups:
        if out[-1] and sum(len(g.candidates) for g in out[-1]) + len(group.candidates) > batch_size:
            out.append([])
        out[-1].append(group)
    return [b for b in out if b]


def batch_loss(model, encoder: PairEncoder, pad_id: int, batch: Sequence[Group]) -> torch.Tensor:
    """Binary cross-entropy over every pair plus, per question, the cross-entropy of the softmax over its
    candidates against its answer sentence(s)."""
    rows = [ids for g in batch for ids in encoder.encode(g.question, g.candidates)]
    labels = torch.tensor([y for g in batch for y in g.labels], dtype=torch.float32)
    ids, mask = pad(rows, pad_id)
    logits = model(input_ids=ids, attention_mask=mask).logits[:, 0].float()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
    listwise = []
    for part, y in zip(torch.split(logits, [len(g.candidates) for g in batch]),
                       torch.split(labels, [len(g.candidates) for g in batch])):
        log_p = torch.log_softmax(part, dim=0)
        listwise.append(-torch.logsumexp(log_p[y > 0], dim=0))
    return loss + torch.stack(listwise).mean()


def continued_from(init: Path | None, layers: int) -> SelectorConfig | None:
    """The config of the selector that training continues from (None from scratch), checked before anything loads:
    it must have trained the same number of top layers."""
    if init is None:
        return None
    config = SelectorConfig.from_json((init / CONFIG_FILE).read_text(encoding="utf-8"))
    if config.trained_layers != layers:
        raise SystemExit(f"--init {init} trained {config.trained_layers} layers, not --layers {layers}")
    return config


def start_from(model, trained_layers: int, init: Path | None) -> None:
    """Lay a trained selector's tensors over the model (continued training), else initialise a fresh pooler and
    head (the converted pooler is all zeros)."""
    if init is None:
        for layer in (model.bert.pooler.dense, model.classifier):
            torch.nn.init.normal_(layer.weight, std=0.02)
            torch.nn.init.zeros_(layer.bias)
        return
    lay_trained_tensors(model, init / WEIGHTS_FILE, trained_layers)


def train(model, encoder: PairEncoder, pad_id: int, groups: list[Group], args: argparse.Namespace,
          rng: random.Random) -> dict[str, float]:
    """Fine-tune the top layers and head in place; returns the time and pairs per second."""
    names = set(trained_parameter_names(model, args.layers))
    for name, param in model.named_parameters():
        param.requires_grad = name in names
    start_from(model, args.layers, args.init)
    head = [p for n, p in model.named_parameters() if n in names and not n.startswith("bert.encoder.")]
    layers = [p for n, p in model.named_parameters() if n in names and n.startswith("bert.encoder.")]
    optimizer = torch.optim.AdamW([{"params": layers, "lr": args.lr},
                                   {"params": head, "lr": args.lr * HEAD_LR_FACTOR}], weight_decay=0.01)
    epochs = [batches(rng.sample(groups, len(groups)), args.batch_size) for _ in range(args.epochs)]
    total = sum(len(e) for e in epochs)
    warmup = max(1, int(WARMUP * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    precision = use_bfloat16(args.bfloat16)
    model.train()
    start, pairs, smoothed = time.perf_counter(), 0, None
    with tqdm(total=total, desc="training", unit="batch") as bar:
        for epoch in epochs:
            for batch in epoch:
                with torch.autocast("cpu", dtype=torch.bfloat16) if precision else nullcontext():
                    loss = batch_loss(model, encoder, pad_id, batch)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(layers + head, 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                pairs += sum(len(g.candidates) for g in batch)
                smoothed = loss.item() if smoothed is None else 0.98 * smoothed + 0.02 * loss.item()
                bar.set_postfix(loss=f"{smoothed:.3f}", pairs_s=f"{pairs / (time.perf_counter() - start):.1f}")
                bar.update()
    model.eval()
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 1), "pairs": pairs, "pairs_per_second": round(pairs / seconds, 2),
            "final_loss": round(smoothed or 0.0, 4)}


def earlier_runs(before: SelectorConfig | None) -> list[dict[str, object]]:
    """The runs a continued training starts from, oldest first: command, pairs, seconds (none from scratch)."""
    if before is None:
        return []
    run = {key: before.training.get(key) for key in ("command", "pairs", "seconds", "pairs_per_second")}
    return [*before.training.get("runs_before", []), run]


def use_bfloat16(choice: str) -> bool:
    """Whether to train under bfloat16 autocast (emulated bfloat16 is several times slower than float32)."""
    return choice == "on" or (choice == "auto" and native_bfloat16())


def save(model, config: SelectorConfig, out: Path) -> None:
    """The trained tensors in float16 and the config."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    names = set(trained_parameter_names(model, config.trained_layers))
    tensors = {n: p.detach().to(torch.float16).contiguous() for n, p in model.named_parameters() if n in names}
    save_file(tensors, str(out / WEIGHTS_FILE), metadata={"base": config.base_model})
    (out / CONFIG_FILE).write_text(config.to_json(), encoding="utf-8")


def inference_seconds(selector: AnswerSelector, group: Group, n: int = 40) -> float:
    """Median seconds to score n candidates (the group's, repeated) for one question."""
    candidates = [group.candidates[i % len(group.candidates)] for i in range(n)]
    selector.probabilities(group.question, candidates[:4])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        selector.probabilities(group.question, candidates)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)), 3)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    settings = Settings()
    languages = tuple(args.languages.split(","))
    missing = {a for pair in EVAL_PAIRS for a in pair} - set(languages)
    if missing:
        raise SystemExit(f"--languages must include {', '.join(sorted(missing))} (they are evaluated)")
    runs_before = earlier_runs(continued_from(args.init, args.layers))
    corpus = load_xquad(args.xquad_dir, languages)
    n_articles = len(next(iter(corpus.values())))
    split = split_articles(min(n_articles, args.max_articles or n_articles), args.dev_articles)
    groups = training_groups(corpus, split.train, args.max_pairs, rng)
    input_format = InputFormat(max_length=args.max_length)
    tokenizer = load_tokenizer(settings)
    model = base_classifier(settings)
    stats = train(model, PairEncoder(tokenizer, input_format), tokenizer.pad_token_id, groups, args, rng)
    pair_counts: dict[str, int] = {}
    for g in groups:
        key = f"{g.question_language}→{g.sentence_language}"
        pair_counts[key] = pair_counts.get(key, 0) + len(g.candidates)
    training = {
        "data": "XQuAD (CC BY-SA 4.0), even-numbered articles; odd articles only evaluated",
        "articles": {"train": list(split.train), "dev": list(split.dev), "test": list(split.test)},
        "languages": list(languages), "groups": len(groups), "pairs_per_epoch": sum(pair_counts.values()),
        "pairs_by_language_pair": dict(sorted(pair_counts.items(), key=lambda kv: -kv[1])),
        "max_pairs": args.max_pairs, "epochs": args.epochs, "lr": args.lr, "head_lr": args.lr * HEAD_LR_FACTOR,
        "batch_size": args.batch_size,
        "command": f"python -m {__spec__.name} " + shlex.join(sys.argv[1:] if argv is None else argv),
        "seed": args.seed, "threads": args.threads, "bfloat16": use_bfloat16(args.bfloat16), **stats,
        "runs_before": runs_before,
    }
    config = SelectorConfig(trained_layers=args.layers, input_format=input_format, training=training)
    save(model, config, args.out)
    del model
    gc.collect()

    selector = AnswerSelector.load(settings, args.out)
    assert selector is not None
    start = time.perf_counter()
    weight, thresholds, results = evaluate(selector, settings, corpus, split, args.eval_questions)
    training["eval_seconds"] = round(time.perf_counter() - start, 1)
    sample = evaluation_groups(corpus, split.test, 1)[("en", "en")][0]
    training["inference_seconds_40_candidates"] = inference_seconds(selector, sample)
    training["inference_precision"] = "float32"
    config = SelectorConfig(trained_layers=args.layers, input_format=input_format, cosine_weight=weight,
                            thresholds=thresholds, training={**training, "results": results})
    (args.out / CONFIG_FILE).write_text(config.to_json(), encoding="utf-8")
    write_model_card(args.out, config, results_table(results))
    print(results_table(results))
    figures = ("seconds", "pairs", "pairs_per_second", "eval_seconds", "inference_seconds_40_candidates")
    print(json.dumps({"cosine_weight": weight, "thresholds": thresholds, **{k: training[k] for k in figures}},
                     indent=1))


if __name__ == "__main__":
    main()
