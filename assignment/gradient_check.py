"""Numerical gradients, to check the analytic gradients you derive.

The analytic gradient is exact and fast but easy to get wrong; the numerical
one is slow and approximate but hard to get wrong. Comparing the two is a
gradient check.
"""

import numpy as np


def rel_error(x, y):
    """Largest relative difference between two arrays of the same shape.

    ``max |x - y| / max(1e-8, |x| + |y|)`` over all entries: about 1e-7 or
    less means the two agree to float64 precision of a numerical gradient;
    1e-2 or more almost always means a bug.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, h=1e-5, difference="centered"):
    """Numerical gradient of a scalar function f at x, one coordinate at a time.

    Parameters
    ----------
    f : callable
        Takes an array shaped like x and returns a float.
    x : ndarray of float
        The point. Each coordinate is nudged by +-h while f is evaluated and
        restored afterwards, so x is unchanged when this returns.
    h : float
        Step size.
    difference : {"centered", "forward"}
        ``(f(x+h) - f(x-h)) / 2h`` has an error of order h**2;
        ``(f(x+h) - f(x)) / h`` has an error of order h and needs one
        evaluation of f per coordinate instead of two.

    Returns
    -------
    grad : ndarray of float64, same shape as x
    """
    if difference not in ("centered", "forward"):
        raise ValueError(
            f"difference must be 'centered' or 'forward'; got {difference!r}.")
    grad = np.zeros(x.shape)
    fx = f(x) if difference == "forward" else None
    for ix in np.ndindex(x.shape):
        grad[ix] = _partial_derivative(f, x, ix, h, fx)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0):
    """Compare an analytic gradient with centered differences at random coordinates.

    Prints one line per coordinate: numerical, analytic, relative error.

    Parameters
    ----------
    f : callable
        Takes an array shaped like x and returns a float.
    x : ndarray of float
        The point (unchanged when this returns).
    analytic_grad : ndarray, same shape as x
        The gradient to check.
    num_checks : int
        How many coordinates to check.
    h : float
        Step size of the centered difference.
    seed : int
        Seed that picks the coordinates, so a check can be repeated.

    Returns
    -------
    ndarray of float, shape (num_checks,)
        The relative error at each checked coordinate.
    """
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"analytic_grad has shape {analytic_grad.shape} but x has shape "
            f"{x.shape}: a gradient has the shape of what it differentiates.")
    rng = np.random.RandomState(seed)
    errors = []
    for _ in range(num_checks):
        ix = tuple(rng.randint(n) for n in x.shape)
        numerical = _partial_derivative(f, x, ix, h)
        analytic = float(analytic_grad[ix])
        error = rel_error(numerical, analytic)
        errors.append(error)
        print(f"numerical: {numerical: f} analytic: {analytic: f}, "
              f"relative error: {error:e}")
    return np.array(errors)


def _partial_derivative(f, x, ix, h, fx=None):
    """Difference quotient of f along coordinate ix (forward when fx is given)."""
    old_value = x[ix]
    try:
        x[ix] = old_value + h
        f_plus = f(x)
        if fx is not None:
            return (f_plus - fx) / h
        x[ix] = old_value - h
        f_minus = f(x)
        return (f_plus - f_minus) / (2 * h)
    finally:
        x[ix] = old_value
