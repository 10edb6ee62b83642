"""The autograder bundle: ``OUT/autograder/`` and its ``manifest.json``."""

import datetime as _dt
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .. import notebooks as nbs
from ..grading.speed import REFERENCE_FILES
from .files import copy_file, ensure_parent, write_json, write_text
from .sources import PACKAGE, STUDENT_TOP
from ..manifest import FORMAT, CheckEntry, Layout, Manifest, NotebookEntry


MANIFEST_FORMAT = FORMAT


def _code_cell_number(nb, index):
    """nbval's "Cell N" of nb.cells[index]: N counts code cells only."""
    return sum(1 for cell in nb.cells[:index] if cell.cell_type == "code")


def check_entries(nb, notebook_name):
    checks_nb = nbs.checks_only(nb)
    by_id = {nbs.check_info(cell)["id"]: index for index, cell in enumerate(checks_nb.cells)}
    entries = []
    for index, info in nbs.checks(nb):
        entries.append({
            "id": info["id"], "points": info["points"], "hidden": info["hidden"],
            "notebook": notebook_name,
            "cell": index, "nbval_cell": _code_cell_number(nb, index),
            "checks_cell": by_id[info["id"]],
            "checks_nbval_cell": _code_cell_number(checks_nb, by_id[info["id"]]),
        })
    return entries


def _versions():
    versions = {"python": platform.python_version()}
    for package in ("numpy", "matplotlib", "nbval", "nbformat", "nbclient", "ipykernel", "pytest"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def source_revision(root):
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                     *STUDENT_TOP], check=True, capture_output=True,
                                    text=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return None


AUTOGRADER_README = """\
# Autograder bundle (instructors only: it holds the hidden checks)

Made by `python -m instructor release`. Everything the grader needs, nothing
it does not: the *outputs* of the reference solution are here (stored in the
check cells); of its *code*, only the loss files the speed checks time a
student's losses against (`reference/`).

- `manifest.json`: student files, every check (id, points, hidden, notebook,
  cell indexes), the versions that produced the reference outputs.
- `notebooks/`: the full notebooks with public and hidden checks; only check
  cells keep outputs.
- `checks/`: the same notebooks reduced to their set-up cell and check cells
  (what grading runs: same verdicts, seconds instead of minutes).
- `kit/`: the pristine provided files (`assignment/` with the student files
  as stubs, `datasets/`), laid out as the kit's root.
- `reference/`: the reference solutions of the loss files
  (`assignment/classifiers/linear_svm.py`, `softmax.py`), which only the
  grader's trusted kernel reads: the speed checks time a student's vectorized
  loss against the reference's. This is the one place the bundle holds
  solution code: keep the bundle as private as the hidden checks.
- `requirements.txt`: the student kit's requirements.

`manifest.json` holds:

- `format`: "linear-classifiers-autograder/1"; `created` (UTC, ISO 8601);
  `source`: {"commit", "dirty"} of the source repository, or null;
  `versions`: python, numpy, matplotlib, nbval, nbformat, nbclient,
  ipykernel, pytest that produced and checked the reference outputs.
- `student_files`: the kit-relative POSIX paths of the files students write
  (the only files the grader takes from a submission).
- `notebooks`: one entry per notebook, by name: {"name", "path" (in
  `notebooks/`), "checks_path" (in `checks/`), "checks": [check ids]}.
- `checks`: one entry per check, in notebook then cell order: {"id",
  "points", "hidden", "notebook" (file name), "cell" (index in the full
  notebook's cells), "nbval_cell" (nbval's "Cell N" there: code cells
  counted from 0), "checks_cell" and "checks_nbval_cell" (the same in the
  checks-only notebook)}.
- `max_score`, `public_max_score`: sums of points.
- `layout`: {"kit", "notebooks", "checks", "reference", "requirements"}: the
  folder and file names above.

A grading workspace: copy `kit/` to a fresh folder, copy the student files
(`manifest.json` "student_files") from the submission over it, copy
`checks/*.ipynb` (or `notebooks/*.ipynb`) into its `notebooks/`, and run
`python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks`
with the workspace as the working directory. nbval names each item
`notebooks/<notebook>::Cell <N>`; N is "checks_nbval_cell" (or "nbval_cell")
of the check in `manifest.json`.
"""


def build_autograder(root, files, student, notebooks, dest, source_revision):
    """Write the autograder bundle into dest (which must not exist)."""
    root = Path(root)
    checks, listing = [], []
    for name, nb in sorted(notebooks.items()):
        short = Path(name).name
        full = nbs.clear_outputs(nb, keep_checks=True)
        nbs.write(full, ensure_parent(dest / "notebooks" / short))
        nbs.write(nbs.checks_only(full), ensure_parent(dest / "checks" / short))
        entries = check_entries(full, short)
        checks.extend(entries)
        listing.append({"name": short, "path": f"notebooks/{short}", "checks_path": f"checks/{short}",
                        "checks": [entry["id"] for entry in entries]})
    for name in files:
        if not name.startswith((PACKAGE + "/", "datasets/")):
            continue
        if name in student:
            write_text(dest / "kit" / name, student[name])
        else:
            copy_file(root / name, dest / "kit" / name)
    copy_file(root / "requirements.txt", dest / "requirements.txt")
    for name in sorted(set(REFERENCE_FILES.values()) & set(files)):
        copy_file(root / name, dest / "reference" / name)
    manifest = Manifest(
        student_files=tuple(sorted(student)),
        notebooks=tuple(NotebookEntry(**entry) for entry in listing),
        checks=tuple(CheckEntry(**entry) for entry in checks),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        source=source_revision, versions=_versions(), layout=Layout()).to_json()
    write_json(dest / "manifest.json", manifest)
    write_text(dest / "README.md", AUTOGRADER_README)
    return manifest
