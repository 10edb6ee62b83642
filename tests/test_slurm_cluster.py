"""The real single-node Slurm cluster of tests/slurm_cluster.py, shown to work.

One cluster is started for the module (about a second); every job is
submitted by the ordinary user (uid 65534) and writes what it saw into a
folder of that user's, which the tests then read. Times are written by the
jobs themselves (``date +%s.%N``, the same clock for all), so "at the same
time" and "after" are what the jobs saw, not what polling happened to catch.
"""

import os
import sys
import time

import pytest

import slurm_cluster as sc

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="Slurm runs on Linux"),
              pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster():
    sc.require()
    with sc.SlurmCluster() as running:
        yield running


@pytest.fixture
def work(cluster, request):
    """A folder the ordinary user owns: the jobs' working folder."""
    return cluster.user_folder(request.node.name.replace("[", "_").replace("]", ""))


def _script(folder, body):
    path = folder / "job.sh"
    path.write_text("#!/bin/bash\nset -e\n" + body)
    return path


def _outputs(cluster, folder):
    """The jobs' own output (slurm-*.out) and the daemons' logs: what a failure needs."""
    jobs = "\n".join(f"--- {p.name} ---\n{p.read_text()}" for p in sorted(folder.glob("slurm-*")))
    return f"{jobs}\n{cluster.logs()}"


def _times(folder, pattern):
    return {p.name.rsplit("_", 1)[1]: float(p.read_text()) for p in folder.glob(pattern)}


def _wait_for_files(folder, names, cluster, timeout=20):
    deadline = time.monotonic() + timeout
    while not all((folder / name).exists() for name in names):
        assert time.monotonic() < deadline, f"{names} not written in {timeout} s: " \
            f"{cluster.jobs()}\n{cluster.logs()}"
        time.sleep(0.1)


def test_an_array_runs_as_the_ordinary_user_with_this_python(cluster, work):
    script = _script(work, f"""
id -u > uid_$SLURM_ARRAY_TASK_ID
echo $SLURM_ARRAY_JOB_ID > array_$SLURM_ARRAY_TASK_ID
{sys.executable} -c "import numpy, sys; print(sys.executable)" > python_$SLURM_ARRAY_TASK_ID
""")
    job = cluster.sbatch(["--array=0-1", "--cpus-per-task=1", str(script)], cwd=work)
    assert job.isdigit()
    assert set(cluster.wait([job]).values()) == {"COMPLETED"}, _outputs(cluster, work)
    for index in ("0", "1"):
        assert int((work / f"uid_{index}").read_text()) == sc.NOBODY != 0
        assert (work / f"array_{index}").read_text().strip() == job
        assert (work / f"python_{index}").read_text().strip() == sys.executable
    assert {p.stat().st_uid for p in work.glob("uid_*")} == {sc.NOBODY}


def test_two_one_cpu_tasks_run_at_the_same_time(cluster, work):
    if cluster.cpus < 2:
        pytest.skip("the node has one CPU: 1-CPU tasks run one after the other")
    script = _script(work, """
date +%s.%N > start_$SLURM_ARRAY_TASK_ID
sleep 3
date +%s.%N > end_$SLURM_ARRAY_TASK_ID
""")
    job = cluster.sbatch(["--array=0-1", "--cpus-per-task=1", str(script)], cwd=work)
    assert set(cluster.wait([job]).values()) == {"COMPLETED"}, _outputs(cluster, work)
    starts, ends = _times(work, "start_*"), _times(work, "end_*")
    assert set(starts) == set(ends) == {"0", "1"}
    # Each started before the other ended: they overlapped.
    assert max(starts.values()) < min(ends.values()), (starts, ends)


def test_cancelling_one_task_stops_that_task_only(cluster, work):
    script = _script(work, """
touch started_$SLURM_ARRAY_TASK_ID
sleep 4
touch finished_$SLURM_ARRAY_TASK_ID
""")
    job = cluster.sbatch(["--array=0-1", "--cpus-per-task=1", str(script)], cwd=work)
    _wait_for_files(work, ["started_0"] + (["started_1"] if cluster.cpus > 1 else []), cluster)
    cluster.run(["scancel", f"{job}_1"])
    states = cluster.wait([job])
    assert states == {f"{job}_0": "COMPLETED", f"{job}_1": "CANCELLED"}, _outputs(cluster, work)
    assert (work / "finished_0").exists()
    assert not (work / "finished_1").exists()


def test_a_dependent_job_waits_for_the_whole_array(cluster, work):
    script = _script(work, """
sleep $((1 + 2 * SLURM_ARRAY_TASK_ID))
date +%s.%N > end_$SLURM_ARRAY_TASK_ID
""")
    array = cluster.sbatch(["--array=0-1", "--cpus-per-task=1", str(script)], cwd=work)
    after = cluster.sbatch([f"--dependency=afterany:{array}",
                            "--wrap", "date +%s.%N > after_start"], cwd=work)
    held = cluster.run(["squeue", "--noheader", "--jobs", after, "--format=%T %r"]).stdout
    assert held.split() == ["PENDING", "Dependency"], held
    states = cluster.wait([array, after])
    assert set(states.values()) == {"COMPLETED"}, _outputs(cluster, work)
    ends = _times(work, "end_*")
    assert set(ends) == {"0", "1"}
    assert float((work / "after_start").read_text()) >= max(ends.values()), ends


def test_a_second_cluster_runs_beside_and_leaves_nothing(cluster):
    """Two clusters at once (their own ports, socket, folder); stopping one ends it all."""
    second = sc.SlurmCluster()
    with second:
        folder, conf = second.folder, second.conf
        assert second.conf != cluster.conf
        for each in (cluster, second):
            assert each.run(["sinfo", "--noheader", "--format=%T"]).stdout.split() == ["idle"]
        job = second.sbatch(["--wrap", "sleep 60"], cwd=second.user_folder("w"))
        second._wait_for(lambda: second.state(job) == "RUNNING", 20)
        assert second.state(job) == "RUNNING"
    assert not folder.exists()
    mark = f"SLURM_CONF={conf}".encode()
    left = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and mark in open(f"/proc/{entry}/environ", "rb").read().split(b"\0"):
                left.append(entry)
        except OSError:
            pass
    assert not left, f"processes of the stopped cluster are still running: {left}"
    # The first cluster did not notice.
    assert cluster.run(["sinfo", "--noheader", "--format=%T"]).stdout.split() == ["idle"]
