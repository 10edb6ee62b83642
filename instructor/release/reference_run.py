"""The reference run: the notebooks executed with the reference solution, their check
outputs compared with the stored ones."""

import json
import re
import tempfile
from pathlib import Path

from .. import notebooks as nbs
from ..grading.speed import REFERENCE_VARIABLE
from ..kit_contract import strip_ansi
from .files import copy_file
from .sources import DATASET_ENV_VAR, NOTEBOOK_DIR
from .validation import bad_outputs


# Output keys nbval never compares (images differ between machines).
_SKIPPED_MIME = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}


def comparable(outputs):
    """A cell's outputs as nbval --nbval-lax compares them (streams merged)."""
    merged, streams = [], {}
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            name = output.get("name")
            if name in streams:
                streams[name][2] += output.get("text", "")
            else:
                streams[name] = ["stream", name, output.get("text", "")]
                merged.append(streams[name])
        elif kind in ("execute_result", "display_data"):
            data = {key: value for key, value in output.get("data", {}).items()
                    if key not in _SKIPPED_MIME}
            merged.append([kind, json.dumps(data, sort_keys=True)])
        elif kind == "error":
            merged.append(["error", output.get("ename"), output.get("evalue")])
    for entry in merged:
        if entry[0] == "stream":
            entry[2] = _terminal_text(entry[2])
    return merged


def _terminal_text(text):
    # nbval resolves carriage returns and backspaces the way a terminal shows them.
    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"[^\n]\x08", "", text)
    return re.sub(r"^.*\r(?=[^\n])", "", text, flags=re.MULTILINE)


def _describe_difference(stored, fresh):
    stored_text = "\n".join(map(str, stored))
    fresh_text = "\n".join(map(str, fresh))
    return (f"stored:\n      {stored_text[:400]!r}\n    the reference prints now:\n"
            f"      {fresh_text[:400]!r}")


def check_reference_outputs(root, files, notebooks, mode="full", timeout=600, log=None):
    """Re-execute every notebook with the reference; problems where outputs differ.

    The notebooks run in a scratch copy of the kit (the reference solution,
    only the files that ship), so nothing is written into the source and
    downloaded data sets are not used.

    Parameters
    ----------
    mode : {"full", "checks"}
        Run whole notebooks (also proves every cell runs with the reference),
        or only their set-up and check cells (faster; equivalent for the
        checks, which are self-contained).
    """
    return _execute_and_compare(root, files, notebooks, mode, timeout, log)


def _execute_and_compare(root, files, notebooks, mode, timeout, log):
    problems = []
    # Hidden checks may use the instructor's own helpers (the speed checks
    # time the student's loss against the reference's): both come from the
    # source, behind the scratch kit on the kernel's path.
    env = {DATASET_ENV_VAR: "digits", "PYTHONPATH": str(Path(root).resolve()),
           REFERENCE_VARIABLE: str(Path(root).resolve())}
    with tempfile.TemporaryDirectory(prefix="release-reference-") as scratch:
        scratch = Path(scratch)
        for name in files:
            copy_file(Path(root) / name, scratch / name)
        for name, nb in notebooks.items():
            # The checks-only run is how the self-check and the grader see a
            # check; it always runs, so a check that leans on an earlier cell
            # of the notebook is caught here, not by a student.
            runs = (["full"] if mode == "full" else []) + ["checks"]
            for run in runs:
                found = _run_and_compare(name, nb if run == "full" else nbs.checks_only(nb),
                                         run, scratch / NOTEBOOK_DIR, timeout, log, env,
                                         after_full=run == "checks" and mode == "full")
                problems.extend(found)
                if found:
                    break
    return problems


def _run_and_compare(name, runnable, run, cwd, timeout, log, env, after_full=False):
    problems = []
    how = "whole" if run == "full" else "set-up and checks only"
    if log:
        log(f"executing {name} with the reference ({how}) ...")
    try:
        # The embedded data set, whatever this machine has downloaded (checks
        # must not depend on it, and whole notebooks then run the same everywhere).
        executed = nbs.execute(runnable, cwd=cwd, timeout=timeout, env=env)
    except Exception as error:  # nbclient raises CellExecutionError, timeouts, ...
        return [f"{name} ({how}): does not run with the reference solution: "
                f"{_first_lines(str(error), 12)}"]
    for old, new in zip(runnable.cells, executed.cells):
        if not nbs.is_check(old):
            continue
        stored, fresh = comparable(old.outputs), comparable(new.outputs)
        check_id = nbs.check_info(old)["id"]
        if bad_outputs(new.outputs):
            problems.append(f"{name}: check {check_id!r} prints "
                            f"{bad_outputs(new.outputs)} with the reference.")
        elif stored != fresh:
            if after_full:
                advice = ("the whole notebook does give the stored output, so the check "
                          "depends on an earlier cell: make it self-contained (the set-up "
                          "cell and its own data only); the self-check and the grader run "
                          "checks without the other cells")
            else:
                advice = (f"refresh it with `python -m instructor.notebooks {name}` if the "
                          f"change is intended")
            problems.append(
                f"{name}: check {check_id!r} ({how}): the stored output differs from what "
                f"the reference solution prints now; {advice}.\n"
                f"    {_describe_difference(stored, fresh)}")
    return problems


def _first_lines(text, count):
    text = strip_ansi(text)
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n    ".join(lines[-count:])
