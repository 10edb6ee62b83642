"""launch.py: limits set and control groups joined in the new process, then the command itself."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.grading import launch

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader runs on Linux")

SHOW = ("import os, resource; print(os.getpid(), resource.getrlimit(resource.RLIMIT_NOFILE)[0],"
        " os.get_inheritable({fd}))")


def test_the_command_runs_with_the_limits_in_the_groups_as_the_same_process(tmp_path):
    procs = [tmp_path / "a.procs", tmp_path / "b.procs"]     # stand-ins for cgroup.procs files
    for path in procs:
        path.write_text("")
    read, write = os.pipe()
    argv = launch.command({"rlimits": {"RLIMIT_NOFILE": 77}, "cgroups": [str(p) for p in procs]},
                          [sys.executable, "-c", SHOW.format(fd=write)])
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, pass_fds=[write])
    out, _ = process.communicate(timeout=60)
    os.close(read)
    os.close(write)
    pid, nofile, inherited = out.split()
    assert int(pid) == process.pid                 # the command took the launcher's place
    assert nofile == "77"
    assert inherited == "True"                     # descriptors passed on stay open
    assert [path.read_text() for path in procs] == [pid, pid]


def test_a_group_that_cannot_be_joined_stops_the_launch(tmp_path):
    argv = launch.command({"cgroups": [str(tmp_path / "missing" / "cgroup.procs")]},
                          [sys.executable, "-c", "print('ran')"])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "ran" not in done.stdout
    assert "FileNotFoundError" in done.stderr


def test_no_grader_process_is_started_with_preexec_fn():
    """Python's documentation: preexec_fn can deadlock in a process with threads (it did)."""
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "instructor").rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\bpreexec_fn\s*=", line)]
    assert found == []
