"""Running the checks isolated and limited, and leaving nothing behind.

Sandboxes, strongest first (``detect`` picks the first that works here):

``bubblewrap``
    ``bwrap`` with new pid, network, ipc and uts namespaces: no network, the
    sandbox's processes all die when it ends (its init is killed with it, and
    ``--die-with-parent``), ``--new-session``. The file system is a fresh
    tmpfs with read-only binds of the system and the Python installation only,
    and one writable bind: the workspace, at ``/grade``. The rest of the machine
    (the course source, other submissions, the results) is not there at all.
``unshare``
    util-linux ``unshare`` with new pid, network, ipc, uts and mount
    namespaces: no network, every process dies with the namespace's init. The
    file system is the host's: writes are held back by the kernel's uid only.
``none``
    No isolation but the limits, the uid and the process-group kill; the
    results say so with a warning.

In every sandbox, when the grader runs as root, the student's kernel drops to
an unprivileged uid of its own (see ``launcher.py``), and after a run every
process of that uid is killed, wherever it went (a new session, a new process
group); every run also gets a cgroup where one can be made (:mod:`.cgroup`),
whose processes are all killed at the end. The harness (pytest + nbval) gets loose limits; the kernel gets the
strict ones.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from .cgroup import Cgroup

INSIDE = "/grade"


@dataclass(frozen=True)
class Sandbox:
    name: str
    warning: str = ""

    def inside(self, workspace):
        """The workspace's path as the sandboxed processes see it."""
        return INSIDE if self.name == "bubblewrap" else str(workspace)

    def wrap(self, argv, workspace, scratch_bytes=None):
        """The command line that runs argv (given with inside paths) sandboxed.

        With bubblewrap, ``scratch_bytes`` caps the student's scratch folder
        (a tmpfs of that size: no filling the host's disk).
        """
        if self.name == "bubblewrap":
            return bwrap_argv(workspace, scratch_bytes) + ["--"] + list(argv)
        if self.name == "unshare":
            return unshare_argv() + list(argv)
        return list(argv)


def python_roots():
    """Folders that hold the Python installation and its packages."""
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry) and os.path.isdir(entry):
            roots.add(os.path.realpath(entry))
    # Keep the outermost ones only.
    kept = []
    for root in sorted(roots, key=len):
        if not any(root == k or root.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(root)
    return kept


def bwrap_argv(workspace, scratch_bytes=None):
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "grader"]
    if os.geteuid() == 0:
        # The harness keeps only what it needs to drop the kernel to its uid
        # (and give it its scratch folder) and to interrupt or stop it.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_KILL", "--cap-add", "CAP_CHOWN"]
    else:
        args += ["--unshare-user"]
    # A private /tmp first: binds of folders under /tmp (a venv, say) go on top of it.
    args += ["--tmpfs", "/tmp"]
    made = {"/tmp"}

    def parents(path):
        out = []
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:i])
            if folder not in made:
                made.add(folder)
                out += ["--perms", "0755", "--dir", folder]
        return out

    for system in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(system):
            args += ["--symlink", os.readlink(system), system]
        elif os.path.isdir(system):
            args += ["--ro-bind", system, system]
    for root in python_roots():
        if not root.startswith(("/usr/", "/etc/")):
            args += parents(root) + ["--ro-bind", root, root]
    args += ["--proc", "/proc", "--dev", "/dev", "--bind", str(workspace), INSIDE]
    if scratch_bytes:
        args += ["--perms", "0700", "--size", str(int(scratch_bytes)), "--tmpfs", INSIDE + "/scratch"]
    args += ["--chdir", INSIDE + "/kit"]
    return args


# A new network namespace has its loopback down; the kernel talks to the harness
# over 127.0.0.1 (ZeroMQ), so bring it up, then become the harness.
_LOOPBACK_UP = """
import fcntl, os, socket, struct, sys
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    request = struct.pack("16sH", b"lo", 0)
    flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, request + bytes(22))[:18])[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP) + bytes(22))
os.execv(sys.argv[1], sys.argv[1:])
"""


def unshare_argv():
    return ["unshare", "--pid", "--net", "--ipc", "--uts", "--mount", "--fork",
            "--kill-child", "--mount-proc", sys.executable, "-c", _LOOPBACK_UP]


_DETECTED = {}
# Inside the sandbox: the harness's packages are there (found, not imported: fast).
_PROBE = ("import importlib.util as u, sys; "
          "sys.exit(not all(u.find_spec(m) for m in ('pytest', 'nbval', 'ipykernel', 'numpy')))")


def detect(preference="auto"):
    """The strongest sandbox that works on this machine (or the one asked for).

    Raises
    ------
    RuntimeError
        If ``preference`` names a sandbox that does not work here.
    """
    if preference in _DETECTED:
        return _DETECTED[preference]
    order = ["bubblewrap", "unshare", "none"] if preference == "auto" else [preference]
    failures = []
    for name in order:
        if name == "none":
            result = Sandbox("none", "No sandbox: the student's code ran without namespaces "
                             "(network and the file system reachable"
                             + ("" if os.geteuid() == 0 else ", as the grader's own user")
                             + "); only the resource limits held. "
                             + ("; ".join(failures) if failures else ""))
            break
        problem = _probe(name)
        if problem is None:
            warning = ""
            if name == "unshare":
                warning = ("Sandbox: unshare (no network, processes contained), but the host's "
                           "file system is visible; install bubblewrap for a stronger one.")
            if os.geteuid() != 0:
                warning += (" The grader does not run as root: the kernel runs as the grader's "
                            "user, so the process limit is shared and it could read the "
                            "expected outputs.")
            result = Sandbox(name, warning.strip())
            break
        failures.append(f"{name} unavailable ({problem})")
    else:
        raise RuntimeError("; ".join(failures))
    _DETECTED[preference] = result
    return result


def _probe(name):
    tool = "bwrap" if name == "bubblewrap" else "unshare"
    if shutil.which(tool) is None:
        return f"{tool} not found"
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        os.mkdir(os.path.join(folder, "kit"))
        sandbox = Sandbox(name)
        argv = sandbox.wrap([sys.executable, "-c", _PROBE], folder)
        try:
            done = subprocess.run(argv, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            return str(error)
    if done.returncode != 0:
        return (done.stderr.decode(errors="replace").strip().splitlines() or ["failed"])[-1][:200]
    return None


def uid_can_run_python(uid):
    """Whether a process with uid (and no privileges) can start this Python's kernel.

    Outside bubblewrap the host's file permissions apply: a Python installed
    under /root, say, is out of reach of an unprivileged uid.
    """
    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    try:
        done = subprocess.run([sys.executable, "-c", "import ipykernel, numpy"], cwd="/",
                              preexec_fn=drop, capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


class Stopped(Exception):
    """The grader is stopping (Ctrl-C): this run's result must not be kept."""


_running = set()
_running_lock = threading.Lock()
_stopping = threading.Event()


def stop_all():
    """Kill every run in progress; their ``run`` calls raise :class:`Stopped`."""
    _stopping.set()
    with _running_lock:
        processes = list(_running)
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass


@dataclass
class RunResult:
    returncode: int
    timed_out: bool
    seconds: float
    output: str          # head and tail of the harness's output, capped
    output_bytes: int


def _preexec(limits, group=None):
    def apply():
        if group is not None:
            group.join()
        for name, value in limits.items():
            resource.setrlimit(getattr(resource, name), (value, value))
    return apply


def run(argv, env, cwd, timeout, limits, uid=None, output_cap=64_000, max_tasks=1024):
    """Run argv; kill it and everything it started when it ends or times out.

    Parameters
    ----------
    argv : list of str
    env : dict
    cwd : path
    timeout : float
        Seconds for the whole run.
    limits : dict
        ``RLIMIT_*`` name -> value for the harness (the kernel sets its own).
    uid : int or None
        The kernel's uid: every process with it is killed at the end.
    output_cap : int
        Bytes of output kept (head and tail); the rest is read and discarded.
    max_tasks : int
        Tasks (processes and threads) of the whole run, where a cgroup can be made.
    """
    if _stopping.is_set():
        raise Stopped()
    start = time.monotonic()
    group = Cgroup.create(max_tasks)
    try:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=_preexec(limits, group))
    except BaseException:
        if group is not None:
            group.remove()
        raise
    head, tail, total = bytearray(), bytearray(), [0]

    def drain():
        half = output_cap // 2
        while True:
            chunk = process.stdout.read1(65536) if hasattr(process.stdout, "read1") \
                else process.stdout.read(65536)
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
        kill_all(process, uid, group)
        if group is not None:
            group.remove()
    reader.join(timeout=10)
    if _stopping.is_set():
        raise Stopped()
    text = head.decode("utf-8", "replace")
    if total[0] > len(head):
        text += ("\n[... output cut ...]\n" if total[0] > len(head) + len(tail) else "") \
            + tail.decode("utf-8", "replace")
    return RunResult(process.returncode, timed_out, time.monotonic() - start, text, total[0])


def kill_all(process, uid=None, group=None):
    """Kill process, its process group, its cgroup and (if uid) every process of that uid."""
    for _ in range(50):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        left = kill_uid(uid) if uid is not None else 0
        if group is not None:
            left += group.kill_all(timeout=1.0)
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        if not left:
            break
    if process.poll() is None:
        process.kill()
        process.wait()


def kill_uid(uid):
    """SIGKILL every process whose real uid is uid; the number found."""
    if uid is None or uid == 0 or uid == os.getuid():
        return 0
    found = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
                found += 1
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            continue
    return found
