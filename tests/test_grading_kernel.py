"""The trusted kernel fails closed: without its stand-ins it has no student code to run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import grading_fixtures as fx
from instructor.grading import limits, sandbox
from instructor.grading.bundle import load_bundle
from instructor.grading.kernel.extension import NOT_TRUSTED_EXIT
from instructor.grading.submission import Submission
from instructor.grading.workspace import KERNEL_NAME, build_workspace

MACHINE = fx.machine()
MARK = "a line only the student's file has"

pytestmark = pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux")


@pytest.fixture
def workspace(tmp_path):
    bundle = load_bundle(fx.make_bundle(tmp_path / "bundle"))
    student = {"assignment/calc.py": (fx.REFERENCE + f"\n# {MARK}\n").encode()}
    isolation = sandbox.detect(insecure=True)     # only the files are looked at here
    return build_workspace(tmp_path / "w", bundle, Submission("alice", student), isolation,
                           limits.Limits(), None)


def test_the_kernel_s_copy_of_the_kit_has_no_student_code(workspace):
    assert MARK in (workspace.root / "worker" / "assignment" / "calc.py").read_text()
    assert MARK not in (workspace.kit / "assignment" / "calc.py").read_text()
    done = subprocess.run([sys.executable, "-c", "import assignment.calc"], cwd=workspace.kit,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ImportError: assignment.calc is a student's module" in done.stderr
    assert "stand-in, which is not installed" in done.stderr
    done = subprocess.run([sys.executable, "-c", "import assignment.helpers"], cwd=workspace.kit,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr          # provided code stays


def test_the_harness_plugin_runs_on_the_workspace_s_own_copies(workspace, tmp_path):
    """nbval_plugin.py imports output_diff.py and kit_contract.py from beside it, not instructor."""
    repo = Path(__file__).resolve().parent.parent / "instructor"
    for name in ("output_diff.py", "kit_contract.py"):
        assert (workspace.grader / name).read_bytes() == (repo / name).read_bytes()
    code = ("import sys, nbval_plugin\n"
            "assert sys.modules['rfc3987_syntax'] is None\n"
            "assert not [m for m in sys.modules if m.startswith('instructor')]\n")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=workspace.kit, capture_output=True,
                          text=True, timeout=120,
                          env={**env, "PYTHONPATH": str(workspace.grader),
                               "GRADER_ITEMS": str(tmp_path / "items.jsonl")})
    assert done.returncode == 0, done.stderr


def test_a_kernel_that_cannot_become_trusted_ends(workspace, tmp_path):
    """IPython would run the notebook without the failed extension; the grader's kernel exits."""
    spec = json.loads((workspace.grader / "share" / "kernels" / KERNEL_NAME / "kernel.json")
                      .read_text())
    Path(spec["env"]["GRADER_KERNEL_CONFIG"]).write_text("{ not json")
    argv = [part.replace("{connection_file}", str(tmp_path / "connection.json"))
            for part in spec["argv"]]
    done = subprocess.run(argv, env={**os.environ, **spec["env"]}, cwd=workspace.kit,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == NOT_TRUSTED_EXIT, done.stderr
    assert "could not become the trusted kernel" in done.stderr
    assert "JSONDecodeError" in done.stderr
