"""``python -m instructor COMMAND ...``: the instructor's tools.

    python -m instructor release OUT [--source DIR] [--execute full|checks]
    python -m instructor grade SUBMISSION... --autograder OUT/autograder --out RESULTS [--jobs N]
        [--shard K/N]
    python -m instructor gradebook RESULTS [--autograder OUT/autograder]
    python -m instructor slurm SUBMISSION... --autograder OUT/autograder --out RESULTS --shards N
        [--max-running M] [-- extra sbatch options]
    python -m instructor export canvas|moodle RESULTS --roster roster.csv --out grades.csv
    python -m instructor export gradescope OUT/autograder --out autograder.zip
    python -m instructor report RESULTS --out report.html [--autograder OUT/autograder]
    python -m instructor notebooks NOTEBOOK...   (store fresh reference check outputs)
"""

import sys

USAGE = __doc__.strip()
COMMANDS = ("release", "grade", "gradebook", "slurm", "export", "report", "notebooks")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    # Each command is imported only when asked for, so one that is missing or
    # broken never stops the others.
    if command == "release":
        from .release import main as run
    elif command in ("grade", "slurm"):
        if not sys.platform.startswith("linux"):
            print(f"python -m instructor {command} runs on Linux (it isolates the student's "
                  "code with Linux namespaces and bubblewrap); grade on a Linux machine, a Linux "
                  "virtual machine or a container.", file=sys.stderr)
            return 2
        if command == "grade":
            from .grade import main as run
        else:
            from .slurm import main as run
    elif command == "gradebook":
        from .grading.gradebook import main as run
    elif command == "export":
        if rest[:1] == ["gradescope"]:
            from .export.gradescope import main as run
        else:
            from .export.lms import main as run
    elif command == "report":
        from .report.page import main as run
    elif command == "notebooks":
        from .notebooks import main as run
    else:
        print(f"unknown command {command!r}; expected one of: {', '.join(COMMANDS)}\n\n{USAGE}",
              file=sys.stderr)
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
