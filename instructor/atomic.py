"""Replace a file or a folder so that no reader ever sees it half-written."""

import os
import shutil
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


def replace_dir(built, target):
    """Replace the folder ``target`` by the folder ``built`` with renames.

    ``built`` must sit beside ``target`` (same file system). At every moment
    ``target`` is the old folder or the new one, never a mix: the old one is
    first renamed aside (to a hidden ``.old-<name>-*`` folder), put back if
    the second rename fails, and removed once the new one is in place.
    """
    built, target = Path(built), Path(target)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".old-{target.name}-", dir=target.parent))
        old.rmdir()
        os.rename(target, old)
    try:
        os.rename(built, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
