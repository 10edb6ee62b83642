"""How the worker, the only process that runs a student's code, is isolated.

``bubblewrap`` (the default, and the only secure choice)
    The worker runs under ``bwrap`` in new pid, network, ipc and uts
    namespaces: no network, and every process it starts dies with it. Its
    file system is a read-only tmpfs holding only the system folders, the
    Python installation, the worker's own code (``/grader``) and the
    provided package with the student's files (``/kit``), all read-only, and
    one writable folder, ``/scratch``, a tmpfs of a fixed size. Notebooks,
    stored outputs, check sources, other submissions, results and instructor
    files are not there at all, so this holds whatever uid the grader runs
    as. As root, the worker drops to an unprivileged uid of its own; as an
    ordinary user, bubblewrap makes a user namespace (which also makes the
    process limit count the sandbox's processes only).
``uid`` (``--sandbox uid``: where bubblewrap cannot run, the grader as root)
    No namespaces: the worker runs as an unprivileged uid of its own, with
    the process limit counting that uid's processes. Landlock (where the
    kernel has it: :mod:`.worker.landlock`) lets it open only what
    bubblewrap would show it (the system folders, the Python installation,
    its code, its package) and write only its scratch folder, and refuses
    TCP; the system-call filter refuses it new sockets. The grader's own
    files must be private to root (``grade`` checks, as that uid, that it
    cannot reach the bundle, the results or any submission), and the
    worker's scratch folder is limited by watching it, not by a file system
    of its own. It sees the machine's process list.
``none`` (``--insecure-no-sandbox``)
    The worker is an ordinary process of the grader's user: it can read what
    that user reads. Only for a machine without bubblewrap, and every result
    says so.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BUBBLEWRAP = "bubblewrap"
UID = "uid"
NONE = "none"
KIT, WORKER, SCRATCH = "/kit", "/grader", "/scratch"
SYSTEM_FOLDERS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# The machine's settings of BLAS and numpy (OPENBLAS_CORETYPE, MKL_CBWR,
# NPY_DISABLE_CPU_FEATURES, ...) reach the trusted kernel and the worker: an operator sets
# them so that the kernels compute correctly or reproducibly on this machine, and other
# kernels round differently (OpenBLAS's AVX-512 kernels and its Haswell ones give a
# (1, 4) @ (4, 2) product 1 ulp apart). They are configuration, not secrets.
NUMERICS_PREFIXES = ("OPENBLAS_", "GOTO_", "MKL_", "NPY_")
INSECURE_WARNING = ("INSECURE: graded without a sandbox (--insecure-no-sandbox): the student's "
                    "code ran as the grader's user, with the network and every file that user "
                    "can read, the expected outputs and other submissions among them.")


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message says why and what to do."""


@dataclass(frozen=True)
class Isolation:
    """How the worker is isolated.

    ``seccomp`` is True when the worker refuses the system calls of
    :mod:`.worker.syscalls`, else why it cannot here; ``landlock`` (the
    ``uid`` isolation) likewise for :mod:`.worker.landlock`.
    """

    name: str
    secure: bool
    warning: str = ""
    seccomp: object = False
    landlock: object = False

    @property
    def namespaces(self):
        """True when the worker has a file system, pids and network of its own (bubblewrap)."""
        return self.name == BUBBLEWRAP

    @property
    def own_uid(self):
        """True when the worker runs as a uid of its own, whose processes are all the student's."""
        return self.name == UID

    def record(self):
        """The isolation as result.json states it."""
        found = {"name": self.name, "secure": self.secure, "warning": self.warning}
        if self.name == UID:
            found["landlock"] = self.landlock
        return found


def detect(insecure=False, kind=BUBBLEWRAP):
    """The isolation to grade with: ``kind`` (bubblewrap or uid), or none when ``insecure``.

    Raises
    ------
    SandboxUnavailable
        If that isolation does not work here and ``insecure`` is false.
    """
    if insecure:
        return Isolation(NONE, False, INSECURE_WARNING, _probe_filter())
    if kind == UID:
        return _detect_uid()
    problem = _probe()
    if problem:
        raise SandboxUnavailable(
            f"bubblewrap does not work here ({problem}). Install it (Debian and Ubuntu: "
            f"`sudo apt-get install bubblewrap`); on a machine where it cannot run, "
            f"--insecure-no-sandbox grades without isolation, and every result says so.")
    return Isolation(BUBBLEWRAP, True, "", _probe_filter(sandboxed=True))


_PROBED = {}


def _probe():
    """None if bubblewrap runs this Python with numpy here, else why not."""
    if "result" in _PROBED:
        return _PROBED["result"]
    problem = None
    if shutil.which("bwrap") is None:
        problem = "bwrap not found"
    else:
        with tempfile.TemporaryDirectory() as kit:
            argv = bwrap_argv(kit, kit, 1 << 20) + [
                sys.executable, "-I", "-c", "import numpy"]
            try:
                done = subprocess.run(argv, capture_output=True, timeout=60,
                                      stdin=subprocess.DEVNULL, env={})
                if done.returncode != 0:
                    lines = done.stderr.decode(errors="replace").strip().splitlines()
                    problem = (lines or ["failed"])[-1][:200]
            except (OSError, subprocess.TimeoutExpired) as error:
                problem = str(error)
    _PROBED["result"] = problem
    return problem


UID_PROBE = 65_533        # a uid for the probes only (no grading runs as it)
# Run as that uid: numpy imports, then the filter and Landlock are each tried.
_UID_PROBE_CODE = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
import numpy
found = {}
for name, start in (("seccomp", lambda: __import__("syscalls").refuse(os.getppid(), False)),
                    ("landlock", lambda: __import__("landlock").restrict(sys.argv[2:], []))):
    try:
        start()
        found[name] = True
    except Exception as error:
        found[name] = str(error)[:200] or type(error).__name__
print(json.dumps(found))
"""


def _detect_uid():
    """The ``uid`` isolation, once a probe has run this Python as an unprivileged uid."""
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "--sandbox uid needs the grader to run as root (it gives the student's code a uid "
            "of its own); as an ordinary user, grade with bubblewrap")
    if "uid" not in _PROBED:
        _PROBED["uid"] = _probe_uid()
    found = _PROBED["uid"]
    if isinstance(found, str):
        raise SandboxUnavailable(
            f"an unprivileged uid cannot run this Python with numpy ({found}); with --sandbox "
            f"uid the Python installation must be readable by every user")
    held = found["seccomp"] is True and found["landlock"] is True
    return Isolation(UID, True, "" if held else UID_WARNING.format(**found),
                     found["seccomp"], found["landlock"])


def _probe_uid():
    """What the probe found as the uid ({"seccomp": ..., "landlock": ...}), or why it failed."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        # A copy the uid can read (the grader's own may be private to root, as on Gradescope).
        code = str(worker_code_copy(os.path.join(folder, "worker")))
        try:
            done = as_probe_uid([_UID_PROBE_CODE, code, *worker_readable(code)])
        except (OSError, subprocess.SubprocessError) as error:
            return str(error)
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:200]
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"the probe printed {done.stdout[-200:]!r}"


def as_probe_uid(arguments):
    """``python -I -c CODE ARGS...`` (``arguments``) run as :data:`UID_PROBE`, from ``/``."""
    return subprocess.run([sys.executable, "-I", "-c", *arguments], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, user=UID_PROBE,
                          group=UID_PROBE, extra_groups=[], cwd="/")


def worker_code_copy(target, group=None):
    """A copy of the worker's code (:mod:`.worker`) at ``target`` that its uid can read.

    ``group`` as for :func:`readable_tree`. Returns ``target`` as a Path.
    """
    from . import worker as worker_package
    shutil.copytree(os.path.dirname(worker_package.__file__), target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    readable_tree(target, group)
    return Path(target)


def readable_tree(root, group=None):
    """Folders 0755, files 0644: for a uid that reads, never writes.

    With ``group`` (the worker's gid, the grader as root) the tree is
    root's, that group's to read (0750, 0640) and no one else's: not another
    submission's worker graded beside it.
    """
    for folder, _, files in os.walk(root):
        paths = [folder] + [os.path.join(folder, name) for name in files]
        for path in paths:
            if group is not None:
                os.chown(path, 0, group, follow_symlinks=False)
            os.chmod(path, (0o750 if path == folder else 0o640) if group is not None
                     else (0o755 if path == folder else 0o644))


UID_WARNING = ("graded with an unprivileged uid without all of its guards (Landlock: "
               "{landlock}; system-call filter: {seccomp}): the student's code could read what "
               "every user may read, write where every user may write, and reach the network. "
               "The grader's own files were checked to be out of its reach.")


_REACH_PROBE = (
    "import json, os, sys; print(json.dumps([p for p in sys.argv[1:] if os.access(p, "
    "os.X_OK if os.path.isdir(p) else os.R_OK)]))")


def reachable_by_others(paths):
    """The paths that an unprivileged uid could read (a folder: could enter), tried as one.

    Asked of the kernel itself (``access`` as that uid), so every folder on
    the way, ACLs and mount options count.
    """
    done = as_probe_uid([_REACH_PROBE, *(str(Path(p).resolve()) for p in paths)])
    if done.returncode != 0:
        raise SandboxUnavailable(f"could not check what another uid can read: "
                                 f"{done.stderr.strip()[-200:]}")
    return json.loads(done.stdout)


def worker_readable(worker):
    """What the worker may read (Landlock, ``uid``): what bubblewrap would show it."""
    return [*SYSTEM_FOLDERS, *python_roots(), str(worker), "/proc"]


# Devices the worker may write, as bubblewrap's /dev gives them.
WORKER_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


_FILTER_PROBE = ("import os, sys; sys.path.insert(0, sys.argv[1]); import syscalls; "
                 "syscalls.refuse(os.getppid()); "
                 "import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
                 "sys.exit(0 if libc.shmget(0, 4096, 0o1600) == -1 else 3)")


def _probe_filter(sandboxed=False):
    """True if the worker's system-call filter loads (and holds) here, else why not."""
    key = f"filter-{sandboxed}"
    if key not in _PROBED:
        from . import worker as worker_package
        code = os.path.dirname(worker_package.__file__)
        with tempfile.TemporaryDirectory() as kit:
            if sandboxed:
                argv = bwrap_argv(kit, code, 1 << 20) + [
                    sys.executable, "-I", "-c", _FILTER_PROBE, WORKER]
            else:
                argv = [sys.executable, "-I", "-c", _FILTER_PROBE, code]
            try:
                done = subprocess.run(argv, capture_output=True, timeout=60,
                                      stdin=subprocess.DEVNULL, env={} if sandboxed else None)
                lines = done.stderr.decode(errors="replace").strip().splitlines()
                _PROBED[key] = True if done.returncode == 0 else \
                    (lines or [f"exit code {done.returncode}"])[-1][:200]
            except (OSError, subprocess.TimeoutExpired) as error:
                _PROBED[key] = str(error)
    return _PROBED[key]


def python_roots():
    """The outermost folders that hold this Python installation and its packages."""
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry) and os.path.isdir(entry):
            roots.add(os.path.realpath(entry))
    kept = []
    for root in sorted(roots, key=len):
        if not any(root == k or root.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(root)
    return kept


def exposed_secrets(secrets):
    """(folder, secret) for every secret folder that the worker's view would hold."""
    found = []
    secrets = list(secrets) + [tempfile.gettempdir()]     # the workspaces are made there
    for root in python_roots() + [s for s in SYSTEM_FOLDERS if os.path.isdir(s)]:
        for secret in secrets:
            secret = os.path.realpath(secret)
            if secret == root or secret.startswith(root.rstrip("/") + "/"):
                found.append((root, secret))
    return found


def bwrap_argv(kit, worker, scratch_bytes):
    """bubblewrap's options for the worker's sandbox (the command follows them)."""
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "sandbox", "--clearenv"]
    if os.geteuid() == 0:
        # Only what the worker needs to drop to its own uid; it then has none.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user"]
    made = set()

    def parents(path):
        out = []
        parts = path.strip("/").split("/")[:-1]
        for index in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:index])
            if folder not in made:
                made.add(folder)
                out += ["--perms", "0755", "--dir", folder]
        return out

    for system in SYSTEM_FOLDERS:
        if os.path.islink(system):
            args += ["--symlink", os.readlink(system), system]
        elif os.path.isdir(system):
            args += ["--ro-bind", system, system]
    for root in python_roots():
        if not root.startswith(("/usr/", "/etc/")):
            args += parents(root) + ["--ro-bind", root, root]
    args += ["--ro-bind", str(worker), WORKER, "--ro-bind", str(kit), KIT,
             "--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(int(scratch_bytes)), "--tmpfs", SCRATCH,
             "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", SCRATCH]
    for name, value in worker_environment(SCRATCH).items():
        args += ["--setenv", name, value]
    return args


def numerics_environment():
    """This process's settings of BLAS and numpy (:data:`NUMERICS_PREFIXES`), every thread
    count set to 1 (one core's work for each submission).

    Returns
    -------
    dict of str to str
    """
    kept = {name: value for name, value in os.environ.items()
            if name.startswith(NUMERICS_PREFIXES)}
    return {**kept, **{name: "1" for name in THREAD_VARIABLES}}


def worker_environment(scratch):
    bindir = os.path.dirname(sys.executable)
    return {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": scratch,
            "USER": "student", "LOGNAME": "student", **numerics_environment()}


def worker_command(isolation, kit, worker, scratch, scratch_bytes, config_text):
    """The worker's command line and environment.

    Parameters
    ----------
    isolation : Isolation
    kit, worker, scratch : path
        The host folders of the provided package with the student's files,
        of the worker's code (:mod:`.worker`) and (without a sandbox) of the
        scratch folder.
    scratch_bytes : int
    config_text : str
        The worker's configuration (JSON); its paths are those it sees.

    Returns
    -------
    (argv, env)
    """
    python = [sys.executable, "-I", "-B"]
    if isolation.name == BUBBLEWRAP:
        return (bwrap_argv(kit, worker, scratch_bytes)
                + ["--"] + python + [f"{WORKER}/worker.py", config_text], {})
    return python + [os.path.join(str(worker), "worker.py"), config_text], \
        worker_environment(str(scratch))
