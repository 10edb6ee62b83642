"""Write a file so that no reader ever sees it half-written."""

import os
import tempfile
from pathlib import Path


def write_atomic(path, text):
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` through a rename.

    The text goes to a temporary file beside ``path``, which then replaces it
    in one step; if anything fails, ``path`` is as it was and the temporary
    file is removed.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
