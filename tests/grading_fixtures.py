"""A small fake autograder bundle for the grader's tests (no real notebooks needed).

Package ``assignment`` with one student file, ``assignment/calc.py``
(``add(a, b)`` and ``scale(x, k)``), one provided file
(``assignment/helpers.py``) and one notebook with public and hidden checks.
"""

import json
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

STUB = '''"""Student file."""

from .helpers import twice


def add(a, b):
    """Return a + b."""
    raise NotImplementedError("Implement add in assignment/calc.py")


def scale(x, k):
    """Return x * k, using twice() when k == 2."""
    raise NotImplementedError("Implement scale in assignment/calc.py")
'''

REFERENCE = '''"""Student file."""

from .helpers import twice


def add(a, b):
    """Return a + b."""
    return a + b


def scale(x, k):
    """Return x * k, using twice() when k == 2."""
    return twice(x) if k == 2 else x * k
'''

HELPERS = '''def twice(x):
    return 2 * x
'''

SETUP = ("import sys, pathlib\n"
         "sys.path.insert(0, str(pathlib.Path.cwd().parent))\n"
         "from assignment.calc import add, scale")

# (id, points, hidden, source, expected stdout)
CHECKS = [
    ("add-small", 1, False, "print(add(1, 2))", "3\n"),
    ("add-negative", 2, True, "print(add(-5, 3))", "-2\n"),
    ("scale-two", 1, False, "print(scale(21, 2))", "42\n"),
    ("scale-three", 2, True, "print(scale(5, 3))", "15\n"),
]
STUDENT_FILES = ["assignment/calc.py"]


# An attack on the speed checks, appended to a student file: its vectorized loss (given
# by name) keeps its own loss but takes the gradient by finite differences.
FINITE_DIFFERENCES = '''
# --- attack: a vectorized loss with a gradient by finite differences ------
_loss_and_gradient = {vectorized}


def {vectorized}(W, X, y, reg):
    def loss(w):
        return _loss_and_gradient(w, X, y, reg)[0]
    grad = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        plus, minus = W.copy(), W.copy()
        plus[index] += 1e-5
        minus[index] -= 1e-5
        grad[index] = (loss(plus) - loss(minus)) / 2e-5
    return loss(W), grad
'''


def check_cell(check_id, points, hidden, source, text):
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["nbval-check-output"] + (["hidden"] if hidden else [])
    cell.metadata["grading"] = {"id": check_id, "points": points}
    cell.execution_count = 1
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


def notebook(with_hidden=True, answers=()):
    cells = [new_markdown_cell("# Calc"), new_code_cell(SETUP),
             new_markdown_cell("Some text between cells."),
             new_code_cell("x = add(2, 2)  # an ordinary cell, never compared")]
    for check in CHECKS:
        if with_hidden or not check[2]:
            cells.append(check_cell(*check))
    for answer in answers:
        cells.append(new_markdown_cell(f"Why?\n\n**Your answer:** {answer}"))
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3",
                                                              "display_name": "Python 3",
                                                              "language": "python"}})


def checks_only(nb):
    from instructor import notebooks as nbs
    return nbs.checks_only(nb)


def make_bundle(root):
    """Write a fake ``OUT/autograder`` at root; return root."""
    root = Path(root)
    kit = root / "kit" / "assignment"
    kit.mkdir(parents=True)
    (kit / "__init__.py").write_text("")
    (kit / "calc.py").write_text(STUB)
    (kit / "helpers.py").write_text(HELPERS)
    full = notebook()
    for folder, nb in (("notebooks", full), ("checks", checks_only(full))):
        (root / folder).mkdir()
        nbformat.write(nb, str(root / folder / "calc.ipynb"))
    manifest = {
        "format": "linear-classifiers-autograder/1",
        "student_files": STUDENT_FILES,
        "notebooks": [{"name": "calc.ipynb", "path": "notebooks/calc.ipynb",
                       "checks_path": "checks/calc.ipynb", "checks": [c[0] for c in CHECKS]}],
        "checks": [{"id": c[0], "points": c[1], "hidden": c[2], "notebook": "calc.ipynb"}
                   for c in CHECKS],
        "max_score": sum(c[1] for c in CHECKS),
        "layout": {"kit": "kit", "notebooks": "notebooks", "checks": "checks",
                   "requirements": "requirements.txt"},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return root


def make_submission(root, calc=REFERENCE, answers=("Because.",), extra=None):
    """A student's submission folder: their calc.py and notebook (+ extra files)."""
    root = Path(root)
    (root / "assignment").mkdir(parents=True)
    (root / "assignment" / "__init__.py").write_text("")
    (root / "assignment" / "calc.py").write_text(calc)
    (root / "assignment" / "helpers.py").write_text(HELPERS)
    (root / "notebooks").mkdir()
    nbformat.write(notebook(with_hidden=False, answers=answers), str(root / "notebooks" / "calc.ipynb"))
    for rel, text in (extra or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def zip_folder(folder, zip_path, prefix=""):
    """Zip folder's contents (under prefix inside the archive)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                z.write(path, prefix + path.relative_to(folder).as_posix())
    return zip_path


# --------------------------------------------------------------------------
# What the grader's tests need of this machine

def need(what, reason):
    """Skip (or, under CI=true, fail) a test that needs what this machine lacks."""
    import os
    import pytest
    message = f"needs {what}: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: the CI machine must have it)")
    pytest.skip(message)


def blocking_folder(path):
    """The outermost folder on the way to path that others may not enter, or None.

    An ordinary user's process (the grader as uid 65534, a Slurm job) cannot
    reach path through it; the tests then show it a mount namespace instead.
    """
    import os
    import stat
    current = Path("/")
    for part in Path(path).resolve().parts[1:]:
        current = current / part
        if current.is_dir() and not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None


# The worker's own modules (they run standalone: imported from their folder).
WORKER_CODE = Path(__file__).resolve().parents[1] / "instructor" / "grading" / "worker"


def landlock_module():
    """The worker's :mod:`landlock` module, imported as the worker imports it."""
    import sys
    sys.path.insert(0, str(WORKER_CODE))
    try:
        import landlock
        return landlock
    finally:
        sys.path.pop(0)


def with_folders_reachable(argv, needed):
    """argv run (by root) in a mount namespace where every path in ``needed`` is reachable.

    Each folder that others may not enter on the way to a needed path
    (:func:`blocking_folder`, e.g. ``/root`` above ``/root/.pyenv``) is there
    a tmpfs that others may enter, holding only the needed paths, read-only.
    """
    hidden = {}
    for path in needed:
        folder = blocking_folder(path)
        if folder is not None:
            hidden.setdefault(folder, []).append(Path(path).resolve())
    command = ["bwrap", "--dev-bind", "/", "/"]
    for folder, inside in hidden.items():
        command += ["--perms", "0755", "--tmpfs", str(folder)]
        for path in inside:
            made = folder
            for part in path.relative_to(folder).parts[:-1]:
                made = made / part
                command += ["--perms", "0755", "--dir", str(made)]
            command += ["--ro-bind", str(path), str(path)]
    return command + list(argv)


def machine():
    """{"bubblewrap": bool, "root": bool, "cgroup": bool, "linux": bool} of this machine."""
    import os
    import sys
    found = {"linux": sys.platform.startswith("linux"), "root": False, "bubblewrap": False,
             "cgroup": False}
    if not found["linux"]:
        return found
    from instructor.grading import cgroup, sandbox
    found["root"] = os.geteuid() == 0
    found["bubblewrap"] = sandbox._probe() is None
    group = cgroup.create(64 << 20, 1, 64)
    found["cgroup"] = group.holds["memory"] is not None
    group.remove()
    return found


def payload_header(path):
    """{"base": ..., "status": ..., "passes": set or "all"/"none", "needs": [...]} of a payload."""
    import re
    text = Path(path).read_text()
    base = re.search(r"^# base: (\w+)", text, re.M)
    verdict = re.search(r"^# verdict: ([\w-]+); passes: (.+)$", text, re.M)
    needs = re.findall(r"^# needs: (\w+)", text, re.M)
    if verdict is None:
        raise ValueError(f"{path}: no '# verdict: <status>; passes: ...' line")
    passes = verdict.group(2).split()
    return {"base": base.group(1) if base else "correct", "status": verdict.group(1),
            "passes": set(passes) if passes not in (["all"], ["none"]) else passes[0],
            "needs": needs}


def open_link(folder, sources, seccomp=None, **limits):
    """A Link to a real worker over a package made of ``sources`` (POSIX path -> text).

    The worker runs in bubblewrap where it works here, else without a sandbox;
    ``limits`` are those of :class:`instructor.grading.limits.Limits` to change
    (``call_timeout=5``, ``output_kb=2``, ...) and ``seccomp`` turns the
    system-call filter off (False) where it would be on.
    Returns (link, finder): put ``finder`` on ``sys.meta_path`` to import the
    package's modules as stand-ins (a test-only name, so no real module clashes).
    """
    import dataclasses
    import os
    from instructor.grading import sandbox
    from instructor.grading.kernel.link import Link
    from instructor.grading.kernel.standins import StandInFinder, outline
    from instructor.grading.limits import Limits
    from instructor.grading.workspace import kernel_config, module_name
    folder = Path(folder)
    kit = folder / "kit"
    for rel, text in sources.items():
        (kit / rel).parent.mkdir(parents=True, exist_ok=True)
        (kit / rel).write_text(text)
    isolation = sandbox.detect(insecure=not machine()["bubblewrap"])
    if seccomp is False:
        isolation = dataclasses.replace(isolation, seccomp="turned off by the test")
    scratch = folder / "scratch"
    scratch.mkdir()
    uid = 100_000 + os.getpid() % 50_000 if isolation.secure and os.geteuid() == 0 else None
    modules = {module_name(rel): outline(text) for rel, text in sources.items()
               if not rel.endswith("__init__.py")}
    config = kernel_config(isolation, Limits(**limits), kit, scratch, uid, None, "n0nce",
                           folder / "worker.log", modules)
    link = Link(config)
    return link, StandInFinder(link, modules)
