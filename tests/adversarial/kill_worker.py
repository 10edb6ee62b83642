# Adversarial payload: one call tries to kill the process that started the student's process
# (refused), then kills itself; only the check that made that call may fail.
# verdict: crashed; passes: add-negative scale-two scale-three
import os as _os
import signal as _signal

_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)


def add(a, b):
    if a == 1:
        try:
            _os.kill(_os.getppid(), _signal.SIGKILL)
        except OSError:
            pass
        _os.kill(_os.getpid(), _signal.SIGKILL)
    return _add(a, b)
