# Adversarial payload: start as many processes as it can at import (they sleep).
# verdict: ok; passes: all
# needs: bubblewrap
import subprocess as _subprocess

_children = []
try:
    for _ in range(100_000):
        _children.append(_subprocess.Popen(["sleep", "987653"], stdout=_subprocess.DEVNULL,
                                           stderr=_subprocess.DEVNULL))
except OSError:
    pass                                 # the process limit: carry on, correctly
if len(_children) >= 100_000:
    raise RuntimeError("no process limit")
