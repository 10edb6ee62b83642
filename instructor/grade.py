"""``python -m instructor grade``: batch grading of untrusted submissions with nbval.

    python -m instructor grade SUBMISSION... --autograder OUT/autograder --out RESULTS
        [--jobs N] [--force] [--timeout S] [--cell-timeout S] [--memory-mb MB]
        [--sandbox auto|bubblewrap|unshare|none] [--full-notebooks] [--show-hidden-diffs]

Each submission (a folder or a ``.zip``) is read safely, only its student files
are laid over the pristine bundle in a fresh workspace, and the public and
hidden checks run with nbval in a sandbox (:mod:`instructor.grading.sandbox`).
Results: ``RESULTS/gradebook.csv`` (every submission graded into RESULTS with
this bundle, by this run or an earlier one) and ``RESULTS/<name>/{result.json,feedback.md}``,
each written atomically; a submission already graded with the same bundle is
skipped unless ``--force``. The parts live in :mod:`instructor.grading`.
"""

import argparse
import datetime as _dt
import json
import os
import queue
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

if "nbformat" not in sys.modules:
    # jsonschema (under nbformat) imports rfc3987_syntax when installed, which
    # builds a grammar for seconds at import; nbformat never needs it here.
    sys.modules.setdefault("rfc3987_syntax", None)

from .atomic import write_atomic  # noqa: E402
from .grading import feedback, results, sandbox as sandboxes  # noqa: E402
from .grading.bundle import BundleError, load_bundle  # noqa: E402
from .grading.results import CheckResult  # noqa: E402
from .grading.submission import InvalidSubmission, read_submission, submission_name  # noqa: E402
from .grading.workspace import KERNEL_NAME, build_workspace  # noqa: E402

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@dataclass
class Options:
    timeout: float = 600.0
    cell_timeout: float = 60.0
    memory_mb: int = 2048
    file_mb: int = 16
    processes: int = 64
    open_files: int = 256
    scratch_mb: int = 64
    show_hidden_diffs: bool = False


def kernel_limits(options, uid):
    limits = {
        "RLIMIT_AS": options.memory_mb * 2**20,
        "RLIMIT_CPU": int(options.timeout) + 5,
        "RLIMIT_FSIZE": options.file_mb * 2**20,
        "RLIMIT_NOFILE": options.open_files,
        "RLIMIT_CORE": 0,
    }
    if uid is not None:
        # Counted per uid: it only means something when the kernel has its own.
        limits["RLIMIT_NPROC"] = options.processes
    return limits


def harness_limits(options):
    hard_files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    files = 4096 if hard_files == resource.RLIM_INFINITY else min(4096, hard_files)
    return {"RLIMIT_CORE": 0, "RLIMIT_FSIZE": 256 * 2**20, "RLIMIT_NOFILE": files,
            "RLIMIT_AS": max(6 * 2**30, (options.memory_mb + 2048) * 2**20),
            "RLIMIT_CPU": int(options.timeout) + 60}


def _environments(inside):
    bindir = os.path.dirname(sys.executable)
    common = {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
              "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
              "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
              **{name: "1" for name in THREAD_VARS}}
    g, s = f"{inside}/grader", f"{inside}/scratch"
    harness = dict(common, HOME=f"{g}/home", PYTHONPATH=g, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
                   JUPYTER_PATH=f"{g}/share", JUPYTER_DATA_DIR=f"{g}/share",
                   JUPYTER_RUNTIME_DIR=f"{g}/runtime", JUPYTER_CONFIG_DIR=f"{g}/home/jupyter",
                   IPYTHONDIR=f"{g}/home/ipython", GRADER_ITEMS=f"{g}/items.jsonl",
                   TMPDIR=f"{g}/home")
    kernel = dict(common, HOME=f"{s}/home", TMPDIR=f"{s}/tmp", MPLCONFIGDIR=f"{s}/mpl",
                  IPYTHONDIR=f"{s}/ipython", JUPYTER_CONFIG_DIR=f"{s}/jupyter",
                  JUPYTER_DATA_DIR=f"{s}/jupyter", JUPYTER_RUNTIME_DIR=f"{s}/runtime",
                  USER="student", LOGNAME="student")
    return harness, kernel


def harness_argv(inside, bundle, options):
    return [sys.executable, "-m", "pytest", "-c", f"{inside}/grader/pytest.ini",
            "--rootdir", f"{inside}/kit", "-p", "nbval_plugin", "-p", "nbval.plugin",
            "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--color=no", "--no-header",
            "--nbval-lax", "--nbval-kernel-name", KERNEL_NAME,
            f"--nbval-cell-timeout={options.cell_timeout:g}",
            "--nbval-kernel-startup-timeout=60",
            *[f"notebooks/{name}" for name in bundle.notebooks]]


def grade_one(path, name, bundle, box, options, uid=None):
    """Grade one submission; return its result record and feedback text. Never raises."""
    start = time.monotonic()
    extra = {"sandbox": box.name, "sandbox_warning": box.warning, "bundle": bundle.fingerprint,
             "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
             "source": str(path), "limits": {"timeout_s": options.timeout,
                                             "cell_timeout_s": options.cell_timeout,
                                             "memory_mb": options.memory_mb,
                                             "file_mb": options.file_mb,
                                             "scratch_mb": options.scratch_mb if box.name == "bubblewrap" else None,
                                             "processes": options.processes if uid is not None else None,
                                             "open_files": options.open_files}}
    answers = {}
    workdir = None
    try:
        try:
            submission = read_submission(path, bundle.student_files, bundle.provided_files())
        except InvalidSubmission as error:
            checks = [CheckResult(c.id, c.points, c.hidden, c.notebook, False,
                                  "not graded: the submission is invalid") for c in bundle.checks]
            status, notes = "invalid-submission", [f"Invalid submission: {error}"]
        else:
            answers = feedback.written_answers(submission.notebooks, bundle.released_markdown())
            extra["written_answers"] = answers      # for manual grading, capped per answer
            extra["missing_files"] = submission.missing
            extra["changed_provided_files"] = submission.changed_provided[:200]
            extra["extra_files"] = submission.extra[:200]
            workdir = Path(tempfile.mkdtemp(prefix=f"grade-{name}-"))
            os.chmod(workdir, 0o711)
            workspace = workdir / "w"
            inside = box.inside(workspace)
            harness_env, kernel_env = _environments(inside)
            build_workspace(workspace, bundle, submission, inside, uid,
                            kernel_limits(options, uid), kernel_env)
            argv = box.wrap(harness_argv(inside, bundle, options), workspace,
                            scratch_bytes=options.scratch_mb * 2**20)
            run = sandboxes.run(argv, harness_env, workspace / "kit", options.timeout,
                                harness_limits(options), uid=uid)
            items = results.read_items(workspace / "grader" / "items.jsonl")
            status, checks, notes = results.evaluate(bundle, items, run.timed_out, run.returncode,
                                                     run.output)
            extra["harness"] = {"returncode": run.returncode, "timed_out": run.timed_out,
                                "seconds": round(run.seconds, 2), "output_bytes": run.output_bytes,
                                "output": run.output[-20_000:]}
            if submission.missing:
                notes.append("Missing student files (graded as stubs): " + ", ".join(submission.missing))
    except sandboxes.Stopped:
        raise
    except Exception:
        checks = [CheckResult(c.id, c.points, c.hidden, c.notebook, False,
                              "not graded: grader error") for c in bundle.checks]
        status = "grader-error"
        notes = ["The grader failed on this submission (not your fault); an instructor will look."]
        extra["grader_traceback"] = results.cap(traceback.format_exc(), 20_000)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    extra["seconds"] = round(time.monotonic() - start, 2)
    extra["notes"] = notes
    record = results.result_record(name, status, checks, bundle.max_score, **extra)
    return record, feedback.render(record, answers, options.show_hidden_diffs)


def _unique_names(paths):
    names, seen = [], {}
    for path in paths:
        base = submission_name(path)
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}__{seen[base]}")
    return names


def _uid_base():
    return 100000 + (os.getpid() % 5000) * 100 if os.geteuid() == 0 else None


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m instructor grade",
                                     description="Grade submissions (folders or .zip files).")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION")
    parser.add_argument("--autograder", required=True, help="OUT/autograder of a release")
    parser.add_argument("--out", required=True, help="RESULTS folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--force", action="store_true", help="grade again what is already graded")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per submission")
    parser.add_argument("--cell-timeout", type=float, default=60, help="seconds per cell")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address space of the kernel")
    parser.add_argument("--sandbox", default="auto", choices=("auto", "bubblewrap", "unshare", "none"))
    parser.add_argument("--full-notebooks", action="store_true",
                        help="run the full notebooks instead of the checks-only ones")
    parser.add_argument("--show-hidden-diffs", action="store_true",
                        help="show the expected output of failed hidden checks in feedback")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        bundle = load_bundle(args.autograder, full_notebooks=args.full_notebooks)
    except BundleError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        box = sandboxes.detect(args.sandbox)
    except RuntimeError as error:
        print(f"error: sandbox {args.sandbox!r} does not work here: {error}", file=sys.stderr)
        return 2
    base = _uid_base()
    if base is not None and box.name != "bubblewrap" and not sandboxes.uid_can_run_python(base):
        base = None
        box = sandboxes.Sandbox(box.name, (box.warning + " The student's kernel runs as root: an "
                                           "unprivileged uid cannot reach this Python here.").strip())
    if box.warning:
        print(f"WARNING: {box.warning}", file=sys.stderr)
    options = Options(timeout=args.timeout, cell_timeout=args.cell_timeout,
                      memory_mb=args.memory_mb, show_hidden_diffs=args.show_hidden_diffs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in list(out.glob(".tmp-*")) + list(out.glob(".old-*")):
        shutil.rmtree(stale, ignore_errors=True)   # left by an interrupted run

    names = _unique_names(args.submissions)
    todo, records = [], {}
    # The gradebook covers every submission graded into RESULTS, by this run
    # or an earlier one (a batch graded in parts, or resumed).
    for folder in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        previous = results.load_result(out, folder.name)
        if previous is not None and previous.get("bundle") == bundle.fingerprint:
            records[folder.name] = previous
    for path, name in zip(args.submissions, names):
        previous = results.load_result(out, name)
        if previous is not None and not args.force and previous.get("bundle") == bundle.fingerprint:
            records[name] = previous
            print(f"skip {name}: already graded ({previous['status']}, "
                  f"{previous['score']}/{previous['max_score']}); --force grades it again", flush=True)
        else:
            todo.append((path, name))
    check_ids = [c.id for c in bundle.checks]
    jobs = max(1, min(args.jobs, len(todo) or 1))
    slots = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    lock = threading.Lock()
    print(f"grading {len(todo)} submission(s) with {jobs} job(s), sandbox: {box.name}, "
          f"{len(bundle.checks)} checks, {bundle.max_score} points", flush=True)

    def work(path, name):
        slot = slots.get()
        try:
            return grade_one(path, name, bundle, box, options,
                             uid=None if base is None else base + slot)
        finally:
            slots.put(slot)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)   # stop like Ctrl-C: keep what is done
    done = 0
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(work, path, name): name for path, name in todo}
    try:
        for future in as_completed(futures):
            name = futures[future]
            record, text = future.result()
            with lock:
                results.publish(out, name, {
                    "feedback.md": text,
                    "result.json": json.dumps(record, indent=2) + "\n"})
                records[name] = record
                write_atomic(out / "gradebook.csv",
                             results.gradebook_text(records.values(), check_ids))
                done += 1
                print(f"[{done}/{len(todo)}] {name}: {record['status']} "
                      f"{record['score']}/{record['max_score']} in {record['seconds']:.1f}s",
                      flush=True)
    except KeyboardInterrupt:
        # What is published stays; what was running is killed and not kept.
        sandboxes.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        print(f"interrupted: {done} of {len(todo)} graded and kept in {out}; run again to "
              f"grade the rest", file=sys.stderr, flush=True)
        return 130
    pool.shutdown(wait=True)
    write_atomic(out / "gradebook.csv", results.gradebook_text(records.values(), check_ids))
    _summary(records, [name for _, name in todo])
    return 1 if any(records[n]["status"] == "grader-error" for _, n in todo) else 0


def _terminate(signum, frame):
    raise KeyboardInterrupt()


def _summary(records, graded_now):
    counts = {}
    for record in records.values():
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    scores = [r["score"] for r in records.values()]
    mean = sum(scores) / len(scores) if scores else 0.0
    now = [records[n] for n in graded_now]
    slowest = max(now, key=lambda r: r.get("seconds", 0), default=None)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; mean score {mean:.2f}"
          + (f" / {next(iter(records.values()))['max_score']}" if records else "")
          + (f"; slowest {slowest['submission']} ({slowest['seconds']:.1f}s)" if slowest else ""),
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
