"""A control group per submission (instructor/grading/cgroup.py).

On this machine's cgroup v1 (what CI has) the group is made for real and its
memory limit is shown to hold. cgroup v2 cannot be mounted here (the machine's
controllers are bound to v1), so its files are checked on a folder laid out as
the kernel lays out /sys/fs/cgroup: the names and values written, not the
kernel's enforcement of them.
"""

import subprocess
import sys

import pytest

import grading_fixtures as fx
from instructor.grading import cgroup


@pytest.mark.slow
def test_v1_memory_limit_holds_for_all_processes_together():
    if not fx.machine()["cgroup"]:
        fx.need("a writable cgroup hierarchy (the grader as root)", "the per-submission limits")
    group = cgroup.create(200 << 20, 1, 64)
    try:
        assert group.holds["memory"] and group.holds["tasks"]
        procs = group.procs_files
        code = ("import os, sys, time\n"
                "for path in sys.argv[1:]:\n"
                "    open(path, 'w').write(str(os.getpid()))\n"
                "children = []\n"
                "for _ in range(3):\n"
                "    pid = os.fork()\n"
                "    if pid == 0:\n"
                "        block = bytearray(120 * 2**20)\n"
                "        for at in range(0, len(block), 4096): block[at] = 1\n"
                "        time.sleep(5); os._exit(0)\n"
                "    children.append(pid)\n"
                "codes = [os.waitpid(pid, 0)[1] for pid in children]\n"
                "print(sum(1 for code in codes if os.WIFSIGNALED(code)))\n")
        done = subprocess.run([sys.executable, "-c", code, *procs], capture_output=True,
                              text=True, timeout=60)
        assert int(done.stdout.strip()) >= 1      # 360 MB together: the limit killed some
        assert "oom_kill" in group.oom_counter.read_text()
    finally:
        group.remove()
    assert all(not folder.exists() for folder in group.folders)


def test_v2_files(tmp_path, monkeypatch):
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / "cgroup.subtree_control").write_text("cpu memory pids\n")
    monkeypatch.setattr(cgroup, "_own_paths", lambda: {"": "/"})
    group = cgroup.create(512 << 20, 1.5, 40, root=root)
    [folder] = group.folders
    assert (folder / "memory.max").read_text() == str(512 << 20)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert (folder / "cpu.max").read_text() == "150000 100000"
    assert (folder / "pids.max").read_text() == "40"
    assert group.holds == {"memory": "cgroup v2 memory.max", "cpu": "cgroup v2 cpu.max",
                           "tasks": "cgroup v2 pids.max"}
    assert group.oom_counter == folder / "memory.events"


def test_where_no_group_can_be_made_nothing_is_claimed(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroup, "_own_paths", lambda: {"memory": "/x", "": "/"})
    group = cgroup.create(1 << 30, 1, 16, root=tmp_path / "absent")
    assert group.folders == [] and group.holds == {"memory": None, "cpu": None, "tasks": None}
