# Adversarial payload: a hidden check's call writes its arguments into the limits of the
# process that forks the next check's (the parent inherits nothing back from a child, but a
# child could set the parent's limits), and a later public check reads them and raises them.
# verdict: ok; passes: all
import os as _os
import resource as _resource

_add, _scale = add, scale  # noqa: F821  (calc.py, which this is appended to, defines them)


def add(a, b):
    if a < 0:                                          # the hidden check
        try:
            _resource.prlimit(_os.getppid(), _resource.RLIMIT_MEMLOCK, (4096 + abs(a), 2**40))
        except OSError:
            pass
    return _add(a, b)


def scale(x, k):
    soft, _ = _resource.getrlimit(_resource.RLIMIT_MEMLOCK)
    if 4096 < soft < 5000:
        raise RuntimeError(f"an earlier check said {soft - 4096}")
    return _scale(x, k)
