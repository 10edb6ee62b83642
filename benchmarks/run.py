"""Benchmark the kit: every figure measured side by side with its floor, in one run.

Usage (from the kit's root)::

    python benchmarks/run.py                # everything (about 7 minutes)
    python benchmarks/run.py --quick        # without the notebooks on CIFAR-10-sized data
    python benchmarks/run.py --no-grading   # without the grader (it builds a release)

Prints a table and writes the same figures as JSON to the path it prints
(``benchmarks/results/``, not committed). Times are the best of several
repeats (the least disturbed by the rest of the machine); a figure and its
floor are measured interleaved, call by call. Targets (issues 6 and 20):

- a vectorized loss at most 1.2x its two unavoidable matrix products at
  N = 500 and 1.1x at N = 10,000 (float32), each product in the faster of
  its two orientations;
- one training iteration (batch 200) at most 1.3x gathering its random batch
  plus that batch's products (also reported: the iteration against the
  products alone, the gather against a plain copy, and what a sampler that
  copies nothing would reach);
- loading and preprocessing CIFAR-10 at most 3 s;
- every notebook on CIFAR-10-sized data at most 45 s and 1 GB (a student's Run All).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KIT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT_ROOT))

from assignment.classifiers import (LinearSVM, softmax_loss_naive,  # noqa: E402
                                    softmax_loss_vectorized, svm_loss_naive,
                                    svm_loss_vectorized)
from benchmarks.synthetic_cifar import write_cifar10  # noqa: E402

D, C = 3073, 10
# Targets (issue 20): a vectorized loss against its two products, by N (at N = 500 the
# fifteen small calls besides the products are 10 to 20% of a loss), and a training
# iteration against its batch's gather plus the products.
LOSS_TARGETS = {500: 1.2, 10_000: 1.1, "iteration": 1.3}


def best_times(functions, repeat):
    """Shortest wall time of each function (seconds), measured side by side.

    The calls are interleaved (f, g, h, g, h, f, h, f, g, ...) after one
    warm-up call each, so a slow spell of the machine falls on every function
    alike, and the order rotates from round to round, so no function always
    follows the same one (a call runs slower after some others, see
    bench_losses). The best of `repeat` is the run least disturbed.
    """
    for function in functions:
        function()
    best = [float("inf")] * len(functions)
    for round_ in range(repeat):
        for offset in range(len(functions)):
            k = (round_ + offset) % len(functions)
            start = time.perf_counter()
            functions[k]()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def product_pairs(X, W, dscores):
    """The two products a loss cannot avoid, in each pair of orientations.

    Forward ``X @ W`` or ``(W.T @ X.T).T``; backward ``X.T @ dscores`` or
    ``dscores.T @ X``. Each pair runs as one function, so the floor is the
    best time of one whole pair, not a sum of separately best halves.
    """
    forwards = (lambda: X @ W, lambda: (W.T @ X.T).T)
    backwards = (lambda: X.T @ dscores, lambda: dscores.T @ X)
    return [lambda f=f, b=b: (f(), b()) for f in forwards for b in backwards]


def repeats_for(function, seconds=1.0):
    """Enough repeats of `function` to spend about `seconds` on it (5 to 1000)."""
    start = time.perf_counter()
    function()
    return int(np.clip(seconds / (time.perf_counter() - start), 5, 1000))


def bench_losses(dtype):
    """Vectorized losses against their two matrix products and two passes over X."""
    rows = []
    rng = np.random.default_rng(0)
    # float64 runs only at N = 500, the gradient checks' size: the kit never runs it larger.
    for N in (500, 10_000) if dtype == np.float32 else (500,):
        X = rng.standard_normal((N, D)).astype(dtype)
        W = (0.001 * rng.standard_normal((D, C))).astype(dtype)
        y = rng.integers(0, C, size=N)
        dscores = rng.standard_normal((N, C)).astype(dtype)
        losses = {"svm": svm_loss_vectorized, "softmax": softmax_loss_vectorized}
        pairs = product_pairs(X, W, dscores)
        repeat = repeats_for(pairs[0])
        times = best_times([*pairs, *(lambda f=f: f(W, X, y, 0.5) for f in losses.values())],
                           repeat)
        floor = min(times[:len(pairs)])
        # Timed apart: on this machine a BLAS call right after X.sum(), or after
        # any pause of a few milliseconds in BLAS work (a sleep does the same),
        # ran 5 to 15% slower, most likely while OpenBLAS's idle threads wake
        # (the effect shrinks with one thread). No product of the floor pays that.
        two_passes = 2 * best_times([X.sum], repeat)[0]
        for name, seconds in zip(losses, times[len(pairs):]):
            rows.append({"what": f"{name}_loss_vectorized N={N} {np.dtype(dtype).name} / products",
                         "seconds": seconds, "floor_seconds": floor, "ratio": seconds / floor,
                         "at_most": LOSS_TARGETS[N],
                         "ratio_to_two_passes_over_X": seconds / two_passes})
    return rows


def bench_naive(dtype):
    """Naive against vectorized: the speed-up the notebooks show."""
    rng = np.random.default_rng(1)
    N = 500
    X = rng.standard_normal((N, D)).astype(dtype)
    W = (0.001 * rng.standard_normal((D, C))).astype(dtype)
    y = rng.integers(0, C, size=N)
    rows = []
    for name, naive, vectorized in (("svm", svm_loss_naive, svm_loss_vectorized),
                                    ("softmax", softmax_loss_naive, softmax_loss_vectorized)):
        slow, fast = best_times([lambda: naive(W, X, y, 0.5), lambda: vectorized(W, X, y, 0.5)],
                                repeat=2)
        rows.append({"what": f"{name} loss naive / vectorized N={N}", "seconds": slow,
                     "floor_seconds": fast, "ratio": slow / fast})
    return rows


def bench_training_iteration(dtype, num_train=49_000, batch_size=200, num_iters=1500):
    """One iteration of LinearSVM.train against its batch's matrix products.

    Measured over whole calls of train, so its once-per-call input checks
    weigh as they do in the notebooks. The floor is the products of one batch,
    run again and again, so that batch sits in the caches. Also reported,
    to show where the rest goes:

    - the iteration against the gather of a random batch (``X[indices]``) plus
      its products: the copy no sampler that returns a new array can avoid;
    - that gather against a copy of a random block of contiguous rows (the
      same bytes read in one stream): how far the random gather is from the
      memory's copy speed;
    - the products of a random block of rows taken as a view, no copy: the
      least any sampler could reach, since a fresh batch comes from memory,
      not from the caches; and a whole iteration (loss, gradient, update)
      with such a sampler.
    """
    rng = np.random.default_rng(2)
    X = rng.standard_normal((num_train, D)).astype(dtype)
    y = rng.integers(0, C, size=num_train)
    classifier = LinearSVM(seed=0)
    classifier.train(X, y, num_iters=1, batch_size=batch_size)
    learning_rate, reg = 1e-7, 0.5

    def random_indices():
        return rng.integers(0, num_train, size=batch_size)

    def random_block():
        start = rng.integers(0, num_train - batch_size + 1)
        return slice(start, start + batch_size)

    dscores = rng.standard_normal((batch_size, C)).astype(dtype)
    pairs = product_pairs(X[random_indices()], classifier.W, dscores)

    def train():
        classifier.train(X, y, learning_rate=learning_rate, reg=reg, num_iters=num_iters,
                         batch_size=batch_size)

    def products_of_batches(draw_batch):
        def run():
            for _ in range(num_iters):
                batch = draw_batch()
                batch @ classifier.W, dscores.T @ batch
        return run

    gather_and_products = products_of_batches(lambda: X[random_indices()])
    block_copy_and_products = products_of_batches(lambda: X[random_block()].copy())
    block_view_products = products_of_batches(lambda: X[random_block()])

    def block_view_iterations():
        W = classifier.W.copy()
        for _ in range(num_iters):
            rows = random_block()
            _, grad = svm_loss_vectorized(W, X[rows], y[rows], reg)
            W -= learning_rate * grad

    def repeated(pair):
        return lambda: [pair() for _ in range(num_iters)]

    # Every figure is the mean over num_iters iterations: best of 5 such runs.
    times = [t / num_iters for t in best_times(
        [train, gather_and_products, block_copy_and_products, block_view_products,
         block_view_iterations, *map(repeated, pairs)], repeat=5)]
    iteration, gathered, block_copied, block_viewed, view_iteration = times[:5]
    floor = min(times[5:])
    label = f"batch {batch_size}, {np.dtype(dtype).name}"

    def ratio_row(what, seconds, floor_seconds, **target):
        return {"what": f"{what}, {label}", "seconds": seconds,
                "floor_seconds": floor_seconds, "ratio": seconds / floor_seconds, **target}

    # The target is against the gather plus the products: the gather runs at this
    # machine's copy speed, so no sampler that copies its batch gets nearer the products.
    return [ratio_row("training iteration / products", iteration, floor),
            ratio_row("training iteration / (gather + products)", iteration, gathered,
                      at_most=LOSS_TARGETS["iteration"]),
            # The least any sampler that copies its batch could reach.
            ratio_row("gather + products / products", gathered, floor),
            ratio_row("gather + products / (block copy + products)", gathered, block_copied),
            # The least any sampler could reach: no copy, but rows fresh from memory.
            ratio_row("products of a block view / products", block_viewed, floor),
            ratio_row("iteration sampling a block view / products", view_iteration, floor)]


# Runs a command and prints the peak RSS (KiB) of its largest process, itself
# or any descendant it waited for (the Jupyter kernel under nbval, say): a
# fresh parent per command, so each figure is that command's own.
PEAK_LAUNCHER = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(result.returncode)
"""


def child_peak(command, env=None, cwd=None):
    """Run a command; return (wall seconds, peak RSS in MB of its largest process, stdout)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PEAK_LAUNCHER, *map(str, command)],
                            env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, result.stdout


LOAD_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from assignment.data import load_dataset, preprocess
start = time.perf_counter()
data, mean_image = preprocess(load_dataset("cifar10", root=sys.argv[2]))
print(time.perf_counter() - start)
"""


def bench_loading(datasets_dir):
    """Load and preprocess CIFAR-10 in a fresh process: time and peak memory."""
    seconds, peak_mb, _ = child_peak([sys.executable, "-c", LOAD_SCRIPT, KIT_ROOT, datasets_dir])
    return [{"what": "load + preprocess CIFAR-10 (fresh process)", "seconds": seconds,
             "peak_mb": peak_mb, "seconds_at_most": 3.0}]


# Runs a notebook as Jupyter's "Run All" does (nbclient, a fresh kernel) and
# prints the seconds from starting the kernel to the end of the last cell.
RUN_ALL_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from instructor.notebooks import execute, read
notebook = read(sys.argv[2])
start = time.perf_counter()
execute(notebook, cwd=sys.argv[3])
print(time.perf_counter() - start)
"""


def bench_notebook(notebook, kit, env, label):
    """Run one notebook end to end, twice: as a student's Run All, and under nbval.

    Returns two rows: the Run All's time (kernel start and every cell) with
    the peak memory of its largest process, the kernel; and the time under
    nbval, as the tests run the notebook, which adds starting pytest.
    """
    run_all = [sys.executable, "-c", RUN_ALL_SCRIPT, kit, notebook, notebook.parent]
    _, peak_mb, printed = child_peak(run_all, env=env, cwd=kit)
    seconds = float(printed.split()[-1])
    nbval = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
             "--nbval-lax", "--nbval-current-env", notebook]
    nbval_seconds, _, _ = child_peak(nbval, env=env, cwd=kit)
    name = f"notebook {notebook.name} ({label})"
    return [{"what": f"{name}, Run All", "seconds": seconds, "peak_mb": peak_mb},
            {"what": f"{name}, under nbval", "seconds": nbval_seconds}]


def bench_notebooks(cifar_dir, full):
    """Every notebook on the embedded digits, and again on CIFAR-10-sized data."""
    rows = []
    env = dict(os.environ, ASSIGNMENT_DATASET="digits", MPLBACKEND="Agg")
    for notebook in sorted((KIT_ROOT / "notebooks").glob("*.ipynb")):
        rows += bench_notebook(notebook, KIT_ROOT, env, "embedded digits")
    if full:
        env = dict(os.environ, ASSIGNMENT_DATASET="cifar10", DATASETS_DIR=str(cifar_dir.parent),
                   MPLBACKEND="Agg")
        for notebook in sorted((KIT_ROOT / "notebooks").glob("*.ipynb")):
            run_all, nbval = bench_notebook(notebook, KIT_ROOT, env, "CIFAR-10-sized")
            run_all.update(seconds_at_most=45.0, peak_mb_at_most=1024.0)
            rows += [run_all, nbval]
    return rows


def bench_grading(scratch):
    """The grader: one submission against the same checks run in one process, and a batch.

    The floor of grading one submission is what grading was before the
    student's code moved out of the kernel: nbval on the bundle's checks-only
    notebooks (public and hidden checks) with the student's files imported
    in the notebooks' own kernel. Both are timed side by side, whole runs
    interleaved. The cost of the forwarding is shown apart, per check: each
    check cell's time through the stand-ins less its time in one process
    (from the cells' execution times), over every check.
    """
    from instructor.grading import limits, sandbox
    from instructor.grading.bundle import load_bundle
    from instructor.grading.submission import read_submission
    from instructor.grading.workspace import KERNEL_NAME, build_workspace
    from instructor.grade import harness_environment
    from instructor.notebooks import execute, is_check, read

    scratch = Path(scratch)
    release = scratch / "release"
    subprocess.run([sys.executable, "-m", "instructor", "release", str(release),
                    "--execute", "checks"], cwd=KIT_ROOT, check=True, capture_output=True)
    bundle = load_bundle(release / "autograder")
    submissions = []
    for k in range(8):
        submission = scratch / "submissions" / f"student{k}"
        for folder in ("assignment", "notebooks"):
            shutil.copytree(KIT_ROOT / folder, submission / folder,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        submissions.append(submission)
    # The same checks, in one process: the kit with the reference files and the bundle's
    # checks-only notebooks, as the grader ran them when the student's code ran in its kernel.
    one_process = scratch / "one-process"
    for folder in ("assignment", "datasets"):
        shutil.copytree(KIT_ROOT / folder, one_process / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "cifar-10-*"))
    shutil.copytree(bundle.root / "checks", one_process / "notebooks")
    env = dict(os.environ, ASSIGNMENT_DATASET="digits", MPLBACKEND="Agg",
               PYTHONPATH=str(KIT_ROOT), **sandbox.numerics_environment())
    # An empty configuration pins pytest's rootdir to the copy; like the grader's harness,
    # a plugin loaded before nbval spares it the grammars of rfc3987_syntax (see the
    # benchmarks/README.md).
    (one_process / "pytest.ini").write_text("[pytest]\n")
    (one_process / "no_rfc3987.py").write_text(
        "import sys\nsys.modules.setdefault('rfc3987_syntax', None)\n")
    env.update(PYTHONPATH=f"{one_process}{os.pathsep}{KIT_ROOT}", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")

    def grade(batch, jobs, out):
        command = [sys.executable, "-m", "instructor", "grade", *map(str, batch),
                   "--autograder", str(bundle.root), "--out", str(scratch / out),
                   "--jobs", str(jobs), "--force"]
        subprocess.run(command, cwd=KIT_ROOT, check=True, capture_output=True)

    def in_one_process():
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no_rfc3987", "-p", "nbval.plugin", "-o", "addopts=",
                        "--nbval-lax", "--nbval-current-env", "notebooks"],
                       cwd=one_process, env=env, check=True, capture_output=True)

    one, floor = best_times([lambda: grade(submissions[:1], 1, "results-one"), in_one_process],
                            repeat=3)

    # Per check: through the stand-ins and in one process, every check cell's own time.
    isolation = sandbox.detect(insecure=sandbox._probe() is not None)
    student = read_submission(submissions[0], bundle.student_files)
    workspace = build_workspace(scratch / "workspace", bundle, student, isolation,
                                limits.Limits(), None)
    kernel = workspace.grader / "share" / "kernels" / KERNEL_NAME
    harness = {k: v for k, v in harness_environment(workspace, limits.Limits()).items() if k != "PYTHONPATH"}
    costs = []
    for name in sorted(bundle.notebooks):
        nb = read(bundle.root / "checks" / name)
        direct = execute(nb, cwd=one_process / "notebooks", env=env)
        forwarded = execute(nb, cwd=workspace.kit / "notebooks", env=harness, kernel_dir=kernel)
        for mine, theirs in zip(forwarded.cells, direct.cells):
            if is_check(mine):
                costs.append(_cell_seconds(mine) - _cell_seconds(theirs))
    return [
        {"what": "grade one submission / the same checks in one process", "seconds": one,
         "floor_seconds": floor, "ratio": one / floor, "at_most": 1.5},
        {"what": f"forwarding per check, mean of {len(costs)} (stand-ins - one process)",
         "seconds": sum(costs) / len(costs)},
        {"what": "forwarding per check, the most", "seconds": max(costs)},
        {"what": "grade 8 submissions, --jobs 1 / --jobs 2", **_jobs_ratio(grade, submissions)},
        _throughput(grade, submissions),
        _evidence_cost(grade, scratch, submissions),
        *bench_slurm(bundle.root, submissions),
    ]


def _cell_seconds(cell):
    """A cell's run time, from nbclient's timestamps."""
    from datetime import datetime
    timing = cell.metadata["execution"]
    start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def _jobs_ratio(grade, submissions):
    def timed(jobs, out):
        start = time.perf_counter()
        grade(submissions, jobs, out)
        return time.perf_counter() - start
    serial, parallel = timed(1, "results-jobs1"), timed(2, "results-jobs2")
    return {"seconds": serial, "floor_seconds": parallel, "ratio": serial / parallel,
            "at_least": 1.6}


def _throughput(grade, submissions):
    """Correct submissions per core-hour: the CPU time of every process the grader starts."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    grade(submissions, 1, "results-throughput")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    per_submission = cpu / len(submissions)
    return {"what": f"CPU s per correct submission ({3600 / per_submission:.0f} per core-hour; "
                    f"wall {wall / len(submissions):.1f} s)",
            "seconds": per_submission, "per_core_hour": 3600 / per_submission}


def _evidence_cost(grade, scratch, submissions, mistake="svm_vec_grad_no_mean", count=4):
    """What the hints cost: the evidence run of submissions with a typical mistake.

    The grader runs it only after a failed check; its time is in each result.
    """
    sys.path.insert(0, str(KIT_ROOT / "tests"))
    from student_mistakes import apply_mistake
    wrong = []
    for k in range(count):
        folder = Path(scratch) / "mistakes" / f"student{k}"
        shutil.copytree(submissions[k], folder)
        apply_mistake(mistake, folder)
        wrong.append(folder)
    grade(wrong, 1, "results-evidence")
    records = [json.loads((Path(scratch) / "results-evidence" / f.name / "result.json").read_text())
               for f in wrong]
    evidence = sum(r["evidence_seconds"] for r in records) / count
    total = sum(r["seconds"] for r in records) / count
    return {"what": f"evidence run of a submission with a typical mistake / its whole grading "
                    f"({mistake})", "seconds": evidence, "floor_seconds": total,
            "ratio": evidence / total}


def bench_slurm(bundle_root, submissions):
    """A batch graded by ``instructor slurm`` on a real single-node cluster: 1 task, then 2.

    The same 2-shard array, held to one running task (``--max-running 1``) and
    free to run both on the two cores, twice each, interleaved; each timed from
    the command to the end of its gradebook job, the best of two kept. Needs Debian's slurm-wlm and munge and root
    (``tests/slurm_cluster.py``); without them the rows are left out.
    """
    sys.path.insert(0, str(KIT_ROOT / "tests"))
    import slurm_cluster
    lacking = slurm_cluster.missing()
    if lacking:
        print(f"(the Slurm rows are left out: this machine lacks {', '.join(lacking)})")
        return []
    # Each task bound to its one CPU, as a real cluster's task plugin binds it.
    with slurm_cluster.SlurmCluster(pin_cpus=True) as cluster:
        folder = cluster.user_folder("benchmark")
        shutil.copytree(bundle_root, folder / "autograder")
        paths = []
        for submission in submissions:
            shutil.copytree(submission, folder / "submissions" / submission.name)
            paths.append(folder / "submissions" / submission.name)
        for path in folder.rglob("*"):      # the course's user owns its bundle and submissions
            os.chown(path, cluster.user, cluster.user)

        def batch(max_running, round_):
            out = folder / f"results-{max_running}-{round_}"
            start = time.perf_counter()
            done = cluster.run([sys.executable, "-m", "instructor", "slurm", *paths,
                                "--autograder", folder / "autograder", "--out", out,
                                "--shards", "2", "--max-running", str(max_running)],
                               cwd=KIT_ROOT, timeout=600, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"instructor slurm failed:\n{done.stdout}{done.stderr}")
            jobs = [done.stdout.split("job array ")[1].split()[0],
                    done.stdout.split("gradebook: job ")[1].split(",")[0]]
            states = cluster.wait(jobs, timeout=1800)
            if set(states.values()) != {"COMPLETED"}:
                raise RuntimeError(f"the Slurm batch ended {states}; logs in {out / '.slurm'}")
            return time.perf_counter() - start

        # Two rounds, the second in the other order; the best of each is the run least
        # disturbed (this machine's speed varies by 10% from one minute to the next).
        times = {1: [], 2: []}
        for round_, order in enumerate(((1, 2), (2, 1))):
            for max_running in order:
                times[max_running].append(batch(max_running, round_))
        serial, parallel = min(times[1]), min(times[2])
    return [{"what": f"Slurm batch of {len(paths)}, 2 shards: 1 task at a time / 2 at once",
             "seconds": serial, "floor_seconds": parallel, "ratio": serial / parallel,
             "at_least": 1.8}]


def print_table(rows):
    """One line per figure: time, floor, ratio, peak memory, and the target."""
    nan = float("nan")
    print(f"{'what':66s} {'seconds':>9s} {'floor s':>9s} {'ratio':>7s} {'peak MB':>8s}  target")
    for row in rows:
        print(f"{row['what']:66s} {row['seconds']:9.4f} {row.get('floor_seconds', nan):9.4f} "
              f"{row.get('ratio', nan):7.2f} {row.get('peak_mb', nan):8.0f}  {target_text(row)}")


def target_text(row):
    """The row's target and whether this run met it, e.g. 'ratio <= 1.1: met'."""
    checks = []
    for key, field, sign in (("at_most", "ratio", "<="), ("at_least", "ratio", ">="),
                             ("seconds_at_most", "seconds", "<="),
                             ("peak_mb_at_most", "peak_mb", "<=")):
        if key in row:
            value, limit = row[field], row[key]
            met = value <= limit if sign == "<=" else value >= limit
            checks.append(f"{field} {sign} {limit:g}: {'met' if met else 'NOT met'}")
    return "; ".join(checks)


def machine():
    return {"python": platform.python_version(), "numpy": np.__version__,
            "processor": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "platform": platform.platform()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the notebooks on CIFAR-10-sized data")
    parser.add_argument("--no-grading", action="store_true",
                        help="skip the grader's figures (they build a release)")
    args = parser.parse_args(argv)

    rows = []
    for dtype in (np.float32, np.float64):
        rows += bench_losses(dtype)
    rows += bench_naive(np.float64)
    rows += bench_training_iteration(np.float32)
    with tempfile.TemporaryDirectory() as scratch:
        real = KIT_ROOT / "datasets" / "cifar-10-batches-py"
        cifar_dir = real if real.exists() else write_cifar10(Path(scratch) / "cifar-10-batches-py")
        rows += bench_loading(cifar_dir.parent)
        rows += bench_notebooks(cifar_dir, full=not args.quick)
        if not args.no_grading:
            rows += bench_grading(scratch)

    print_table(rows)
    out = KIT_ROOT / "benchmarks" / "results" / time.strftime("%Y%m%d-%H%M%S.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
