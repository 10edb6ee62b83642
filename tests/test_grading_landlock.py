"""What the ``uid`` isolation relies on, each tried in a process of its own.

Landlock (instructor/grading/worker/landlock.py) must let a restricted process
read only the folders it was given, write only the writable ones, make no TCP
connection and signal no process outside its own; the system-call filter with
``network=False`` must refuse every new socket (UDP, which Landlock does not
cover, included). Each is shown to work first without the restriction.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import grading_fixtures as fx

MACHINE = fx.machine()

pytestmark = pytest.mark.skipif(not MACHINE["linux"], reason="Landlock and seccomp are Linux's")

# Runs in a fresh process: tries everything, then prints what worked.
TRIES = textwrap.dedent("""
    import json, os, socket, sys
    sys.path.insert(0, sys.argv[1])
    import landlock, syscalls
    allowed, secret, scratch, how = sys.argv[2:6]
    if how == "landlock":
        from instructor.grading import sandbox
        landlock.restrict([*sandbox.worker_readable(sys.argv[1]), allowed],
                          [scratch, "/dev/null"])
    elif how == "filter":
        syscalls.refuse(os.getppid(), network=False)
    worked = {}
    def attempt(name, action):
        try:
            action()
            worked[name] = True
        except OSError as error:
            worked[name] = error.errno
    attempt("read given", lambda: open(os.path.join(allowed, "a.txt")).read())
    attempt("read other", lambda: open(secret).read())
    attempt("list other", lambda: os.listdir(os.path.dirname(secret)))
    attempt("write scratch", lambda: open(os.path.join(scratch, "x"), "w").write("x"))
    attempt("write given", lambda: open(os.path.join(allowed, "x"), "w").write("x"))
    attempt("write /dev/null", lambda: open("/dev/null", "w").write("x"))
    def tcp():
        sock = socket.create_connection(("127.0.0.1", int(sys.argv[6])), timeout=5)
        sock.close()
    attempt("tcp", tcp)
    attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
        b"x", ("127.0.0.1", 9)))
    attempt("unix socket", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    attempt("signal outside", lambda: os.kill(int(sys.argv[7]), 0))
    print(json.dumps(worked))
""")


@pytest.fixture
def tries(tmp_path):
    import json
    import socket
    allowed, scratch, secrets = tmp_path / "given", tmp_path / "scratch", tmp_path / "secret"
    for folder in (allowed, scratch, secrets):
        folder.mkdir()
    (allowed / "a.txt").write_text("a")
    (secrets / "answers.ipynb").write_text("{}")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    bystander = subprocess.Popen(["sleep", "60"])

    def run(how):
        done = subprocess.run(
            [sys.executable, "-c", TRIES, str(fx.WORKER_CODE), str(allowed), str(secrets / "answers.ipynb"),
             str(scratch), how, str(listener.getsockname()[1]), str(bystander.pid)],
            capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    yield run
    listener.close()
    bystander.kill()
    bystander.wait()


def test_without_a_restriction_everything_works(tries):
    worked = tries("none")
    assert all(value is True for value in worked.values()), worked


def test_landlock_leaves_only_what_it_was_given(tries):
    abi = fx.landlock_module().abi()
    if abi < 6:
        fx.need("Landlock ABI 6 (Linux 6.12)", f"this kernel has ABI {abi}")
    worked = tries("landlock")
    import errno
    assert worked == {"read given": True, "read other": errno.EACCES,
                      "list other": errno.EACCES, "write scratch": True,
                      "write given": errno.EACCES, "write /dev/null": True,
                      "tcp": errno.EACCES, "udp": True, "unix socket": True,
                      "signal outside": errno.EPERM}


def test_the_filter_without_a_network_refuses_every_new_socket(tries):
    from instructor.grading import sandbox
    if sandbox._probe_filter() is not True:
        fx.need("libseccomp", f"the filter cannot load here: {sandbox._probe_filter()}")
    worked = tries("filter")
    import errno
    assert worked["tcp"] == worked["udp"] == worked["unix socket"] == errno.EPERM, worked
    assert worked["read other"] is True          # files are Landlock's part, not the filter's


def test_landlock_that_cannot_start_says_why(monkeypatch):
    landlock = fx.landlock_module()
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    with pytest.raises(landlock.Unavailable, match="Landlock is not enabled"):
        landlock.restrict([], [])


def test_the_uid_isolation_needs_root(monkeypatch):
    from instructor.grading import sandbox
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(sandbox.SandboxUnavailable, match="needs the grader to run as root"):
        sandbox.detect(kind=sandbox.UID)


def test_a_uid_workspace_is_open_to_its_own_worker_only(tmp_path, request):
    """Without Landlock too: another uid (a submission graded beside) cannot get in."""
    if os.geteuid() != 0:
        pytest.skip("the uid isolation is the grader as root's")
    from instructor.grading import limits, sandbox
    from instructor.grading.bundle import load_bundle
    from instructor.grading.submission import Submission
    from instructor.grading.workspace import build_workspace
    isolation = sandbox.Isolation(sandbox.UID, True, "", seccomp=False, landlock="off")
    bundle = load_bundle(fx.make_bundle(tmp_path / "bundle"))
    student = {"assignment/calc.py": fx.REFERENCE.encode()}
    mine, neighbour = 100_123, 100_124
    # Open to every uid's passing (grade_one makes it the worker's group's only), so that
    # what keeps the neighbour out here is the workspace's own modes.
    workdir = Path(tempfile.mkdtemp(prefix="grade-"))
    request.addfinalizer(lambda: shutil.rmtree(workdir))
    os.chmod(workdir, 0o711)
    workspace = build_workspace(workdir / "w", bundle, Submission("alice", student), isolation,
                                limits.Limits(), mine)
    tries = [str(workspace.root / "worker" / "assignment" / "calc.py"),
             str(workspace.root / "code" / "worker.py"),
             str(workspace.kit / "notebooks" / "calc.ipynb"),
             str(workspace.grader / "kernel.json")]
    script = 'for p; do if head -c1 "$p" >/dev/null 2>&1; then echo read; else echo refused; fi; done'

    def read_as(uid):
        done = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                               "sh", "-c", script, "sh", *tries],
                              capture_output=True, text=True, cwd="/")
        return done.stdout.split()

    assert read_as(0) == ["read"] * 4
    assert read_as(mine) == ["read", "read", "refused", "refused"]
    assert read_as(neighbour) == ["refused"] * 4
