"""The IPython extension that makes a kernel the grader's trusted kernel.

The grader's kernel spec starts ipykernel with this extension and
``GRADER_KERNEL_CONFIG`` naming its configuration (written by the grader).
Before the first cell runs it

1. starts the sandboxed worker (:class:`.link.Link`), which readies itself
   while the notebook's set-up cell runs;
2. puts :class:`.standins.StandInFinder` first on ``sys.meta_path``, so that
   importing a student module gives its stand-in;
3. ends the student's process at the start and at the end of every cell
   (``session_per_cell``), so that each check runs in a fresh one and no
   student process runs between cells.

Nothing here may print: a check cell's output is compared byte for byte.
"""

import atexit
import json
import os
import sys
import traceback

from .link import Link
from .standins import StandInFinder

CONFIG_VARIABLE = "GRADER_KERNEL_CONFIG"


# The kernel's exit code when it cannot become the trusted kernel.
NOT_TRUSTED_EXIT = 70


def load_ipython_extension(shell):
    """Make ``shell`` the trusted kernel, or end the kernel.

    IPython reports an extension that fails to load and runs the notebook
    anyway: here that would be a kernel without stand-ins. Ending it instead
    makes every check of the notebook "not run: the grader's kernel ended",
    a grader error, never a score.
    """
    try:
        _become_trusted(shell)
    except BaseException:
        # To the process's own stderr (the harness's log): ipykernel has made
        # sys.stderr a stream of the notebook's outputs by now.
        os.write(2, ("The grader's kernel could not become the trusted kernel:\n"
                     + traceback.format_exc()).encode("utf-8", "replace"))
        os._exit(NOT_TRUSTED_EXIT)


def _become_trusted(shell):
    with open(os.environ[CONFIG_VARIABLE], encoding="utf-8") as f:
        config = json.load(f)
    link = Link(config)
    link.start()
    sys.meta_path.insert(0, StandInFinder(link, config["modules"]))
    if config.get("session_per_cell", True):
        def end_session(*_):
            try:
                link.end_session()
            except Exception:                    # never into the cell's output
                _log(config, traceback.format_exc())
        shell.events.register("pre_run_cell", end_session)
        shell.events.register("post_run_cell", end_session)
    atexit.register(link.stop)


def _log(config, text):
    try:
        with open(config["log"], "a", encoding="utf-8") as f:
            f.write(text)
    except OSError:
        pass
