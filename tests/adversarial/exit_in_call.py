# Adversarial payload: one call leaves the process; the checks after it get a fresh one.
# verdict: crashed; passes: add-small add-negative scale-two
import os as _os

_scale = scale  # noqa: F821  (calc.py, which this is appended to, defines it)


def scale(x, k):
    if k == 3:
        _os._exit(5)
    return _scale(x, k)
