"""A fresh grading workspace for one submission.

Layout (``W`` is private to the grader, mode 0700)::

    W/kit/                the pristine bundle kit (provided files, student files as
                          stubs): what the trusted kernel imports
    W/kit/notebooks/      the check notebooks, with the expected outputs
    W/worker/             what the worker sees as /kit: the provided package with
                          the student's files laid over it (nothing else)
    W/grader/             the harness's: kernel spec, configuration, nbval plugin
                          (and output_diff.py and kit_contract.py, which it imports),
                          items.jsonl, the worker's log, IPython's folder; and
                          python/instructor, the grader's own package, which the
                          trusted kernel imports (a link)
    W/scratch/            the worker's scratch folder, without bubblewrap only
                          (bubblewrap gives it a tmpfs of its own)
    W/code/               a copy of the worker's code, with the ``uid`` isolation
                          only (bubblewrap shows it the grader's)

With the ``uid`` isolation the worker's uid (its gid is the same number)
reaches W (root's, its group's to pass through: 0710) and, inside, only
worker/ and code/ (root's, its group's to read) and scratch/ (its own, 0700);
kit/ and grader/ stay 0700, the grader's alone. No other uid gets in, not the
worker of a submission graded beside it.
"""

import json
import os
import secrets
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from . import sandbox
from .kernel.standins import outline
from .results import read_items

HERE = Path(__file__).resolve().parent
INSTRUCTOR = HERE.parent
WORKER_CODE = HERE / "worker"
PLUGIN = HERE / "nbval_plugin.py"
# The plugin's comparison of outputs (shared with the student kit's self-check).
OUTPUT_DIFF = INSTRUCTOR / "output_diff.py"
# The facts the plugin shares with the student kit and the grader (it runs standalone).
KIT_CONTRACT = INSTRUCTOR / "kit_contract.py"
KERNEL_NAME = "grader-python"
SCRATCH_WATCH = 0.05      # seconds between the worker's looks at its scratch folder's size (uid)
KERNEL_CONFIG = "GRADER_KERNEL_CONFIG"


@dataclass
class Workspace:
    root: Path
    kit: Path
    grader: Path
    nonce: str

    @property
    def items(self):
        return self.grader / "items.jsonl"

    @property
    def worker_log(self):
        return self.grader / "worker.log"

    @property
    def events(self):
        return self.grader / EVENTS


def module_name(path):
    """``assignment/classifiers/linear_svm.py`` -> ``assignment.classifiers.linear_svm``."""
    return path[:-len(".py")].replace("/", ".")


# What the trusted kernel tells the grader besides the checks' outcomes (the student
# modules that failed to import), one JSON line each, beside the worker's log.
EVENTS = "events.jsonl"


def import_failures(workspace, bundle):
    """{student file: its error} for each student module the trusted kernel could not import.

    Read from the kernel's events; the error is the student's process's own
    account (plain text, escaped where it is shown).
    """
    files = {module_name(rel): rel for rel in bundle.student_files}
    found = {}
    for event in read_items(workspace.events):
        if event.get("event") == "import-failed" and event.get("module") in files:
            found.setdefault(files[event["module"]], str(event.get("error", "")))
    return found


STAND_IN_MISSING = (
    'raise ImportError("{module} is a student\'s module: the grader\'s kernel reaches it only '
    'through its stand-in, which is not installed (the kernel is not the grader\'s)")\n')


def build_workspace(path, bundle, submission, isolation, limits, uid, group=None, code=None):
    """Create the workspace folder ``path`` (which must not exist).

    Parameters
    ----------
    path : Path
    bundle : Bundle
    submission : Submission
    isolation : sandbox.Isolation
    limits : Limits
    uid : int or None
        The uid the worker drops to (the grader runs as root), else None.
    group : cgroup.SubmissionCgroup or None
        The submission's control group, which the worker joins.
    code : Path or None
        The grader's package for the trusted kernel (a snapshot); this one if None.

    Returns
    -------
    Workspace
    """
    root = Path(path)
    root.mkdir(mode=0o700)
    kit = root / "kit"
    shutil.copytree(bundle.kit, kit, symlinks=False)
    os.chmod(kit, 0o700)
    for rel in bundle.student_files:
        # The kernel reaches the student's code only through stand-ins: a file
        # here is imported only if they are missing, and then it says so.
        (kit / rel).write_text(STAND_IN_MISSING.format(module=module_name(rel)), encoding="utf-8")
    notebooks = kit / "notebooks"
    if notebooks.exists():
        shutil.rmtree(notebooks)
    notebooks.mkdir()
    for name, source in bundle.notebooks.items():
        shutil.copyfile(source, notebooks / name)

    worker_kit = root / "worker"
    worker_kit.mkdir()
    for package in sorted({rel.split("/", 1)[0] for rel in bundle.student_files}):
        shutil.copytree(bundle.kit / package, worker_kit / package, symlinks=False)
    for rel, data in submission.student_files.items():
        target = worker_kit / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    sandbox.readable_tree(worker_kit)

    grader = root / "grader"
    grader.mkdir(mode=0o700)
    for sub in ("runtime", "home", "ipython", "python", "share/kernels/" + KERNEL_NAME):
        (grader / sub).mkdir(parents=True)
    (grader / "python" / "instructor").symlink_to(code or INSTRUCTOR, target_is_directory=True)
    shutil.copyfile(PLUGIN, grader / PLUGIN.name)
    shutil.copyfile(OUTPUT_DIFF, grader / OUTPUT_DIFF.name)
    shutil.copyfile(KIT_CONTRACT, grader / KIT_CONTRACT.name)
    (grader / "pytest.ini").write_text("[pytest]\n")

    workspace = Workspace(root, kit, grader, secrets.token_hex(16))
    kernel_config = _kernel_config(workspace, bundle, isolation, limits, uid, group)
    (grader / "kernel.json").write_text(json.dumps(kernel_config, indent=1))
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--ext=instructor.grading.kernel.extension", "--HistoryManager.enabled=False"],
        "display_name": "Python (grading, trusted)", "language": "python",
        "interrupt_mode": "signal",
        "env": {KERNEL_CONFIG: str(grader / "kernel.json"),
                "PYTHONPATH": str(grader / "python"),
                "IPYTHONDIR": str(grader / "ipython"),
                "MPLBACKEND": "Agg",
                **({"GRADER_REFERENCE": str(bundle.reference)} if bundle.reference else {}),
                **sandbox.numerics_environment()}}
    (grader / "share" / "kernels" / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec))
    return workspace


def _kernel_config(workspace, bundle, isolation, limits, uid, group):
    scratch = workspace.root / "scratch"
    code = WORKER_CODE
    if not isolation.namespaces:
        scratch.mkdir(mode=0o700)
    if isolation.own_uid:
        os.chown(scratch, uid, uid)
        code = sandbox.worker_code_copy(workspace.root / "code", group=uid)
        sandbox.readable_tree(workspace.root / "worker", group=uid)
        private_to_group(workspace.root, uid)
    outlines = {module_name(rel): outline((bundle.kit / rel).read_text(encoding="utf-8"))
                for rel in bundle.student_files}
    return kernel_config(isolation, limits, workspace.root / "worker", scratch, uid, group,
                         workspace.nonce, workspace.worker_log, outlines, code=code)


def private_to_group(folder, gid):
    """Root's folder that only group gid may pass through (0710): the worker's way in."""
    os.chown(folder, 0, gid)
    os.chmod(folder, 0o710)


def kernel_config(isolation, limits, kit, scratch, uid, group, nonce, log, outlines,
                  code=WORKER_CODE):
    """What the trusted kernel needs to start and reach its worker (see :class:`.kernel.link.Link`).

    Parameters
    ----------
    isolation : sandbox.Isolation
    limits : Limits
    kit, scratch : Path
        The worker's package (the provided files with the student's) and, with
        no sandbox, its scratch folder.
    uid : int or None
    group : cgroup.SubmissionCgroup or None
    nonce : str
    log : Path
        Where the worker's own messages go.
    outlines : dict
        Student module name -> its outline, for the stand-ins.
    code : Path
        The worker's code (:mod:`.worker`), or a copy its uid can read.
    """
    inside = isolation.namespaces
    worker = {
        "uid": uid if isolation.secure else None,
        "limits": worker_limits(limits, isolation.secure),
        "kit": sandbox.KIT if inside else str(kit),
        "scratch": sandbox.SCRATCH if inside else str(scratch),
        "own_pid_namespace": inside,
        "own_network": inside,
        "own_uid": isolation.own_uid,
        "result_cap": limits.result_mb << 20,
        "seccomp": isolation.seccomp is True,
    }
    if isolation.own_uid:
        # No tmpfs of its own: its size is watched instead.
        worker["scratch_cap"], worker["scratch_watch"] = limits.scratch_mb << 20, SCRATCH_WATCH
        if isolation.landlock is True:
            worker["landlock"] = {
                "readable": sandbox.worker_readable(code) + [str(kit)],
                "writable": [str(scratch), *sandbox.WORKER_DEVICES]}
    command, env = sandbox.worker_command(isolation, kit, code, scratch,
                                          limits.scratch_mb << 20, json.dumps(worker))
    return {
        "nonce": nonce,
        "command": command,
        "env": env or None,
        "cgroups": group.procs_files if group is not None else [],
        "oom_counter": str(group.oom_counter) if group is not None and group.oom_counter else None,
        "call_timeout": limits.call_timeout,
        "start_timeout": 60,
        "result_cap": limits.result_mb << 20,
        "output_cap": limits.output_kb * 1000,
        "log": str(log),
        "events": str(Path(log).parent / EVENTS),
        "modules": outlines,
        "session_per_cell": True,
        "limits": asdict(limits),
    }


def worker_limits(limits, secure):
    """The resource limits of every process of the worker (``RLIMIT_*`` -> value)."""
    found = {"RLIMIT_AS": limits.memory_mb << 20, "RLIMIT_FSIZE": limits.file_mb << 20,
             "RLIMIT_NOFILE": limits.open_files, "RLIMIT_CORE": 0,
             "RLIMIT_CPU": int(limits.timeout) + 5}
    if secure:
        # Counted per uid in the sandbox's user namespace, or for the worker's
        # own uid: the student's processes only. As the grader's user it would
        # count the grader's own processes too.
        found["RLIMIT_NPROC"] = limits.processes
    return found
