# Adversarial payload: write outside the scratch folder and read what must stay secret (the
# notebooks and their stored outputs, the grader's files, other submissions, the results);
# fail loudly if anything works.
# verdict: ok; passes: all
# needs: bubblewrap
import os as _os
import sys as _sys

_escaped = []
_python = tuple(p for p in {_sys.prefix, _sys.base_prefix} if p != "/")
for _target in ["/tmp/grader-escape", "/var/tmp/grader-escape", "/dev/shm/grader-escape",
                "/grader-escape", "/etc/grader-escape", "/root/grader-escape",
                "/kit/grader-escape", "/kit/assignment/__init__.py", "/grader/worker.py",
                _os.path.join(_os.getcwd(), "..", "grader-escape")]:
    try:
        with open(_target, "a") as _f:
            _f.write("escaped\n")
        _escaped.append("wrote " + _target)
    except OSError:
        pass
for _root, _dirs, _files in _os.walk("/", onerror=lambda error: None):
    if _root.startswith(("/proc", "/sys", "/dev", "/usr", "/etc", "/lib", "/bin", "/sbin")) \
            or _root.startswith(_python):
        _dirs[:] = []
        continue
    for _name in _files:
        if _name.endswith((".ipynb", ".jsonl", "kernel.json", "manifest.json", "result.json",
                           "gradebook.csv")) or _name in ("linear_svm.py", "calc.ipynb"):
            _escaped.append("found " + _os.path.join(_root, _name))
if _escaped:
    raise RuntimeError("escaped the sandbox: " + "; ".join(_escaped[:20]))
