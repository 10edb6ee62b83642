"""System calls the student's code has no use for, refused before it runs.

The worker's parent builds this filter once (with libseccomp, the system's
seccomp library, through ctypes: :func:`compile_filter`); each child loads it
right after it is forked, before it imports a student's file (:func:`load`),
so every process of the student's inherits it and none can lift it. What it refuses would otherwise let one check leave state for the
next one, for a later notebook or for a submission graded beside it:

- System V shared memory, semaphores and message queues, POSIX message
  queues and the kernel's keyrings, which outlive a process;
- file locks and inotify, which work on the read-only files that every
  sandbox shares with the others;
- any hold on the worker's parent, which forks the next check's process: no
  signal to it (nor to all processes, nor to its process group), no change
  to its limits, priority, CPU affinity or I/O priority;

where the worker has no network namespace (the ``uid`` isolation), any new
socket; and what only widens the kernel's reach: new namespaces, tracing, BPF,
performance counters, userfaultfd and io_uring.

Standalone: the standard library only.
"""

import ctypes
import ctypes.util
import errno
import fcntl
import os

ALLOW = 0x7FFF0000
SCMP_CMP_NE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 1, 4, 7


def _errno(number):
    return 0x00050000 | number


REFUSED = (
    # State that outlives a process.
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl", "ipc",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "add_key", "request_key", "keyctl",
    # Signs one sandbox can leave on the files every sandbox shares.
    "flock", "inotify_init", "inotify_init1", "fanotify_init",
    # Reach into the kernel or into other processes.
    "unshare", "setns", "mount", "umount2", "pivot_root", "ptrace", "process_vm_readv",
    "process_vm_writev", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "open_by_handle_at", "name_to_handle_at",
    "pidfd_getfd", "pidfd_send_signal", "process_madvise", "kcmp",
)
# Where the worker shares the machine's network: no new socket of any kind.
NETWORK = ("socket",)
# clone() with any of these flags makes a namespace: refused like unshare().
NAMESPACE_FLAGS = (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x08000000, 0x04000000,
                   0x02000000)  # USER, NS, PID, NET, IPC, UTS, CGROUP
# fcntl() commands that take or offer a lock or a lease.
LOCK_COMMANDS = (fcntl.F_SETLK, fcntl.F_SETLKW, getattr(fcntl, "F_OFD_SETLK", 37),
                 getattr(fcntl, "F_OFD_SETLKW", 38), getattr(fcntl, "F_SETLEASE", 1024))
PRIO_PGRP, PRIO_USER = 1, 2
IOPRIO_WHO_PGRP, IOPRIO_WHO_USER = 2, 3


class _Compare(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class Unavailable(RuntimeError):
    """libseccomp is not on this system (or the kernel refused the filter)."""


def _library():
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise Unavailable("libseccomp is not installed")
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as error:
        raise Unavailable(f"libseccomp cannot be loaded: {error}") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_Compare)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _datum(number):
    """An int as the 64-bit pattern a system call's argument has (negatives included)."""
    return number & 0xFFFFFFFFFFFFFFFF


def compile_filter(parent, network=True):
    """The filter as a BPF program (bytes) for the children of ``parent``, the worker's pid.

    ``network`` False (a worker without a network namespace of its own) also
    refuses ``socket()``: no connection, no datagram, no Unix socket of the
    machine's (the child's one socket to the kernel is made before it runs).

    Raises
    ------
    Unavailable
    """
    lib = _library()
    context = lib.seccomp_init(ALLOW)
    if not context:
        raise Unavailable("seccomp_init failed")
    try:
        def rule(action, syscall, *compares):
            number = lib.seccomp_syscall_resolve_name(syscall.encode())
            if number < 0:
                return          # not a system call on this architecture
            array = (_Compare * len(compares))(*compares) if compares else None
            result = lib.seccomp_rule_add_array(context, action, number, len(compares), array)
            if result < 0:
                raise Unavailable(f"seccomp_rule_add({syscall}) failed: {-result}")

        def equal(arg, value):
            return _Compare(arg, SCMP_CMP_EQ, _datum(value), 0)

        def low32_equal(arg, value):   # a pid_t or an int: only the low 32 bits count
            return _Compare(arg, SCMP_CMP_MASKED_EQ, 0xFFFFFFFF, value & 0xFFFFFFFF)

        refused = _errno(errno.EPERM)
        for syscall in REFUSED + (() if network else NETWORK):
            rule(refused, syscall)
        for flag in NAMESPACE_FLAGS:
            rule(refused, "clone", _Compare(0, SCMP_CMP_MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory, where a filter cannot look: make the C
        # library fall back to clone, whose flags it can.
        rule(_errno(errno.ENOSYS), "clone3")
        for command in LOCK_COMMANDS:
            rule(refused, "fcntl", equal(1, command))
        # Nothing may touch the parent: by its pid, as all processes (-1) or as its group.
        for target in (parent, -1, -parent):
            for syscall in ("kill", "rt_sigqueueinfo", "pidfd_open"):
                rule(refused, syscall, low32_equal(0, target))
        for syscall in ("tgkill", "rt_tgsigqueueinfo"):
            rule(refused, syscall, low32_equal(0, parent))
        rule(refused, "tkill", low32_equal(0, parent))
        for syscall in ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
                        "sched_setattr", "migrate_pages", "move_pages"):
            rule(refused, syscall, low32_equal(0, parent))
        rule(refused, "setpriority", low32_equal(1, parent))
        rule(refused, "setpriority", equal(0, PRIO_PGRP))
        rule(refused, "setpriority", equal(0, PRIO_USER))
        rule(refused, "ioprio_set", low32_equal(1, parent))
        rule(refused, "ioprio_set", equal(0, IOPRIO_WHO_PGRP))
        rule(refused, "ioprio_set", equal(0, IOPRIO_WHO_USER))
        read, write = os.pipe()
        try:
            result = lib.seccomp_export_bpf(context, write)
            os.close(write)
            write = None
            program = b""
            while True:
                chunk = os.read(read, 1 << 16)
                if not chunk:
                    break
                program += chunk
        finally:
            os.close(read)
            if write is not None:
                os.close(write)
        if result < 0 or not program:
            raise Unavailable(f"seccomp_export_bpf failed: {-result}")
        return program
    finally:
        lib.seccomp_release(context)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def load(program):
    """Load a program from :func:`compile_filter` into this process (for good).

    Raises
    ------
    Unavailable
    """
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _Program(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p).value)
    # No new privileges first (bubblewrap has set it; without a sandbox it may not be).
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise Unavailable(f"the kernel refused the filter: {os.strerror(ctypes.get_errno())}")


def refuse(parent, network=True):
    """Build the filter for the children of ``parent`` and load it into this process."""
    load(compile_filter(parent, network))
