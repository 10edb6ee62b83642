"""System calls the student's code has no use for, refused before it runs.

The worker's parent loads this filter (with libseccomp, the system's seccomp
library, through ctypes) before it forks any child, so every process of the
student's inherits it and none can lift it. What it refuses would otherwise
let one check leave state for the next, or for another submission, outside
the files and processes the worker cleans away: System V shared memory,
semaphores and message queues, POSIX message queues, the kernel's keyrings.
It also refuses what only widens the kernel's reach: new namespaces,
tracing, BPF, performance counters, userfaultfd and io_uring.

Standalone: the standard library only.
"""

import ctypes
import ctypes.util
import errno

ALLOW = 0x7FFF0000


def _errno(number):
    return 0x00050000 | number


REFUSED = (
    # State that outlives a process: System V IPC, POSIX message queues, keyrings.
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl", "ipc",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "add_key", "request_key", "keyctl",
    # Reach into the kernel or into other processes.
    "unshare", "setns", "mount", "umount2", "pivot_root", "ptrace", "process_vm_readv",
    "process_vm_writev", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "open_by_handle_at", "name_to_handle_at",
)
# clone() with any of these flags makes a namespace: refused like unshare().
NAMESPACE_FLAGS = (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x08000000, 0x04000000,
                   0x02000000)  # USER, NS, PID, NET, IPC, UTS, CGROUP
SCMP_CMP_MASKED_EQ = 7


class _Compare(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


class Unavailable(RuntimeError):
    """libseccomp is not on this system (or the kernel refused the filter)."""


def refuse():
    """Load the filter into this process (and all it will start). Raises Unavailable."""
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
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(ALLOW)
    if not context:
        raise Unavailable("seccomp_init failed")
    try:
        def rule(action, syscall, compares=()):
            number = lib.seccomp_syscall_resolve_name(syscall.encode())
            if number < 0:
                return          # not a system call on this architecture
            array = (_Compare * len(compares))(*compares) if compares else None
            result = lib.seccomp_rule_add_array(context, action, number, len(compares), array)
            if result < 0:
                raise Unavailable(f"seccomp_rule_add({syscall}) failed: {-result}")

        for syscall in REFUSED:
            rule(_errno(errno.EPERM), syscall)
        for flag in NAMESPACE_FLAGS:
            rule(_errno(errno.EPERM), "clone", [_Compare(0, SCMP_CMP_MASKED_EQ, flag, flag)])
        # clone3 passes its flags in memory, where a filter cannot look: make the C
        # library fall back to clone, whose flags it can.
        rule(_errno(errno.ENOSYS), "clone3")
        result = lib.seccomp_load(context)
        if result < 0:
            raise Unavailable(f"seccomp_load failed: {-result}")
    finally:
        lib.seccomp_release(context)
