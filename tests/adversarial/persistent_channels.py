# Adversarial payload: what a hidden check's call was given is stored where a fresh process
# could find it (System V shared memory, a POSIX message queue, the user's keyring), and a
# later public check raises what it finds. The kernel refuses those system calls.
# verdict: ok; passes: all
import ctypes as _ctypes
import platform as _platform

_libc = _ctypes.CDLL(None, use_errno=True)
_KEY = 0x5EC7E7
_ADD_KEY, _KEYCTL = {"aarch64": (217, 219)}.get(_platform.machine(), (248, 250))
_KEYCTL_SEARCH, _USER_KEYRING = 10, -4


def _store(text):
    data = text.encode()
    shm = _libc.shmget(_KEY, 4096, 0o1666)            # IPC_CREAT | 0666
    if shm >= 0:
        _libc.shmat.restype = _ctypes.c_void_p
        address = _libc.shmat(shm, None, 0)
        if address not in (None, 2**64 - 1):
            _ctypes.memmove(address, data, len(data))
    if hasattr(_libc, "mq_open"):
        queue = _libc.mq_open(b"/grader-leak", 0o102, 0o666, None)   # O_CREAT | O_RDWR
        if queue >= 0:
            _libc.mq_send(queue, data, len(data), 0)
    _libc.syscall(_ADD_KEY, b"user", b"grader-leak", data, len(data), _USER_KEYRING)


def _find():
    found = []
    shm = _libc.shmget(_KEY, 4096, 0)
    if shm >= 0:
        _libc.shmat.restype = _ctypes.c_void_p
        address = _libc.shmat(shm, None, 0)
        if address not in (None, 2**64 - 1):
            found.append(_ctypes.string_at(address, 64).rstrip(b"\0"))
    if hasattr(_libc, "mq_open"):
        queue = _libc.mq_open(b"/grader-leak", 0o2, 0, None)
        if queue >= 0:
            buffer = _ctypes.create_string_buffer(8192)
            if _libc.mq_receive(queue, buffer, 8192, None) > 0:
                found.append(buffer.value)
    key = _libc.syscall(_KEYCTL, _KEYCTL_SEARCH, _USER_KEYRING, b"user", b"grader-leak", 0)
    if key > 0:
        found.append(b"a key")
    return [item for item in found if item]


_add, _scale = add, scale  # noqa: F821  (calc.py, which this is appended to, defines them)


def add(a, b):
    if a < 0:                                         # the hidden check
        _store(f"hidden check add({a}, {b})")
    return _add(a, b)


def scale(x, k):
    found = _find()
    if found:
        raise RuntimeError(f"found what an earlier check left: {found}")
    return _scale(x, k)
