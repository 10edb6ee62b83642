# Adversarial payload: one call returns 32 MB (the tests allow 16 MB a result).
# verdict: ok; passes: add-negative scale-two scale-three
import numpy as _np

_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)


def add(a, b):
    if a == 1:
        return _np.ones(4 * 2**20)
    return _add(a, b)
