"""``python -m instructor release OUT``: the command line."""

import argparse
import sys
from pathlib import Path


def main(argv=None):
    from . import ReleaseError, release   # the pipeline, in the package that imports this module
    parser = argparse.ArgumentParser(
        prog="python -m instructor release",
        description="Build OUT/student (the student kit) and OUT/autograder (the grader's "
                    "bundle) from this source, after checking it.")
    parser.add_argument("out", metavar="OUT", help="output folder (a new one, or a previous release)")
    parser.add_argument("--source", default=str(Path(__file__).resolve().parents[2]),
                        help="the kit's source (default: this repository)")
    parser.add_argument("--execute", choices=("full", "checks"), default="full",
                        help="re-run whole notebooks (default) or only their checks, "
                             "to compare the stored check outputs with the reference's")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    try:
        manifest = release(args.source, args.out, mode=args.execute, timeout=args.timeout, log=log)
    except ReleaseError as error:
        print(f"release refused, nothing was built ({len(error.problems)} problem"
              f"{'s' if len(error.problems) != 1 else ''}):", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    out = Path(args.out)
    hidden = sum(1 for check in manifest["checks"] if check["hidden"])
    print(f"released {out / 'student'} and {out / 'autograder'}: "
          f"{len(manifest['student_files'])} student files, {len(manifest['checks'])} checks "
          f"({hidden} hidden), {manifest['max_score']} points.")
    return 0
