"""Stand-ins and the worker (instructor/grading/kernel, instructor/grading/worker), one call at a time.

A real worker process (in bubblewrap where it works) serves a small package;
these tests import it through the stand-ins, as the trusted kernel does, and
show what crosses and what does not.
"""

import importlib
import io
import json
import os
import sys
import time

import numpy as np
import pytest

import grading_fixtures as fx
from instructor.grading.kernel import link as links

pytestmark = pytest.mark.skipif(not fx.machine()["linux"], reason="the grader runs on Linux")

MODULE = '''"""A student's module."""

import numpy as np

print("printed at import")


def double(x):
    """Two times x."""
    return 2 * x


def shout(text, times=1):
    print(text.upper() * times)
    return len(text)


def scale_in_place(X, factor):
    X *= factor


def fail(kind):
    if kind == "key":
        raise KeyError("missing")
    if kind == "value":
        raise ValueError("bad", 3)
    if kind == "mine":
        class ShapeTrouble(Exception):
            pass
        raise ShapeTrouble("it is mine")
    if kind == "exit":
        raise SystemExit(4)
    if kind == "stub":
        raise NotImplementedError("Implement fail in studentpkg/mod.py")


def give(kind):
    if kind == "matrix":
        return np.asmatrix(np.eye(2))
    if kind == "object":
        return object()
    if kind == "big":
        return np.ones(2**22)
    if kind == "nested":
        return {"a": [1, (2.5, np.float32(3))], "b": None}


def sleep(seconds):
    import time
    time.sleep(seconds)
    return seconds


def leave(code):
    import os
    os._exit(code)


SPUN = [0]


def spin():
    import threading

    def run():
        while True:
            SPUN[0] += 1
    threading.Thread(target=run, daemon=True).start()


def spun():
    return SPUN[0]


class Counter:
    """Counts."""

    def __init__(self, start=0):
        self.count = start
        self.history = []

    def bump(self, by=1):
        self.count += by
        self.history.append(self.count)
        return self.count
'''


@pytest.fixture()
def mod(tmp_path, monkeypatch):
    link, finder = fx.open_link(tmp_path, {"studentpkg/__init__.py": "", "studentpkg/mod.py": MODULE},
                                call_timeout=5, output_kb=2, result_mb=1)
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(tmp_path / "kit"))
    for name in ("studentpkg", "studentpkg.mod"):
        sys.modules.pop(name, None)
    module = importlib.import_module("studentpkg.mod")
    module.link = link
    yield module
    link.stop()
    for name in ("studentpkg", "studentpkg.mod"):
        sys.modules.pop(name, None)


def test_a_stand_in_looks_like_the_function(mod):
    assert mod.double.__name__ == "double" and mod.double.__doc__ == "Two times x."
    assert mod.double(21) == 42
    assert mod.double(np.arange(3)).tolist() == [0, 2, 4]
    assert mod.Counter.__doc__ == "Counts." and isinstance(mod.Counter(), mod.Counter)
    assert mod.Counter.bump.__name__ == "bump"


def test_values_come_back_exactly(mod):
    nested = mod.give("nested")
    assert nested == {"a": [1, (2.5, np.float32(3))], "b": None}
    assert type(nested["a"][1][1]) is np.float32


def test_prints_are_forwarded_during_the_call_and_import_output_is_not(mod, capsys):
    capsys.readouterr()
    assert mod.shout("hi", times=2) == 2
    out = capsys.readouterr().out
    assert out == "HIHI\n"                         # nothing of "printed at import"


def test_output_beyond_the_cap_is_cut(mod, capsys):
    capsys.readouterr()
    mod.shout("x" * 1000, times=10)
    out = capsys.readouterr().out
    assert len(out) < 2200 and out.endswith(links.TRUNCATED)


def test_control_characters_are_shown_not_obeyed(mod, capsys):
    capsys.readouterr()
    mod.shout("a\rb\x08c\x1b[2J")
    assert capsys.readouterr().out == "A\\rB\\x08C\\x1b[2J\n"


def test_in_place_changes_reach_the_caller_and_read_only_arrays_stay_read_only(mod):
    X = np.ones((2, 3))
    mod.scale_in_place(X, 3.0)
    assert X.tolist() == [[3.0] * 3] * 2
    frozen = np.ones(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        mod.scale_in_place(frozen, 2.0)
    assert frozen.tolist() == [1.0] * 3


def test_exceptions_read_as_they_would_have(mod):
    with pytest.raises(KeyError) as error:
        mod.fail("key")
    assert str(error.value) == "'missing'"          # KeyError's own quoting, not a string of it
    with pytest.raises(ValueError) as error:
        mod.fail("value")
    assert error.value.args == ("bad", 3)
    assert any("studentpkg/mod.py, line" in note and "in fail" in note
               for note in error.value.__notes__)
    with pytest.raises(links.StudentException) as error:
        mod.fail("mine")
    assert type(error.value).__name__ == "ShapeTrouble" and str(error.value) == "it is mine"
    with pytest.raises(links.StudentException) as error:
        mod.fail("exit")                          # SystemExit does not end the kernel
    assert type(error.value).__name__ == "SystemExit"
    with pytest.raises(NotImplementedError, match="Implement fail in studentpkg/mod.py"):
        mod.fail("stub")


def test_results_that_are_not_plain_values_are_refused_by_name(mod):
    with pytest.raises(links.ResultRefused, match=r"give\(\)'s result|give.*numpy\.matrix"):
        mod.give("matrix")
    with pytest.raises(links.ResultRefused, match="object"):
        mod.give("object")
    with pytest.raises(links.ResultRefused, match="larger than"):
        mod.give("big")
    assert mod.double(2) == 4                      # and the process goes on


def test_objects_live_in_the_worker_and_die_with_their_session(mod):
    counter = mod.Counter(start=5)
    assert counter.bump() == 6 and counter.bump(by=4) == 10
    assert counter.count == 10 and counter.history == [6, 10]
    counter.count = 100
    assert counter.bump() == 101
    bump = counter.bump                            # a method read as an attribute
    assert bump() == 102
    mod.link.end_session()
    with pytest.raises(links.StaleObject):
        counter.bump()


def test_stopping_the_worker_closes_the_open_session_s_channels(mod):
    assert mod.double(2) == 4
    session = mod.link.session
    mod.link.stop()
    assert session.closed and session.sock.fileno() == -1
    with pytest.raises(OSError):
        os.fstat(session.out)
    assert mod.double(3) == 6                      # a fresh worker next time


@pytest.mark.slow
def test_a_call_past_its_time_is_stopped_and_the_next_one_gets_a_fresh_process(mod):
    start = time.monotonic()
    with pytest.raises(links.CallTimedOut, match=r"sleep\(\) ran longer than 5 s"):
        mod.sleep(60)
    assert time.monotonic() - start < 15
    assert mod.double(1) == 2


def test_a_process_that_leaves_fails_its_call_only(mod):
    with pytest.raises(links.WorkerDied, match=r"exit code 9"):
        mod.leave(9)
    assert mod.double(3) == 6


def test_the_grader_s_own_failures_carry_the_nonce(mod):
    with pytest.raises(links.GraderSignal) as error:
        mod.leave(1)
    assert str(error.value).endswith(links.marker("crashed", "n0nce"))


def test_arguments_that_cannot_cross_are_refused_before_the_call(mod):
    with pytest.raises(TypeError, match="cannot be given"):
        mod.double(io.StringIO())
    with pytest.raises(TypeError, match="cannot be given"):
        mod.double(lambda: 1)


@pytest.mark.slow
def test_the_student_s_processes_are_stopped_while_paused(mod):
    mod.spin()                                     # a thread that counts as fast as it can
    before = mod.spun()
    with mod.link.paused():
        time.sleep(0.5)
    paused = mod.spun() - before
    before = mod.spun()
    time.sleep(0.5)
    running = mod.spun() - before
    assert paused < running / 5, (paused, running)


CHANNEL = '''
import ctypes

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def leave(text):
    shm = libc.shmget(0x5EC7E8, 4096, 0o1666)
    if shm < 0:
        return "refused: errno %d" % ctypes.get_errno()
    address = libc.shmat(shm, None, 0)
    ctypes.memmove(address, text.encode(), len(text))
    return "left"


def find():
    shm = libc.shmget(0x5EC7E8, 4096, 0)
    if shm < 0:
        return None
    return ctypes.string_at(libc.shmat(shm, None, 0), 32).rstrip(b"\\0").decode()
'''


@pytest.mark.parametrize("filtered", [False, True])
def test_one_check_cannot_leave_a_message_for_the_next(tmp_path, monkeypatch, filtered):
    """Without the system-call filter, System V shared memory outlives a check's process."""
    from instructor.grading import sandbox
    if filtered and sandbox.detect(insecure=not fx.machine()["bubblewrap"]).seccomp is not True:
        fx.need("libseccomp", "the worker's system-call filter")
    link, finder = fx.open_link(tmp_path, {"chanpkg/__init__.py": "", "chanpkg/mod.py": CHANNEL},
                                seccomp=None if filtered else False)
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(tmp_path / "kit"))
    try:
        mod = importlib.import_module("chanpkg.mod")
        left = mod.leave("the hidden check's data")
        link.end_session()                      # the next check: a fresh process
        found = mod.find()
    finally:
        link.stop()
        for name in ("chanpkg", "chanpkg.mod"):
            sys.modules.pop(name, None)
    if filtered:
        assert left.startswith("refused") and found is None
    else:
        assert (left, found) == ("left", "the hidden check's data")


HOLD_ON_THE_PARENT = '''
import ctypes
import fcntl
import os
import resource
import signal

libc = ctypes.CDLL(None, use_errno=True)


def attempts(shared_file):
    """What of the parent (and of what other sandboxes share) a child can touch."""
    parent, done = os.getppid(), {}

    def attempt(name, action):
        try:
            action()
            done[name] = "done"
        except OSError as error:
            done[name] = "refused" if error.errno == 1 else f"errno {error.errno}"

    attempt("prlimit", lambda: resource.prlimit(parent, resource.RLIMIT_MEMLOCK,
                                                resource.getrlimit(resource.RLIMIT_MEMLOCK)))
    attempt("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, parent, 5))
    attempt("setpriority_user", lambda: os.setpriority(os.PRIO_USER, os.getuid(), 5))
    attempt("affinity", lambda: os.sched_setaffinity(parent, {0}))
    attempt("signal", lambda: os.kill(parent, signal.SIGCONT))
    attempt("signal_all", lambda: os.kill(-1, signal.SIGCONT))
    with open(shared_file, "rb") as f:
        attempt("flock", lambda: fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB))
        attempt("fcntl_lock", lambda: fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB))
    def inotify():
        if libc.inotify_init() < 0:
            raise OSError(ctypes.get_errno(), "inotify")
    attempt("inotify", inotify)
    return done
'''


@pytest.mark.parametrize("filtered", [False, True])
def test_a_child_has_no_hold_on_its_parent_nor_on_the_files_sandboxes_share(tmp_path, monkeypatch,
                                                                          filtered):
    from instructor.grading import sandbox
    if filtered and sandbox.detect(insecure=not fx.machine()["bubblewrap"]).seccomp is not True:
        fx.need("libseccomp", "the worker's system-call filter")
    link, finder = fx.open_link(tmp_path, {"holdpkg/__init__.py": "",
                                           "holdpkg/mod.py": HOLD_ON_THE_PARENT},
                                seccomp=None if filtered else False)
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(tmp_path / "kit"))
    try:
        mod = importlib.import_module("holdpkg.mod")
        done = mod.attempts(sys.executable if not fx.machine()["bubblewrap"]
                            else os.path.realpath(sys.executable))
    finally:
        link.stop()
        for name in ("holdpkg", "holdpkg.mod"):
            sys.modules.pop(name, None)
    if filtered:
        assert set(done.values()) == {"refused"}, done
    else:
        held = {name for name, how in done.items() if how == "done"}
        assert {"prlimit", "setpriority", "affinity", "signal", "flock", "inotify"} <= held, done


PIDS = '''
import os
import threading


def pid():
    return os.getpid()


def use_pids(count):
    for _ in range(count):
        thread = threading.Thread(target=int)
        thread.start()
        thread.join()
    return os.getpid()
'''


@pytest.mark.slow
def test_process_ids_say_nothing_of_the_check_before(tmp_path, monkeypatch):
    if not fx.machine()["bubblewrap"]:
        fx.need("bubblewrap (the sandbox)", "a pid namespace of the worker's own")
    link, finder = fx.open_link(tmp_path, {"pidpkg/__init__.py": "", "pidpkg/mod.py": PIDS})
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(tmp_path / "kit"))
    try:
        mod = importlib.import_module("pidpkg.mod")
        quiet = []
        for _ in range(8):
            quiet.append(mod.pid())
            link.end_session()
        gaps = {b - a for a, b in zip(quiet, quiet[1:])}
        assert len(gaps) > 2, quiet                # a random number of ids between two checks
        mod.use_pids(500)                          # a check that spends many ids ...
        link.end_session()
        assert mod.pid() <= 3 + _worker_constant("PID_BUDGET")  # ... is followed by a fresh sandbox
    finally:
        link.stop()
        for name in ("pidpkg", "pidpkg.mod"):
            sys.modules.pop(name, None)


def _worker_constant(name):
    """A constant of worker.py, read without importing it (it is a script for the sandbox)."""
    import ast
    from instructor.grading.workspace import WORKER_CODE
    tree = ast.parse((WORKER_CODE / "worker.py").read_text())
    return next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(target, "id", None) == name for target in node.targets))


def _import_events(sources, folder, monkeypatch, package):
    link, finder = fx.open_link(folder, sources)
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(folder / "kit"))
    try:
        module = importlib.import_module(f"{package}.mod")
        outcomes = []
        for _ in range(2):                         # two checks: two sessions, two imports
            try:
                outcomes.append(module.f())
            except Exception as error:
                outcomes.append(type(error).__name__)
            link.end_session()
    finally:
        link.stop()
        for name in (package, f"{package}.mod"):
            sys.modules.pop(name, None)
    events = folder / "events.jsonl"
    lines = events.read_text().splitlines() if events.exists() else []
    return outcomes, [json.loads(line) for line in lines]


@pytest.mark.slow
def test_a_module_that_does_not_import_is_told_once_with_its_line(tmp_path, monkeypatch):
    source = "def f():\n    return 1\n\nraise RuntimeError('at import')\n"
    outcomes, events = _import_events({"brokenpkg/__init__.py": "", "brokenpkg/mod.py": source},
                                      tmp_path / "broken", monkeypatch, "brokenpkg")
    assert outcomes == ["RuntimeError", "RuntimeError"]
    assert events == [{"event": "import-failed", "module": "brokenpkg.mod",
                       "error": "RuntimeError: at import (brokenpkg/mod.py, line 4)"}]
    fine = source.replace("raise RuntimeError('at import')", "")
    outcomes, events = _import_events({"finepkg/__init__.py": "", "finepkg/mod.py": fine},
                                      tmp_path / "fine", monkeypatch, "finepkg")
    assert (outcomes, events) == ([1, 1], [])


def test_the_worker_keeps_the_machine_s_blas_settings_one_thread_and_nothing_else(
        tmp_path, monkeypatch):
    """OPENBLAS_CORETYPE and the like choose the kernels that round (see
    sandbox.NUMERICS_PREFIXES); the grader's other variables stay out of the worker's view."""
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "not for students")
    source = "import os\n\ndef environment():\n    return dict(os.environ)\n"
    link, finder = fx.open_link(tmp_path, {"envpkg/__init__.py": "", "envpkg/env.py": source})
    monkeypatch.setattr(sys, "meta_path", [finder] + sys.meta_path)
    monkeypatch.syspath_prepend(str(tmp_path / "kit"))
    try:
        seen = importlib.import_module("envpkg.env").environment()
    finally:
        link.stop()
        for name in ("envpkg", "envpkg.env"):
            sys.modules.pop(name, None)
    assert seen["OPENBLAS_CORETYPE"] == "Haswell" and seen["OPENBLAS_NUM_THREADS"] == "1"
    assert "GRADER_SECRET_TOKEN" not in seen
