"""The XQuAD scoring of a selector: top-1, the cosine weight chosen on dev, thresholds and refusals, on groups
whose probabilities and cosines are written out (the arithmetic the training and calibration commands rely on)."""

from __future__ import annotations

import numpy as np

from kentrag.train.selector_eval import (
    ScoredGroup,
    calibrate,
    choose_cosine_weight,
    metrics,
    refusals,
    with_cosine_weight,
)


def group(probability: list[float], cosine: list[float], answer: int = 0, weight: float = 2.0) -> ScoredGroup:
    labels = np.zeros(len(probability), dtype=np.int64)
    labels[answer] = 1
    p = np.asarray(probability, dtype=np.float32)
    return ScoredGroup(labels, np.asarray(cosine, dtype=np.float32), p, p.copy(), weight)


def test_the_combined_score_adds_the_weighted_cosine_and_top1_follows_it() -> None:
    # The selector prefers the wrong sentence by 0.3; the cosine prefers the answer by 0.1.
    scored = [group([0.4, 0.7], [0.85, 0.75])]
    assert metrics(scored)["probability"]["top1"] == 0.0
    assert metrics(scored)["cosine"]["top1"] == 1.0
    assert metrics(scored)["combined"]["top1"] == 0.0  # 0.4 + 1.7 < 0.7 + 1.5
    assert np.allclose(scored[0].scores("combined"), [2.1, 2.2])
    assert metrics(with_cosine_weight(scored, 4.0))["combined"]["top1"] == 1.0  # 3.8 > 3.7


def test_dev_chooses_the_smallest_weight_that_picks_and_refuses_best() -> None:
    needs_cosine = group([0.4, 0.7], [0.85, 0.75])  # right from weight 3 + ε on
    selector_right = group([0.9, 0.1], [0.70, 0.80])  # right up to weight 8, wrong at 12
    assert choose_cosine_weight({("en", "en"): [needs_cosine, selector_right]}, (1.0, 2.0, 4.0, 6.0, 8.0, 12.0)) == 4.0
    assert choose_cosine_weight({("en", "en"): [selector_right]}, (1.0, 2.0, 4.0)) == 1.0


def test_a_weight_that_picks_more_but_refuses_fewer_near_misses_is_not_chosen() -> None:
    # At weight 8 every answer sentence comes first (at 1 the second group's does not), but with the answers
    # deleted two of the three paragraphs' best sentences still reach the calibrated threshold (at 1 none does).
    dev = {("tr", "en"): [group([0.6, 0.2], [0.78, 0.82]), group([0.1, 0.4], [0.77, 0.72]),
                          group([0.9, 0.2], [0.77, 0.78])]}
    assert [metrics(with_cosine_weight(dev["tr", "en"], w))["combined"]["top1"] for w in (1.0, 8.0)] == [2 / 3, 1.0]
    assert choose_cosine_weight(dev, (1.0, 8.0)) == 1.0


def test_thresholds_refuse_the_share_of_answerable_paragraphs_they_were_calibrated_for() -> None:
    answerable = [group([p, 0.05], [0.8, 0.7]) for p in np.linspace(0.05, 0.95, 20)]
    threshold = calibrate(answerable)["probability"]
    assert 0.05 < threshold < 0.15
    assert refusals(answerable, "probability", threshold)["answerable_refused"] == 0.05
    # With the answer deleted only the 0.05 sentence is left: every near miss is refused.
    assert refusals(answerable, "probability", threshold)["near_miss_refused"] == 1.0
