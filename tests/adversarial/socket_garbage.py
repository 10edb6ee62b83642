# Adversarial payload: write garbage into every socket and pipe it can find, at import.
# verdict: crashed; passes: none
import os as _os
import stat as _stat

for _fd in range(3, 64):
    try:
        if _stat.S_ISSOCK(_os.fstat(_fd).st_mode) or _stat.S_ISFIFO(_os.fstat(_fd).st_mode):
            _os.write(_fd, b"\xff" * 4096)
    except OSError:
        pass
