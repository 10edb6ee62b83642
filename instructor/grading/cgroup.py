"""A control group per submission: limits on all the student's processes together.

Every process of a submission's worker (its sandbox, the children that run
the student's code and whatever those start) is put in one group, whose
limits count them together: memory (``memory.max`` on cgroup v2,
``memory.limit_in_bytes`` on v1), CPU (a quota of ``cpus`` cores, so a
submission that forks busy loops cannot starve one graded beside it) and the
number of tasks (``pids.max``). On cgroup v1 each controller is its own
hierarchy (``/sys/fs/cgroup/memory/...``, ``.../cpu/...``, ``.../pids/...``),
and the group is one folder in each. The groups are made beside this
process's own, so a grader inside a container or a cluster job stays inside
the limits it was given.

Making a group needs write access to the hierarchy (root, or a delegated
subtree). Where that fails :func:`create` makes what it can, and
:meth:`SubmissionCgroup.holds` says which limits hold; the results say so.
"""

import itertools
import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_serial = itertools.count()
PERIOD_US = 100_000


def _own_paths():
    """{controller or "": this process's cgroup path} from /proc/self/cgroup."""
    paths = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            number, controllers, path = line.split(":", 2)
            if number == "0":
                paths[""] = path
            for controller in controllers.split(","):
                if controller:
                    paths[controller] = path
    except (OSError, ValueError):
        pass
    return paths


def _write(path, text):
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


class SubmissionCgroup:
    """The group(s) of one submission.

    Attributes
    ----------
    folders : list of Path
        One folder per hierarchy that was made.
    holds : dict
        ``memory``, ``cpu``, ``tasks``: what enforces each limit (e.g.
        ``"cgroup v1 memory"``), or None where no group could do it.
    oom_counter : Path or None
        A file whose ``oom_kill N`` line counts the processes the memory
        limit killed.
    """

    def __init__(self):
        self.folders, self.oom_counter = [], None
        self.holds = {"memory": None, "cpu": None, "tasks": None}

    @property
    def procs_files(self):
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def _make(self, parent):
        folder = parent / f"grader-{os.getpid()}-{next(_serial)}"
        try:
            folder.mkdir()
        except OSError:
            return None
        self.folders.append(folder)
        return folder

    def pids(self):
        return members(self.procs_files)

    def kill_all(self, timeout=5.0):
        """SIGKILL every process in the group until it is empty."""
        for folder in self.folders:
            _write(folder / "cgroup.kill", "1")            # v2, Linux 5.14+
        kill_members(self.procs_files, timeout)

    def remove(self):
        self.kill_all()
        for folder in self.folders:
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
        self.folders = []


def members(procs_files):
    """The pids listed in some ``cgroup.procs`` files."""
    found = set()
    for procs in procs_files:
        try:
            found.update(int(p) for p in Path(procs).read_text().split())
        except (OSError, ValueError):
            pass
    return found


def kill_members(procs_files, timeout=5.0):
    """SIGKILL every process listed in ``procs_files`` until none is left (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = members(procs_files)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def create(memory_bytes, cpus, max_tasks, root=ROOT):
    """A new group for one submission, with as many of the limits as can be set here.

    Parameters
    ----------
    memory_bytes : int
    cpus : float
        CPU cores' worth of time per period (a quota).
    max_tasks : int
        Processes and threads.
    root : Path
        Where the cgroup file systems are mounted.
    """
    group = SubmissionCgroup()
    own = _own_paths()
    unified = root if (root / "cgroup.controllers").exists() else root / "unified"
    if "" in own and (unified / "cgroup.controllers").exists():
        parent = unified / own[""].lstrip("/")
        try:
            available = set((parent / "cgroup.subtree_control").read_text().split())
        except OSError:
            available = set()
        if available & {"memory", "cpu", "pids"}:
            folder = group._make(parent)
            if folder is not None:
                if "memory" in available and _write(folder / "memory.max", str(memory_bytes)):
                    _write(folder / "memory.swap.max", "0")
                    group.holds["memory"] = "cgroup v2 memory.max"
                    group.oom_counter = folder / "memory.events"
                if "cpu" in available and _write(folder / "cpu.max",
                                                 f"{int(cpus * PERIOD_US)} {PERIOD_US}"):
                    group.holds["cpu"] = "cgroup v2 cpu.max"
                if "pids" in available and _write(folder / "pids.max", str(max_tasks)):
                    group.holds["tasks"] = "cgroup v2 pids.max"
    v1 = {"memory": ("memory.limit_in_bytes", str(memory_bytes)),
          "cpu": ("cpu.cfs_quota_us", str(int(cpus * PERIOD_US))),
          "pids": ("pids.max", str(max_tasks))}
    for controller, (limit, value) in v1.items():
        kind = "tasks" if controller == "pids" else controller
        if group.holds[kind] is not None or controller not in own:
            continue
        hierarchy = root / controller
        if not (hierarchy / "cgroup.procs").exists():
            continue
        folder = group._make(hierarchy / own[controller].lstrip("/"))
        if folder is None:
            continue
        if controller == "cpu":
            _write(folder / "cpu.cfs_period_us", str(PERIOD_US))
        if _write(folder / limit, value):
            group.holds[kind] = f"cgroup v1 {controller}"
            if controller == "memory":
                _write(folder / "memory.memsw.limit_in_bytes", value)   # no swapping around it
                group.oom_counter = folder / "memory.oom_control"
    return group
