"""``python -m instructor export gradescope``: this grader as a Gradescope autograder.

    python -m instructor export gradescope OUT/autograder --out autograder.zip
        [--hidden-visibility after_published|hidden] [--force]

The zip is what Gradescope's "Configure Autograder" page takes: at its root
``setup.sh`` (run once, as root, when Gradescope builds the image: it installs
Python, bubblewrap and this kit's requirements), ``run_autograder`` (run for
each submission) and the files they need: the grader's own package
(``instructor/``), the bundle (``autograder/``), its ``requirements.txt`` and
``gradescope.json`` (the options chosen here). Gradescope unpacks it into
``/autograder/source``; ``run_autograder`` grades ``/autograder/submission``
with :mod:`.gradescope_run` and writes ``/autograder/results/results.json``
(:func:`results_json`).
"""

import argparse
import io
import json
import shutil
import zipfile
from pathlib import Path

from ..command_line import CommandError, bundle_at, exits_on_error, new_file
from ..grading.feedback import check_markdown, render

INSTRUCTOR = Path(__file__).resolve().parents[1]
# Gradescope's visibilities for a test: a hidden check is never "visible".
HIDDEN_VISIBILITIES = ("after_published", "hidden")
OPTIONS_FILE = "gradescope.json"

SETUP_SH = """#!/usr/bin/env bash
# Run once by Gradescope, as root, when it builds the autograder's image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap isolates the student's code; libseccomp2 is its system-call filter.
apt-get install -y -qq --no-install-recommends python3 python3-venv bubblewrap libseccomp2
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet -r /autograder/source/requirements.txt
"""

# GRADESCOPE_ROOT and AUTOGRADER_PYTHON let a test lay a folder out as Gradescope does.
RUN_AUTOGRADER = """#!/usr/bin/env bash
# Run by Gradescope for each submission: grade /autograder/submission into
# /autograder/results/results.json.
set -euo pipefail
root="${GRADESCOPE_ROOT:-/autograder}"
cd "$root/source"
exec "${AUTOGRADER_PYTHON:-$root/venv/bin/python}" -m instructor.export.gradescope_run
"""


def results_json(record, hidden_visibility="after_published"):
    """Gradescope's ``results.json`` for one result record (:mod:`instructor.grading.results`).

    One test per check: its name, score, max_score, status, visibility (a
    hidden check's is ``hidden_visibility``) and its feedback, as the
    student's ``feedback.md`` gives it; the top ``output`` is the rest of
    that feedback (notes, hints, files, the written answers for manual
    grading); ``extra_data`` says how the student's code was isolated.
    """
    tests = []
    for number, check in enumerate(record.get("checks", []), start=1):
        tests.append({
            "name": f"{check['id']} ({check['notebook']})",
            "number": str(number),
            "score": check["points"] if check["passed"] else 0,
            "max_score": check["points"],
            "status": "passed" if check["passed"] else "failed",
            "output": "\n".join(check_markdown(check)),
            "output_format": "md",
            "visibility": hidden_visibility if check["hidden"] else "visible",
        })
    return {
        "score": record["score"],
        "execution_time": round(record.get("seconds", 0)),
        "output": render(record, record.get("written_answers") or {}, with_checks=False),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"status": record["status"], "isolation": record.get("isolation"),
                       "enforced": record.get("enforced"), "bundle": record.get("bundle")},
    }


def not_graded_json(reason, isolation=None):
    """``results.json`` for a submission the grader could not grade (nothing of it ran)."""
    return {
        "score": 0,
        "output": f"Not graded: {reason} None of your code ran. This 0 is not a grade: an "
                  f"instructor will have it graded again.",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"status": "not-graded", "isolation": isolation},
    }


def build(bundle_dir, hidden_visibility="after_published"):
    """The autograder zip's bytes for the bundle at ``bundle_dir``."""
    bundle = bundle_at(bundle_dir)
    if hidden_visibility not in HIDDEN_VISIBILITIES:
        raise CommandError(f"--hidden-visibility must be one of {', '.join(HIDDEN_VISIBILITIES)}")
    requirements = bundle.root / "requirements.txt"
    if not requirements.is_file():
        raise CommandError(f"{bundle.root} has no requirements.txt (what setup.sh installs): "
                           f"make the bundle again with python -m instructor release")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add_text(name, text, mode=0o644):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)

        def add_tree(folder, prefix, skip=()):
            for path in sorted(Path(folder).rglob("*")):
                relative = path.relative_to(folder)
                if path.is_file() and not any(part in skip or part == "__pycache__"
                                              for part in relative.parts):
                    add_text(f"{prefix}/{relative.as_posix()}", path.read_bytes())

        add_text("setup.sh", SETUP_SH, 0o755)
        add_text("run_autograder", RUN_AUTOGRADER, 0o755)
        add_text("requirements.txt", requirements.read_text())
        add_text(OPTIONS_FILE, json.dumps({"hidden_visibility": hidden_visibility}) + "\n")
        # The grader as it is now; the student kit's templates are not needed to grade.
        add_tree(INSTRUCTOR, "instructor", skip=("student_kit",))
        add_tree(bundle.root, "autograder")
    return buffer.getvalue()


@exits_on_error
def main(argv):
    parser = argparse.ArgumentParser(
        prog="python -m instructor export gradescope",
        description="Build the zip of a Gradescope autograder that grades with this grader.")
    parser.add_argument("platform", choices=("gradescope",))
    parser.add_argument("autograder", metavar="OUT/autograder")
    parser.add_argument("--out", required=True, help="the zip to write (autograder.zip)")
    parser.add_argument("--hidden-visibility", default="after_published",
                        choices=HIDDEN_VISIBILITIES,
                        help="when students see the hidden checks' results on Gradescope "
                             "(default: after the grades are published)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args(argv)
    out = new_file(args.out, args.force)
    data = build(args.autograder, args.hidden_visibility)
    staging = out.with_name(f".{out.name}.tmp")
    staging.write_bytes(data)
    shutil.move(staging, out)
    print(f"{out}: upload it on Gradescope's Configure Autograder page ({len(data) >> 10} kB)")
    return 0
