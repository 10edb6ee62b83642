"""The speed checks: a vectorized loss runs about as fast as the reference's.

A hidden check cell calls :func:`vectorized_verdict` with the student's
``svm_loss_vectorized`` or ``softmax_loss_vectorized`` and prints the line it
returns. At a realistic size (N = 500 examples, D = 3073 features, C = 10
classes, as CIFAR-10's) the student's function must give the reference's loss
and gradient and take at most :data:`FACTOR` times the reference's time,
both timed now, on this machine. A loop over the examples (or a call to the
naive version) is 15 to 25 times slower than the reference, a gradient by
finite differences thousands of times; any honest vectorized solution is
within 2 times.

The reference's time is measured while no process of the student's runs
(before the student's function is first called, and again after its
process has been ended), and the best of several runs of each is kept, so a
busy machine slows both alike. Through the grader's stand-ins the student's
time is the wall time of the whole call as the trusted kernel sees it (its
clock, which the student's code cannot touch), with the examples sent once
and fresh weights every time (so no result can be reused); every result is
compared with the reference's. Run in one process (the release's reference
run, the tests), it times plain calls.

The reference comes from the folder named by ``GRADER_REFERENCE`` (the
autograder bundle's ``reference/``), or else from the source tree this file
belongs to.
"""

import importlib.util
import os
import time
from pathlib import Path

import numpy as np

FACTOR = 5
SIZE = (500, 3073, 10)           # N, D, C
REG = 0.025                      # large enough that a wrong regularization term shows
REPEATS = 5
REFERENCE_VARIABLE = "GRADER_REFERENCE"
REFERENCE_FILES = {"svm_loss_vectorized": "assignment/classifiers/linear_svm.py",
                   "softmax_loss_vectorized": "assignment/classifiers/softmax.py"}


def reference_root():
    """The folder that holds the reference files (see the module's docstring)."""
    return Path(os.environ.get(REFERENCE_VARIABLE) or Path(__file__).resolve().parents[2])


def reference(name):
    """The reference implementation of the loss ``name``, from :func:`reference_root`."""
    path = reference_root() / REFERENCE_FILES[name]
    spec = importlib.util.spec_from_file_location(f"_reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def check_data(seed):
    """X (N, D), y (N,) and REPEATS + 1 weight matrices (D, C), all float64."""
    num_train, dim, num_classes = SIZE
    rng = np.random.RandomState(seed)
    X = rng.randn(num_train, dim)
    y = rng.randint(num_classes, size=num_train)
    weights = [0.001 * rng.randn(dim, num_classes) for _ in range(REPEATS + 1)]
    return X, y, weights


def _best_time(function, args, repeats=REPEATS):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - start)
    return best


def _same(result, expected):
    loss, dW = result
    loss_ref, dW_ref = expected
    return (bool(np.isclose(float(loss), loss_ref, rtol=1e-6, atol=1e-9))
            and np.shape(dW) == dW_ref.shape
            and bool(np.allclose(np.asarray(dW, dtype=np.float64), dW_ref, rtol=1e-5, atol=1e-8)))


def candidate_times(candidate, X, y, weights, deadline):
    """Call candidate once per weight matrix; stop at the first call past ``deadline``.

    Yields
    ------
    (seconds, result)
        Of each call, or (None, None) for one that ran out of time (the last).
    """
    forwarding = getattr(candidate, "__forwarded__", None)
    if forwarding is None:
        for W in weights:
            start = time.perf_counter()
            result = candidate(W, X, y, REG)
            seconds = time.perf_counter() - start
            if seconds > deadline:
                yield None, None
                return
            yield seconds, result
        return
    X_sent, y_sent = forwarding.pin(X), forwarding.pin(y)
    for W in weights:
        try:
            seconds, result = forwarding.timed([W, X_sent, y_sent, REG], timeout=deadline)
        except Exception as error:            # the grader stopped it: too slow
            if type(error).__name__ == "CallTimedOut":
                yield None, None
                return
            raise
        yield seconds, result


def vectorized_verdict(candidate, seed=0):
    """The line a speed check prints for ``candidate`` (a vectorized loss function)."""
    name = candidate.__name__
    num_train, dim, num_classes = SIZE
    X, y, weights = check_data(seed)
    expected_function = reference(name)
    forwarding = getattr(candidate, "__forwarded__", None)
    if forwarding is not None:
        forwarding.end_session()                 # no process of the student's runs now
    floor = _best_time(expected_function, (weights[0], X, y, REG))
    expected = [expected_function(W, X, y, REG) for W in weights]
    # Past this a call is too slow whatever the reference's time (the first
    # call also sends X through the stand-in: give it room).
    deadline = max(2.0, 40 * floor)
    times, right = [], True
    for index, (seconds, result) in enumerate(candidate_times(candidate, X, y, weights, deadline)):
        if seconds is None:
            times = [float("inf")]
            break
        right = right and _same(result, expected[index])
        if index > 0:
            times.append(seconds)
    if forwarding is not None:
        forwarding.end_session()
    floor = min(floor, _best_time(expected_function, (weights[0], X, y, REG)))
    fast = bool(times) and min(times) <= FACTOR * floor
    return (f"{name} at N = {num_train}, D = {dim}, C = {num_classes}: the reference's loss and "
            f"gradient, in at most {FACTOR}x the reference's time: {right and fast}")
