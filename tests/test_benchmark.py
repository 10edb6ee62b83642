"""Tests of the benchmark's own machinery (benchmarks/run.py), not of any timing.

The benchmark itself takes minutes and its figures depend on the machine, so
it is never run here. What is tested is what its figures rest on: the floors
compute the products a loss needs, the side-by-side timer interleaves its
calls in a rotating order and keeps each function's best time, and the table
says "met" only when a target is met.
"""

import time

import numpy as np
import pytest

from benchmarks import run


@pytest.fixture
def loss_inputs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 5))
    W = rng.standard_normal((5, 3))
    dscores = rng.standard_normal((7, 3))
    return X, W, dscores


def test_every_product_pair_computes_both_products_of_a_loss(loss_inputs):
    X, W, dscores = loss_inputs
    pairs = run.product_pairs(X, W, dscores)
    assert len(pairs) == 4  # 2 orientations of the forward x 2 of the backward
    backward = X.T @ dscores  # (D, C), as dW
    orientations = set()
    for pair in pairs:
        scores, gradient = pair()
        np.testing.assert_allclose(scores, X @ W)
        if gradient.shape == backward.shape:
            np.testing.assert_allclose(gradient, backward)
        else:  # dscores.T @ X is the same numbers as dW.T
            np.testing.assert_allclose(gradient.T, backward)
        orientations.add((scores.flags.c_contiguous, gradient.shape))
    assert len(orientations) == 4  # four distinct pairs, not one timed four times


def test_best_times_interleaves_calls_and_keeps_each_best():
    calls = []

    def sleeper(name, seconds):
        def function():
            calls.append(name)
            time.sleep(seconds)
        return function

    best = run.best_times([sleeper("a", 0.002), sleeper("b", 0.0), sleeper("c", 0.0)],
                          repeat=3)
    # One warm-up each, then interleaved rounds whose order rotates, so that
    # no function always runs right after the same one.
    assert calls == list("abc") + list("abc") + list("bca") + list("cab")
    assert best[0] >= 0.002 > max(best[1:]) and min(best) >= 0


def test_repeats_for_stays_within_its_bounds():
    assert run.repeats_for(lambda: None) == 1000
    assert run.repeats_for(lambda: time.sleep(0.02), seconds=0.001) == 5
    assert 20 <= run.repeats_for(lambda: time.sleep(0.01), seconds=0.5) <= 50


@pytest.mark.parametrize("row, text", [
    ({"ratio": 1.05, "at_most": 1.1}, "ratio <= 1.1: met"),
    ({"ratio": 1.15, "at_most": 1.1}, "ratio <= 1.1: NOT met"),
    ({"ratio": 2.0, "at_least": 1.6}, "ratio >= 1.6: met"),
    ({"ratio": 1.5, "at_least": 1.6}, "ratio >= 1.6: NOT met"),
    ({"seconds": 50.0, "seconds_at_most": 45.0, "peak_mb": 990.0, "peak_mb_at_most": 1024.0},
     "seconds <= 45: NOT met; peak_mb <= 1024: met"),
    ({"ratio": 3.0}, ""),
])
def test_target_text_says_met_only_when_met(row, text):
    assert run.target_text(row) == text
