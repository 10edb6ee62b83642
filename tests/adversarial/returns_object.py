# Adversarial payload: results that are not plain values: an int whose == always says yes,
# and a numpy.matrix. Only plain values cross to the checks.
# verdict: ok; passes: none
import numpy as _np


class _Yes(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__

    def __repr__(self):
        return "3"

    __str__ = __repr__


def add(a, b):
    return _Yes(a + b)


def scale(x, k):
    return _np.asmatrix([[x * k]])
