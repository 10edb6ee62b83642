"""``python -m instructor slurm`` on a real Slurm cluster, run by an ordinary user.

The cluster is the single-node one of ``tests/slurm_cluster.py`` (Debian's
``slurm-wlm`` and ``munge``); every command here, the grader's included, runs
as uid 65534, as course staff would on a university's cluster. A batch of the
small bundle's submissions, one of which loops until its calls time out, is
graded three ways and must come out the same, times apart:

1. by ``python -m instructor grade`` on this machine, by that user, outside
   Slurm: the reference;
2. by ``python -m instructor slurm --shards 2``: an array of 2 tasks and the
   gradebook job after them;
3. the same with one task cancelled mid-way (``scancel JOB_1``), then the
   command run again, which must grade only what is missing.
"""

import csv
import json
import re
import sys
import time
from pathlib import Path

import pytest

import grading_fixtures as fx

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="Slurm and the grader run on Linux"),
              pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
LOOPS = fx.REFERENCE.replace("    return a + b", "    while True:\n        pass")
BATCH = {
    "right": fx.REFERENCE,
    "stub": fx.STUB,
    "adds_one": fx.REFERENCE.replace("return a + b", "return a + b + 1"),
    "scales_wrong": fx.REFERENCE.replace("return twice(x) if k == 2", "return x if k == 2"),
    "loops": LOOPS,                    # fails its call limit in whichever task grades it
    "right_again": fx.REFERENCE,
}
FLAGS = ["--call-timeout", "1", "--cell-timeout", "30", "--timeout", "120", "--memory-mb", "1024"]
TIMING = ("seconds", "graded_at", "harness", "worker_log", "evidence_run")


@pytest.fixture(scope="module")
def cluster():
    import slurm_cluster as sc
    sc.require()
    if not fx.machine()["bubblewrap"]:
        fx.need("bubblewrap (the sandbox)", "the grader refuses to grade without it")
    with sc.SlurmCluster() as running:
        yield running


@pytest.fixture(scope="module")
def batch(cluster):
    """The bundle, the submissions and the reference results, all in the user's folder."""
    folder = cluster.user_folder("batch")
    bundle = fx.make_bundle(folder / "autograder")
    paths = [fx.make_submission(folder / "subs" / name, calc=calc) for name, calc in BATCH.items()]
    reference = folder / "reference"
    done = cluster.run([sys.executable, "-m", "instructor", "grade", *paths, "--autograder",
                        bundle, "--out", reference, "--jobs", "2", *FLAGS], timeout=600,
                       check=False, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"folder": folder, "bundle": bundle, "paths": paths, "reference": reference}


def slurm(cluster, batch, out, *options):
    """Run ``instructor slurm`` as the user; return (array id, gradebook job id, stdout)."""
    done = cluster.run([sys.executable, "-m", "instructor", "slurm", *batch["paths"],
                        "--autograder", batch["bundle"], "--out", out, *FLAGS, *options],
                       check=False, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    array = re.search(r"job array (\d+)", done.stdout)
    merge = re.search(r"gradebook: job (\d+)", done.stdout)
    assert array and merge, done.stdout
    return array.group(1), merge.group(1), done.stdout


def results_of(out):
    """{name: result without its times} and the feedback texts of a RESULTS folder."""
    found = {}
    for path in sorted(out.glob("*/result.json")):
        record = json.loads(path.read_text())
        found[path.parent.name] = ({k: v for k, v in record.items() if k not in TIMING},
                                   (path.parent / "feedback.md").read_text())
    return found


def task_logs(out):
    return "\n".join(f"--- {p.name} ---\n{p.read_text()}"
                     for p in sorted(out.glob(".slurm/*/logs/*")))


def test_a_slurm_batch_graded_by_an_ordinary_user_matches_one_machine(cluster, batch):
    out = batch["folder"] / "results-slurm"
    array, merge, stdout = slurm(cluster, batch, out, "--shards", "2")
    assert "6 of 6 submission(s) to grade in 2 task(s)" in stdout
    states = cluster.wait([array, merge], timeout=600)
    assert set(states.values()) == {"COMPLETED"}, f"{states}\n{task_logs(out)}"
    logs = task_logs(out)
    # Both tasks graded a part; the worker was sandboxed as an ordinary user.
    assert len(re.findall(r"^shard [01]/2: [1-9]\d* of 6 submission", logs, flags=re.M)) == 2, logs
    assert (out / "gradebook.csv").read_text() == (batch["reference"] / "gradebook.csv").read_text()
    mine, theirs = results_of(out), results_of(batch["reference"])
    assert sorted(mine) == sorted(BATCH)
    assert mine == theirs
    # The looping submission failed its limits in its own task and nowhere else.
    rows = {row["submission"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["loops"]["status"] == "timeout"
    assert rows["right"]["score"] == rows["right"]["max_score"] == rows["right_again"]["score"]
    assert all(row["sandbox"] == "bubblewrap" for row in rows.values()), rows
    assert mine["right"][0]["isolation"]["secure"]


def test_a_cancelled_task_and_a_rerun_lose_nothing_and_grade_nothing_twice(cluster, batch):
    out = batch["folder"] / "results-cancelled"
    # Each task grades one submission at a time (1 CPU): task 1 is cancelled with work left.
    array, merge, _ = slurm(cluster, batch, out, "--shards", "2")
    deadline = time.monotonic() + 120
    while cluster.state(f"{array}_1") != "RUNNING":
        assert time.monotonic() < deadline, cluster.jobs()
        time.sleep(0.2)
    time.sleep(4)            # the first of its submissions is being graded, or just published
    cluster.run(["scancel", f"{array}_1"])
    states = cluster.wait([array, merge], timeout=600)
    assert states[f"{array}_1"] == "CANCELLED" and states[f"{array}_0"] == "COMPLETED", states
    assert states[merge] == "COMPLETED", states          # afterany: it ran all the same
    first = results_of(out)
    graded_at = {path.parent.name: json.loads(path.read_text())["graded_at"]
                 for path in out.glob("*/result.json")}
    missing = sorted(set(BATCH) - set(first))
    assert missing, f"task 1 finished before it was cancelled; nothing to rerun\n{task_logs(out)}"
    gradebook_rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(row["submission"] for row in gradebook_rows) == sorted(first)

    array, merge, stdout = slurm(cluster, batch, out, "--shards", "2")
    assert f"{len(missing)} of 6 submission(s) to grade" in stdout
    run = sorted((out / ".slurm").iterdir())[-1]
    assert sorted(p.rsplit("/", 1)[1] for p in (run / "submissions.txt").read_text().split()) \
        == missing
    states = cluster.wait([array, merge], timeout=600)
    assert set(states.values()) == {"COMPLETED"}, f"{states}\n{task_logs(out)}"
    final = results_of(out)
    assert final == results_of(batch["reference"])
    assert (out / "gradebook.csv").read_text() == (batch["reference"] / "gradebook.csv").read_text()
    # Nothing graded twice: what the first run published is the same file still.
    for name, stamp in graded_at.items():
        assert json.loads((out / name / "result.json").read_text())["graded_at"] == stamp, name
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".old-*"))


def test_a_rerun_with_nothing_missing_only_writes_the_gradebook(cluster, batch):
    out = batch["folder"] / "results-slurm"          # graded by the first test
    if not (out / "gradebook.csv").exists():
        pytest.skip("needs the first test's results")
    (out / "gradebook.csv").unlink()
    done = cluster.run([sys.executable, "-m", "instructor", "slurm", *batch["paths"],
                        "--autograder", batch["bundle"], "--out", out, "--shards", "2"],
                       check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "nothing to grade: all 6 submission(s) have results of this bundle" in done.stdout
    assert (out / "gradebook.csv").read_text() == (batch["reference"] / "gradebook.csv").read_text()
