
# --- adversarial payload: write outside the workspace's scratch folder, read the
# expected outputs, tamper with the harness's records; fail loudly if anything works ---
import os as _os
import pathlib as _pathlib

_here = _pathlib.Path.cwd()              # the kit's notebooks/ folder in the workspace
_escaped = []
_targets = ["/tmp/grader-escape", "/var/tmp/grader-escape", "/dev/shm/grader-escape",
            "/grader-escape", "/etc/grader-escape", "/root/grader-escape",
            str(_here / "grader-escape"),
            str(_here.parent / "grader-escape"),
            str(_here.parent / "assignment" / "grader_escape.py"),
            str(_here.parent / "assignment" / "__init__.py"),
            str(_here.parent.parent / "grader-escape"),
            str(_here.parent.parent / "grader" / "items.jsonl"),
            str(_here.parent.parent / "grader" / "launcher.py")]
for _target in _targets:
    try:
        with open(_target, "a") as _f:
            _f.write("escaped\n")
        _escaped.append("wrote " + _target)
    except OSError:
        pass
for _notebook in _here.glob("*.ipynb"):
    try:
        _notebook.read_bytes()
        _escaped.append("read " + str(_notebook))
    except OSError:
        pass
try:
    _os.kill(_os.getppid(), 9)           # the harness
    _escaped.append("killed the harness")
except OSError:
    pass
if _escaped:
    raise RuntimeError("escaped the workspace: " + "; ".join(_escaped))
