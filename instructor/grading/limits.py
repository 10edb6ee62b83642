"""The grader's limits: one set of defaults, every one settable from the command line.

:class:`Limits` is the only place a default lives. ``python -m instructor
grade`` makes one option per field (``--call-timeout``, ``--memory-mb``, ...)
from :data:`LIMITS`, the grader's README shows the same table (a test keeps
it equal to this one), and ``result.json`` records the values used.
"""

import argparse
from dataclasses import dataclass, field, make_dataclass


@dataclass(frozen=True)
class Limit:
    name: str
    default: float
    unit: str
    what: str
    kind: type = int


LIMITS = (
    Limit("timeout", 600, "s", "wall time for a whole submission (every notebook)", float),
    Limit("cell_timeout", 120, "s", "wall time for one cell of a check notebook", float),
    Limit("call_timeout", 60, "s", "wall time for one call into the student's code", float),
    Limit("memory_mb", 2048, "MB", "memory of all the student's processes together "
          "(a cgroup; where none can be made, per process)"),
    Limit("cpus", 1, "cores", "CPU time of all the student's processes together, "
          "as a quota (a cgroup)", float),
    Limit("processes", 16, "tasks", "processes and threads the student's code may have "
          "at once (its sandbox's own, whatever the grader's uid)"),
    Limit("file_mb", 16, "MB", "largest file the student's code may write"),
    Limit("scratch_mb", 64, "MB", "the student's writable scratch folder, all files together"),
    Limit("open_files", 256, "files", "files one student process may have open"),
    Limit("result_mb", 64, "MB", "largest value one call may return"),
    Limit("output_kb", 200, "kB", "text the student's code may print during one check "
          "(beyond it, the output is cut)"),
    Limit("answer_chars", 4000, "characters", "one written answer, in the feedback"),
    Limit("answers_kb", 200, "kB", "all written answers of a submission, in the feedback"),
)


Limits = make_dataclass("Limits", [(limit.name, limit.kind, field(default=limit.kind(limit.default)))
                                   for limit in LIMITS], frozen=True)
Limits.__doc__ = "The limits of a grading run; the defaults are those of LIMITS."


def add_options(parser):
    """One ``--name`` option per limit, defaulting to :data:`LIMITS`."""
    group = parser.add_argument_group("limits (per submission unless said otherwise)")
    for limit in LIMITS:
        group.add_argument("--" + limit.name.replace("_", "-"), type=_positive(limit.kind),
                           default=limit.default, metavar=limit.unit.upper().replace(" ", "_"),
                           help=f"{limit.what} (default {limit.default:g} {limit.unit})")


def from_options(args):
    return Limits(**{limit.name: getattr(args, limit.name) for limit in LIMITS})


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
        return value
    return parse


def markdown_table():
    """The table the grader's README shows (a test compares them)."""
    rows = ["| option | default | what it limits |", "|---|---|---|"]
    for limit in LIMITS:
        rows.append(f"| `--{limit.name.replace('_', '-')}` | {limit.default:g} {limit.unit} "
                    f"| {limit.what} |")
    return "\n".join(rows)


def to_options(limits):
    """The command-line options that give ``limits`` to another grader (defaults left out)."""
    options = []
    for limit in LIMITS:
        value = getattr(limits, limit.name)
        if value != limit.kind(limit.default):
            options += ["--" + limit.name.replace("_", "-"), str(value)]
    return options
