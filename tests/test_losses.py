"""Tests of the SVM and softmax losses, with expected values from the math.

Each check is a property function ``prop_*(module)`` that takes a loss module
(``linear_svm`` or ``softmax``: the reference, the independent solution in
tests/independent/, or a typical student mistake from
instructor/mistakes.py) and raises when the module violates it. The
reference and the independent solution pass them all; every mistake fails
exactly the properties that its entry in instructor/mistakes.py lists.

Expected values never come from the code under test: they are computed here
in plain Python (``math``) from the formulas of the lecture.
"""

import contextlib
import functools
import io
import math
import warnings

import numpy as np
import pytest

import independent
import student_mistakes as sm
from assignment import gradient_check
from assignment.classifiers import linear_svm, softmax

# --- the math, in plain Python ----------------------------------------------

# The lecture's worked example: the scores (cat, car, frog) of each image; the
# image k has label k. As data: X = I_3 and W = the rows below (scores = X @ W).
LECTURE = {"cat": [3.2, 5.1, -1.7], "car": [1.3, 4.9, 2.0], "frog": [2.2, 2.5, -3.1]}
IMAGES = list(LECTURE)


def hinge_loss(scores, label, delta=1.0):
    """Multiclass SVM loss of one example: sum over j != label of max(0, s_j - s_y + delta)."""
    return math.fsum(max(0.0, s - scores[label] + delta)
                     for j, s in enumerate(scores) if j != label)


def softmax_probabilities(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = math.fsum(exps)
    return [e / total for e in exps]


def cross_entropy(scores, label):
    """-ln softmax(scores)[label], as log-sum-exp minus the correct score."""
    top = max(scores)
    return top + math.log(math.fsum(math.exp(s - top) for s in scores)) - scores[label]


def test_lecture_svm_losses_from_the_formula():
    losses = [hinge_loss(LECTURE[image], k) for k, image in enumerate(IMAGES)]
    assert losses == pytest.approx([2.9, 0.0, 12.9])
    assert math.fsum(losses) / 3 == pytest.approx(15.8 / 3)
    assert round(math.fsum(losses) / 3, 4) == 5.2667
    # The slides print the frog's loss as 5.3 + 5.6 = 10.9 and the mean as 4.6.
    frog_margins = [2.2 - (-3.1) + 1, 2.5 - (-3.1) + 1]
    assert frog_margins == pytest.approx([6.3, 6.6])
    assert losses[2] != pytest.approx(10.9)


def test_lecture_softmax_cat_from_the_formula():
    probabilities = softmax_probabilities(LECTURE["cat"])
    assert [round(p, 2) for p in probabilities] == [0.13, 0.87, 0.00]
    assert probabilities[0] == pytest.approx(0.12998, abs=5e-6)
    assert cross_entropy(LECTURE["cat"], 0) == pytest.approx(-math.log(probabilities[0]))
    assert round(cross_entropy(LECTURE["cat"], 0), 2) == 2.04
    # The slides' -log(0.13) = 0.89 is log base 10.
    assert round(-math.log10(0.13), 2) == 0.89


# --- helpers -------------------------------------------------------------------

SHAPES = [(1, 3, 4), (5, 4, 2), (6, 5, 3), (9, 3, 5)]  # (N, D, C): N = 1 and C = 2 too
REG = 0.5


def loss_functions(module):
    """{"naive": f, "vectorized": g}: the module's two loss functions."""
    prefix = "svm" if hasattr(module, "svm_loss_naive") else "softmax"
    return {"naive": getattr(module, f"{prefix}_loss_naive"),
            "vectorized": getattr(module, f"{prefix}_loss_vectorized")}


def example_loss(module):
    """The per-example loss (plain Python) that the module should average."""
    return hinge_loss if hasattr(module, "svm_loss_naive") else cross_entropy


def random_problem(num_train, dim, num_classes, seed, dtype=np.float64):
    rs = np.random.RandomState(seed)
    W = 0.5 * rs.randn(dim, num_classes)
    X = rs.randn(num_train, dim)
    y = rs.randint(num_classes, size=num_train)
    return W.astype(dtype), X.astype(dtype), y


def assert_close(actual, expected, what, rel=1e-9, abs_=1e-12):
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_), \
        f"{what}: got {actual!r}, expected {expected!r}"


def centered_difference(f, x, h=1e-6):
    """Numerical gradient of f at x; x is never written to."""
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[ix] = h
        grad[ix] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@contextlib.contextmanager
def strict_numerics():
    """Any warning is an error, and so are overflow, 0/0 and log(0).

    Underflow (exp(-2000) == 0) is allowed: it is harmless and expected.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise",
                                                invalid="raise"):
        warnings.simplefilter("error")
        yield


# --- properties: each takes a loss module and raises on a violation ------------

def prop_worked_example(module):
    """The lecture's three images: each image's loss and their mean (reg = 0)."""
    W, X, y = np.array([LECTURE[i] for i in IMAGES]), np.eye(3), np.arange(3)
    expected = [example_loss(module)(LECTURE[image], k) for k, image in enumerate(IMAGES)]
    for name, f in loss_functions(module).items():
        for k in range(3):
            assert_close(f(W, X[k:k + 1], y[k:k + 1], 0.0)[0], expected[k],
                         f"{name}, image {IMAGES[k]}")
        assert_close(f(W, X, y, 0.0)[0], math.fsum(expected) / 3, f"{name}, mean")


def prop_regularization(module):
    """reg adds exactly reg * sum(W**2) to the loss and 2 * reg * W to the gradient."""
    W, X, y = random_problem(6, 4, 3, seed=1)
    reg = 0.7
    penalty = reg * math.fsum(w * w for w in W.ravel().tolist())
    for name, f in loss_functions(module).items():
        loss0, grad0 = f(W, X, y, 0.0)
        loss1, grad1 = f(W, X, y, reg)
        assert_close(loss1 - loss0, penalty, f"{name}: loss(reg) - loss(0)", abs_=1e-10)
        np.testing.assert_allclose(grad1 - grad0, 2 * reg * W, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}: dW(reg) - dW(0)")


def prop_naive_matches_vectorized(module):
    naive, vectorized = loss_functions(module).values()
    for seed, shape in enumerate(SHAPES):
        W, X, y = random_problem(*shape, seed=seed)
        loss_n, grad_n = naive(W, X, y, REG)
        loss_v, grad_v = vectorized(W, X, y, REG)
        assert_close(loss_v, loss_n, f"loss, shape {shape}", rel=1e-10)
        np.testing.assert_allclose(grad_v, grad_n, rtol=1e-9, atol=1e-12,
                                   err_msg=f"dW, shape {shape}")


def prop_numerical_gradient(module):
    """dW matches centered differences (ours and assignment.gradient_check's)."""
    for seed, shape in enumerate(SHAPES):
        W, X, y = random_problem(*shape, seed=seed)
        for name, f in loss_functions(module).items():
            def loss_of(V):
                return f(V, X, y, REG)[0]
            analytic = f(W, X, y, REG)[1]
            for numerical in (centered_difference(loss_of, W),
                              gradient_check.eval_numerical_gradient(loss_of, W.copy())):
                np.testing.assert_allclose(analytic, numerical, rtol=1e-5, atol=1e-7,
                                           err_msg=f"{name}, shape {shape}")


def prop_loss_at_init(module):
    """With tiny weights every score is ~0: SVM loss ~ C - 1, softmax loss ~ ln C."""
    svm = hasattr(module, "svm_loss_naive")
    for num_classes in (3, 10):
        rs = np.random.RandomState(num_classes)
        W = 1e-4 * rs.randn(20, num_classes)
        X = rs.randn(50, 20)
        y = rs.randint(num_classes, size=50)
        expected = num_classes - 1 if svm else math.log(num_classes)
        for name, f in loss_functions(module).items():
            assert_close(f(W, X, y, 0.0)[0], expected, f"{name}, C={num_classes}",
                         rel=0, abs_=0.01)


def prop_stable(module):
    """Scores near +1000, near -1000, and spread over [-1000, 1000]: finite, no warning.

    Adding a constant to a row's scores changes neither its loss nor its gradient.
    """
    base = np.random.RandomState(7).randn(6, 3)
    offsets = np.array([1000.0, 1000.0, -1000.0, -1000.0, 0.0, 0.0])
    scores = base + offsets[:, np.newaxis]
    scores[4:] = [1000.0, -1000.0, 0.5]
    y = np.array([0, 2, 1, 0, 0, 1])  # row 5: the correct class loses by 2000
    for name, f in loss_functions(module).items():
        with strict_numerics():
            loss, grad = f(scores, np.eye(6), y, 0.0)
            shifted = f(scores[:4], np.eye(4), y[:4], 0.0)
        assert np.isfinite(loss) and np.all(np.isfinite(grad)), f"{name}: not finite"
        near_zero = f(base[:4], np.eye(4), y[:4], 0.0)
        assert_close(shifted[0], near_zero[0], f"{name}: loss of shifted rows", rel=1e-9)
        np.testing.assert_allclose(shifted[1], near_zero[1], rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name}: dW of shifted rows")


def prop_inputs_unchanged(module):
    W, X, y = random_problem(5, 4, 3, seed=3)
    copies = W.copy(), X.copy(), y.copy()
    for name, f in loss_functions(module).items():
        f(W, X, y, REG)
        for original, after in zip(copies, (W, X, y)):
            assert after.dtype == original.dtype and np.array_equal(after, original), \
                f"{name} modified an input"


def prop_silent(module):
    """A loss prints nothing: whatever it prints is part of every check's output that calls it."""
    W, X, y = random_problem(5, 4, 3, seed=5)
    for name, f in loss_functions(module).items():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            f(W, X, y, REG)
        assert not printed.getvalue(), f"{name} printed {printed.getvalue()[:100]!r}"


def prop_label_dtypes(module):
    """int32, int16 and uint8 labels give the same result as int64 labels."""
    W, X, y = random_problem(7, 4, 5, seed=4)
    for name, f in loss_functions(module).items():
        loss, grad = f(W, X, y.astype(np.int64), REG)
        for dtype in (np.int32, np.int16, np.uint8):
            loss_d, grad_d = f(W, X, y.astype(dtype), REG)
            assert_close(loss_d, loss, f"{name}, labels {dtype.__name__}", rel=1e-12)
            np.testing.assert_allclose(grad_d, grad, rtol=1e-12, atol=1e-15)


def prop_integer_features(module):
    """Integer X (e.g. raw pixel values) gives the same result as the same X in float."""
    W, _, y = random_problem(6, 5, 3, seed=6)
    X = np.random.RandomState(6).randint(0, 17, size=(6, 5))
    for name, f in loss_functions(module).items():
        loss, grad = f(0.05 * W, X.astype(np.float64), y, REG)
        for dtype in (np.int64, np.uint8):
            loss_i, grad_i = f(0.05 * W, X.astype(dtype), y, REG)
            assert_close(loss_i, loss, f"{name}, X {dtype.__name__}", rel=1e-12)
            np.testing.assert_allclose(grad_i, grad, rtol=1e-12, atol=1e-15)


def prop_float32(module):
    """float32 W and X: the float64 result within float32 precision, a float32 dW.

    Also a row whose correct class trails by 120: exp(-120) underflows in float32.
    """
    W, X, y = random_problem(8, 5, 4, seed=5)
    scores = np.array([[60.0, -60.0, 0.0], [60.0, -60.0, 0.0]], dtype=np.float32)
    labels = np.array([0, 1])
    expected = math.fsum(example_loss(module)(row, k)
                         for row, k in zip(scores.tolist(), labels)) / 2
    for name, f in loss_functions(module).items():
        loss64, grad64 = f(W, X, y, REG)
        loss32, grad32 = f(W.astype(np.float32), X.astype(np.float32), y, REG)
        assert grad32.dtype == np.float32, f"{name}: dW is {grad32.dtype} for float32 data"
        assert_close(loss32, loss64, f"{name}: float32 loss", rel=1e-5)
        np.testing.assert_allclose(grad32, grad64, rtol=1e-4, atol=1e-5)
        with strict_numerics():
            loss, grad = f(scores, np.eye(2, dtype=np.float32), labels, 0.0)
        assert np.all(np.isfinite(grad)), f"{name}: float32 dW not finite"
        assert_close(loss, expected, f"{name}: float32, correct class behind by 120", rel=1e-5)


LOSS_PROPERTIES = {
    "worked_example": prop_worked_example,
    "regularization": prop_regularization,
    "naive_matches_vectorized": prop_naive_matches_vectorized,
    "numerical_gradient": prop_numerical_gradient,
    "loss_at_init": prop_loss_at_init,
    "stable": prop_stable,
    "inputs_unchanged": prop_inputs_unchanged,
    "silent": prop_silent,
    "label_dtypes": prop_label_dtypes,
    "integer_features": prop_integer_features,
    "float32": prop_float32,
}

# The mistakes of the two loss files; each entry of instructor/mistakes.py lists exactly
# the properties that catch it.
LOSS_MISTAKES = sorted(name for name, m in sm.MISTAKES.items() if m.file in (sm.SVM, sm.SOFTMAX))


@functools.lru_cache(maxsize=None)
def independent_modules():
    return {"svm": independent.load_independent_module(sm.SVM),
            "softmax": independent.load_independent_module(sm.SOFTMAX)}


def loss_module(which, kind):
    if which == "reference":
        return {"svm": linear_svm, "softmax": softmax}[kind]
    return independent_modules()[kind]


@pytest.mark.parametrize("prop", LOSS_PROPERTIES.values(), ids=list(LOSS_PROPERTIES))
@pytest.mark.parametrize("kind", ["svm", "softmax"])
@pytest.mark.parametrize("which", ["reference", "independent"])
def test_correct_implementation_has_property(which, kind, prop):
    prop(loss_module(which, kind))


@pytest.mark.parametrize("mistake", LOSS_MISTAKES)
def test_mistake_is_caught(mistake):
    sm.assert_caught_exactly(mistake, LOSS_PROPERTIES)


def test_every_loss_mistake_names_properties_of_this_file():
    for name in LOSS_MISTAKES:
        caught = sm.MISTAKES[name].properties
        assert caught and caught <= set(LOSS_PROPERTIES), name


# --- the reference, spelled out -------------------------------------------------

@pytest.mark.parametrize("f", [linear_svm.svm_loss_naive, linear_svm.svm_loss_vectorized],
                         ids=["naive", "vectorized"])
def test_svm_reproduces_lecture_numbers(f):
    W, X = np.array([LECTURE[i] for i in IMAGES]), np.eye(3)
    per_image = [f(W, X[k:k + 1], np.array([k]), 0.0)[0] for k in range(3)]
    assert per_image == pytest.approx([2.9, 0.0, 12.9])
    assert f(W, X, np.arange(3), 0.0)[0] == pytest.approx(15.8 / 3)


@pytest.mark.parametrize("f", [softmax.softmax_loss_naive, softmax.softmax_loss_vectorized],
                         ids=["naive", "vectorized"])
def test_softmax_reproduces_lecture_cat(f):
    W = np.array([LECTURE[i] for i in IMAGES])
    loss = f(W, np.eye(3)[:1], np.array([0]), 0.0)[0]
    assert loss == pytest.approx(-math.log(softmax_probabilities(LECTURE["cat"])[0]))
    assert round(loss, 2) == 2.04


@pytest.mark.parametrize("f", [linear_svm.svm_loss_naive, linear_svm.svm_loss_vectorized],
                         ids=["naive", "vectorized"])
def test_svm_gradient_at_a_kink_counts_the_margin_inactive(f):
    # Image 0 with scores (1, 0): the margin of class 1 is exactly 0.
    loss, grad = f(np.array([[1.0, 0.0]]), np.eye(1), np.array([0]), 0.0)
    assert loss == 0.0
    assert np.array_equal(grad, np.zeros((1, 2)))


@pytest.mark.parametrize("which", ["reference", "independent"])
@pytest.mark.parametrize("kind", ["svm", "softmax"])
def test_output_types(which, kind):
    W, X, y = random_problem(4, 3, 5, seed=8)
    for f in loss_functions(loss_module(which, kind)).values():
        loss, grad = f(W, X, y, REG)
        assert type(loss) is float
        assert grad.shape == W.shape and grad.dtype == np.float64
