"""What ``run_autograder`` runs on Gradescope: grade one submission, write ``results.json``.

Gradescope lays out ``/autograder`` (``GRADESCOPE_ROOT`` names another root,
for the tests) as::

    source/       the unpacked autograder zip (:mod:`.gradescope`): the bundle,
                  this grader, gradescope.json
    submission/   the student's upload (a zip they uploaded is unpacked there)
    results/      where results.json must be written

and runs this as root in a container of its own. The bundle (with its hidden
checks and expected outputs) and the submission are made readable by root
alone before the student's code runs, and the submission is graded by
``python -m instructor grade`` into a private folder. The student's code runs
in the grader's bubblewrap sandbox, as an unprivileged uid; where the
container refuses bubblewrap its namespaces (Docker's default seccomp profile
does), in the ``uid`` isolation: an unprivileged uid of its own with Landlock
and the system-call filter (see :mod:`instructor.grading.sandbox`).
``results.json`` says which (``extra_data.isolation``). Where neither can
run, nothing is graded insecurely: ``results.json`` says the submission was
not graded, and why, so an instructor can have it graded elsewhere.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ..atomic import write_atomic
from ..grading import sandbox
from .gradescope import OPTIONS_FILE, not_graded_json, results_json


def submission_path(folder):
    """The submission in Gradescope's folder: the folder, or the one zip uploaded as it is."""
    folder = Path(folder)
    zips = sorted(folder.glob("*.zip"))
    if not (folder / "assignment").exists() and len(zips) == 1:
        return zips[0]
    return folder


def best_isolation():
    """bubblewrap where the container lets it run, else the ``uid`` isolation (as root).

    Raises
    ------
    sandbox.SandboxUnavailable
        Saying why each cannot run.
    """
    try:
        return sandbox.detect()
    except sandbox.SandboxUnavailable as no_bubblewrap:
        if os.geteuid() != 0:
            raise
        try:
            return sandbox.detect(kind=sandbox.UID)
        except sandbox.SandboxUnavailable as no_uid:
            raise sandbox.SandboxUnavailable(f"{no_bubblewrap}; and {no_uid}") from None


def grade(root):
    """``results.json``'s content for the submission under ``root``."""
    source, submission = root / "source", root / "submission"
    options = json.loads((source / OPTIONS_FILE).read_text(encoding="utf-8"))
    if os.geteuid() == 0:
        for private in (source, submission):     # root's alone, whatever the zip's modes
            os.chmod(private, 0o700)
    try:
        isolation = best_isolation()
    except sandbox.SandboxUnavailable as error:
        return not_graded_json(f"the grader cannot isolate your code in this container "
                               f"({error})", isolation=None)
    with tempfile.TemporaryDirectory(prefix="gradescope-results-") as results:
        done = subprocess.run([sys.executable, "-m", "instructor", "grade",
                               str(submission_path(submission)), "--autograder",
                               str(source / "autograder"), "--out", results, "--jobs", "1",
                               "--sandbox", isolation.name],
                              cwd=source, capture_output=True, text=True)
        found = sorted(Path(results).glob("*/result.json"))
        if not found:
            print(done.stdout + done.stderr, file=sys.stderr)    # for the instructor's log
            return not_graded_json("the grader stopped before it could grade this submission "
                                   "(its log is in the autograder's output for instructors).",
                                   isolation=isolation.record())
        record = json.loads(found[0].read_text(encoding="utf-8"))
    return results_json(record, options["hidden_visibility"])


def main():
    root = Path(os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    results = grade(root)
    (root / "results").mkdir(parents=True, exist_ok=True)
    write_atomic(root / "results" / "results.json", json.dumps(results, indent=1) + "\n")
    print(f"graded: {results['extra_data']['status']}, {results['score']} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
