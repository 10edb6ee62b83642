"""What ``run_autograder`` runs on Gradescope: grade one submission, write ``results.json``.

Gradescope lays out ``/autograder`` (``GRADESCOPE_ROOT`` names another root,
for the tests) as::

    source/       the unpacked autograder zip (:mod:`.gradescope`): the bundle,
                  this grader, gradescope.json
    submission/   the student's upload (a zip they uploaded is unpacked there)
    results/      where results.json must be written

and runs this as root in a container of its own. The bundle (with its hidden
checks and expected outputs) is made readable by root alone before the
student's code runs, and the submission is graded by ``python -m instructor
grade`` into a private folder; the student's code runs in the grader's
bubblewrap sandbox, as an unprivileged uid. Where bubblewrap cannot run in the
container, nothing is graded insecurely: ``results.json`` says the submission
was not graded, and why, so an instructor can have it graded elsewhere.
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


def grade(root):
    """``results.json``'s content for the submission under ``root``."""
    source, submission = root / "source", root / "submission"
    options = json.loads((source / OPTIONS_FILE).read_text(encoding="utf-8"))
    if os.geteuid() == 0:
        os.chmod(source, 0o700)       # the bundle: root's alone, whatever the zip's modes
    try:
        isolation = sandbox.detect()
    except sandbox.SandboxUnavailable as error:
        return not_graded_json(f"the grader cannot isolate your code in this container "
                               f"({error})", isolation=None)
    with tempfile.TemporaryDirectory(prefix="gradescope-results-") as results:
        done = subprocess.run([sys.executable, "-m", "instructor", "grade",
                               str(submission_path(submission)), "--autograder",
                               str(source / "autograder"), "--out", results, "--jobs", "1"],
                              cwd=source, capture_output=True, text=True)
        found = sorted(Path(results).glob("*/result.json"))
        if not found:
            print(done.stdout + done.stderr, file=sys.stderr)    # for the instructor's log
            return not_graded_json("the grader stopped before it could grade this submission "
                                   "(its log is in the autograder's output for instructors).",
                                   isolation={"name": isolation.name, "secure": isolation.secure})
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
