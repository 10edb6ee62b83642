"""Set resource limits and join control groups, then become the command (standalone).

``python -I -S launch.py SETUP -- COMMAND...`` where SETUP is a JSON object
with ``rlimits`` (``RLIMIT_*`` name -> value, soft and hard) and ``cgroups``
(``cgroup.procs`` files this process joins). Then it executes COMMAND in
its place: same pid, same open descriptors, so what started it sees the
command itself.

Why not ``subprocess``'s ``preexec_fn``: it runs Python in the forked child
of a process with threads (the grader's pool of jobs, ipykernel's own
threads), which Python's documentation warns can deadlock before the
command starts. It did: a trusted kernel hung in starting its worker, and
nbval gave up on it after 60 s. This runs in a new interpreter of one
thread instead, and only imports the standard library.
"""

import json
import os
import resource
import sys


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: launch.py SETUP -- COMMAND...")
    setup = json.loads(argv[1])
    for name, value in setup.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (value, value))
    pid = str(os.getpid()).encode()
    for procs in setup.get("cgroups", []):
        fd = os.open(procs, os.O_WRONLY)
        try:
            os.write(fd, pid)
        finally:
            os.close(fd)
    command = argv[3:]
    os.execvp(command[0], command)


def command(setup, argv):
    """The argv that runs ``argv`` through this file with ``setup`` (see above)."""
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), json.dumps(setup), "--", *argv]


if __name__ == "__main__":
    main(sys.argv)
