"""A fresh grading workspace: the pristine kit with the student's files laid over it.

Layout (``W`` is mounted at ``/grade`` inside bubblewrap)::

    W/kit/                  pristine provided files + the student files (read-only
                            for the student's code)
    W/kit/notebooks/*.ipynb the graded notebooks, with the expected outputs;
                            readable only by the harness when the kernel runs as
                            its own uid
    W/grader/               harness only (mode 0700): launcher, plugin, kernel
                            spec, configuration, items.jsonl
    W/scratch/              the only folder the student's code may write to (in
                            bubblewrap a tmpfs of limited size over it)
"""

import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Copied into the workspace and run there (standalone scripts, never imported here).
IN_WORKSPACE = ("launcher.py", "nbval_plugin.py")

KERNEL_NAME = "grader-python"
SCRATCH_DIRS = ("home", "tmp", "mpl", "ipython", "jupyter", "runtime")


def build_workspace(path, bundle, submission, inside, uid, kernel_limits, env):
    """Create the workspace folder ``path`` (which must not exist).

    Parameters
    ----------
    path : Path
        Host path of the workspace.
    bundle : Bundle
    submission : Submission
    inside : str
        The workspace's path as the sandboxed processes see it.
    uid : int or None
        The unprivileged uid the kernel drops to (None: it keeps the grader's).
    kernel_limits : dict
        ``RLIMIT_*`` name -> value, for the kernel.
    env : dict
        The kernel's environment (paths in it use ``inside``).
    """
    path = Path(path)
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    kit = path / "kit"
    shutil.copytree(bundle.kit, kit, symlinks=False)
    for rel, data in submission.student_files.items():
        target = kit / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
    notebooks = kit / "notebooks"
    if notebooks.exists():
        shutil.rmtree(notebooks)
    notebooks.mkdir()
    for name, source in bundle.notebooks.items():
        shutil.copyfile(source, notebooks / name)
    _readable_tree(kit)
    for name in bundle.notebooks:
        os.chmod(notebooks / name, 0o600 if uid is not None else 0o644)

    grader = path / "grader"
    grader.mkdir(mode=0o700)
    for name in IN_WORKSPACE:
        shutil.copyfile(HERE / name, grader / name)
    spec = grader / "share" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    config = f"{inside}/grader/launcher.json"
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, f"{inside}/grader/launcher.py", config, "-f", "{connection_file}"],
        "display_name": "Python (grading)", "language": "python",
        "interrupt_mode": "signal"}))
    (grader / "launcher.json").write_text(json.dumps({
        "python": sys.executable, "uid": uid, "limits": kernel_limits,
        "scratch": f"{inside}/scratch", "scratch_dirs": list(SCRATCH_DIRS), "env": env}))
    (grader / "pytest.ini").write_text("[pytest]\n")
    for sub in ("runtime", "home"):
        (grader / sub).mkdir()

    scratch = path / "scratch"
    scratch.mkdir(mode=0o700)
    for sub in SCRATCH_DIRS:
        (scratch / sub).mkdir(mode=0o700)
    if uid is not None:
        for folder, _, files in os.walk(scratch):
            os.chown(folder, uid, uid)
    return path


def _readable_tree(root):
    """Directories 0755, files 0644, owned by the grader: the student reads, never writes."""
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
