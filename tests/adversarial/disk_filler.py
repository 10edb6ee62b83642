# Adversarial payload: fill the disk through the one writable folder, at import.
# verdict: ok; passes: all
# needs: bubblewrap
import os as _os
import tempfile as _tempfile

_chunk = b"x" * 2**20
_written = 0
try:
    for _index in range(4096):                       # up to 4 GB, 8 MB a file
        with open(_os.path.join(_tempfile.gettempdir(), f"fill{_index}"), "wb") as _f:
            for _ in range(8):
                _f.write(_chunk)
                _written += 1
except OSError:
    pass                                             # the scratch folder is full: carry on
if _written >= 4096 * 8:
    raise RuntimeError("wrote 4 GB: the scratch folder has no size limit")
