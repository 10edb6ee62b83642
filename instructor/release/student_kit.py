"""The student kit: ``OUT/student/``, with its self-check in ``.checks/``."""

import re
from pathlib import Path

from .. import notebooks as nbs
from ..kit_contract import notebook_digest
from .autograder import check_entries
from .files import copy_file, ensure_parent, write_json, write_text
from .sources import CHECKS_DIR


KIT_FORMAT = "linear-classifiers-kit/1"
INSTRUCTOR = Path(__file__).resolve().parents[1]   # the instructor package

TEMPLATE_DIR = INSTRUCTOR / "student_kit"
# The self-check's comparison of outputs, shared with the grader: into .checks/.
OUTPUT_DIFF = INSTRUCTOR / "output_diff.py"
# What the kit's conftest.py and pack_submission.py share with the instructors'
# code (they run without it): into .checks/ as it is.
KIT_CONTRACT = INSTRUCTOR / "kit_contract.py"


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
            write_text(dest / name, student[name])
        elif name in notebooks:
            public = nbs.clear_outputs(nbs.without_hidden(notebooks[name]), keep_checks=True)
            nbs.write(nbs.with_expected_outputs(public), ensure_parent(dest / name))
        else:
            copy_file(root / name, dest / name)
    # Pristine checks-only copies: the self-check runs these, never the
    # notebooks a student edits and saves.
    checks, digests = [], {}
    for name, nb in sorted(notebooks.items()):
        short = Path(name).name
        reduced = nbs.checks_only(nbs.without_hidden(nb))
        if not nbs.checks(reduced):
            continue  # nothing to check: no kernel to start, no set-up to fail
        nbs.write(reduced, ensure_parent(dest / CHECKS_DIR / short))
        digests[short] = notebook_digest(dest / CHECKS_DIR / short)
        for entry in check_entries(reduced, short):
            checks.append({"id": entry["id"], "points": entry["points"],
                           "notebook": short, "cell": entry["cell"]})
    write_json(dest / CHECKS_DIR / "kit.json", {
        "format": KIT_FORMAT,
        "about": "Used by conftest.py (the self-check) and pack_submission.py. "
                 "Do not edit this folder.",
        "student_files": sorted(student),
        "notebooks": sorted(notebooks),
        "checks": checks,
        "digests": digests,
    })
    copy_file(OUTPUT_DIFF, dest / CHECKS_DIR / OUTPUT_DIFF.name)
    copy_file(KIT_CONTRACT, dest / CHECKS_DIR / KIT_CONTRACT.name)
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
        write_text(dest / target, _render(text, values), mode)
