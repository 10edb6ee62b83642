# Adversarial payload: one call starts four processes that each hold 400 MB, each below the
# limit per process, together over the submission's 1024 MB (the tests' limit). The limit
# holds when some of them are killed; if all four hold their memory, the call says so.
# They have HOLD_SECONDS to do it, inside the batch's call timeout of 3 s; without a
# cgroup nothing stops them, and faulting in 1.6 GB took 5 to 7 s on a virtual machine, so
# tests/test_grading_unprivileged.py gives them (and the call) longer.
# verdict: ok; passes: all
# needs: cgroup
import os as _os
import select as _select
import time as _time

_add = add  # noqa: F821  (calc.py, which this is appended to, defines it)
HOLD_SECONDS = 2


def add(a, b):
    if a == 1:
        read, write = _os.pipe()
        children = []
        for _ in range(4):
            pid = _os.fork()
            if pid == 0:
                block = bytearray(400 * 2**20)
                for at in range(0, len(block), 4096):
                    block[at] = 1
                _os.write(write, b"h")
                _time.sleep(30)
                _os._exit(0)
            children.append(pid)
        _os.close(write)
        held, deadline = 0, _time.monotonic() + HOLD_SECONDS
        while held < 4 and _time.monotonic() < deadline:
            if _select.select([read], [], [], 0.1)[0]:
                data = _os.read(read, 4)
                if not data:
                    break
                held += len(data)
        for pid in children:
            try:
                _os.kill(pid, 9)
            except OSError:
                pass
        if held == 4:
            raise RuntimeError("four processes held 1.6 GB together: no limit per submission")
    return _add(a, b)
