# Adversarial payload: leave the process at import.
# verdict: crashed; passes: none
import os as _os

_os._exit(3)
