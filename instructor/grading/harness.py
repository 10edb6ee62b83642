"""Running the check notebooks (pytest + nbval, trusted) for one submission, and stopping it.

The harness and the kernels it starts run only instructor code, as the
grader's own user; the student's code runs in the sandboxed worker that
each kernel starts (:mod:`.sandbox`, :mod:`.kernel`). :func:`run` keeps the
head and tail of the harness's output, stops it at the submission's time
limit, and then kills every process it started: the harness, its kernels
and their sandboxes (found through ``/proc``; the sandboxes also die with
their kernel).
"""

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

from . import launch


class Stopped(Exception):
    """The grader is stopping (Ctrl-C): this run's result must not be kept."""


_running = set()
_running_lock = threading.Lock()
_stopping = threading.Event()


def stop_all():
    """Kill every run in progress; their :func:`run` calls raise :class:`Stopped`."""
    _stopping.set()
    with _running_lock:
        processes = list(_running)
    for process in processes:
        kill_tree(process.pid)


@dataclass
class RunResult:
    returncode: int
    timed_out: bool
    seconds: float
    output: str          # head and tail of the harness's output, capped
    output_bytes: int


def run(argv, env, cwd, timeout, limits, output_cap=64_000, extra_groups=()):
    """Run argv; kill it and everything it started when it ends or times out.

    Parameters
    ----------
    argv : list of str
    env : dict
    cwd : path
    timeout : float
        Seconds for the whole run.
    limits : dict
        ``RLIMIT_*`` name -> value for the harness.
    output_cap : int
        Bytes of output kept (head and tail); the rest is read and discarded.
    extra_groups : list of SubmissionCgroup
        Groups whose processes are killed too at the end (the sandboxes').
    """
    if _stopping.is_set():
        raise Stopped()
    start = time.monotonic()
    # The limits are set by launch.py in the new process: the grader has threads,
    # where preexec_fn can deadlock.
    process = subprocess.Popen(launch.command({"rlimits": limits}, argv), env=env, cwd=cwd,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    head, tail, total = bytearray(), bytearray(), [0]

    def drain():
        half = output_cap // 2
        while True:
            chunk = process.stdout.read1(65536)
            if not chunk:
                break
            total[0] += len(chunk)
            if len(head) < half:
                head.extend(chunk[:half - len(head)])
                chunk = chunk[half:]
            tail.extend(chunk)
            del tail[:-half]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = False
    with _running_lock:
        _running.add(process)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        with _running_lock:
            _running.discard(process)
        kill_tree(process.pid)
        for group in extra_groups:
            group.kill_all()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    reader.join(timeout=10)
    if _stopping.is_set():
        raise Stopped()
    text = head.decode("utf-8", "replace")
    if total[0] > len(head):
        text += ("\n[... output cut ...]\n" if total[0] > len(head) + len(tail) else "") \
            + tail.decode("utf-8", "replace")
    return RunResult(process.returncode, timed_out, time.monotonic() - start, text, total[0])


def _children():
    """{parent pid: [child pids]} of every process this user can see."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold anything: split after it.
        fields = stat[stat.rfind(b")") + 2:].split()
        try:
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (IndexError, ValueError):
            continue
    return children


def descendants(pid):
    """pid and every process below it, parents first."""
    children, found, queue = _children(), [], [pid]
    while queue:
        current = queue.pop(0)
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def kill_tree(pid, rounds=20):
    """SIGKILL pid and all its descendants (stopped first, so none can fork away)."""
    for _ in range(rounds):
        tree = [p for p in descendants(pid) if _alive(p)]
        if not tree:
            return
        for signum in (signal.SIGSTOP, signal.SIGKILL):
            for member in tree:
                try:
                    os.kill(member, signum)
                except OSError:
                    pass
        time.sleep(0.01)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] not in (b"Z", b"X")
