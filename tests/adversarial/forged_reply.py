# Adversarial payload: add writes a well-formed reply of its own ("3", for a request id it
# guesses) on the session's socket before answering. The kernel takes only the reply to the
# request it sent.
# verdict: crashed; passes: scale-two scale-three
import os as _os
import socket as _socket
import stat as _stat
import struct as _struct
import sys as _sys

_sys.path.insert(0, "/grader")
_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)


def add(a, b):
    try:
        import wire as _wire
        data = b"".join(bytes(p) for p in _wire.framed((0, "value", 3, None)))
    except ImportError:
        data = _struct.pack("<Q", 1) + b"N"
    for fd in range(3, 64):
        try:
            if _stat.S_ISSOCK(_os.fstat(fd).st_mode):
                _socket.socket(fileno=_os.dup(fd)).sendall(data)
        except OSError:
            pass
    return _add(a, b)
