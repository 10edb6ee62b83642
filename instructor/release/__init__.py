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
    :data:`.autograder.AUTOGRADER_README` and ``manifest.json``). It holds the reference
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

The phases, one module each: :mod:`.sources` (which files ship),
:mod:`.validation` (the static checks), :mod:`.reference_run` (the notebooks
re-run with the reference), :mod:`.stubs` (the regions made stubs),
:mod:`.student_kit`, :mod:`.autograder` (the bundle and its manifest),
:mod:`.leak_scan` and :mod:`.command_line`. :func:`release` runs them in turn.
"""


import shutil
import tempfile
from pathlib import Path

from ..atomic import replace_dir
from ..regions import BEGIN, END, RegionError, find_regions  # noqa: F401  (part of the API)
from .autograder import AUTOGRADER_README, MANIFEST_FORMAT, build_autograder, source_revision  # noqa: F401
from .command_line import main  # noqa: F401
from .files import write_json
from .leak_scan import kit_lines, leaks, solution_lines  # noqa: F401
from .reference_run import check_reference_outputs, comparable  # noqa: F401
from .sources import (MARKER_FILE, PACKAGE, STUDENT_TOP, ReleaseError,  # noqa: F401
                      source_files)
from .student_kit import build_student
from .stubs import stub_source  # noqa: F401
from .validation import check_static


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
        revision = source_revision(source)
        manifest = build_autograder(source, files, student, notebooks,
                                    building / "autograder", revision)
        found = leaks(building / "student", solution_lines(source, files))
        if found:
            raise ReleaseError([f"student/{name}: contains the solution line {line!r}"
                                for name, line in found])
        write_json(building / MARKER_FILE, {
            "format": "linear-classifiers-release/1", "created": manifest["created"],
            "source": revision, "contents": ["student", "autograder"]})
        building.chmod(0o755)  # mkdtemp makes it private
        replace_dir(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest
