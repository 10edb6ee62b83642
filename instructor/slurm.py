"""``python -m instructor slurm``: a batch graded as a Slurm job array, then its gradebook.

    python -m instructor slurm SUBMISSION... --autograder OUT/autograder --out RESULTS
        --shards N [--max-running M] [--force] [--dry-run] [grade's limits]
        [-- extra sbatch options]

Run on the cluster's login node, as the course's ordinary user. It writes a
folder ``RESULTS/.slurm/<time>/``:

``submissions.txt``   the submissions still to grade, one path a line
``grade.sbatch``      a job array of N tasks; task K runs
                      ``python -m instructor grade @submissions.txt --shard K/N``
``gradebook.sbatch``  ``python -m instructor gradebook RESULTS``, held until every
                      task has ended, however it ended (``afterany``)
``logs/``             each task's output

submits both with ``sbatch`` and prints their job ids. Each task grades a
whole shard (clusters limit the jobs of a user and warn against arrays of
tasks that last seconds), with as many submissions at once as it has CPUs
(``SLURM_CPUS_PER_TASK``). The options after ``--`` go to both ``sbatch``
calls (``--partition``, ``--account``, ``--time``, ``--mem``,
``--cpus-per-task``); they win over the scripts' own.

Run again after a failed or cancelled task: only the submissions without a
result of this bundle are given to the new array, and a task never grades
again what another has published. ``--force`` gives them all.
"""

import argparse
import datetime as _dt
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from .command_line import CommandError, bundle_at, distinct_names, exits_on_error
from .grading import limits as limits_module
from .grading.gradebook import GRADEBOOK, graded, write_gradebook
from .grading.submission import submission_name

PACKAGE_ROOT = Path(__file__).resolve().parent.parent   # the folder that holds instructor/


def parse_args(argv):
    argv = list(argv)
    sbatch_options = []
    if "--" in argv:
        at = argv.index("--")
        argv, sbatch_options = argv[:at], argv[at + 1:]
    parser = argparse.ArgumentParser(
        prog="python -m instructor slurm", fromfile_prefix_chars="@",
        description="Grade submissions as a Slurm job array of N tasks, then write the "
                    "gradebook in a job that waits for them. Options after -- go to sbatch.")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="folders or .zip files; @FILE reads one path a line from FILE")
    parser.add_argument("--autograder", required=True, help="OUT/autograder of a release")
    parser.add_argument("--out", required=True, help="RESULTS folder, on a file system that "
                                                     "every node of the cluster sees")
    parser.add_argument("--shards", type=int, required=True, metavar="N",
                        help="tasks of the job array (each grades about 1/N of the batch)")
    parser.add_argument("--max-running", type=int, metavar="M",
                        help="at most M tasks running at once (sbatch --array=...%%M)")
    parser.add_argument("--force", action="store_true",
                        help="grade every submission again, not only those without a result")
    parser.add_argument("--dry-run", action="store_true",
                        help="write the scripts and print the sbatch commands; submit nothing")
    parser.add_argument("--insecure-no-sandbox", action="store_true",
                        help="passed to grade (every result says so)")
    limits_module.add_options(parser)
    args = parser.parse_args(argv)
    if args.shards < 1:
        parser.error("--shards must be at least 1")
    if args.max_running is not None and args.max_running < 1:
        parser.error("--max-running must be at least 1")
    args.sbatch_options = sbatch_options
    return args


def still_to_grade(paths, results_dir, fingerprint):
    """The paths whose submission has no result of this bundle in RESULTS yet."""
    done = set(graded(results_dir, fingerprint)) if Path(results_dir).is_dir() else set()
    return [path for path in paths if submission_name(path) not in done]


def grade_script(run, python, count, max_running, grade_options):
    """The sbatch script of the job array: task K grades shard K of ``count``."""
    array = f"0-{count - 1}" + (f"%{max_running}" if max_running else "")
    return _sbatch_script(
        ["--job-name=grade", f"--array={array}"],
        "each task grades one shard of the batch",
        [python, "-m", "instructor", "grade", f"@{run / 'submissions.txt'}",
         "--shard", "${SLURM_ARRAY_TASK_ID}/" + str(count),
         "--jobs", "${SLURM_CPUS_PER_TASK:-1}", *grade_options])


def gradebook_script(python, results_dir, autograder):
    """The sbatch script of the job that writes the gradebook once the array has ended."""
    return _sbatch_script(
        ["--job-name=gradebook"], "runs after every grading task has ended",
        [python, "-m", "instructor", "gradebook", str(results_dir),
         "--autograder", str(autograder)])


def _sbatch_script(options, what, command):
    """A batch script: its #SBATCH options, then the command run from the kit's root."""
    return "\n".join([
        "#!/bin/bash",
        *[f"#SBATCH {option}" for option in options],
        "#SBATCH --cpus-per-task=1",
        f"# Written by python -m instructor slurm; {what}.",
        f"cd {shlex.quote(str(PACKAGE_ROOT))}",
        "exec " + " ".join(_quote_keeping_variables(word) for word in command),
        ""])


def _quote_keeping_variables(word):
    """Shell-quote a word, leaving the ``${...}`` of Slurm's variables to the shell."""
    if "${" in word:
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(word)


def submit(sbatch_argv):
    """Run ``sbatch --parsable ...``; return the job id it prints."""
    done = subprocess.run(sbatch_argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SubmitError(f"{shlex.join(sbatch_argv)} failed (exit {done.returncode}): "
                          f"{done.stderr.strip() or done.stdout.strip()}")
    # --parsable prints "jobid" or "jobid;cluster".
    return done.stdout.strip().split(";")[0]


class SubmitError(RuntimeError):
    """sbatch refused a job."""


@exits_on_error
def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    bundle = bundle_at(args.autograder)
    distinct_names(args.submissions)
    if not args.dry_run and shutil.which("sbatch") is None:
        raise CommandError("sbatch not found: run this on a node that submits Slurm jobs (a "
                           "login node), or give --dry-run to write the scripts only")
    results_dir = Path(args.out).resolve()
    autograder = Path(args.autograder).resolve()
    paths = [str(Path(path).resolve()) for path in args.submissions]
    todo = paths if args.force else still_to_grade(paths, results_dir, bundle.fingerprint)
    results_dir.mkdir(parents=True, exist_ok=True)
    if not todo:
        records = write_gradebook(results_dir, bundle.fingerprint, [c.id for c in bundle.checks])
        print(f"nothing to grade: all {len(paths)} submission(s) have results of this bundle; "
              f"{results_dir / GRADEBOOK} written ({len(records)} submission(s))")
        return 0

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    run = results_dir / ".slurm" / stamp
    (run / "logs").mkdir(parents=True)
    (run / "submissions.txt").write_text("".join(path + "\n" for path in todo), encoding="utf-8")
    count = min(args.shards, len(todo))
    grade_options = ["--autograder", str(autograder), "--out", str(results_dir)]
    grade_options += limits_module.to_options(limits_module.from_options(args))
    grade_options += ["--force"] if args.force else []
    grade_options += ["--insecure-no-sandbox"] if args.insecure_no_sandbox else []
    (run / "grade.sbatch").write_text(
        grade_script(run, sys.executable, count, args.max_running, grade_options))
    (run / "gradebook.sbatch").write_text(
        gradebook_script(sys.executable, results_dir, autograder))

    # The log paths go on the command line, where a space in them is no trouble.
    grade_argv = ["sbatch", "--parsable", f"--output={run / 'logs' / 'grade-%A_%a.out'}",
                  *args.sbatch_options, str(run / "grade.sbatch")]
    merge_argv = ["sbatch", "--parsable", f"--output={run / 'logs' / 'gradebook-%j.out'}",
                  "--dependency=afterany:{}", *args.sbatch_options, str(run / "gradebook.sbatch")]
    print(f"{len(todo)} of {len(paths)} submission(s) to grade in {count} task(s); "
          f"scripts in {run}")
    if args.dry_run:
        print(shlex.join(grade_argv))
        print(shlex.join(merge_argv).replace("{}", "JOBID"))
        return 0
    try:
        array_id = submit(grade_argv)
        merge_id = submit([word.replace("{}", array_id) if word.startswith("--dependency")
                           else word for word in merge_argv])
    except SubmitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"grading: job array {array_id} ({count} task(s)); gradebook: job {merge_id}, "
          f"once they have ended, into {results_dir / GRADEBOOK}")
    print(f"follow with: squeue -j {array_id},{merge_id}; logs in {run / 'logs'}; after a failed "
          f"or cancelled task, run this command again: it grades only what is missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
