"""Evidence for the feedback's hints, measured on the student's code in the trusted kernel.

A hint may name a cause only when the evidence shows it (see ``grading/hints.py``).
This module measures *facts*: small categorical values about what the
student's functions compute, each compared with the reference (the bundle's
``reference/`` files, or the math itself), for example

- ``svm_loss_vectorized.grad``: ``"correct"``, ``"times N"`` (a sum, not a
  mean), ``"divided by N"`` (divided twice), ``"missing -1"`` (the softmax's
  correct class), ``"transposed"``, ``"other"``;
- ``softmax_loss_vectorized.loss``: ``"correct"``, ``"times log10(e)"`` (log
  base 10), ``"plus 1"`` (the SVM's correct class counted), ``"other"``;
- ``predict.returns``: ``"labels"``, ``"nothing"``, ``"argmin"``, ...

Every fact is measured on small fixed data through the stand-ins, like any
check; what the student's code prints meanwhile is captured, not shown. A
fact whose call failed (an exception, a timeout) is simply missing. The facts
are the student's process's word: they can choose a hint, never a point.

``record(path)`` appends one ``{"event": "evidence", "facts": {...}}`` line
per group of facts to the kernel's events file.
"""

import contextlib
import io
import json
import math
import os

import numpy as np

from ..speed import reference as reference_loss

LOSSES = {"svm_loss_naive": "svm", "svm_loss_vectorized": "svm",
          "softmax_loss_naive": "softmax", "softmax_loss_vectorized": "softmax"}
REG = 0.3
LOG10_E = math.log10(math.e)


def loss_data():
    """W (D, C), X (N, D), y (N,): small, float64, every class present, margins of both signs."""
    rng = np.random.default_rng(20261201)
    num_train, dim, num_classes = 6, 5, 4
    X = rng.standard_normal((num_train, dim))
    y = np.array([0, 1, 2, 3, 1, 2])
    W = 0.5 * rng.standard_normal((dim, num_classes))
    return W, X, y


def _close(a, b):
    return np.allclose(a, b, rtol=1e-5, atol=1e-9)


def _factor(value, reference):
    """How ``value`` relates to ``reference``: "1", "0.5", "0" or "other"."""
    for name, factor in (("1", 1.0), ("0.5", 0.5), ("0", 0.0)):
        if _close(value, factor * reference):
            return name
    return "other"


def _loss_relation(loss, expected, kind):
    if _close(loss, expected):
        return "correct"
    if _close(loss, LOG10_E * expected):
        return "times log10(e)"
    if kind == "svm" and _close(loss, expected + 1):
        return "plus 1"
    return "other"


def _grad_relation(dW, expected, X, y, num_classes):
    """What separates the student's gradient dW from the reference's (same data, reg 0)."""
    N = len(y)
    if dW.shape == expected.shape[::-1] and dW.shape != expected.shape:
        return "transposed"
    if dW.shape != expected.shape:
        return "other"
    if _close(dW, expected):
        return "correct"
    if _close(dW, N * expected):
        return "times N"
    if _close(dW, expected / N):
        return "divided by N"
    # The softmax's dL/ds_j = p_j - [j == y_i] without its "- 1": X.T @ onehot(y) / N too much.
    onehot = np.eye(num_classes)[y]
    if _close(dW, expected + X.T @ onehot / N):
        return "missing -1"
    return "other"


def _pair(result):
    """(loss as float, dW as array) of a loss's result, or the fact that it is not such a pair."""
    if result is None:
        return "nothing"
    if not (isinstance(result, tuple) and len(result) == 2):
        return "not a (loss, dW) pair"
    loss, dW = result
    try:
        return float(loss), np.asarray(dW)
    except (TypeError, ValueError):
        return "not a (loss, dW) pair"


def loss_facts(name, student, reference):
    """Facts about the loss ``name``: what it returns, its loss, gradient, regularization."""
    kind = LOSSES[name]
    W, X, y = loss_data()
    facts = {}
    plain = _pair(student(W, X, y, 0.0))
    facts[f"{name}.returns"] = plain if isinstance(plain, str) else "a pair"
    if isinstance(plain, str):
        return facts
    loss0, dW0 = plain
    expected_loss, expected_dW = reference(W, X, y, 0.0)
    facts[f"{name}.loss"] = _loss_relation(loss0, expected_loss, kind)
    facts[f"{name}.grad"] = _grad_relation(dW0, expected_dW, X, y, W.shape[1])
    regularized = _pair(student(W, X, y, REG))
    if not isinstance(regularized, str):
        loss1, dW1 = regularized
        facts[f"{name}.reg_loss"] = _factor(loss1 - loss0, REG * np.sum(W * W))
        if dW1.shape == dW0.shape == W.shape:
            facts[f"{name}.reg_grad"] = _factor(dW1 - dW0, 2 * REG * W)
    single = _pair(student(W.astype(np.float32), X.astype(np.float32), y, 0.0))
    if not isinstance(single, str):
        facts[f"{name}.grad_dtype"] = str(single[1].dtype)
    if kind == "softmax":
        facts.update(_stability_facts(name, student))
    return facts


def _stability_facts(name, student):
    """Scores near 1000 (an unshifted exp overflows), and a correct class 800 behind
    (its probability underflows to 0, so -log of it is inf); both have finite losses."""
    num_classes = 4
    W = np.eye(num_classes)            # the scores are the rows of X themselves
    near = np.array([[1000.0, 999.0, 998.0, 1000.5]])
    behind = np.array([[0.0, 800.0, 0.0, 0.0]])
    facts = {}
    for fact, X in (("large_scores", near), ("far_behind", behind)):
        result = _pair(student(W, X, np.array([0]), 0.0))
        if isinstance(result, str):
            continue
        facts[f"{name}.{fact}"] = "finite" if math.isfinite(result[0]) else "not finite"
    return facts


def predict_facts(classifiers):
    """What ``predict`` returns for known weights: the labels, or which slip it makes."""
    W, X, _ = loss_data()
    model = classifiers.LinearSVM()
    model.W = W
    predicted = model.predict(X)
    scores = X @ W
    if predicted is None:
        returns = "nothing"
    else:
        predicted = np.asarray(predicted)
        if predicted.shape == (len(X), 1):
            returns = "a column"
        elif predicted.shape == (W.shape[1],):
            returns = "one value per class"
        elif predicted.shape != (len(X),):
            returns = "other"
        elif np.array_equal(predicted, np.argmin(scores, axis=1)):
            returns = "argmin"
        elif not np.array_equal(predicted, np.argmax(scores, axis=1)):
            returns = "other"
        else:
            returns = "labels" if predicted.dtype.kind in "iu" else "labels as " + str(predicted.dtype)
    return {"predict.returns": returns}


def training_data():
    """X (N, D), y (N,): four classes, each the only one with its feature set, labels sorted.

    Every row is its class's unit vector plus a bias 1, so a correct training
    run fits all of them; the last class's rows come last, so a run that only
    ever sees the first rows never meets it.
    """
    num_classes, per_class = 4, 10
    y = np.repeat(np.arange(num_classes), per_class)
    X = np.hstack([np.eye(num_classes)[y], np.ones((len(y), 1))])
    return X, y


def train_facts(classifiers):
    """How ``train`` behaves on separable data: does the loss fall, are X and y kept,
    does it fit every row, does it ever draw a row beyond the first batch."""
    X, y = training_data()
    X_copy, y_copy = X.copy(), y.copy()
    model = classifiers.LinearSVM(seed=0)
    history = model.train(X, y, learning_rate=0.1, reg=0.0, num_iters=200, batch_size=10)
    facts = {"train.changes_inputs": not (np.array_equal(X, X_copy) and np.array_equal(y, y_copy))}
    history = np.asarray(history, dtype=float)
    if history.ndim == 1 and len(history) >= 20 and np.isfinite(history).all():
        start, end = history[:10].mean(), history[-10:].mean()
        facts["train.loss"] = "rises" if end > start * 1.05 else "falls" if end < start * 0.95 \
            else "flat"
    W = np.asarray(model.W)
    if W.shape == (X.shape[1], 4):
        learned = np.argmax(X_copy @ W, axis=1)
        facts["train.fits"] = "every row" if np.array_equal(learned, y_copy) else "not every row"
        # The first batch holds only the first class, whose rows have feature 0 and the
        # bias: a run that never draws another row never moves W's rows 1 to 3 from
        # their start (0.001 * randn), while its row 0 moves a long way.
        unseen, seen = np.abs(W[1:4]).max(), np.abs(W[0]).max()
        facts["train.sees"] = "only the first rows" if unseen < 0.01 < 0.05 < seen \
            else "every row"
    return facts


def search_facts(tuning):
    """Which split ``search_hyperparameters`` chooses its best pair on."""
    X, y = training_data()
    # The validation labels are shifted by one class: the rate that fits the training
    # rows (0.1) gets none of them right, the one that barely moves W (1e-6) gets some.
    X_val, y_val = X[::3], (y[::3] + 1) % 4
    _, pair, table = tuning.search_hyperparameters("svm", X, y, X_val, y_val, [1e-6, 0.1], [0.0],
                                                    num_iters=30, batch_size=10, seed=0)
    picked = table[tuple(pair)]
    best = {split: max(result[f"{split}_accuracy"] for result in table.values())
            for split in ("val", "train")}
    if best["val"] == best["train"] or picked["val_accuracy"] == picked["train_accuracy"]:
        return {}                                   # the data did not tell the splits apart
    if picked["val_accuracy"] == best["val"]:
        return {"search.picks_on": "validation"}
    if picked["train_accuracy"] == best["train"]:
        return {"search.picks_on": "training"}
    return {"search.picks_on": "other"}


def measure(modules=None):
    """Yield dicts of facts, one group at a time; a group whose calls failed yields nothing.

    ``modules`` maps ``linear_svm``, ``softmax``, ``linear_classifier`` and
    ``tuning`` to the student's modules (in the trusted kernel: their
    stand-ins, imported by default).
    """
    if modules is None:
        from assignment.classifiers import linear_classifier, linear_svm, softmax, tuning
        modules = {"linear_svm": linear_svm, "softmax": softmax,
                   "linear_classifier": linear_classifier, "tuning": tuning}
    files = {"svm": modules["linear_svm"], "softmax": modules["softmax"]}
    groups = [(name, lambda name=name: loss_facts(name, getattr(files[LOSSES[name]], name),
                                                  reference_loss(name)))
              for name in LOSSES]
    groups += [("predict", lambda: predict_facts(modules["linear_classifier"])),
               ("train", lambda: train_facts(modules["linear_classifier"])),
               ("search_hyperparameters", lambda: search_facts(modules["tuning"]))]
    for label, group in groups:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), np.errstate(all="ignore"):
                facts = group()
        except Exception:
            continue
        facts[f"{label}.prints"] = bool(printed.getvalue().strip())
        yield facts


def record(path=None):
    """Append the facts to the kernel's events file (``path``, else the kernel's config's)."""
    if path is None:
        with open(os.environ["GRADER_KERNEL_CONFIG"], encoding="utf-8") as f:
            path = json.load(f)["events"]
    for facts in measure():
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"event": "evidence", "facts": facts}) + "\n")
