"""The speed checks (instructor/grading/speed.py): fair to every honest vectorized loss, strict
with a loop over the examples, a call to the naive version or a gradient by finite differences.

Each verdict is proved both ways, in one process and through the grader's stand-ins, and on a
machine whose other core is busy. (These are a check's own tests, not a performance target:
their margins are those of the check: 4x, against 1 to 2x for honest code and 8 to
14x for a loop over the examples.)
"""

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import grading_fixtures as fx
import student_mistakes as sm
from independent import load_independent_module
from instructor.grading import speed

ROOT = Path(__file__).resolve().parents[1]
SVM, SOFTMAX = sm.SVM, sm.SOFTMAX
pytestmark = pytest.mark.slow      # each times losses at N = 500, D = 3073 for seconds


def _plain_svm(W, X, y, reg):
    """Honest but unhurried: float64 throughout, a one-hot matrix, two passes."""
    num_train = X.shape[0]
    scores = X.dot(W)
    one_hot = np.eye(W.shape[1])[y]
    correct = np.sum(scores * one_hot, axis=1, keepdims=True)
    margins = np.maximum(0.0, scores - correct + 1.0) * (1 - one_hot)
    loss = np.sum(margins) / num_train + reg * np.sum(W ** 2)
    active = (margins > 0).astype(float)
    dscores = active - one_hot * np.sum(active, axis=1, keepdims=True)
    return loss, X.T.dot(dscores) / num_train + 2 * reg * W


def _plain_softmax(W, X, y, reg):
    num_train = X.shape[0]
    scores = X @ W
    scores = scores - np.max(scores, axis=1, keepdims=True)
    probabilities = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.mean(scores[np.arange(num_train), y] - np.log(np.sum(np.exp(scores), axis=1)))
    probabilities[np.arange(num_train), y] -= 1
    return loss + reg * np.sum(W * W), X.T @ probabilities / num_train + 2 * reg * W


_plain_svm.__name__ = "svm_loss_vectorized"
_plain_softmax.__name__ = "softmax_loss_vectorized"


def _honest():
    from assignment.classifiers import linear_svm, softmax
    return [linear_svm.svm_loss_vectorized, softmax.softmax_loss_vectorized,
            load_independent_module(SVM).svm_loss_vectorized,
            load_independent_module(SOFTMAX).softmax_loss_vectorized,
            _plain_svm, _plain_softmax]


def _calls_naive():
    from assignment.classifiers import linear_svm, softmax

    def svm_loss_vectorized(W, X, y, reg):
        return linear_svm.svm_loss_naive(W, X, y, reg)

    def softmax_loss_vectorized(W, X, y, reg):
        return softmax.softmax_loss_naive(W, X, y, reg)
    return [svm_loss_vectorized, softmax_loss_vectorized]


@pytest.fixture()
def busy_core():
    """A process that keeps one core busy for the length of the test."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.2)
    yield
    hog.kill()
    hog.wait()


def test_every_honest_vectorized_loss_passes():
    for candidate in _honest():
        right, ratio = speed.measure(candidate)
        assert right and ratio <= speed.FACTOR, (candidate.__module__, ratio)
        assert speed.vectorized_verdict(candidate).endswith("time: True")


def test_every_honest_vectorized_loss_passes_with_the_other_core_busy(busy_core):
    for candidate in _honest():
        right, ratio = speed.measure(candidate)
        assert right and ratio <= speed.FACTOR, (candidate.__module__, ratio)


def test_a_vectorized_loss_that_calls_the_naive_one_fails(busy_core):
    for candidate in _calls_naive():
        right, ratio = speed.measure(candidate)
        assert right and ratio > speed.FACTOR, ratio
        assert speed.vectorized_verdict(candidate).endswith("time: False")


def test_a_fast_wrong_loss_fails():
    def svm_loss_vectorized(W, X, y, reg):
        loss, dW = _plain_svm(W, X, y, reg)
        return loss, dW / 2
    assert speed.measure(svm_loss_vectorized)[0] is False
    assert speed.vectorized_verdict(svm_loss_vectorized).endswith("time: False")


@pytest.fixture()
def through_stand_ins(tmp_path, monkeypatch):
    """The reference linear_svm.py, and one with finite differences, imported as stand-ins."""
    def load(source, name):
        folder = tmp_path / name
        link, finder = fx.open_link(folder, {
            f"{name}/__init__.py": "", f"{name}/classifiers/__init__.py": "",
            f"{name}/classifiers/linear_svm.py": source})
        monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
        monkeypatch.syspath_prepend(str(folder / "kit"))
        links.append(link)
        return importlib.import_module(f"{name}.classifiers.linear_svm").svm_loss_vectorized
    links = []
    # The solved file never uses Unfinished (only its stubs do): drop the import of
    # assignment.todo, which this package-of-one has not got.
    reference = re.sub(r"^from assignment\.todo import Unfinished.*\n", "",
                       (ROOT / SVM).read_text(), flags=re.M)
    yield load(reference, "honestpkg"), load(
        reference + fx.FINITE_DIFFERENCES.format(vectorized="svm_loss_vectorized"), "numericpkg")
    for link in links:
        link.stop()
    for name in list(sys.modules):
        if name.startswith(("honestpkg", "numericpkg")):
            del sys.modules[name]


def test_through_the_stand_ins_finite_differences_are_stopped(through_stand_ins):
    """(The honest loss through the stand-ins is graded by tests/test_grading_real.py, in the
    grader's own kernel: there the reference and the worker both use one thread for BLAS, as
    this test process does not.)"""
    if not fx.machine()["linux"]:
        pytest.skip("the grader runs on Linux")
    honest, numeric = through_stand_ins
    assert speed.measure(honest)[0] is True          # the reference's results, through them
    start = time.monotonic()
    assert speed.measure(numeric) == (False, float("inf"))   # 61,460 losses per call: stopped
    assert time.monotonic() - start < 30


def test_the_todo_states_the_factor_the_check_uses():
    for rel in (SVM, SOFTMAX):
        text = (ROOT / rel).read_text()
        assert f"at most\n    {speed.FACTOR}x the reference's time" in text, rel
    assert speed.SIZE == (500, 3073, 10)
    for notebook in ("2_svm.ipynb", "3_softmax.ipynb"):
        assert f"in at most {speed.FACTOR}x the reference's time" in \
            (ROOT / "notebooks" / notebook).read_text()


def test_the_reference_comes_from_the_folder_named_by_the_environment(tmp_path, monkeypatch):
    fake = tmp_path / "assignment" / "classifiers"
    fake.mkdir(parents=True)
    (fake / "linear_svm.py").write_text("def svm_loss_vectorized(W, X, y, reg):\n    return 42\n")
    monkeypatch.setenv(speed.REFERENCE_VARIABLE, str(tmp_path))
    assert speed.reference("svm_loss_vectorized")(None, None, None, 0) == 42
    monkeypatch.delenv(speed.REFERENCE_VARIABLE)
    assert speed.reference_root() == ROOT
    assert os.path.samefile(speed.reference_root() / SVM, ROOT / SVM)


def test_no_call_can_be_answered_from_answers_made_in_advance():
    """A loss that finds which seed made the examples and works out every call's answer on the
    first call passes when the data can be made again; the check draws them afresh."""
    from assignment.classifiers import linear_svm
    answers = {}

    def svm_loss_vectorized(W, X, y, reg):
        if not answers:                          # the first call, not timed: look ahead
            for seed in range(10):
                X_again, _, weights = speed.check_data(seed)
                if np.array_equal(X_again, X):
                    for future in weights:
                        answers[future.tobytes()] = linear_svm.svm_loss_naive(future, X, y, reg)
                    break
        return answers.get(W.tobytes()) or linear_svm.svm_loss_naive(W, X, y, reg)

    right, ratio = speed.measure(svm_loss_vectorized, seed=3)
    assert right and ratio <= speed.FACTOR       # the attack, had the data been reproducible
    answers.clear()
    right, ratio = speed.measure(svm_loss_vectorized)
    assert right and ratio > speed.FACTOR


def test_every_reference_loss_comes_from_one_run_of_its_file(tmp_path, monkeypatch):
    """The naive and vectorized references of a family share one executed module."""
    fake = tmp_path / "assignment" / "classifiers"
    fake.mkdir(parents=True)
    (fake / "softmax.py").write_text(
        "RUNS = []\nRUNS.append(1)\n"
        "def softmax_loss_naive(W, X, y, reg):\n    return len(RUNS)\n"
        "def softmax_loss_vectorized(W, X, y, reg):\n    return len(RUNS)\n")
    monkeypatch.setenv(speed.REFERENCE_VARIABLE, str(tmp_path))
    naive, vectorized = speed.reference("softmax_loss_naive"), speed.reference("softmax_loss_vectorized")
    assert naive.__globals__ is vectorized.__globals__
    assert [speed.reference("softmax_loss_naive")(None, None, None, 0) for _ in range(3)] == [1, 1, 1]
    with pytest.raises(KeyError, match="no reference file holds 'predict'"):
        speed.reference("predict")
