"""Stand-ins are faithful: every check prints the same through them as with the files imported.

For the reference, the independent solution and every mistake of
tests/student_mistakes.py, the combined checks-only notebook of
tests/test_notebooks.py (every notebook's set-up cell and check cells, hidden
ones included) runs twice: in a kernel that imports the variant's files, and
in the grader's trusted kernel, which reaches the same files only through
stand-ins and the sandboxed worker. Each check cell must give the same
stdout, the same error (name and message) and stderr exactly when the
direct run has it.

The grader gives every check a process of its own, so a warning the
student's code raises shows in every check that raises it; in one kernel
Python shows it once per line of code. So that the direct run is the same
fresh start for every check, it forgets the warnings already shown before
each check cell (the cell that does so is left out of the comparison).
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

import grading_fixtures as fx
from instructor import notebooks as nbs
from instructor.grading import limits, sandbox
from instructor.grading.bundle import load_bundle
from instructor.grading.kernel.link import TRUNCATED
from instructor.grading.submission import Submission
from instructor.grading.workspace import KERNEL_NAME, build_workspace
from student_mistakes import MISTAKES
from test_notebooks import COMBINED, FRESH_WARNINGS, INDEPENDENT, REFERENCE, build_kit

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = [REFERENCE, INDEPENDENT, *sorted(MISTAKES)]
# The speed checks draw their data afresh on every run (instructor/grading/speed.py): what a
# student's print shows there differs from run to run, through stand-ins or not.
SPEED = {"svm-vec-speed-hidden", "softmax-vec-speed-hidden"}
MACHINE = fx.machine()

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]


def run_both(variant, bundle, scratch, uid):
    """(direct outputs, stand-in outputs): per code cell, what it printed and raised."""
    kit = scratch / variant / "kit"
    build_kit(kit, variant, combined=True)
    nb = nbs.read(kit / "notebooks" / COMBINED)
    env = {"ASSIGNMENT_DATASET": "digits", "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    fresh = nbs.read(kit / "notebooks" / COMBINED)
    fresh.cells = [cell for original in nb.cells for cell in (
        [nbformat.v4.new_code_cell(FRESH_WARNINGS, metadata={"forget": True})]
        if nbs.is_check(original) else []) + [original]]
    direct = nbs.execute(fresh, cwd=kit / "notebooks", env=env, allow_errors=True, timeout=300)
    direct.cells = [cell for cell in direct.cells if not cell.metadata.get("forget")]

    student = {rel: (kit / rel).read_bytes() for rel in bundle.student_files}
    isolation = sandbox.detect(insecure=not MACHINE["bubblewrap"])
    workspace = build_workspace(scratch / variant / "w", bundle, Submission(variant, student),
                                isolation, limits.Limits(), uid)
    nbs.write(nb, workspace.kit / "notebooks" / COMBINED)
    from instructor.grade import harness_environment
    environment = {k: v for k, v in harness_environment(workspace, limits.Limits()).items() if k != "PYTHONPATH"}
    forwarded = nbs.execute(nb, cwd=workspace.kit / "notebooks", env=environment,
                            allow_errors=True, timeout=300,
                            kernel_dir=workspace.grader / "share" / "kernels" / KERNEL_NAME)
    return _outputs(direct), _outputs(forwarded)


def _outputs(nb):
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        seen = {"stdout": "", "stderr": "", "error": None, "check": nbs.check_info(cell)["id"]
                if nbs.is_check(cell) else None}
        for output in cell.outputs:
            if output.output_type == "stream":
                seen[output.name] += output.text
            elif output.output_type == "error":
                seen["error"] = (output.ename, output.evalue)
            else:
                seen.setdefault("other", []).append(output.get("data", {}).get("text/plain"))
        found.append(seen)
    return found


@pytest.fixture(scope="module")
def runs(real_release, tmp_path_factory):
    bundle = load_bundle(real_release / "autograder")
    scratch = tmp_path_factory.mktemp("faithful")
    base = 100_000 + (os.getpid() % 5000) * 100 + 50 if os.geteuid() == 0 else None
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {variant: pool.submit(run_both, variant, bundle, scratch,
                                        None if base is None else base + index % 2)
                   for index, variant in enumerate(VARIANTS)}
        return {variant: future.result() for variant, future in futures.items()}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_check_prints_the_same_through_the_stand_ins(runs, variant):
    direct, forwarded = runs[variant]
    assert len(direct) == len(forwarded)
    checks = 0
    for one, other in zip(direct, forwarded):
        where = (variant, one["check"])
        if one["check"] is None:
            assert other["error"] is None, where   # the set-up cells run only trusted code
            continue
        checks += 1
        if one["check"] in SPEED:
            assert other["stdout"].splitlines()[-1:] == one["stdout"].splitlines()[-1:], where
        elif TRUNCATED in other["stdout"]:
            # What the student's code printed beyond the grader's cap is cut, with a mark;
            # everything before the cut, and what the check printed after it, is the same.
            head, tail = other["stdout"].split(TRUNCATED, 1)
            assert len(one["stdout"]) > len(other["stdout"]) - len(TRUNCATED), where
            assert one["stdout"].startswith(head) and one["stdout"].endswith(tail), where
        else:
            assert other["stdout"] == one["stdout"], where
        assert other["error"] == one["error"], where
        assert bool(other["stderr"]) == bool(one["stderr"]), (where, one["stderr"], other["stderr"])
        assert other.get("other") == one.get("other"), where
    assert checks == sum(len(nbs.checks(nbs.read(p))) for p in (ROOT / "notebooks").glob("*.ipynb"))
