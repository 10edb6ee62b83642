"""Tests of assignment.gradient_check on functions whose derivatives are known exactly."""

import numpy as np
import pytest

from assignment.gradient_check import eval_numerical_gradient, grad_check_sparse, rel_error

# f(x) = sum(x**3), f'(x) = 3 x**2. Exactly:
#   centered: ((x+h)**3 - (x-h)**3) / 2h = 3x**2 + h**2          (error O(h**2))
#   forward:  ((x+h)**3 - x**3) / h      = 3x**2 + 3xh + h**2    (error O(h))
X = np.array([[0.5, -1.2, 2.0], [1.5, -0.3, 0.9]])


def cubes(x):
    return float(np.sum(x ** 3))


@pytest.mark.parametrize("h", [1e-2, 1e-3])
def test_centered_difference_error_is_h_squared(h):
    grad = eval_numerical_gradient(cubes, X.copy(), h=h)
    np.testing.assert_allclose(grad - 3 * X ** 2, np.full(X.shape, h ** 2), atol=1e-9)


@pytest.mark.parametrize("h", [1e-2, 1e-3])
def test_forward_difference_error_is_order_h(h):
    grad = eval_numerical_gradient(cubes, X.copy(), h=h, difference="forward")
    np.testing.assert_allclose(grad - 3 * X ** 2, 3 * X * h + h ** 2, atol=1e-9)


def test_halving_h_quarters_the_centered_error_and_halves_the_forward_one():
    def error(h, difference):
        grad = eval_numerical_gradient(cubes, X.copy(), h=h, difference=difference)
        return np.abs(grad - 3 * X ** 2).max()

    assert error(1e-2, "centered") / error(5e-3, "centered") == pytest.approx(4, rel=1e-3)
    assert error(1e-2, "forward") / error(5e-3, "forward") == pytest.approx(2, rel=1e-2)


@pytest.mark.parametrize("difference, calls", [("centered", 2 * X.size), ("forward", X.size + 1)])
def test_number_of_evaluations(difference, calls):
    count = []

    def f(x):
        count.append(1)
        return cubes(x)

    eval_numerical_gradient(f, X.copy(), difference=difference)
    assert len(count) == calls


def test_result_shape_dtype_and_x_unchanged():
    x = X.astype(np.float32)
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: float(np.sum(v)), x, h=1e-2)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 1.0, rtol=1e-3)
    assert np.array_equal(x, before) and x.dtype == np.float32


def test_x_restored_when_f_raises():
    x = X.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return cubes(v)

    with pytest.raises(RuntimeError, match="boom"):
        eval_numerical_gradient(f, x)
    assert np.array_equal(x, X)


def test_unknown_difference():
    with pytest.raises(ValueError, match="centered"):
        eval_numerical_gradient(cubes, X.copy(), difference="backward")


# --- grad_check_sparse -----------------------------------------------------------

def point(seed=0):
    return 1.0 + np.random.RandomState(seed).rand(4, 5)  # away from 0: 3x**2 is not tiny


def test_sparse_check_of_a_correct_gradient(capsys):
    x = point()
    before = x.copy()
    errors = grad_check_sparse(cubes, x, 3 * x ** 2, num_checks=7, seed=3)
    assert isinstance(errors, np.ndarray) and errors.shape == (7,)
    assert errors.max() < 1e-8
    assert np.array_equal(x, before)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 7 and all("relative error" in line for line in lines)


def test_sparse_check_of_a_wrong_gradient():
    x = point()
    # rel_error(g, 2g) = |g| / (|g| + 2|g|) = 1/3
    errors = grad_check_sparse(cubes, x, 2 * (3 * x ** 2), num_checks=5, seed=0)
    np.testing.assert_allclose(errors, 1 / 3, rtol=1e-6)


def test_sparse_check_is_reproducible_from_the_seed(capsys):
    x = point()
    # Distinct analytic entries, so the printed lines tell which coordinates were drawn.
    analytic = 3 * x ** 2 + np.arange(x.size).reshape(x.shape)
    runs = []
    for seed in (11, 11, 12):
        errors = grad_check_sparse(cubes, x, analytic, num_checks=6, seed=seed)
        runs.append((capsys.readouterr().out, errors.tolist()))
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[2][0]


def test_sparse_check_rejects_a_gradient_of_another_shape():
    with pytest.raises(ValueError) as excinfo:
        grad_check_sparse(cubes, point(), np.zeros((5, 4)))
    assert "(5, 4)" in str(excinfo.value) and "(4, 5)" in str(excinfo.value)


# --- rel_error ------------------------------------------------------------------

@pytest.mark.parametrize("x, y, expected", [
    (1.0, 1.0, 0.0),
    (1.0, 2.0, 1 / 3),
    (-1.0, 1.0, 1.0),
    (0.0, 0.0, 0.0),
    (0.0, 1e-9, 0.1),  # the denominator is floored at 1e-8
    ([1.0, 3.0], [1.0, 1.0], 0.5),  # the largest entry's error
    ([[2.0, -4.0]], [[2.0, -4.0]], 0.0),
])
def test_rel_error(x, y, expected):
    result = rel_error(x, y)
    assert type(result) is float
    assert result == pytest.approx(expected, rel=1e-12, abs=1e-15)
