"""The grader run by an ordinary user (uid 65534), as in a cluster job or a container.

The batch of tests/test_grading_batch.py is graded again by a grader that is
not root: the worker's sandbox is then made in a user namespace, no cgroup can
be made, and the process limit counts the sandbox's own processes. Every
verdict must be the same, except where a cgroup is what holds the limit
(``memory_children``): there the results must say that only the limits per
process held. Nothing secret may be readable, as for root.

To run the grader as uid 65534 on a machine whose Python lives in a folder that
user cannot enter (``/root/.pyenv`` here), the test runs it in a mount
namespace (made with bubblewrap, as root) where such folders are a tmpfs
holding only what the grader needs, read-only.
"""

import csv
import json
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
NOBODY = 65534
MACHINE = fx.machine()

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]


def as_ordinary_user(argv, needed):
    """argv run as uid 65534, with every folder in ``needed`` reachable (read-only)."""
    return fx.with_folders_reachable(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                                      "--clear-groups", "--", *argv], needed)


@pytest.fixture(scope="module")
def ordinary(real_release):
    if os.geteuid() != 0:
        pytest.skip("the suite already runs as an ordinary user: the grader's other tests are "
                    "these tests here")
    if not MACHINE["bubblewrap"]:
        fx.need("bubblewrap (the sandbox)", "an ordinary user's grader needs it")
    if shutil.which("setpriv") is None:
        fx.need("setpriv (util-linux)", "to run the grader as an ordinary user")
    tmp = Path(tempfile.mkdtemp(prefix="grader-as-nobody-"))
    os.chmod(tmp, 0o755)
    try:
        bundle = fx.make_bundle(tmp / "autograder")
        machine = dict(MACHINE, root=False, cgroup=False)
        paths, expected, skipped = batch_tests.build_batch(tmp / "subs", bundle, machine)
        # Held by a cgroup only: graded anyway, on its own with time to hold its memory (see
        # the payload), to show what the cgroup's absence lets through.
        children = fx.make_submission(tmp / "subs" / "memory_children")
        batch_tests._with_payload(children, "memory_children",
                                  replace=[("HOLD_SECONDS = 2", "HOLD_SECONDS = 25")])
        real_bundle = tmp / "real-autograder"
        shutil.copytree(real_release / "autograder", real_bundle)
        reference = tmp / "real-subs" / "reference"
        for name in json.loads((real_bundle / "manifest.json").read_text())["student_files"]:
            (reference / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, reference / name)
        for folder, _, files in os.walk(tmp):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
        out, real_out = tmp / "results", tmp / "real-results"
        for folder in (out, real_out):
            folder.mkdir()
            os.chown(folder, NOBODY, NOBODY)
        needed = [sys.executable, *fx_python_roots(), ROOT, tmp]
        grade = [sys.executable, "-m", "instructor", "grade"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(tmp), "TMPDIR": "/tmp"}
        done = subprocess.run(as_ordinary_user(
            grade + [*map(str, paths.values()), "--autograder", str(bundle), "--out", str(out),
                     *batch_tests.FLAGS], needed), cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=1200)
        longer = [*batch_tests.FLAGS, "--call-timeout", "30"]
        held = subprocess.run(as_ordinary_user(
            grade + [str(children), "--autograder", str(bundle), "--out", str(out), *longer],
            needed), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert held.returncode == 0, held.stdout + held.stderr
        paths["memory_children"] = children
        real = subprocess.run(as_ordinary_user(
            grade + [str(reference), "--autograder", str(real_bundle), "--out", str(real_out)],
            needed), cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
        yield {"out": out, "real_out": real_out, "paths": paths, "expected": expected,
               "skipped": skipped, "done": done, "real": real}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fx_python_roots():
    from instructor.grading import sandbox
    return sandbox.python_roots()


def test_the_grader_ran_as_an_ordinary_user(ordinary):
    assert ordinary["done"].returncode == 0, ordinary["done"].stdout + ordinary["done"].stderr
    owners = {path.stat().st_uid for path in ordinary["out"].rglob("result.json")}
    assert owners == {NOBODY}


@pytest.mark.parametrize("key", batch_tests.REGRADED)
def test_every_verdict_is_the_same_as_root_s(ordinary, key):
    if key in ordinary["skipped"]:
        if "cgroup" not in ordinary["skipped"][key]:
            fx.need(ordinary["skipped"][key], f"{key} is only held by it")
        pytest.skip(f"{key}: held only by a cgroup; see test_without_a_cgroup_the_results_say_so")
    batch_tests.assert_verdict(ordinary, key)


def test_without_a_cgroup_the_results_say_so(ordinary):
    """An ordinary user's grader cannot make a cgroup: the memory limit is per process only,
    and the results say so; four processes then hold more than the limit together."""
    record = batch_tests.record_of(ordinary, "good")
    assert "only: no cgroup could be made here" in record["enforced"]["memory"]
    children = {c["id"]: c["reason"] for c in batch_tests.record_of(ordinary, "memory_children")["checks"]}
    assert "four processes held 1.6 GB together" in children["add-small"]
    assert record["enforced"]["cpu"].startswith("not limited")
    assert "sandbox's own processes" in record["enforced"]["processes"]
    assert record["isolation"] == {"name": "bubblewrap", "secure": True, "warning": ""}


def test_nothing_outlives_an_ordinary_user_s_grading(ordinary):
    assert not batch_tests.leftovers()


def test_the_real_reference_gets_full_marks(ordinary):
    assert ordinary["real"].returncode == 0, ordinary["real"].stdout + ordinary["real"].stderr
    record = json.loads((ordinary["real_out"] / "reference" / "result.json").read_text())
    failed = {c["id"]: c["reason"] for c in record["checks"] if not c["passed"]}
    assert (record["status"], failed) == ("ok", {})
    with open(ordinary["real_out"] / "gradebook.csv", newline="") as f:
        assert [row["sandbox"] for row in csv.DictReader(f)] == ["bubblewrap"]
