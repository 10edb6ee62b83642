"""``python -m instructor grade``: batch grading of untrusted submissions with nbval.

    python -m instructor grade SUBMISSION... --autograder OUT/autograder --out RESULTS
        [--jobs N] [--shard K/N] [--force] [--insecure-no-sandbox] [limits: see --help]

Each submission (a folder or a ``.zip``) is read safely and only its student
files are kept. The check notebooks run under nbval in a *trusted* kernel
that imports only instructor code and the bundle's provided files; the
student's files are imported only in a sandboxed worker, which the kernel
reaches through stand-ins, and only plain values cross between them
(:mod:`instructor.grading.kernel`). Results:
``RESULTS/<name>/{result.json,feedback.md}``, each written atomically, and
``RESULTS/gradebook.csv`` (every submission graded into RESULTS with this
bundle); a submission whose content was already graded with the same bundle
is skipped unless ``--force``. ``--shard K/N`` grades only the K-th of N
disjoint parts of the submissions (:mod:`instructor.grading.shards`), into a
RESULTS folder the other parts share; it leaves the gradebook to
``python -m instructor gradebook RESULTS``. A file of paths, one a line, is
given as ``@FILE``. The parts live in :mod:`instructor.grading`.
"""

import argparse
import dataclasses
import datetime as _dt
import json
import os
import queue
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .kit_contract import skip_rfc3987_syntax

if "nbformat" not in sys.modules:
    # Before the modules below import nbformat: a slow import it never needs
    # here (see skip_rfc3987_syntax). A process that has nbformat already
    # keeps its modules as they are.
    skip_rfc3987_syntax()

from .atomic import write_atomic  # noqa: E402
from .command_line import CommandError, bundle_at, distinct_names, exits_on_error  # noqa: E402
from .grading import cgroup, feedback, harness, limits as limits_module, results  # noqa: E402
from .grading import evidence_run, gradebook, sandbox, shards  # noqa: E402
from .grading.results import CheckResult  # noqa: E402
from .grading.submission import (InvalidSubmission, content_digest, read_submission,  # noqa: E402
                                 submission_name)
from .grading.workspace import (KERNEL_NAME, SCRATCH_WATCH, build_workspace,  # noqa: E402
                                import_failures, private_to_group)

UID_BASE = 100_000


class UidPool:
    """Unprivileged uids for the workers of one run (the grader as root), each new for a while.

    A uid is given to one submission at a time and handed out again only after
    the rest of a range of 1000 (per grader process), so one submission's uid
    is not the next one's.
    """

    def __init__(self):
        self.base = UID_BASE + (os.getpid() % 900) * 1000
        self.next, self.busy, self.lock = 0, set(), threading.Lock()

    def take(self):
        with self.lock:
            while True:
                uid = self.base + self.next % 1000
                self.next += 1
                if uid not in self.busy:
                    self.busy.add(uid)
                    return uid

    def give_back(self, uid):
        with self.lock:
            self.busy.discard(uid)


def harness_limits(limits):
    """The harness's and its kernels' limits: loose (they run the grader's code), but bounded."""
    hard_files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    files = 4096 if hard_files == resource.RLIM_INFINITY else min(4096, hard_files)
    return {"RLIMIT_CORE": 0, "RLIMIT_FSIZE": 1 << 30, "RLIMIT_NOFILE": files,
            "RLIMIT_AS": max(6 << 30, (4 * limits.result_mb + 4096) << 20)}


def harness_environment(workspace, limits):
    bindir = os.path.dirname(sys.executable)
    g = workspace.grader
    return {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
            "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg", "HOME": str(g / "home"),
            "PYTHONPATH": str(g), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "JUPYTER_PATH": str(g / "share"), "JUPYTER_DATA_DIR": str(g / "share"),
            "JUPYTER_RUNTIME_DIR": str(g / "runtime"),
            "JUPYTER_CONFIG_DIR": str(g / "home" / "jupyter"),
            "IPYTHONDIR": str(g / "ipython"), "GRADER_ITEMS": str(workspace.items),
            "TMPDIR": str(g / "home"),
            # Room for all the student's code may print and the check's own prints beside.
            "GRADER_OUTPUT_CAP": str(2 * limits.output_kb * 1000 + 100_000),
            **sandbox.numerics_environment()}


def harness_argv(workspace, bundle, limits, notebooks=None):
    """The harness's command line: pytest with nbval on the bundle's notebooks (or these)."""
    notebooks = list(bundle.notebooks) if notebooks is None else notebooks
    return [sys.executable, "-m", "pytest", "-c", str(workspace.grader / "pytest.ini"),
            "--rootdir", str(workspace.kit), "-p", "nbval_plugin", "-p", "nbval.plugin",
            "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--color=no", "--no-header",
            "--nbval-lax", "--nbval-kernel-name", KERNEL_NAME,
            f"--nbval-cell-timeout={limits.cell_timeout:g}",
            "--nbval-kernel-startup-timeout=60",
            *[f"notebooks/{name}" for name in notebooks]]


def gather_evidence(workspace, bundle, limits, group):
    """The facts about the student's code that the hints need, and how their run ended."""
    notebook = evidence_run.write_notebook(workspace)
    env = {**harness_environment(workspace, limits),
           "GRADER_ITEMS": str(workspace.grader / evidence_run.ITEMS)}
    run = harness.run(harness_argv(workspace, bundle, limits, [notebook]), env, workspace.kit,
                      min(limits.timeout, evidence_run.TIMEOUT), harness_limits(limits),
                      extra_groups=[group])
    ended = {"returncode": run.returncode, "timed_out": run.timed_out,
             "seconds": round(run.seconds, 2)}
    return evidence_run.facts(workspace.events), ended


def enforcement(isolation, limits, group):
    """Which limits hold for a submission, and what holds them (for result.json)."""
    per_process = f"each process: {limits.memory_mb} MB of address space (RLIMIT_AS)"
    holds = group.holds if group is not None else {"memory": None, "cpu": None, "tasks": None}
    walled = isolation.namespaces
    return {
        "memory": (f"{holds['memory']}, all processes together; " + per_process)
        if holds["memory"] else per_process + " only: no cgroup could be made here",
        "cpu": f"{holds['cpu']} ({limits.cpus:g} cores)" if holds["cpu"]
        else "not limited: no cgroup could be made here",
        "processes": (f"RLIMIT_NPROC {limits.processes} for the sandbox's own processes"
                      + (f"; {holds['tasks']}" if holds["tasks"] else ""))
        if isolation.secure else (f"{holds['tasks']}" if holds["tasks"]
                                  else "not limited: no sandbox and no cgroup"),
        "time": f"{limits.call_timeout:g} s a call, {limits.cell_timeout:g} s a cell, "
                f"{limits.timeout:g} s the submission",
        "files": f"{limits.file_mb} MB a file, {limits.scratch_mb} MB of scratch"
        + ("" if walled else f" (its size watched every {SCRATCH_WATCH * 1000:g} ms, not a "
                             f"file system of its own)")
        if isolation.secure else f"{limits.file_mb} MB a file",
        "network": _network(isolation),
        "system calls": "refused: System V IPC, POSIX message queues, keyrings, new namespaces, "
                        "tracing, BPF, io_uring (seccomp)" if isolation.seccomp is True
        else f"not filtered: {isolation.seccomp}",
        "sees": _sees(isolation),
    }


def _network(isolation):
    if isolation.namespaces:
        return "none (a network namespace of its own)"
    held = []
    if isolation.own_uid and isolation.seccomp is True:
        held.append("no new socket (seccomp)")
    if isolation.own_uid and isolation.landlock is True:
        held.append("no TCP (Landlock)")
    return "; ".join(held) or "reachable"


def _sees(isolation):
    if isolation.namespaces:
        return ("the Python installation, the provided package and the student's own files "
                "(read-only), a scratch folder")
    if isolation.own_uid and isolation.landlock is True:
        return ("by Landlock, only the system folders, the Python installation, the provided "
                "package and the student's own files (read-only) and its scratch folder; "
                "the machine's process list")
    if isolation.own_uid:
        return ("what every user may read (the grader's files were checked to be out of its "
                "reach); the machine's process list")
    return "everything the grader's user can read"


def grade_one(path, name, submission, bundle, isolation, limits, uid=None, code=None):
    """Grade one submission; return its result record and feedback text. Never raises.

    ``submission`` is the read submission, or the :class:`InvalidSubmission`
    raised when reading it.
    """
    start = time.monotonic()
    extra = {"bundle": bundle.fingerprint,
             "isolation": isolation.record(),
             "graded_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
             "source": str(path), "limits": dataclasses.asdict(limits)}
    answers, workdir, group = {}, None, None
    try:
        if isinstance(submission, InvalidSubmission):
            checks = [CheckResult(c.id, c.points, c.hidden, c.notebook, False,
                                  "not graded: the submission is invalid", kind="not-run")
                      for c in bundle.checks]
            status, notes = "invalid-submission", [f"Invalid submission: {submission}"]
        else:
            extra["content"] = content_digest(submission)
            answers = feedback.written_answers(submission.notebooks, bundle.released_markdown(),
                                               limits.answer_chars, limits.answers_kb * 1000)
            extra["written_answers"] = answers      # for manual grading, capped
            extra["missing_files"] = submission.missing
            extra["changed_provided_files"] = submission.changed_provided[:200]
            extra["extra_files"] = submission.extra[:200]
            group = cgroup.create(limits.memory_mb << 20, limits.cpus, limits.processes + 8)
            extra["enforced"] = enforcement(isolation, limits, group)
            workdir = Path(tempfile.mkdtemp(prefix="grade-"))
            if isolation.own_uid:
                private_to_group(workdir, uid)      # the worker's way to its part, no one else's
            workspace = build_workspace(workdir / "w", bundle, submission, isolation, limits,
                                        uid, group if group.folders else None, code=code)
            run = harness.run(harness_argv(workspace, bundle, limits),
                              harness_environment(workspace, limits), workspace.kit,
                              limits.timeout, harness_limits(limits), extra_groups=[group])
            items = results.read_items(workspace.items)
            status, checks, notes = results.evaluate(bundle, items, run.timed_out, run.returncode,
                                                     nonce=workspace.nonce,
                                                     import_failures=import_failures(workspace,
                                                                                     bundle))
            # Only a submission graded normally: after a timeout or a crash the evidence
            # run would wait on the same code again, for hints it may not get.
            if status == "ok" and not all(check.passed for check in checks):
                extra["evidence"], extra["evidence_run"] = gather_evidence(workspace, bundle,
                                                                           limits, group)
            extra["harness"] = {"returncode": run.returncode, "timed_out": run.timed_out,
                                "seconds": round(run.seconds, 2), "output_bytes": run.output_bytes,
                                "output": run.output[-20_000:]}
            extra["worker_log"] = _tail(workspace.worker_log, 20_000)
            if submission.missing:
                notes.append("Missing student files (graded as stubs): " + ", ".join(submission.missing))
    except harness.Stopped:
        raise
    except Exception:
        checks = [CheckResult(c.id, c.points, c.hidden, c.notebook, False,
                              "not graded: grader error", kind="grader") for c in bundle.checks]
        status = "grader-error"
        notes = ["The grader failed on this submission (not your fault); an instructor will look."]
        extra["grader_traceback"] = results.cap(traceback.format_exc(), 20_000)
    finally:
        if group is not None:
            group.remove()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    if not isolation.secure:
        notes.insert(0, isolation.warning)
    extra["seconds"] = round(time.monotonic() - start, 2)
    extra["notes"] = notes
    record = results.result_record(name, status, checks, bundle.max_score, **extra)
    return record, feedback.render(record, answers)


def _tail(path, limit):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def stale_files(results_dir, names):
    """The staging and set-aside folders an interrupted run left for these submissions.

    Only those of the given names: the other shards of a batch may be writing
    theirs in the same RESULTS folder right now.
    """
    wanted = {name.lower() for name in names}
    found = []
    for path in Path(results_dir).iterdir():
        match = STALE.match(path.name)
        if match and match.group(1).lower() in wanted:
            found.append(path)
    return found


# .tmp-<name>-XXXXXXXX and .old-<name>-XXXXXXXX: tempfile.mkdtemp's 8 random characters.
STALE = re.compile(r"\.(?:tmp|old)-(.+)-[a-z0-9_]{8}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m instructor grade", fromfile_prefix_chars="@",
        description="Grade submissions (folders or .zip files) in a trusted kernel, with each "
                    "student's code in a sandboxed worker.")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="folders or .zip files; @FILE reads one path a line from FILE")
    parser.add_argument("--autograder", required=True, help="OUT/autograder of a release")
    parser.add_argument("--out", required=True, help="RESULTS folder")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--shard", metavar="K/N",
                        help="grade only the K-th (0 to N-1) of N disjoint parts of the "
                             "submissions; N alone takes K from SLURM_ARRAY_TASK_ID or "
                             "JOB_COMPLETION_INDEX. The gradebook is then left to "
                             "python -m instructor gradebook RESULTS")
    parser.add_argument("--force", action="store_true", help="grade again what is already graded")
    parser.add_argument("--sandbox", choices=[sandbox.BUBBLEWRAP, sandbox.UID],
                        default=sandbox.BUBBLEWRAP,
                        help="how the student's code is isolated: bubblewrap (namespaces; the "
                             "default), or uid where bubblewrap cannot run (the grader as root: "
                             "a uid of its own, with Landlock and the system-call filter where "
                             "the kernel has them; the bundle, results and submissions must "
                             "be private to root)")
    parser.add_argument("--insecure-no-sandbox", action="store_true",
                        help="run the student's code without bubblewrap, as the grader's user, "
                             "able to read what that user reads (every result says so)")
    limits_module.add_options(parser)
    return parser.parse_args(argv)


@exits_on_error
def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    limits = limits_module.from_options(args)
    shard = None
    if args.shard is not None:
        try:
            shard = shards.parse_shard(args.shard)
        except shards.ShardError as error:
            raise CommandError(str(error)) from None
    bundle = bundle_at(args.autograder)
    try:
        isolation = sandbox.detect(insecure=args.insecure_no_sandbox, kind=args.sandbox)
    except sandbox.SandboxUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if isolation.own_uid:
        out.mkdir(parents=True, exist_ok=True)
        reachable = sandbox.reachable_by_others([bundle.root, out, *args.submissions])
        if reachable:
            raise CommandError(
                f"with --sandbox uid the student's code runs as another user, who could read "
                f"{', '.join(map(str, reachable[:5]))}"
                f"{f' and {len(reachable) - 5} more' if len(reachable) > 5 else ''}. Make them "
                f"private to root (for example `chmod 700` on the folders that hold them), "
                f"then grade again.")
    if isolation.namespaces:
        exposed = sandbox.exposed_secrets([bundle.root, out.resolve(), *args.submissions,
                                           Path(__file__).resolve().parent])
        if exposed:
            root, secret = exposed[0]
            print(f"error: the Python installation {root} holds {secret}; the sandbox shows the "
                  f"Python installation to the student's code, so it would see it. Keep the "
                  f"bundle, the results and the submissions outside {root}.", file=sys.stderr)
            return 2
    distinct_names(args.submissions)
    if isolation.warning:
        print(f"WARNING: {isolation.warning}", file=sys.stderr)
    paths = args.submissions
    if shard is not None:
        index, count = shard
        mine = set(shards.part(map(submission_name, paths), index, count))
        paths = [path for path in paths if submission_name(path) in mine]
        print(f"shard {index}/{count}: {len(paths)} of {len(args.submissions)} submission(s)",
              flush=True)
    out.mkdir(parents=True, exist_ok=True)
    for stale in stale_files(out, [submission_name(path) for path in paths]):
        shutil.rmtree(stale, ignore_errors=True)

    todo = []
    # The gradebook covers every submission graded into RESULTS, by this run
    # or an earlier one (a batch graded in parts, or resumed); a shard's summary
    # covers its own part.
    records = gradebook.graded(out, bundle.fingerprint)
    if shard is not None:
        mine = {submission_name(path) for path in paths}
        records = {name: record for name, record in records.items() if name in mine}
    for path in paths:
        name = submission_name(path)
        try:
            submission = read_submission(path, bundle.student_files, bundle.provided_files())
        except InvalidSubmission as error:
            submission = error
        previous = results.load_result(out, name)
        current = previous is not None and previous.get("bundle") == bundle.fingerprint
        same = (current and not isinstance(submission, InvalidSubmission)
                and previous.get("content") == content_digest(submission))
        # A grader error is the grader's failure, not a grade: graded again.
        failed = current and previous.get("status") == "grader-error"
        if same and not failed and not args.force:
            records[name] = previous
            print(f"skip {name}: already graded ({previous['status']}, "
                  f"{previous['score']}/{previous['max_score']}); --force grades it again", flush=True)
        else:
            if current and not args.force:
                print(f"regrade {name}: " + ("the grader failed on it last time" if failed
                                             else "its content changed since it was graded"),
                      flush=True)
            todo.append((path, name, submission))
    check_ids = [c.id for c in bundle.checks]
    jobs = max(1, min(args.jobs, len(todo) or 1))
    slots = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)
    lock = threading.Lock()
    print(f"grading {len(todo)} submission(s) with {jobs} job(s), sandbox: {isolation.name}, "
          f"{len(bundle.checks)} checks, {bundle.max_score} points", flush=True)
    uids = UidPool() if os.geteuid() == 0 else None
    code = Path(tempfile.mkdtemp(prefix="grader-code-"))
    # The grader's own package, as it is now, for every kernel of this run: editing or
    # updating the source while a batch runs cannot mix two versions in one batch.
    shutil.copytree(Path(__file__).resolve().parent, code / "instructor",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "student_kit"))

    def work(path, name, submission):
        slot = slots.get()
        uid = uids.take() if uids is not None else None
        try:
            return grade_one(path, name, submission, bundle, isolation, limits, uid=uid,
                             code=code / "instructor")
        finally:
            if uids is not None:
                uids.give_back(uid)
            slots.put(slot)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)   # stop like Ctrl-C: keep what is done
    done = 0
    pool = ThreadPoolExecutor(max_workers=jobs)
    futures = {pool.submit(work, *job): job[1] for job in todo}
    try:
        for future in as_completed(futures):
            name = futures[future]
            record, text = future.result()
            with lock:
                results.publish(out, name, {
                    "feedback.md": text,
                    "result.json": json.dumps(record, indent=2) + "\n"})
                records[name] = record
                if shard is None:
                    write_atomic(out / gradebook.GRADEBOOK,
                                 gradebook.gradebook_text(records.values(), check_ids))
                done += 1
                print(f"[{done}/{len(todo)}] {name}: {record['status']} "
                      f"{record['score']}/{record['max_score']} in {record['seconds']:.1f}s",
                      flush=True)
                if record["status"] == "grader-error":
                    _explain_grader_error(record, out / name / "result.json")
    except KeyboardInterrupt:
        # What is published stays; what was running is killed and not kept.
        harness.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(code, ignore_errors=True)
        print(f"interrupted: {done} of {len(todo)} graded and kept in {out}; run again to "
              f"grade the rest", file=sys.stderr, flush=True)
        return 130
    pool.shutdown(wait=True)
    shutil.rmtree(code, ignore_errors=True)
    if shard is None:
        gradebook.write_gradebook(out, bundle.fingerprint, check_ids)
    _summary(records, [job[1] for job in todo])
    return 1 if any(records[job[1]]["status"] == "grader-error" for job in todo) else 0


def _explain_grader_error(record, path):
    """Say what failed, so an instructor need not open ``result.json`` to know."""
    notes = [note for note in record.get("notes", []) if note.startswith(("The grader", "Setting up"))]
    first = [f"{check['id']}: {check['reason']}" for check in record.get("checks", [])
             if check.get("kind") == "grader"][:1]
    trace = record.get("grader_traceback", "").strip().splitlines()
    for line in notes[:1] + first + trace[-1:]:
        print(f"  {line}", flush=True)
    print(f"  (the grader's side of it is in {path})", flush=True)


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
