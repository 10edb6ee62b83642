"""The worker: the only process that imports a student's files, inside the sandbox.

The trusted kernel starts it (through bubblewrap) as::

    python -I worker.py CONFIG_JSON --control-fd N

This process, the *parent*, never runs a student's code. It drops to its
unprivileged uid (when started as root), makes itself undumpable (so that the
processes it forks cannot read or change its memory), sets the resource
limits, imports numpy once, then waits on the control socket. For every
session the kernel asks for, it forks a *child*, which first refuses the
system calls the student's code has no use for (:mod:`syscalls`: none of them
can reach this parent), then gets the session's socket and two pipes as its
stdout and stderr, and serves requests there:
importing the student's modules, calling their functions, making objects of
their classes and calling their methods, reading and setting attributes.
Only plain values (:mod:`values`) cross the socket. When a child ends (the
kernel closed its session, asked for it to be killed, or it died), the parent
kills every process left in the sandbox, empties the scratch folder and tells
the kernel how the child ended. Before it forks the next child it sets its own
limits, priority and CPU affinity again, uses up a random number of process
ids (so that the next child's pid says nothing of how many the last one
used), and asks for a fresh sandbox when a session used many. So each session
starts as fresh as the first, and nothing a session leaves can reach the next.

Without bubblewrap (the ``uid`` isolation) the parent also restricts itself
with Landlock (:mod:`landlock`) before it forks, cleans up by the uid (every
process of it is the student's) and watches the size of the scratch folder,
which then has no file system of its own.

Standalone: the standard library, numpy, :mod:`values`, :mod:`wire`,
:mod:`syscalls` and :mod:`landlock`.
"""

import ctypes
import importlib
import json
import os
import resource
import secrets
import select
import shutil
import signal
import socket
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import landlock  # noqa: E402
import syscalls  # noqa: E402
import values  # noqa: E402
import wire  # noqa: E402

MESSAGE_CAP = 8 << 30          # a request from the kernel (trusted) may be large
PID_BUDGET = 64                # process ids a session may use before its sandbox is replaced
TEXT_CAP = 2000                # characters of an exception message kept
FRAMES_CAP = 20                # traceback lines kept


def main(argv):
    config = json.loads(argv[1])
    control_fd = int(argv[argv.index("--control-fd") + 1])
    become(config.get("uid"))
    _not_dumpable()
    set_limits(config["limits"])
    os.umask(0o077)
    sys.path.insert(0, config["kit"])
    import numpy  # noqa: F401  (every child needs it: import it once, here)
    import numpy.linalg  # noqa: F401
    import numpy.random  # noqa: F401
    if config.get("landlock"):
        try:
            landlock.restrict(config["landlock"]["readable"], config["landlock"]["writable"])
        except landlock.Unavailable as error:
            raise SystemExit(f"Landlock: {error}")    # the grader said it holds: fail closed
    Parent(socket.socket(fileno=control_fd), config).serve()


def set_limits(limits):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def become(uid):
    """Drop from root to uid (and gid = uid), with no supplementary groups."""
    if uid is None or os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")


def _not_dumpable():
    """No process of the same uid may trace this one or read its memory."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_DUMPABLE = 4
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise SystemExit("prctl(PR_SET_DUMPABLE) failed")


class Parent:
    """Forks one child per session and cleans up after each."""

    def __init__(self, control, config):
        self.control = control
        self.config = config
        self.scratch = config["scratch"]
        self.own_pid_namespace = bool(config.get("own_pid_namespace"))
        # Without a pid namespace, a uid of its own: its processes are the student's.
        self.own_uid = bool(config.get("own_uid"))
        self.scratch_cap = config.get("scratch_cap")     # bytes, watched (no tmpfs of its own)
        self.scratch_full = False
        self.child = None               # (pid, session number)
        self.last_pid = os.getpid()
        self.priority = os.getpriority(os.PRIO_PROCESS, 0)
        self.cpus = os.sched_getaffinity(0)
        # Built once; each child loads it (the grader said it holds: fail closed).
        self.program = syscalls.compile_filter(
            os.getpid(), network=bool(config.get("own_network"))) if config.get("seccomp") else None

    def serve(self):
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        wire.send_packet(self.control, {"event": "ready", "pid": os.getpid()})
        while True:
            watching = self.scratch_cap is not None and self.child is not None
            readable, _, _ = select.select([self.control, wake_read], [], [],
                                           self.config.get("scratch_watch") if watching else None)
            if watching and scratch_bytes(self.scratch) > self.scratch_cap:
                self.scratch_full = True
                self.kill_child()
            if wake_read in readable:
                while True:
                    try:
                        if not os.read(wake_read, 512):
                            break
                    except BlockingIOError:
                        break
                self.reap()
            if self.control in readable:
                try:
                    message, fds = wire.receive_packet(self.control, max_fds=3)
                except wire.ChannelClosed:
                    self.kill_child()
                    return
                operation = message.get("op")
                if operation == "spawn":
                    self.spawn(message["session"], fds, wake_read, wake_write)
                elif operation == "kill":
                    for fd in fds:
                        os.close(fd)
                    self.kill_child()
                elif operation in ("pause", "resume"):
                    self.signal_all(signal.SIGSTOP if operation == "pause" else signal.SIGCONT)
                    wire.send_packet(self.control, {"event": operation + "d"})
                elif operation == "exit":
                    self.kill_child()
                    return

    def spawn(self, session, fds, wake_read, wake_write):
        if self.child is not None or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            wire.send_packet(self.control, {"event": "refused", "session": session})
            return
        session_fd, out_fd, err_fd = fds
        if self.pids_used() > PID_BUDGET:
            # The last session made many processes or threads: the next pid would say
            # how many. A fresh sandbox starts the count again.
            for fd in fds:
                os.close(fd)
            wire.send_packet(self.control, {"event": "refused", "session": session,
                                            "why": "renew"})
            return
        os.makedirs(self.scratch, exist_ok=True)
        self.refresh()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                if self.program is not None:
                    syscalls.load(self.program)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for fd in (self.control.fileno(), wake_read, wake_write):
                    os.close(fd)
                os.dup2(out_fd, 1)
                os.dup2(err_fd, 2)
                os.close(out_fd)
                os.close(err_fd)
                os.setsid()
                os.chdir(self.scratch)
                Child(socket.socket(fileno=session_fd), self.config).serve()
            except BaseException:
                code = 70
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        self.child = (pid, session)
        self.scratch_full = False
        self.last_pid = pid
        wire.send_packet(self.control, {"event": "spawned", "session": session})

    def refresh(self):
        """Undo what a child might have changed of this process that the next would inherit."""
        set_limits(self.config["limits"])
        try:
            os.setpriority(os.PRIO_PROCESS, 0, self.priority)
        except OSError:
            pass
        os.sched_setaffinity(0, self.cpus)
        if self.own_pid_namespace:
            # A random number of process ids, used by threads that end at once.
            for _ in range(secrets.randbelow(PID_BUDGET)):
                thread = threading.Thread(target=int)
                thread.start()
                thread.join()

    def pids_used(self):
        """Process ids used in the sandbox since the last child was forked."""
        if not self.own_pid_namespace:
            return 0
        try:
            with open("/proc/sys/kernel/ns_last_pid", encoding="ascii") as f:
                last = int(f.read())
            with open("/proc/sys/kernel/pid_max", encoding="ascii") as f:
                largest = int(f.read())
        except (OSError, ValueError):
            return 0
        return (last - self.last_pid) % largest

    def kill_child(self):
        if self.child is not None:
            try:
                os.killpg(self.child[0], signal.SIGKILL)
            except OSError:
                pass
            try:
                os.kill(self.child[0], signal.SIGKILL)
            except OSError:
                pass

    def signal_all(self, signum):
        """Send signum to every process of the student's (this one excepted)."""
        if self.child is None:
            return
        targets = [lambda: os.killpg(self.child[0], signum)]
        if self.own_pid_namespace or self.own_uid:
            targets.append(lambda: os.kill(-1, signum))
        for _ in range(2):          # twice: a process forked during the first is reached
            for target in targets:
                try:
                    target()
                except OSError:
                    pass

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self.child is not None and pid == self.child[0]:
                session = self.child[1]
                self.kill_leftovers(pid)
                self.empty_scratch()
                self.child = None
                how = f"{wire.SCRATCH_FULL} ({self.scratch_cap >> 20} MB)" if self.scratch_full \
                    else _how_it_ended(status)
                wire.send_packet(self.control, {"event": "ended", "session": session,
                                                "how": how})

    def kill_leftovers(self, pid):
        """Kill every process the child left: all of the sandbox but this one and its init."""
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        if not (self.own_pid_namespace or self.own_uid):
            return   # as the grader's user, kill(-1) would reach the grader's own processes
        # kill(-1) reaches every process this one may signal: in its own pid
        # namespace, or of its own uid (no other process has it), itself excepted.
        for _ in range(200):
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            others = self.others_in_namespace() if self.own_pid_namespace else self.others_of_uid()
            if not others:
                break
            self.reap_any()
            select.select([], [], [], 0.005)

    @staticmethod
    def others_in_namespace():
        return [entry for entry in os.listdir("/proc") if entry.isdigit()
                and int(entry) not in (1, os.getpid())]

    @staticmethod
    def others_of_uid():
        """Processes of this uid but this one (their /proc owner is root: undumpable)."""
        found, mine = [], str(os.getuid())
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                    uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
            except (OSError, StopIteration):
                continue                     # ended meanwhile
            if mine in uids:
                found.append(entry)
        return found

    def reap_any(self):
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    def empty_scratch(self):
        def writable(function, path, info):
            try:
                os.chmod(os.path.dirname(path) or path, 0o700)
                os.chmod(path, 0o700)
                function(path)
            except OSError:
                pass
        try:
            entries = os.listdir(self.scratch)
        except OSError:
            return
        for entry in entries:
            path = os.path.join(self.scratch, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=writable)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass




def scratch_bytes(folder):
    """Bytes the files under folder take on disk (links not followed)."""
    total = 0
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += max(info.st_blocks * 512, info.st_size if entry.is_file(
                follow_symlinks=False) else 0)
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return total


def _how_it_ended(status):
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"signal {signal.Signals(number).name}"
        except ValueError:
            return f"signal {number}"
    return f"exit code {os.WEXITSTATUS(status)}"


class Child:
    """Serves one session: the student's modules, imported fresh, on request."""

    def __init__(self, sock, config):
        self.sock = sock
        self.result_cap = int(config["result_cap"])
        self.kit = config["kit"].rstrip("/") + "/"
        self.objects, self.pinned = {}, {}
        self.failed_imports = {}
        sys.stdout = open(1, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                          closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", errors="backslashreplace",
                          closefd=False)
        sys.stdin = open(os.devnull)

    def serve(self):
        """Answer requests until the kernel closes the session.

        A request is ``(id, operation, target, name, args, kwargs, value)``:
        the target is a module's name (``call``, ``new``, ``get-module``), an
        object's handle (``method``, ``get``, ``set``, ``delete``) or the list
        of modules to import (``import``, the session's first request). A reply
        is ``(id, kind, payload, changed)``, kind one of ``value``, ``handle``,
        ``callable``, ``error`` (payload: :meth:`describe`) or ``refused``
        (payload: why the result cannot cross); ``changed`` holds the array
        arguments the call changed in place.
        """
        while True:
            try:
                request = wire.receive(self.sock, MESSAGE_CAP, resolve=self.resolve)
                number, operation, target, name, args, kwargs, value = request
            except (wire.ChannelClosed, ConnectionError):
                return
            label = f"{name}()" if operation in ("call", "new", "method") else f"{name}"
            try:
                kind, payload, changed = self.answer(operation, target, name, list(args),
                                                     dict(kwargs), value)
            except BaseException as error:     # the student's code raised, exited, ...
                kind, payload, changed = "error", self.describe(error), None
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            try:
                pieces = wire.framed((number, kind, payload, changed), limit=self.result_cap,
                                     where=f"what {label} returned")
            except (values.UnsupportedValue, values.TooLarge) as error:
                pieces = wire.framed((number, "refused", str(error), None))
            self.sock.sendall(b"".join(pieces) if len(pieces) < 8 else pieces[0])
            if len(pieces) >= 8:
                for piece in pieces[1:]:
                    self.sock.sendall(piece)

    def resolve(self, kind, number, value):
        if kind == "handle":
            if number not in self.objects:
                raise values.ProtocolError(f"no object {number} in this session")
            return self.objects[number]
        if value is not None:
            self.pinned[number] = value
        if number not in self.pinned:
            raise values.ProtocolError(f"no pinned value {number} in this session")
        return self.pinned[number]

    def module(self, name):
        """The student's module ``name``, imported once (a failure is raised again, as it was)."""
        if name in self.failed_imports:
            raise self.failed_imports[name]
        try:
            return importlib.import_module(name)
        except BaseException as error:
            self.failed_imports[name] = error
            raise

    def answer(self, operation, target, name, args, kwargs, value):
        """(kind, payload, changed) of one request."""
        if operation == "import":
            # At the session's start: the modules' own top-level code runs
            # now, as in the notebook's set-up cell, not inside a check. The
            # modules that fail are told, so the grader can say which and where.
            failures = {}
            for module in target:
                try:
                    self.module(module)
                except BaseException as error:
                    failures[module] = self.describe(error)
            return "value", failures, None
        originals = _array_arguments(args, kwargs)
        if operation in ("call", "new", "get-module"):
            owner = self.module(target)
        else:
            owner = self.objects[target]
        if operation in ("call", "method"):
            result = getattr(owner, name)(*args, **kwargs)
        elif operation == "new":
            self.objects[len(self.objects) + 1] = getattr(owner, name)(*args, **kwargs)
            return "handle", len(self.objects), _changed_arguments(originals, args, kwargs)
        elif operation in ("get", "get-module"):
            result = getattr(owner, name)
            if callable(result):
                return "callable", None, None
        elif operation == "set":
            setattr(owner, name, value)
            result = None
        elif operation == "delete":
            delattr(owner, name)
            result = None
        else:
            raise ValueError(f"unknown operation {operation!r}")
        return "value", result, _changed_arguments(originals, args, kwargs)

    def describe(self, error):
        """The exception as plain values: type, arguments, message, the student's frames."""
        kind = type(error)
        try:
            message = str(error)
        except Exception:
            message = "(the exception's message could not be made)"
        arguments = None
        try:
            values.encode(error.args, limit=64 << 10)
            arguments = error.args
        except Exception:
            pass
        return {"type": getattr(kind, "__name__", "Exception"),
                "module": str(getattr(kind, "__module__", "")),
                "args": arguments,
                "message": message[:TEXT_CAP],
                "frames": self.frames(error)}

    def frames(self, error):
        """Where in the student's files the exception passed: (file, line, function, code)."""
        found = []
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename.startswith(self.kit):
                found.append([frame.filename[len(self.kit):], frame.lineno or 0,
                              frame.name[:200], (frame.line or "")[:200]])
        if isinstance(error, SyntaxError) and error.filename \
                and str(error.filename).startswith(self.kit):
            found.append([str(error.filename)[len(self.kit):], error.lineno or 0, "<module>",
                          (error.text or "").strip()[:200]])
        return found[-FRAMES_CAP:]


def _array_arguments(args, kwargs):
    """Copies of the arrays passed (the caller's view of them before the call)."""
    import numpy as np
    found = {}
    for key, value in list(enumerate(args)) + list(kwargs.items()):
        if type(value) is np.ndarray:
            found[key] = value.copy()
    return found


def _changed_arguments(originals, args, kwargs):
    """The arrays the call changed in place: position or name -> new content."""
    changed = {}
    for key, before in originals.items():
        after = args[key] if isinstance(key, int) else kwargs[key]
        if after.shape == before.shape and after.dtype == before.dtype \
                and after.tobytes() != before.tobytes():
            changed[key] = after
    return changed or None


if __name__ == "__main__":
    main(sys.argv)
