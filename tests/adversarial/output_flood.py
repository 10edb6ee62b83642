# Adversarial payload: 50 MB of output at import (the code is otherwise correct). Import-time
# output belongs to the notebook's set-up, not to a check: it must change no verdict.
# verdict: ok; passes: all
import sys as _sys

_line = "flood " * 17475 + "\n"          # ~100 kB
for _ in range(500):
    _sys.stdout.write(_line)
_sys.stdout.flush()
