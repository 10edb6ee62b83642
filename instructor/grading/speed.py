"""The speed checks: a vectorized loss runs about as fast as the reference's.

A hidden check cell calls :func:`vectorized_verdict` with the student's
``svm_loss_vectorized`` or ``softmax_loss_vectorized`` and prints the line it
returns. At a realistic size (N = 500 examples, D = 3073 features, C = 10
classes, as CIFAR-10's) the student's function must give the reference's loss
and gradient and take at most :data:`FACTOR` times the reference's time,
both timed now, on this machine. A loop over the examples (or a call to the
naive version) is 8 to 14 times slower than the reference as this check times
it, a gradient by
finite differences thousands of times. Vectorized solutions built on matrix
products are within 2 times; one whose products are ``np.einsum`` calls
without ``optimize=True`` took 3 to 7 times (SVM) and up to 5 times (softmax)
here, which the losses' docstrings warn of.

The reference and the student's function are timed in turn, and the best
time of each is kept, so a busy machine slows both alike; while the
reference runs, every process of the student's is stopped, so none can slow
it down. Through the grader's stand-ins the student's time is the wall time
of the whole call as the trusted kernel sees it (its clock, which the
student's code cannot touch), with the examples sent once and fresh weights
every time (so no result can be reused); every result is compared with the
reference's. Run in one process (the release's reference run, the tests), it
times plain calls.

The reference comes from the folder named by ``GRADER_REFERENCE`` (the
autograder bundle's ``reference/``), or else from the source tree this file
belongs to.
"""

import contextlib
import functools
import importlib.util
import os
import secrets
import time
from pathlib import Path

import numpy as np

from .kernel.link import CallTimedOut

FACTOR = 4
SIZE = (500, 3073, 10)           # N, D, C
REG = 0.025                      # large enough that a wrong regularization term shows
ROUNDS, PAIRS = 3, 5             # reference and student timed in turn, PAIRS at a time
REFERENCE_VARIABLE = "GRADER_REFERENCE"
REFERENCE_FILES = {"svm_loss_vectorized": "assignment/classifiers/linear_svm.py",
                   "softmax_loss_vectorized": "assignment/classifiers/softmax.py"}


def reference_root():
    """The folder that holds the reference files (see the module's docstring)."""
    return Path(os.environ.get(REFERENCE_VARIABLE) or Path(__file__).resolve().parents[2])


def reference(name):
    """The reference implementation of the loss ``name`` (``svm_loss_naive``, ...).

    From the file of :data:`REFERENCE_FILES` that holds it, under
    :func:`reference_root`; each file is executed once per process.
    """
    family = name.split("_loss_")[0]
    files = {vectorized.split("_loss_")[0]: file for vectorized, file in REFERENCE_FILES.items()}
    if family not in files:
        raise KeyError(f"no reference file holds {name!r}: the references are the losses of "
                       f"{', '.join(sorted(REFERENCE_FILES.values()))}")
    return getattr(_reference_module(str(reference_root() / files[family])), name)


@functools.lru_cache(maxsize=None)
def _reference_module(path):
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"_reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_data(seed=None):
    """X (N, D), y (N,) and a weight matrix (D, C) for every call, all float64.

    Drawn afresh every time (``seed`` None): the student's code can neither
    know the weights of a call before it comes nor answer it from a cache.
    """
    num_train, dim, num_classes = SIZE
    rng = np.random.default_rng(seed if seed is not None else secrets.randbits(128))
    X = rng.standard_normal((num_train, dim))
    y = rng.integers(num_classes, size=num_train)
    weights = [0.001 * rng.standard_normal((dim, num_classes)) for _ in range(1 + ROUNDS * PAIRS)]
    return X, y, weights


def _same(result, expected):
    try:
        loss, dW = result
        return (bool(np.isclose(float(loss), expected[0], rtol=1e-6, atol=1e-9))
                and np.shape(dW) == expected[1].shape
                and bool(np.allclose(np.asarray(dW, dtype=np.float64), expected[1],
                                     rtol=1e-5, atol=1e-8)))
    except (TypeError, ValueError):
        return False


class _Direct:
    """The same interface as a stand-in's forwarding, for a function of this process."""

    def __init__(self, function):
        self.function = function

    def pin(self, value):
        return value

    def timed(self, args, timeout):
        start = time.perf_counter()
        result = self.function(*args)
        seconds = time.perf_counter() - start
        if seconds > timeout:
            raise TimeoutError(f"took {seconds:.1f} s")
        return seconds, result

    def end_session(self):
        pass

    def paused(self):
        return contextlib.nullcontext()


def measure(candidate, seed=None):
    """(whether every result was the reference's, candidate's best time / the reference's).

    The reference and the candidate are timed in turn, ``PAIRS`` pairs in each
    of ``ROUNDS`` rounds with a short pause between, the best time of each
    kept; while the reference runs, every process of the student's is
    stopped. The first call of the candidate (which sends the examples
    through a stand-in, or warms up) is not timed.
    """
    forwarding = getattr(candidate, "__forwarded__", None) or _Direct(candidate)
    expected_function = reference(candidate.__name__)
    X, y, weights = check_data(seed)
    forwarding.end_session()                 # no process of the student's runs now
    start = time.perf_counter()
    first = expected_function(weights[0], X, y, REG)
    # Past this a call is too slow whatever the reference's time.
    deadline = max(2.0, 100 * (time.perf_counter() - start))
    X_sent, y_sent = forwarding.pin(X), forwarding.pin(y)
    best_reference = best_candidate = float("inf")
    try:
        _, result = forwarding.timed([weights[0], X_sent, y_sent, REG], timeout=deadline)
        right = _same(result, first)
        for index, W in enumerate(weights[1:]):
            with forwarding.paused():
                start = time.perf_counter()
                expected = expected_function(W, X, y, REG)
                best_reference = min(best_reference, time.perf_counter() - start)
            seconds, result = forwarding.timed([W, X_sent, y_sent, REG], timeout=deadline)
            best_candidate = min(best_candidate, seconds)
            right = right and _same(result, expected)
            if (index + 1) % PAIRS == 0:
                time.sleep(0.01)             # a fresh share of the processor for the next round
    except (TimeoutError, CallTimedOut):
        return False, float("inf")
    finally:
        forwarding.end_session()
    return right, best_candidate / best_reference


def vectorized_verdict(candidate, seed=None):
    """The line a speed check prints for ``candidate`` (a vectorized loss function).

    A candidate that fails is measured once more (fresh data unless seeded): a burst of
    load on a busy machine can slow every call of one side of a measurement,
    and an honest solution must not fail for it. A loop or finite
    differences fail both times.
    """
    num_train, dim, num_classes = SIZE
    for _ in range(2):
        right, ratio = measure(candidate, seed)
        if right and ratio <= FACTOR:
            break
    return (f"{candidate.__name__} at N = {num_train}, D = {dim}, C = {num_classes}: the "
            f"reference's loss and gradient, in at most {FACTOR}x the reference's time: "
            f"{right and ratio <= FACTOR}")
