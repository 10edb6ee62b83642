"""Landlock: the worker's view of the file system and network, without namespaces.

Where bubblewrap cannot make namespaces (a container whose seccomp profile
refuses them, as Docker's default one does), the worker still runs as an
unprivileged uid of its own; Landlock, a Linux security module that any
process may use on itself (Linux 5.13 and later), then narrows what that uid
could reach:

- files: only the folders given (read-only, or read-write for the scratch
  folder) can be opened, listed, run, made or removed: not the rest of the
  machine, even where its permissions let every user in;
- the network (ABI 4, Linux 6.7): no TCP connection and no listening port;
- abstract Unix sockets and signals (ABI 6, Linux 6.12): none to a process
  outside the worker's own.

A process restricted here stays so, and so do all the processes it starts.
The kernel's interface: https://docs.kernel.org/userspace-api/landlock.html
(three system calls and two structures, called here through ctypes: the only
Python package for it on PyPI is a pre-release, and the worker imports only
the standard library and numpy).

Standalone: the standard library only.
"""

import ctypes
import os

# System call numbers: the same on every architecture (added after their tables were unified).
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# File-system rights, each with the ABI that brought it.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV   # the rights a file can have
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1                        # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1             # ABI 6


class Unavailable(RuntimeError):
    """Landlock is not in this kernel, or it refused the rules; the message says which."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi():
    """The Landlock ABI this kernel offers (1, 2, ...), or 0 when it has none."""
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(0, int(version))


def all_fs_rights(version):
    """Every file-system right that ABI ``version`` knows."""
    return FS_RIGHTS_BY_ABI[max(v for v in FS_RIGHTS_BY_ABI if v <= version)]


def restrict(readable, writable):
    """Restrict this process (and all it starts) to these folders and files, and no network.

    Parameters
    ----------
    readable : iterable of str
        Folders (and files) it may read and run, with all they hold. Paths
        that do not exist are left out.
    writable : iterable of str
        Folders it may also write, make and remove things in.

    Returns
    -------
    dict
        What holds: ``{"abi": int, "files": True, "network": bool, "scoped": bool}``.

    Raises
    ------
    Unavailable
    """
    version = abi()
    if version < 1:
        raise Unavailable("Landlock is not enabled in this kernel (Linux 5.13 or later, "
                          "with landlock in its list of security modules)")
    fs_rights = all_fs_rights(version)
    attr = _RulesetAttr(handled_access_fs=fs_rights)
    size = 8
    if version >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP     # no rule: none allowed
        size = 16
    if version >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise Unavailable(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        for paths, rights in ((readable, READ_ONLY), (writable, fs_rights)):
            for path in paths:
                _allow(libc, ruleset, path, rights)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise Unavailable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: "
                              f"{os.strerror(ctypes.get_errno())}")
        if libc.syscall(RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise Unavailable(f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return {"abi": version, "files": True, "network": version >= 4, "scoped": version >= 6}


def _allow(libc, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if libc.syscall(ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise Unavailable(f"landlock_add_rule({path}) failed: "
                              f"{os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
