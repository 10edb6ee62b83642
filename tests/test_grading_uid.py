"""The grader as root where bubblewrap cannot run (``--sandbox uid``), as in a container.

The batch of tests/test_grading_batch.py is graded again with no namespaces:
the worker runs as a uid of its own, with Landlock and the system-call filter
holding what bubblewrap's namespaces held. Every attack must get the verdict
it gets in bubblewrap, except where only a file system of its own held it
(``UID_VERDICTS``, each with the reason); the host is then checked as after
the batch: nothing written outside, no process left. A grader whose bundle or
submissions another user could read is refused before anything runs.

The uid must run this Python: where it lives in a folder others cannot enter
(``/root/.pyenv`` here), the grader runs in a mount namespace that shows that
folder (tests/grading_fixtures.py: with_folders_reachable).
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import grading_fixtures as fx
import test_grading_batch as batch_tests

ROOT = Path(__file__).resolve().parents[1]
MACHINE = fx.machine()

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]

# Where the uid isolation gives another verdict than bubblewrap, and why.
UID_VERDICTS = {
    "disk_filler": ("crashed", set(),
                    "the scratch folder is watched, not a tmpfs of its own: writing past its "
                    "size stops the check's process instead of failing the write"),
}


def graded_as_root_without_namespaces(argv, env):
    from instructor.grading import sandbox
    needed = [sys.executable, *sandbox.python_roots()]
    return subprocess.run(fx.with_folders_reachable(argv, needed), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def uid_batch():
    if not MACHINE["root"]:
        pytest.skip("the uid isolation is the grader as root's (as on Gradescope)")
    if not MACHINE["bubblewrap"]:
        fx.need("bubblewrap", "the test shows the uid this Python through a mount namespace")
    if fx.landlock_module().abi() < 6:
        fx.need("Landlock ABI 6 (Linux 6.12)", "the uid isolation's verdicts are those of a "
                "kernel with Landlock's files, TCP and signal scopes")
    tmp = Path(tempfile.mkdtemp(prefix="grader-uid-"))      # 0700: root's alone
    try:
        bundle = fx.make_bundle(tmp / "autograder")
        paths, expected, skipped = batch_tests.build_batch(tmp / "subs", bundle, MACHINE)
        for key, (status, passes, _) in UID_VERDICTS.items():
            expected[key] = (status, passes)
        out = tmp / "results"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(tmp), "TMPDIR": "/tmp"}
        grade = [sys.executable, "-m", "instructor", "grade", "--sandbox", "uid"]
        done = graded_as_root_without_namespaces(
            grade + [*map(str, paths.values()), "--autograder", str(bundle), "--out", str(out),
                     *batch_tests.FLAGS], env)
        escaped = [path for path in batch_tests.ESCAPES if path.exists()]
        # The same bundle, readable by every user: refused before anything runs.
        open_tmp = Path(tempfile.mkdtemp(prefix="grader-uid-open-"))
        os.chmod(open_tmp, 0o755)
        shutil.copytree(bundle, open_tmp / "autograder")
        refused = graded_as_root_without_namespaces(
            grade + [str(paths["good"]), "--autograder", str(open_tmp / "autograder"), "--out",
                     str(tmp / "refused")], env)
        shutil.rmtree(open_tmp)
        yield {"out": out, "paths": paths, "expected": expected, "skipped": skipped,
               "done": done, "escaped": escaped, "refused": refused}
    finally:
        for path in batch_tests.ESCAPES:
            path.unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_the_batch_was_graded_with_the_uid_isolation(uid_batch):
    assert uid_batch["done"].returncode == 0, uid_batch["done"].stdout + uid_batch["done"].stderr
    record = batch_tests.record_of(uid_batch, "good")
    assert record["isolation"] == {"name": "uid", "secure": True, "warning": "",
                                   "landlock": True}
    assert record["enforced"]["network"] == "no new socket (seccomp); no TCP (Landlock)"
    assert "not a file system of its own" in record["enforced"]["files"]


@pytest.mark.parametrize("key", batch_tests.REGRADED)
def test_every_verdict_is_bubblewrap_s_or_its_stated_exception(uid_batch, key):
    if key in uid_batch["skipped"]:
        fx.need(uid_batch["skipped"][key], f"{key} is only held by it")
    batch_tests.assert_verdict(uid_batch, key)


def test_hidden_checks_say_only_what_kind_of_failure(uid_batch):
    batch_tests.test_hidden_checks_say_only_what_kind_of_failure(uid_batch)


def test_a_full_scratch_folder_is_named_as_the_reason(uid_batch):
    reasons = {c["reason"] for c in batch_tests.record_of(uid_batch, "disk_filler")["checks"]}
    assert any("wrote more than its scratch folder holds (64 MB)" in r for r in reasons), reasons


def test_nothing_written_outside_and_nothing_left_running(uid_batch):
    assert uid_batch["escaped"] == []
    assert not batch_tests.leftovers()


def test_a_bundle_other_users_can_read_is_refused(uid_batch):
    refused = uid_batch["refused"]
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "another user, who could read" in refused.stderr
    assert "autograder" in refused.stderr and "chmod 700" in refused.stderr
    assert "grading" not in refused.stdout
