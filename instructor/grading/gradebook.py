"""``python -m instructor gradebook RESULTS``: ``RESULTS/gradebook.csv`` from the results.

    python -m instructor gradebook RESULTS [--autograder OUT/autograder]

Every submission graded into RESULTS leaves ``RESULTS/<name>/result.json``;
the gradebook is made from those files alone, by this step, so that the
shards of a batch (``grade --shard``, ``instructor slurm``) never write one
file together. ``grade`` runs it at its end when it grades a whole batch.
The gradebook holds the results of one bundle: the one given, or else the
only one in RESULTS.
"""

import argparse
import csv
import io
import sys
from pathlib import Path

from ..atomic import write_atomic
from ..command_line import CommandError, bundle_at, exits_on_error
from .results import load_result

GRADEBOOK = "gradebook.csv"


class GradebookError(ValueError):
    """RESULTS does not say which bundle's results make the gradebook."""


def graded(results_dir, fingerprint=None):
    """``{name: record}`` of every submission graded into RESULTS with one bundle.

    ``fingerprint`` chooses the bundle; without it RESULTS must hold the
    results of one bundle only.
    """
    results_dir = Path(results_dir)
    records = {}
    for folder in sorted(p for p in results_dir.iterdir()
                         if p.is_dir() and not p.name.startswith(".")):
        record = load_result(results_dir, folder.name)
        if record is not None:
            records[folder.name] = record
    if fingerprint is None:
        bundles = sorted({record.get("bundle") for record in records.values()}, key=str)
        if len(bundles) > 1:
            raise GradebookError(
                f"{results_dir} holds results of {len(bundles)} different autograder bundles; "
                f"give --autograder OUT/autograder to choose the one whose gradebook to write")
        return records
    return {name: record for name, record in records.items()
            if record.get("bundle") == fingerprint}


def check_ids_of(records):
    """The check columns: the checks of the records, in their order (one bundle, one order)."""
    ids = []
    for record in records:
        for check in record.get("checks", []):
            if check["id"] not in ids:
                ids.append(check["id"])
    return ids


def gradebook_text(records, check_ids):
    """CSV text: submission, score, max_score, status, sandbox, then a column per check.

    ``sandbox`` is the worker's isolation; a submission graded without one
    says ``none (INSECURE)``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "score", "max_score", "status", "sandbox", *check_ids])
    for record in sorted(records, key=lambda r: r["submission"]):
        earned = {c["id"]: (c["points"] if c["passed"] else 0) for c in record.get("checks", [])}
        isolation = record.get("isolation") or {}
        sandbox = isolation.get("name", "?") + ("" if isolation.get("secure", False)
                                                else " (INSECURE)")
        writer.writerow([record["submission"], record["score"], record["max_score"],
                         record["status"], sandbox, *[earned.get(i, "") for i in check_ids]])
    return out.getvalue()


def write_gradebook(results_dir, fingerprint=None, check_ids=None):
    """Write ``RESULTS/gradebook.csv`` atomically; return the records it holds."""
    records = graded(results_dir, fingerprint)
    if check_ids is None:
        check_ids = check_ids_of(records.values())
    write_atomic(Path(results_dir) / GRADEBOOK, gradebook_text(records.values(), check_ids))
    return records


@exits_on_error
def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m instructor gradebook",
        description="Write RESULTS/gradebook.csv from the results of every submission graded "
                    "into RESULTS.")
    parser.add_argument("results", metavar="RESULTS")
    parser.add_argument("--autograder", help="OUT/autograder of a release: the gradebook of its "
                                             "results (default: the only bundle in RESULTS)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    results_dir = Path(args.results)
    if not results_dir.is_dir():
        raise CommandError(f"{results_dir} is not a folder of results")
    fingerprint = check_ids = None
    if args.autograder:
        bundle = bundle_at(args.autograder)
        fingerprint, check_ids = bundle.fingerprint, [c.id for c in bundle.checks]
    try:
        records = write_gradebook(results_dir, fingerprint, check_ids)
    except GradebookError as error:
        raise CommandError(str(error)) from None
    print(f"{results_dir / GRADEBOOK}: {len(records)} submission(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
