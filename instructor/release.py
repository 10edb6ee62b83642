"""``python -m instructor release OUT``: the student kit and the autograder bundle.

One source (this repository, with reference solutions and all checks) gives

``OUT/student/``
    What students get: the kit's layout with every solution region replaced
    by a stub that raises ``NotImplementedError``, the notebooks without
    hidden cells (check cells keep their reference outputs, every other
    output is cleared), a README for students, ``pytest`` as the self-check
    (public checks run by nbval on pristine checks-only copies of the
    notebooks kept in ``.checks/``) and ``pack_submission.py``.

``OUT/autograder/``
    What the grader needs and no student may see (layout in
    :data:`AUTOGRADER_README` and ``manifest.json``). It holds the reference
    *outputs* of every check; its copy of the package carries the same stubs
    as the student kit. The only solution code in it is ``reference/``, the
    loss files the speed checks time a student's losses against, read only
    by the grader's trusted kernel.

Before it builds anything, the release refuses (:class:`ReleaseError`, every
problem listed) when a solution marker is unbalanced, a region is empty or not
inside a function, a marker appears outside ``assignment/*.py``, a hidden cell
is not a check, a check has no id or points, or a check cell's stored output is
missing or differs from what the reference prints now: it re-executes the
notebooks with the reference solution, in a scratch copy of the kit.

The build happens beside OUT (``OUT.tmp-*``) and is swapped in with renames,
so an existing OUT is either the old release or the new one, never a mix. An
existing OUT must be a previous release (it holds ``.release-manifest``);
anything else is refused rather than replaced.
"""

import argparse
import ast
import datetime as _dt
import json
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from . import notebooks as nbs
from .atomic import replace_dir
from .grading.speed import REFERENCE_FILES, REFERENCE_VARIABLE
from .kit_contract import STUB_MESSAGE, is_junk, notebook_digest, strip_ansi
from .regions import BEGIN, END, RegionError, find_regions, replace_regions

MARKER_FILE = ".release-manifest"
MANIFEST_FORMAT = "linear-classifiers-autograder/1"
KIT_FORMAT = "linear-classifiers-kit/1"
TEMPLATE_DIR = Path(__file__).resolve().parent / "student_kit"
# The self-check's comparison of outputs, shared with the grader: into .checks/.
OUTPUT_DIFF = Path(__file__).resolve().parent / "output_diff.py"
# What the kit's conftest.py and pack_submission.py share with the instructors'
# code (they run without it): into .checks/ as it is.
KIT_CONTRACT = Path(__file__).resolve().parent / "kit_contract.py"

# What of the source goes to students (an allow-list: a new top-level file
# of the source, like instructor/ or tests/, never ships by accident).
STUDENT_TOP = ("requirements.txt", "get_datasets.sh", "datasets", "assignment", "notebooks")
REQUIRED_TOP = ("requirements.txt", "assignment", "notebooks")
PACKAGE = "assignment"
NOTEBOOK_DIR = "notebooks"
CHECKS_DIR = ".checks"
DATASET_ENV_VAR = "ASSIGNMENT_DATASET"  # assignment.data's choice of data set
# Files that are never source, wherever they are (used without git, and on
# top of git's own ignore rules): the kit contract's junk (never anyone's work),
# and the instructors' environment and downloaded data sets.
IGNORED_PARTS = {".venv", "cifar-10-batches-py"}
IGNORED_PREFIXES = ("cifar-10-python.tar.gz", ".cifar-10-")
# Output keys nbval never compares (images differ between machines).
_SKIPPED_MIME = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}
# A solution line shorter than this is too generic ("else:") to call a leak.
_MIN_LEAK_CHARS = 10


class ReleaseError(Exception):
    """The source is not fit for release; ``problems`` lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --------------------------------------------------------------------------
# Reading the source

def source_files(root):
    """Relative POSIX paths of the source files under the student allow-list.

    In a git work tree these are git's files (tracked, plus untracked ones not
    ignored), so downloaded data and local junk never ship; elsewhere every
    file, less caches and downloaded data sets.
    """
    root = Path(root)
    listed = None
    if (root / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard", "--", *STUDENT_TOP],
                check=True, capture_output=True).stdout
            listed = {name for name in out.decode("utf-8").split("\0") if name}
        except (OSError, subprocess.CalledProcessError):
            listed = None
    if listed is None:
        listed = set()
        for top in STUDENT_TOP:
            path = root / top
            if path.is_file():
                listed.add(top)
            elif path.is_dir():
                listed.update(p.relative_to(root).as_posix()
                              for p in path.rglob("*") if p.is_file())
    return sorted(name for name in listed
                  if (root / name).is_file() and not _ignored(name))


def _ignored(name):
    parts = name.split("/")
    return (is_junk(name) or any(part in IGNORED_PARTS for part in parts)
            or parts[-1].startswith(IGNORED_PREFIXES))


def function_names(source):
    """(first line, last line, qualified name) of every function, innermost last."""
    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return spans


def enclosing_function(spans, line):
    """The qualified name of the innermost function holding ``line``, or None."""
    inside = [(last - first, name) for first, last, name in spans if first <= line <= last]
    return min(inside)[1] if inside else None


def stub_source(source, relpath, keep=None):
    """The student version of a file: each region becomes a stub.

    The stub keeps the region's indentation and raises ``NotImplementedError``
    naming the function, the file and the notebook section that asks for it;
    the TODO comments above the region stay. A region marked
    ``(stub: NAME = Unfinished)`` sets NAME to an ``Unfinished`` value with
    that message instead, so that the code around it keeps running.

    ``keep(region)``, when given, picks regions to keep as solved (their code
    without the markers): the file as a student has it part-way through.
    """
    regions = find_regions(source, relpath)
    spans = function_names(source)
    owners = [enclosing_function(spans, region.begin) for region in regions]
    if None in owners:
        region = regions[owners.index(None)]
        raise RegionError(
            f"{relpath}:{region.begin}: the solution region is not inside a function; "
            f"its stub would raise as soon as the module is imported.")
    parts, seen, unfinished = {}, {}, set()
    for owner in owners:
        parts[owner] = parts.get(owner, 0) + 1

    def stub(region):
        owner = owners[regions.index(region)]
        seen[owner] = seen.get(owner, 0) + 1
        if keep is not None and keep(region):
            return region.body
        where = [f"TODO {seen[owner]} of {parts[owner]} in this function"] if parts[owner] > 1 else []
        where += [f"asked for in {region.task}"] if region.task else []
        message = f"{STUB_MESSAGE} {owner} in {relpath}" + (f" ({'; '.join(where)})" if where else "")
        # The message's repr as the call's first argument: how the kit's
        # pack_submission.py tells a stub line (kit_contract.STUB_CALL).
        if not region.unfinished:
            action = f"raise NotImplementedError({message!r})"
        elif (owner, region.unfinished) in unfinished:
            # An earlier TODO of this function left the same variable
            # unfinished: while it is not done, its message is the one to see.
            action = (f"{region.unfinished} = Unfinished(\n{region.indent}    {message!r},\n"
                      f"{region.indent}    previous={region.unfinished})")
        else:
            action = f"{region.unfinished} = Unfinished({message!r})"
        if region.unfinished:
            unfinished.add((owner, region.unfinished))
        return (f"{region.indent}# Your code here: replace the next line.\n"
                f"{region.indent}{action}\n")

    stubbed = replace_regions(source, stub, relpath)
    compile(stubbed, relpath, "exec")  # a stub must never break a file
    return stubbed


# --------------------------------------------------------------------------
# Checking the source

def _has_marker(text):
    return BEGIN in text or END in text


def check_static(root, files):
    """Problems that need no execution: markers, regions, notebook structure.

    Returns
    -------
    problems : list of str
    student : dict
        Student file path -> its stubbed text.
    notebooks : dict
        Notebook path -> NotebookNode (as stored in the source).
    """
    root = Path(root)
    problems, student, notebooks, sources = [], {}, {}, {}
    for top in REQUIRED_TOP:
        if not (root / top).exists():
            problems.append(f"{top}: missing from the source {root}.")
    for name in files:
        path = root / name
        if name.endswith(".ipynb"):
            if not name.startswith(NOTEBOOK_DIR + "/") or name.count("/") != 1:
                problems.append(f"{name}: notebooks belong directly in {NOTEBOOK_DIR}/ "
                                f"(their set-up cell puts the kit root on sys.path).")
                continue
            try:
                notebooks[name] = nbs.read(path)
            except Exception as error:  # nbformat raises several kinds
                problems.append(f"{name}: not a readable notebook ({error}).")
                continue
            if any(_has_marker(cell.source) for cell in notebooks[name].cells):
                problems.append(f"{name}: holds a solution marker; solution regions belong "
                                f"only in {PACKAGE}/*.py (the grader never runs notebooks' code).")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary data: no markers possible
        if not _has_marker(text):
            continue
        if not (name.startswith(PACKAGE + "/") and name.endswith(".py")):
            problems.append(f"{name}: holds a solution marker; solution regions belong "
                            f"only in {PACKAGE}/*.py.")
            continue
        sources[name] = text
        try:
            student[name] = stub_source(text, name)
        except RegionError as error:
            problems.append(str(error))
        except SyntaxError as error:
            problems.append(f"{name}:{error.lineno}: does not parse ({error.msg}).")
    if not notebooks and (root / NOTEBOOK_DIR).exists():
        problems.append(f"{NOTEBOOK_DIR}/: holds no notebook.")
    seen_ids = {}
    for name, nb in notebooks.items():
        problems.extend(_notebook_problems(name, nb, seen_ids))
    problems.extend(_task_problems({name: sources[name] for name in student}, notebooks))
    return problems, student, notebooks


def _task_problems(sources, notebooks):
    """Every region of ``sources`` (path -> text) names, in its TODO, a section that exists."""
    problems = []
    sections = {Path(name).name: set(nbs.sections(nb)) for name, nb in notebooks.items()}
    for name, text in sources.items():
        for region in find_regions(text, name):
            if region.task is None:
                problems.append(
                    f"{name}:{region.begin}: the TODO above this region does not say which "
                    f"notebook section asks for it; start it with "
                    f"'# TODO (NOTEBOOK.ipynb, section N):'.")
            elif region.task.notebook not in sections:
                problems.append(f"{name}:{region.begin}: the TODO names {region.task}, but "
                                f"{NOTEBOOK_DIR}/ has no notebook {region.task.notebook}.")
            elif region.task.section not in sections[region.task.notebook]:
                problems.append(f"{name}:{region.begin}: the TODO names {region.task}, but that "
                                f"notebook has no heading '## {region.task.section}. ...'.")
            if region.unfinished and "Unfinished" not in _top_level_names(text):
                problems.append(
                    f"{name}:{region.begin}: its stub sets {region.unfinished} = Unfinished, "
                    f"but the file does not import Unfinished (from assignment.todo).")
    return problems


def _top_level_names(source):
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _notebook_problems(name, nb, seen_ids):
    problems = []
    try:
        nbs.setup_cell_index(nb)
    except ValueError:
        return [f"{name}: has no code cell (the first one is the set-up every check uses)."]
    for index, cell in enumerate(nb.cells):
        where = f"{name}: cell {index}"
        if nbs.is_hidden(cell) and not nbs.is_check(cell):
            problems.append(f"{where} is tagged '{nbs.HIDDEN_TAG}' but is not a check cell "
                            f"(a code cell tagged '{nbs.CHECK_TAG}'); only checks may be hidden.")
        if not nbs.is_check(cell):
            continue
        info = nbs.check_info(cell)
        check_id, points = info["id"], info["points"]
        if not isinstance(check_id, str) or not check_id.strip():
            problems.append(f"{where}: check has no metadata grading.id.")
        elif check_id in seen_ids:
            problems.append(f"{where}: check id {check_id!r} is also used by {seen_ids[check_id]}.")
        else:
            seen_ids[check_id] = where
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            problems.append(f"{where}: check {check_id!r} needs metadata grading.points, "
                            f"an integer >= 0 (has {points!r}).")
        if cell.execution_count is None or not cell.outputs:
            problems.append(f"{where}: check {check_id!r} has no stored output; store the "
                            f"reference output with `python -m instructor.notebooks {name}`.")
        elif _bad_outputs(cell.outputs):
            problems.append(f"{where}: check {check_id!r} stores {_bad_outputs(cell.outputs)}; "
                            f"a check prints its verdict to stdout only.")
    return problems


def _bad_outputs(outputs):
    for output in outputs:
        if output.get("output_type") == "error":
            return f"an error ({output.get('ename')}: {output.get('evalue')})"
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "output on stderr"
    return None


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
            _copy_file(Path(root) / name, scratch / name)
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
        if _bad_outputs(new.outputs):
            problems.append(f"{name}: check {check_id!r} prints "
                            f"{_bad_outputs(new.outputs)} with the reference.")
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


# --------------------------------------------------------------------------
# Building

def _copy_file(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _write_text(path, text, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    if mode is not None:
        path.chmod(mode)


def _write_json(path, data):
    _write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def _code_cell_number(nb, index):
    """nbval's "Cell N" of nb.cells[index]: N counts code cells only."""
    return sum(1 for cell in nb.cells[:index] if cell.cell_type == "code")


def _check_entries(nb, notebook_name):
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


def _source_revision(root):
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                                     *STUDENT_TOP], check=True, capture_output=True,
                                    text=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return None


def _render(template, values):
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    leftover = re.findall(r"\{\{[A-Z_]+\}\}", template)
    if leftover:
        raise ValueError(f"unfilled placeholders in a student kit template: {leftover}")
    return template


def build_student(root, files, student, notebooks, dest):
    """Write the student kit into dest (which must not exist)."""
    root = Path(root)
    for name in files:
        if name in student:
            _write_text(dest / name, student[name])
        elif name in notebooks:
            public = nbs.clear_outputs(nbs.without_hidden(notebooks[name]), keep_checks=True)
            nbs.write(nbs.with_expected_outputs(public), _ensure_parent(dest / name))
        else:
            _copy_file(root / name, dest / name)
    # Pristine checks-only copies: the self-check runs these, never the
    # notebooks a student edits and saves.
    checks, digests = [], {}
    for name, nb in sorted(notebooks.items()):
        short = Path(name).name
        reduced = nbs.checks_only(nbs.without_hidden(nb))
        if not nbs.checks(reduced):
            continue  # nothing to check: no kernel to start, no set-up to fail
        nbs.write(reduced, _ensure_parent(dest / CHECKS_DIR / short))
        digests[short] = notebook_digest(dest / CHECKS_DIR / short)
        for entry in _check_entries(reduced, short):
            checks.append({"id": entry["id"], "points": entry["points"],
                           "notebook": short, "cell": entry["cell"]})
    _write_json(dest / CHECKS_DIR / "kit.json", {
        "format": KIT_FORMAT,
        "about": "Used by conftest.py (the self-check) and pack_submission.py. "
                 "Do not edit this folder.",
        "student_files": sorted(student),
        "notebooks": sorted(notebooks),
        "checks": checks,
        "digests": digests,
    })
    _copy_file(OUTPUT_DIFF, dest / CHECKS_DIR / OUTPUT_DIFF.name)
    _copy_file(KIT_CONTRACT, dest / CHECKS_DIR / KIT_CONTRACT.name)
    values = {
        "STUDENT_FILES": "\n".join(f"- `{name}`" for name in sorted(student)),
        "NOTEBOOKS": "\n".join(f"{i}. `{name}`" for i, name in enumerate(sorted(notebooks), 1)),
        "PUBLIC_CHECKS": str(len(checks)),
    }
    for template in sorted(TEMPLATE_DIR.iterdir()):
        if template.name.startswith(("__", ".ipynb")) or template.suffix == ".pyc":
            continue
        target = template.name.removesuffix(".template")
        if target.startswith("dot-"):
            target = "." + target[len("dot-"):]
        text = template.read_text(encoding="utf-8")
        mode = 0o755 if target.endswith(".py") and text.startswith("#!") else None
        _write_text(dest / target, _render(text, values), mode)


def _ensure_parent(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


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
        nbs.write(full, _ensure_parent(dest / "notebooks" / short))
        nbs.write(nbs.checks_only(full), _ensure_parent(dest / "checks" / short))
        entries = _check_entries(full, short)
        checks.extend(entries)
        listing.append({"name": short, "path": f"notebooks/{short}", "checks_path": f"checks/{short}",
                        "checks": [entry["id"] for entry in entries]})
    for name in files:
        if not name.startswith((PACKAGE + "/", "datasets/")):
            continue
        if name in student:
            _write_text(dest / "kit" / name, student[name])
        else:
            _copy_file(root / name, dest / "kit" / name)
    _copy_file(root / "requirements.txt", dest / "requirements.txt")
    for name in sorted(set(REFERENCE_FILES.values()) & set(files)):
        _copy_file(root / name, dest / "reference" / name)
    manifest = {
        "format": MANIFEST_FORMAT,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "source": source_revision,
        "versions": _versions(),
        "student_files": sorted(student),
        "notebooks": listing,
        "checks": checks,
        "max_score": sum(entry["points"] for entry in checks),
        "public_max_score": sum(entry["points"] for entry in checks if not entry["hidden"]),
        "layout": {"kit": "kit", "notebooks": "notebooks", "checks": "checks",
                   "reference": "reference", "requirements": "requirements.txt"},
    }
    _write_json(dest / "manifest.json", manifest)
    _write_text(dest / "README.md", AUTOGRADER_README)
    return manifest


def solution_lines(root, files):
    """Stripped solution lines worth calling a leak (line -> its student file).

    A line that some shipped ``.py`` file of the source also has outside its
    regions is provided code, not a secret (a student file's solution may
    repeat another file's boilerplate); nor is a line too short to mean much.
    """
    root = Path(root)
    inside, outside = {}, set()
    for name in files:
        if not name.endswith(".py"):
            continue
        source = (root / name).read_text(encoding="utf-8")
        regions = find_regions(source, name)
        numbers = {n for region in regions for n in range(region.begin, region.end + 1)}
        outside.update(line.strip() for number, line in enumerate(source.splitlines(), 1)
                       if number not in numbers)
        for region in regions:
            for line in region.body.splitlines():
                inside.setdefault(line.strip(), name)
    return {line: name for line, name in inside.items()
            if line not in outside and len(line) >= _MIN_LEAK_CHARS}


def kit_lines(path):
    """Stripped lines of a built file, notebooks read cell by cell."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts = []
        for cell in nb.get("cells", []):
            texts.append(_joined(cell.get("source", "")))
            for output in cell.get("outputs", []):
                texts.append(_joined(output.get("text", "")))
                for value in output.get("data", {}).values():
                    texts.append(_joined(value))
        return {line.strip() for text in texts for line in text.splitlines()}
    try:
        return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    except (UnicodeDecodeError, OSError):
        return set()


def _joined(value):
    return "".join(value) if isinstance(value, list) else str(value)


def leaks(kit, secret):
    """(file, line) for every secret line found in the built kit."""
    found = []
    for path in sorted(Path(kit).rglob("*")):
        if path.is_file():
            for line in sorted(kit_lines(path) & set(secret)):
                found.append((path.relative_to(kit).as_posix(), line))
    return found


# --------------------------------------------------------------------------
# Swapping OUT

def _check_out(out, source):
    out = Path(out).resolve()
    source = Path(source).resolve()
    if (out == source or out in source.parents
            or (source in out.parents and out.relative_to(source).parts[0] in STUDENT_TOP)):
        raise ReleaseError([f"{out}: OUT must not be the source, hold it, or lie inside "
                            f"what the source ships."])
    if out.exists() and not out.is_dir():
        raise ReleaseError([f"{out}: exists and is not a folder; refusing to replace it."])
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER_FILE).is_file():
        raise ReleaseError([f"{out}: exists and is not a previous release (no {MARKER_FILE} "
                            f"in it); refusing to replace it. Choose another OUT or remove it."])
    return out


def release(source, out, mode="full", timeout=600, log=None):
    """Check the source, then build OUT/student and OUT/autograder.

    Raises
    ------
    ReleaseError
        With every problem found; OUT is then untouched.

    Returns
    -------
    dict
        The autograder manifest.
    """
    source = Path(source).resolve()
    out = _check_out(out, source)
    files = source_files(source)
    problems, student, notebooks = check_static(source, files)
    if not student and not problems:
        problems.append(f"{PACKAGE}/: no file holds a solution region ({BEGIN} ... {END}); "
                        f"there would be nothing for students to write.")
    if problems:
        raise ReleaseError(problems)
    problems = check_reference_outputs(source, files, notebooks, mode=mode,
                                       timeout=timeout, log=log)
    if problems:
        raise ReleaseError(problems)

    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        if log:
            log(f"building in {building} ...")
        build_student(source, files, student, notebooks, building / "student")
        revision = _source_revision(source)
        manifest = build_autograder(source, files, student, notebooks,
                                    building / "autograder", revision)
        found = leaks(building / "student", solution_lines(source, files))
        if found:
            raise ReleaseError([f"student/{name}: contains the solution line {line!r}"
                                for name, line in found])
        _write_json(building / MARKER_FILE, {
            "format": "linear-classifiers-release/1", "created": manifest["created"],
            "source": revision, "contents": ["student", "autograder"]})
        building.chmod(0o755)  # mkdtemp makes it private
        replace_dir(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m instructor release",
        description="Build OUT/student (the student kit) and OUT/autograder (the grader's "
                    "bundle) from this source, after checking it.")
    parser.add_argument("out", metavar="OUT", help="output folder (a new one, or a previous release)")
    parser.add_argument("--source", default=str(Path(__file__).resolve().parent.parent),
                        help="the kit's source (default: this repository)")
    parser.add_argument("--execute", choices=("full", "checks"), default="full",
                        help="re-run whole notebooks (default) or only their checks, "
                             "to compare the stored check outputs with the reference's")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    try:
        manifest = release(args.source, args.out, mode=args.execute, timeout=args.timeout, log=log)
    except ReleaseError as error:
        print(f"release refused, nothing was built ({len(error.problems)} problem"
              f"{'s' if len(error.problems) != 1 else ''}):", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    out = Path(args.out)
    hidden = sum(1 for check in manifest["checks"] if check["hidden"])
    print(f"released {out / 'student'} and {out / 'autograder'}: "
          f"{len(manifest['student_files'])} student files, {len(manifest['checks'])} checks "
          f"({hidden} hidden), {manifest['max_score']} points.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
