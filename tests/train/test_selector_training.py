"""The selector's training command, run for real on a tiny XQuAD slice: it writes only the top layers and the
head in float16, a config with thresholds and a model card, and what it writes loads and scores."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kentrag.answer.selector import CONFIG_FILE, WEIGHTS_FILE, AnswerSelector, Candidate, SelectorConfig
from kentrag.core.settings import Settings
from kentrag.train.selector_eval import COSINE_WEIGHTS

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
XQUAD = PROJECT.parent / "shared" / "bench" / "xquad"


@pytest.mark.skipif(not (XQUAD / "xquad.tr.json").exists(), reason=f"XQuAD is not in {XQUAD}")
def test_training_on_a_tiny_slice_writes_a_small_selector_that_loads_and_scores(tmp_path: Path) -> None:
    from safetensors import safe_open

    out = tmp_path / "selector"
    command = [sys.executable, "-m", "kentrag.train.selector_training", "--xquad-dir", str(XQUAD), "--out", str(out),
               "--max-articles", "4", "--dev-articles", "1", "--languages", "en,tr", "--max-pairs", "60",
               "--epochs", "1", "--eval-questions", "4", "--layers", "2"]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| tr→en" in done.stdout

    with safe_open(out / WEIGHTS_FILE, "pt") as weights:
        names = set(weights.keys())
        assert {str(weights.get_tensor(n).dtype) for n in names} == {"torch.float16"}
    layers = {n.split(".")[3] for n in names if n.startswith("bert.encoder.layer.")}
    assert layers == {"10", "11"}
    assert {n.split(".")[1] for n in names if n.startswith("bert.")} == {"encoder", "pooler"}
    assert {"classifier.weight", "classifier.bias"} <= names
    assert 6e6 < (out / WEIGHTS_FILE).stat().st_size < 8e6  # two layers (~1.8M parameters each) and the head

    config = SelectorConfig.from_json((out / CONFIG_FILE).read_text(encoding="utf-8"))
    assert config.trained_layers == 2
    assert set(config.thresholds["combined"]) == {"tr-tr", "en-en", "tr-en", "en-tr", "default"}
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in card and "MIT" in card and "| en→tr" in card

    selector = AnswerSelector.load(Settings(), out)
    assert selector is not None
    sentences = [Candidate("Istanbul hosted the workshops on 20-25 June 2022.", "B40 workshops"),
                 Candidate("Bu bir deneme cümlesidir.", "Deneme", "Önceki cümle.")]
    probabilities = selector.probabilities("When were the workshops held?", sentences)
    assert probabilities.shape == (2,) and np.isfinite(probabilities).all()

    # Training continues from its tensors with --init (here at learning rate 0: they come out unchanged, where a
    # fresh head would not), and the card names the run it started from.
    further = tmp_path / "further"
    more = [*command[:command.index("--out") + 1], str(further), *command[command.index("--out") + 2:],
            "--init", str(out), "--seed", "14", "--lr", "0"]
    done = subprocess.run(more, cwd=PROJECT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    card = (further / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.count("selector_training") == 2 and f"--out {out} " in card, card
    with safe_open(out / WEIGHTS_FILE, "pt") as before, safe_open(further / WEIGHTS_FILE, "pt") as after:
        assert all(np.array_equal(before.get_tensor(n).numpy(), after.get_tensor(n).numpy()) for n in names)

    # Choosing its cosine weight and thresholds again, without training, rewrites its config and card only.
    weights_before = (further / WEIGHTS_FILE).read_bytes()
    again = [sys.executable, "-m", "kentrag.train.selector_calibration", "--xquad-dir", str(XQUAD),
             "--selector", str(further), "--eval-questions", "4", "--threads", "1"]
    done = subprocess.run(again, cwd=PROJECT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| tr→en" in done.stdout
    recalibrated = SelectorConfig.from_json((further / CONFIG_FILE).read_text(encoding="utf-8"))
    assert recalibrated.cosine_weight in COSINE_WEIGHTS
    assert set(recalibrated.thresholds["combined"]) == {"tr-tr", "en-en", "tr-en", "en-tr", "default"}
    assert recalibrated.training["seed"] == 14 and "--init" in recalibrated.training["command"]  # its training kept
    card = (further / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "selector_calibration" in card and f"--selector {further}" in card, card
    assert (further / WEIGHTS_FILE).read_bytes() == weights_before
