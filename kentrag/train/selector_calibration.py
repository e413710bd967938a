"""Choose a trained selector's cosine weight and thresholds again on its dev articles and measure it again on the
odd articles, without training it (after the choice itself changed); rewrites its selector.json and MODEL_CARD.md.

    .venv/bin/python -m kentrag.train.selector_calibration --xquad-dir ../shared/bench/xquad \
        --selector kentrag/models/selector
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch

from kentrag.answer.selector import CONFIG_FILE, AnswerSelector
from kentrag.core.settings import Settings
from kentrag.train.selector_card import write_model_card
from kentrag.train.selector_data import Split, load_xquad
from kentrag.train.selector_eval import evaluate, results_table


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--xquad-dir", type=Path, required=True, help="folder with xquad.<language>.json")
    parser.add_argument("--selector", type=Path, required=True, help="a trained selector's folder (rewritten)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--eval-questions", type=int, default=None, help="questions per pair in dev/test (all)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    settings = Settings()
    selector = AnswerSelector.load(settings, args.selector)
    if selector is None:
        raise SystemExit(f"no trained selector in {args.selector}")
    training = selector.config.training
    articles = training["articles"]
    split = Split(tuple(articles["train"]), tuple(articles["dev"]), tuple(articles["test"]))
    corpus = load_xquad(args.xquad_dir, tuple(training["languages"]))
    start = time.perf_counter()
    weight, thresholds, results = evaluate(selector, settings, corpus, split, args.eval_questions)
    command = f"python -m {__spec__.name} " + shlex.join(sys.argv[1:] if argv is None else argv)
    calibration = {"command": command, "seconds": round(time.perf_counter() - start, 1)}
    config = replace(selector.config, cosine_weight=weight, thresholds=thresholds,
                     training={**training, "results": results, "calibration": calibration})
    (args.selector / CONFIG_FILE).write_text(config.to_json(), encoding="utf-8")
    write_model_card(args.selector, config, results_table(results))
    print(results_table(results))
    print(json.dumps({"cosine_weight": weight, "thresholds": thresholds}, indent=1))


if __name__ == "__main__":
    main()
