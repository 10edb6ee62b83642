"""A control group per run: a last resort to find and kill every process of it.

Namespaces (bubblewrap, unshare) and the kernel's own uid already make sure
that nothing outlives a run. Without them (no sandbox, or a kernel that had to
keep root), a process that started a new session and process group escapes
``killpg``; a cgroup still holds it. cgroup v1's ``pids`` hierarchy or the v2
unified one is used, whichever is writable; ``pids.max`` also caps the number
of tasks of the whole run. Where no cgroup can be made (not root, read-only
``/sys/fs/cgroup``) ``create`` returns None and the other kills are relied on.
"""

import itertools
import os
import signal
import time
from pathlib import Path

_serial = itertools.count()


def _own_path(controller):
    """This process's cgroup path in the hierarchy of controller ('' for v2)."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            number, controllers, path = line.split(":", 2)
            if controller in controllers.split(",") or (controller == "" and number == "0"):
                return path
    except (OSError, ValueError):
        pass
    return None


def _candidates():
    own = _own_path("pids")
    if own is not None and Path("/sys/fs/cgroup/pids").is_dir():
        yield Path("/sys/fs/cgroup/pids") / own.lstrip("/")
    own = _own_path("")
    if own is not None:
        for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
            if (root / "cgroup.controllers").exists():
                yield root / own.lstrip("/")
                break


class Cgroup:
    def __init__(self, path):
        self.path = path

    @classmethod
    def create(cls, max_tasks=None):
        """A new cgroup beside this process's, or None where none can be made."""
        for parent in _candidates():
            path = parent / f"grader-{os.getpid()}-{next(_serial)}"
            try:
                path.mkdir()
            except OSError:
                continue
            group = cls(path)
            if max_tasks is not None:
                try:
                    (path / "pids.max").write_text(str(max_tasks))
                except OSError:
                    pass
            return group
        return None

    def join(self):
        """Move the calling process into the group (call it in a preexec function)."""
        with open(self.path / "cgroup.procs", "w") as f:
            f.write(str(os.getpid()))

    def pids(self):
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def kill_all(self, timeout=5.0):
        """SIGKILL every process in the group until it is empty; the number killed."""
        killed, deadline = 0, time.monotonic() + timeout
        if (self.path / "cgroup.kill").exists():
            try:
                (self.path / "cgroup.kill").write_text("1")
            except OSError:
                pass
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
            time.sleep(0.02)
        return killed

    def remove(self):
        self.kill_all()
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)
