"""The trusted kernel's link to the sandboxed worker (:mod:`..worker.worker`).

:class:`Link` starts the worker (through the isolation command the grader
chose), opens one *session* at a time (a fresh child process of the worker)
and sends it requests. While a request runs it forwards what the student's
code prints to this kernel's own stdout and stderr, in order and capped, and
watches the clock: past the deadline the child is killed and the call fails
with :class:`CallTimedOut`. A child that dies fails the call with
:class:`WorkerDied` (or :class:`OutOfMemory` when the memory limit killed it);
a worker that stops answering is replaced by a new one. Only plain values
cross (:mod:`..worker.values`); every reply is checked before it is believed.

Each exception the grader raises here carries a marker with this run's
secret nonce, which the student's code never sees: the results tell a real
timeout from a student's exception that merely has the same name.
"""

import builtins
import codecs
import contextlib
import json
import os
import re
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import time

from .. import launch
from ..cgroup import kill_members
from ..worker import values, wire

STDOUT, STDERR = "stdout", "stderr"
# Characters a terminal (and nbval's comparison) would act on: a carriage
# return or a backspace could hide the text before it. They are shown escaped.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
REPLY_KINDS = frozenset(("value", "handle", "callable", "error", "refused"))
TRUNCATED = "\n[... output cut by the grader: too much printed ...]\n"


class GraderSignal(Exception):
    """A failure the grader detected (not an exception of the student's code).

    ``kind`` is one of ``timeout``, ``crashed``, ``memory``, ``refused``,
    ``stale``, ``broken``.
    """

    kind = "broken"
    nonce = ""

    def __init__(self, message):
        self.reason = message
        super().__init__(f"{message} {marker(self.kind, self.nonce)}")


def marker(kind, nonce):
    """The text that proves a failure was the grader's own."""
    return f"[grader:{nonce}:{kind}]"


class CallTimedOut(GraderSignal):
    kind = "timeout"


class WorkerDied(GraderSignal):
    kind = "crashed"


class OutOfMemory(GraderSignal):
    kind = "memory"


class ResultRefused(GraderSignal):
    kind = "refused"


class StaleObject(GraderSignal):
    kind = "stale"


class WorkerBroken(GraderSignal):
    kind = "broken"


class StudentException(Exception):
    """Base of the exceptions raised in the student's code that are not builtins."""


def student_exception(description):
    """The exception a student's error description stands for, to raise here.

    Builtin exception types are raised as themselves, with the same
    arguments, so their messages read exactly as they would have; others as
    a :class:`StudentException` of the same name. Where in the student's
    files it was raised goes into ``__notes__``, which IPython shows.
    """
    name = _text(description.get("type") or "Exception", 100)
    if not name.isidentifier():
        name = "StudentException"
    args, message = description.get("args"), _text(description.get("message", ""), 10_000)
    builtin = getattr(builtins, name, None)
    error = None
    if isinstance(builtin, type) and issubclass(builtin, Exception) \
            and builtin not in (StopIteration, StopAsyncIteration):
        # Only flat, plain arguments; and a SyntaxError gets its message alone: with a
        # file name and a line number, IPython would read that line from that file here.
        if issubclass(builtin, SyntaxError) or not isinstance(args, tuple) or not all(
                type(arg) in (str, int, float, bool, type(None)) for arg in args):
            args = (message,)
        try:
            error = builtin(*[_text(arg, 10_000) if type(arg) is str else arg for arg in args])
        except Exception:
            error = None
    if error is None:
        error = type(name, (StudentException,), {"__module__": "student code"})(message)
    notes = []
    for frame in (description.get("frames") or [])[-5:]:
        if isinstance(frame, list) and len(frame) == 4:
            where, line, function, code = (_text(frame[0], 200), frame[1] if type(frame[1]) is int
                                           else 0, _text(frame[2], 100), _text(frame[3], 200))
            notes.append(f"In your code: {where}, line {line}, in {function}"
                         + (f": {code}" if code else ""))
    if notes:
        error.__notes__ = notes
    return error


def import_failure_text(description):
    """One line for a student module that failed to import: the error and where.

    E.g. ``SyntaxError: unmatched ')' (assignment/classifiers/linear_svm.py, line 104)``.
    """
    name = _text(description.get("type") or "Exception", 100)
    message = description.get("message", "")
    args = description.get("args")
    if name in ("SyntaxError", "IndentationError", "TabError") and isinstance(args, tuple) \
            and args and type(args[0]) is str:
        message = args[0]                 # without "(file.py, line N)", said below in full
    message = _text(message, 500).strip().splitlines()
    line = f"{name}: {message[0]}" if message else name
    frames = [frame for frame in description.get("frames") or []
              if isinstance(frame, list) and len(frame) == 4]
    if frames:
        where, number = _text(frames[-1][0], 200), frames[-1][1]
        line += f" ({where}, line {number if type(number) is int else 0})"
    return line


def _text(value, limit):
    """value as a string of valid Unicode (no lone surrogates), at most limit characters."""
    return str(value)[:limit].encode("utf-8", "replace").decode("utf-8")


class Link:
    """The sandboxed worker of one kernel, and its current session.

    Parameters
    ----------
    config : dict
        What the grader wrote for this kernel: ``command`` (the worker's
        command line, to which ``--control-fd N`` is added), ``cgroups``
        (``cgroup.procs`` files to put the worker in), ``oom_counter``
        (a file whose ``oom_kill`` count rises when the memory limit kills),
        ``call_timeout``, ``start_timeout``, ``result_cap`` (bytes),
        ``output_cap`` (characters per session), ``log`` (the worker's own
        stderr) and ``nonce``.
    """

    def __init__(self, config):
        self.config = config
        GraderSignal.nonce = config["nonce"]
        self.process = None
        self.control = None
        self.session = None
        self.serial = 0
        self.noted_imports = set()      # the modules whose failed import is in ``events``

    # -- the worker ----------------------------------------------------------

    def start(self):
        """Start the worker; it readies itself while the kernel goes on."""
        if self.process is not None:
            return
        kernel_end, worker_end = wire.control_pair()
        log = open(self.config["log"], "ab")
        cgroups = list(self.config.get("cgroups") or [])
        argv = list(self.config["command"]) + ["--control-fd", str(worker_end.fileno())]
        try:
            # The worker joins the submission's control groups before it starts
            # (see launch.py for why not preexec_fn).
            self.process = subprocess.Popen(
                launch.command({"cgroups": cgroups}, argv) if cgroups else argv,
                pass_fds=[worker_end.fileno()], stdin=subprocess.DEVNULL, stdout=log,
                stderr=log, start_new_session=True, env=self.config.get("env"))
        finally:
            worker_end.close()
            log.close()
        self.control = kernel_end
        self.ready = False

    def _wait_ready(self):
        deadline = time.monotonic() + float(self.config.get("start_timeout", 60))
        while not self.ready:
            packet = self._next_packet(deadline)
            if packet is None:
                self.stop()
                raise WorkerBroken("The sandbox for your code did not start in time.")
            if packet.get("event") == "ready":
                self.ready = True

    def _next_packet(self, deadline):
        """The next control packet, or None at the deadline or when the worker is gone."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable = selectors.DefaultSelector()
            readable.register(self.control, selectors.EVENT_READ)
            events = readable.select(left)
            readable.close()
            if not events:
                return None
            try:
                packet, fds = wire.receive_packet(self.control)
            except (wire.ChannelClosed, OSError, values.ProtocolError):
                return None
            if isinstance(packet, dict):
                return packet

    def stop(self):
        """Kill the worker and every process of its sandbox."""
        session, self.session = self.session, None
        if session is not None:
            session.closed = True
            session.release()
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        kill_members(self.config.get("cgroups") or [], timeout=1.0)
        if self.control is not None:
            self.control.close()
        self.process, self.control = None, None

    # -- sessions ------------------------------------------------------------

    def current(self):
        """The open session, or a new one in a fresh child (and a fresh worker if need be)."""
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        if self.session is not None:
            return self.session
        for attempt in (1, 2):
            self.start()
            try:
                self._wait_ready()
                opened = self._spawn()
                break
            except WorkerBroken:
                self.stop()
                if attempt == 2:
                    raise
        session = self.session = Session(self, opened)
        # The student's modules' top-level code runs now, as it would in the
        # notebook's set-up cell: what it prints is no check's output, and a
        # failed import is raised again by every call.
        session.forwarding = False
        try:
            (_, failures, _), _ = session.request("import", list(self.config.get("modules", {})),
                                                  None, [], {}, label="importing your files")
        finally:
            session.forwarding = True
        self._note_import_failures(failures)
        return session

    def _note_import_failures(self, failures):
        """Append each student module that failed to import to the ``events`` file, once.

        What the worker says is the student's process's word: it can set
        the submission's status, never earn a point.
        """
        path = self.config.get("events")
        if not path or not isinstance(failures, dict):
            return
        with open(path, "a", encoding="utf-8") as f:
            for module, description in failures.items():
                if module in self.noted_imports or not isinstance(description, dict):
                    continue
                self.noted_imports.add(module)
                f.write(json.dumps({"event": "import-failed", "module": str(module)[:200],
                                    "error": import_failure_text(description)}) + "\n")

    def _spawn(self):
        self.serial += 1
        number = self.serial
        kernel_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        try:
            wire.send_packet(self.control, {"op": "spawn", "session": number},
                             fds=[worker_end.fileno(), out_write, err_write])
        except OSError:
            for fd in (out_read, err_read):
                os.close(fd)
            kernel_end.close()
            raise WorkerBroken("The sandbox for your code stopped answering.")
        finally:
            worker_end.close()
            os.close(out_write)
            os.close(err_write)
        deadline = time.monotonic() + float(self.config.get("start_timeout", 60))
        while True:
            packet = self._next_packet(deadline)
            if packet is None or packet.get("event") == "refused":
                for fd in (out_read, err_read):
                    os.close(fd)
                kernel_end.close()
                raise WorkerBroken("The sandbox for your code did not start a process.")
            if packet.get("event") == "spawned" and packet.get("session") == number:
                return number, kernel_end, out_read, err_read

    def end_session(self, timeout=2.0):
        """Kill the current session's process (and what it started); wait until it is gone."""
        session, self.session = self.session, None
        if session is None:
            return
        session.closed = True
        if session.ended is None:
            try:
                wire.send_packet(self.control, {"op": "kill"})
            except OSError:
                self.stop()
                session.release()
                return
            deadline = time.monotonic() + timeout
            while True:
                packet = self._next_packet(deadline)
                if packet is None:
                    self.stop()        # stuck: a new worker next time
                    break
                if packet.get("event") == "ended" and packet.get("session") == session.number:
                    break
        session.release()

    @contextlib.contextmanager
    def paused(self, timeout=5.0):
        """Stop every process of the student's for the time of the block (no session: nothing)."""
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        if self.session is None:
            yield
            return
        self._control("pause", "paused", timeout)
        try:
            yield
        finally:
            if self.session is not None:
                self._control("resume", "resumed", timeout)

    def _control(self, operation, answer, timeout):
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        try:
            wire.send_packet(self.control, {"op": operation})
        except OSError:
            self.stop()
            raise WorkerBroken("The sandbox for your code stopped answering.") from None
        deadline = time.monotonic() + timeout
        while True:
            packet = self._next_packet(deadline)
            if packet is None:
                self.stop()
                raise WorkerBroken("The sandbox for your code stopped answering.")
            if packet.get("event") == answer:
                return
            if packet.get("event") == "ended" and self.session is not None \
                    and packet.get("session") == self.session.number:
                self.session.ended = packet

    def oom_kills(self):
        path = self.config.get("oom_counter")
        if not path:
            return None
        try:
            with open(path, encoding="ascii") as f:
                for line in f:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None


class Session:
    """One child process of the worker, serving requests until it is ended."""

    def __init__(self, link, opened):
        self.link = link
        self.number, self.sock, self.out, self.err = opened
        self.sock.setblocking(False)
        os.set_blocking(self.out, False)
        os.set_blocking(self.err, False)
        self.closed = False
        self.released = False
        self.forwarding = True
        self.cut = False
        self.ended = None
        self.printed = 0
        self.decoders = {STDOUT: codecs.getincrementaldecoder("utf-8")("replace"),
                         STDERR: codecs.getincrementaldecoder("utf-8")("replace")}
        self.oom_before = link.oom_kills()
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ)
        self.selector.register(self.out, selectors.EVENT_READ, STDOUT)
        self.selector.register(self.err, selectors.EVENT_READ, STDERR)
        self.selector.register(self.link.control, selectors.EVENT_READ, "control")

    def release(self):
        if self.released:
            return
        self.released = True
        self.selector.close()
        for fd in (self.out, self.err):
            try:
                os.close(fd)
            except OSError:
                pass
        self.sock.close()

    def request(self, operation, target, name, args, kwargs, value=None, label="the call",
                timeout=None):
        """Send one request, forward the output, return the reply and how long it took.

        Parameters
        ----------
        operation : str
            ``call``, ``new``, ``get-module`` (``target`` a module's name) or
            ``method``, ``get``, ``set``, ``delete`` (``target`` a handle).
        target : str or int
        name : str
        args : list
        kwargs : dict
        value : plain value
            What ``set`` sets.
        label : str
            How the call is named in messages.
        timeout : float or None
            Seconds allowed; the configured call timeout if None.

        Returns
        -------
        ((kind, payload, changed), seconds)
            The reply, checked to answer this request (see
            :meth:`..worker.worker.Child.serve`), and the wall time from
            sending to the reply, on this kernel's clock.

        Raises
        ------
        GraderSignal
            The call timed out, the process died or ran out of memory, or it
            answered with something that is not a reply.
        """
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        if self.closed:
            raise StaleObject("This object was made in an earlier cell; the grader gives every "
                              "check a fresh process.")
        number = secrets.randbits(63)
        try:
            pieces = wire.framed((number, operation, target, name, args, kwargs, value),
                                 where=f"an argument of {label}")
        except values.UnsupportedValue as error:
            raise TypeError(f"{label} cannot be given this: {error}") from None
        timeout = float(self.link.config["call_timeout"] if timeout is None else timeout)
        limit = int(self.link.config["result_cap"]) + (1 << 16)
        start = time.monotonic()
        try:
            payload = self._exchange(pieces, start + timeout, limit, label, timeout)
            seconds = time.monotonic() - start
            try:
                reply = values.decode(payload)
            except values.ProtocolError as error:
                raise WorkerBroken(f"Your code's process answered {label} with something "
                                   f"that is not a value ({error}).") from None
            if type(reply) is not tuple or len(reply) != 4 or reply[0] != number \
                    or reply[1] not in REPLY_KINDS:
                raise WorkerBroken(f"Your code's process answered {label} out of turn.")
        except BaseException as error:
            # A timeout, a dead or lying child, an interrupt (the cell's own
            # timeout): this process is of no more use.
            if self.link.session is self:
                if isinstance(error, KeyboardInterrupt):
                    self.link.stop()        # the cell is out of time: no waiting on anyone
                else:
                    self.link.end_session()
            raise
        return reply[1:], seconds

    def _exchange(self, pieces, deadline, limit, label, timeout):
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        pending = [memoryview(piece).cast("B") for piece in pieces]
        try:            # most requests fit in the socket's buffer: send them at once
            sent = self.sock.sendmsg(pending)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._wait_end(label)
        while pending and sent >= pending[0].nbytes:
            sent -= pending.pop(0).nbytes
        if pending:
            pending[0] = pending[0][sent:]
        incoming = wire.Incoming(limit)
        selector = self.selector
        if pending:
            selector.modify(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CallTimedOut(f"{label} ran longer than {timeout:g} s; the grader "
                                       f"stopped it.")
                for key, mask in selector.select(left):
                    if key.data in (STDOUT, STDERR):
                        self._forward(key.data)
                    elif key.data == "control":
                        self._control_event(label)
                    else:
                        if mask & selectors.EVENT_WRITE and pending:
                            try:
                                sent = self.sock.send(pending[0])
                            except BlockingIOError:
                                sent = 0
                            except OSError:
                                self._wait_end(label)
                            pending[0] = pending[0][sent:]
                            if not pending[0].nbytes:
                                pending.pop(0)
                            if not pending:
                                selector.modify(self.sock, selectors.EVENT_READ)
                        if mask & selectors.EVENT_READ:
                            try:
                                data = self.sock.recv(1 << 20)
                            except BlockingIOError:
                                continue
                            except OSError:
                                data = b""
                            if not data:
                                self._wait_end(label)
                            try:
                                done = incoming.feed(data)
                            except values.ProtocolError as error:
                                raise WorkerBroken(f"Your code's process sent too much for "
                                                   f"{label}: {error}.") from None
                            if done:
                                self._drain()
                                return done[0]
        finally:
            if not self.released:
                selector.modify(self.sock, selectors.EVENT_READ)

    def _control_event(self, label):
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        try:
            packet, fds = wire.receive_packet(self.link.control)
        except (wire.ChannelClosed, OSError, values.ProtocolError):
            self.link.stop()
            raise WorkerDied(f"The sandbox of your code ended while {label} ran.") \
                from None
        if isinstance(packet, dict) and packet.get("event") == "ended" \
                and packet.get("session") == self.number:
            self.ended = packet
            self._drain()
            self._raise_ended(label, str(packet.get("how", "")))

    def _wait_end(self, label):
        """The session's socket closed: learn from the worker how the child ended."""
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        deadline = time.monotonic() + 5
        while self.ended is None:
            packet = self.link._next_packet(deadline)
            if packet is None:
                self.link.stop()
                raise WorkerDied(f"Your code's process ended while {label} ran.")
            if packet.get("event") == "ended" and packet.get("session") == self.number:
                self.ended = packet
        self._drain()
        self._raise_ended(label, str(self.ended.get("how", "")))

    def _raise_ended(self, label, how):
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        if self.link.session is self:
            self.link.session = None
        self.closed = True
        self.release()
        oom_after = self.link.oom_kills()
        if self.oom_before is not None and oom_after is not None and oom_after > self.oom_before:
            raise OutOfMemory(f"Your code used more memory than the submission's limit "
                              f"while {label} ran; the grader stopped it.")
        if "SIGXCPU" in how:
            raise CallTimedOut(f"{label} used up the CPU time allowed; the grader stopped it.")
        if how.startswith(wire.SCRATCH_FULL):
            raise WorkerDied(f"Your code wrote more than its scratch folder holds "
                             f"{how[len(wire.SCRATCH_FULL):][:20].strip()} while {label} ran; "
                             f"the grader stopped it.")
        if "SIGXFSZ" in how:
            raise WorkerDied(f"Your code wrote a file larger than the grader allows while "
                             f"{label} ran.")
        raise WorkerDied(f"Your code's process ended ({how[:60]}) while {label} ran.")

    def _forward(self, stream):
        fd = self.out if stream == STDOUT else self.err
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:
            return False
        if not self.forwarding:
            return True
        cap = int(self.link.config["output_cap"])
        text = CONTROL.sub(lambda match: repr(match.group())[1:-1], self.decoders[stream].decode(data))
        if self.printed >= cap:
            if not self.cut:
                self.cut = True
                (sys.stdout if stream == STDOUT else sys.stderr).write(TRUNCATED)
            return True
        if self.printed + len(text) > cap:
            text = text[:cap - self.printed] + TRUNCATED
            self.cut = True
        self.printed += len(text)
        target = sys.stdout if stream == STDOUT else sys.stderr
        target.write(text)
        return True

    def _drain(self):
        """Forward what the child printed before it answered (it flushed before)."""
        for stream in (STDOUT, STDERR):
            while self._forward(stream):
                pass
