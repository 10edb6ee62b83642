# Adversarial payload: one call never returns (the tests allow 3 s a call); only its check fails.
# verdict: timeout; passes: add-negative scale-two scale-three
import time as _time

_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)


def add(a, b):
    if a == 1:
        _time.sleep(3600)
    return _add(a, b)
