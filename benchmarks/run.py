"""Benchmark the kit: every figure measured side by side with its floor, in one run.

Usage (from the kit's root)::

    python benchmarks/run.py            # everything (about 5 minutes)
    python benchmarks/run.py --quick    # skip the notebooks on CIFAR-10-sized data

Prints a table and writes the same figures as JSON to the path it prints
(``benchmarks/results/``, not committed). Times are the best of several
repeats (the least disturbed by the rest of the machine); ratios compare
figures measured in the same run. Targets (issue 6):

- a vectorized loss at most 1.1x its two unavoidable matrix products;
- one training iteration (batch 200) at most 1.5x that batch's products;
- loading and preprocessing CIFAR-10 at most 3 s;
- the SVM and softmax notebooks on CIFAR-10-sized data at most 45 s and 1 GB.
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


def best_time(function, repeat=7):
    """Shortest wall time of `repeat` calls, after one warm-up call (seconds)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def fastest_products(X, W, dscores):
    """Time of X @ W plus the faster orientation of the gradient's product."""
    forward = best_time(lambda: X @ W)
    backward = min(best_time(lambda: X.T @ dscores), best_time(lambda: dscores.T @ X))
    return forward + backward


def bench_losses(dtype):
    """Vectorized losses against their matrix products and two passes over X."""
    rows = []
    rng = np.random.default_rng(0)
    for N in (500, 10_000):
        X = rng.standard_normal((N, D)).astype(dtype)
        W = (0.001 * rng.standard_normal((D, C))).astype(dtype)
        y = rng.integers(0, C, size=N)
        dscores = rng.standard_normal((N, C)).astype(dtype)
        floor = fastest_products(X, W, dscores)
        two_passes = 2 * best_time(lambda: X.sum())
        for name, loss in (("svm", svm_loss_vectorized), ("softmax", softmax_loss_vectorized)):
            seconds = best_time(lambda: loss(W, X, y, 0.5))
            rows.append({"what": f"{name}_loss_vectorized N={N} {np.dtype(dtype).name}",
                         "seconds": seconds, "floor_seconds": floor,
                         "ratio_to_products": seconds / floor,
                         "ratio_to_two_passes": seconds / two_passes, "target": 1.1})
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
        slow = best_time(lambda: naive(W, X, y, 0.5), repeat=2)
        fast = best_time(lambda: vectorized(W, X, y, 0.5))
        rows.append({"what": f"{name} naive / vectorized N={N}", "seconds": slow,
                     "floor_seconds": fast, "speedup": slow / fast})
    return rows


def bench_training_iteration(dtype, num_train=49_000, batch_size=200):
    """One iteration of LinearSVM.train against its batch's matrix products."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((num_train, D)).astype(dtype)
    y = rng.integers(0, C, size=num_train)
    classifier = LinearSVM(seed=0)
    classifier.train(X, y, num_iters=1, batch_size=batch_size)
    iters = 50
    seconds = best_time(lambda: classifier.train(X, y, learning_rate=1e-7, reg=0.5,
                                                 num_iters=iters, batch_size=batch_size),
                        repeat=3) / iters
    batch = X[:batch_size]
    floor = fastest_products(batch, classifier.W, rng.standard_normal((batch_size, C)).astype(dtype))
    return [{"what": f"training iteration, batch {batch_size}, N={num_train} {np.dtype(dtype).name}",
             "seconds": seconds, "floor_seconds": floor, "ratio_to_products": seconds / floor,
             "target": 1.5}]


def child_peak(command, env=None, cwd=None):
    """Run a command; return (wall seconds, peak RSS in MB of its biggest process)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    # ru_maxrss of children is a high-water mark over all of them: only a new
    # maximum is this command's own.
    return seconds, (peak / 1024 if peak > before else float("nan"))


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
    seconds, peak_mb = child_peak([sys.executable, "-c", LOAD_SCRIPT, str(KIT_ROOT), str(datasets_dir)])
    return [{"what": "load + preprocess CIFAR-10 (fresh process)", "seconds": seconds,
             "peak_mb": peak_mb, "target_seconds": 3.0}]


def bench_notebook(notebook, kit, env, label):
    """Run one notebook end to end with nbval: wall time and peak memory."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               "--nbval-lax", "--nbval-current-env", str(notebook)]
    seconds, peak_mb = child_peak(command, env=env, cwd=kit)
    return {"what": f"notebook {notebook.name} ({label})", "seconds": seconds, "peak_mb": peak_mb}


def bench_notebooks(cifar_dir, full):
    """Every notebook on the embedded digits; the SVM and softmax ones on CIFAR-10 size."""
    rows = []
    env = dict(os.environ, ASSIGNMENT_DATASET="digits", MPLBACKEND="Agg")
    for notebook in sorted((KIT_ROOT / "notebooks").glob("*.ipynb")):
        rows.append(bench_notebook(notebook, KIT_ROOT, env, "embedded digits"))
    if full:
        env = dict(os.environ, ASSIGNMENT_DATASET="cifar10", DATASETS_DIR=str(cifar_dir.parent),
                   MPLBACKEND="Agg")
        for notebook in sorted((KIT_ROOT / "notebooks").glob("*.ipynb")):
            if "svm" in notebook.name or "softmax" in notebook.name:
                row = bench_notebook(notebook, KIT_ROOT, env, "CIFAR-10-sized")
                row.update(target_seconds=45.0, target_peak_mb=1024.0)
                rows.append(row)
    return rows


def print_table(rows):
    """One line per figure, with its ratio or target."""
    print(f"{'what':62s} {'seconds':>10s} {'floor s':>10s} {'ratio':>7s} {'peak MB':>8s} {'target':>8s}")
    for row in rows:
        ratio = row.get("ratio_to_products", row.get("speedup"))
        target = row.get("target", row.get("target_seconds"))
        print(f"{row['what']:62s} {row['seconds']:10.4f} "
              f"{row.get('floor_seconds', float('nan')):10.4f} "
              f"{(ratio if ratio is not None else float('nan')):7.2f} "
              f"{row.get('peak_mb', float('nan')):8.0f} "
              f"{(target if target is not None else float('nan')):8.2f}")


def machine():
    return {"python": platform.python_version(), "numpy": np.__version__,
            "processor": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "platform": platform.platform()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the notebooks on CIFAR-10-sized data")
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

    print_table(rows)
    out = KIT_ROOT / "benchmarks" / "results" / time.strftime("%Y%m%d-%H%M%S.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
