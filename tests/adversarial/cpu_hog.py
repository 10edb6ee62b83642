# Adversarial payload: sixty busy processes at import (as many as the limit allows); the code
# is otherwise correct. Graded beside another submission (--jobs 2), neither may time out.
# verdict: ok; passes: all
# needs: bubblewrap
import os as _os

for _ in range(60):
    try:
        if _os.fork() == 0:
            while True:
                pass
    except OSError:
        break
