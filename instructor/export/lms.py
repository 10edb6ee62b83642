"""``python -m instructor export canvas|moodle``: the gradebook as an LMS's grade import.

    python -m instructor export canvas RESULTS --roster roster.csv --out grades.csv
        [--assignment "Linear classifiers"]
    python -m instructor export moodle RESULTS --roster roster.csv --out grades.csv
        [--id-column "Email address"] [--assignment "Linear classifiers"]

The roster maps each submission (the name of its folder in RESULTS) to a
student: a CSV with a ``submission`` column and the columns by which the
platform knows its students.

Canvas
    The roster holds Canvas's identity columns as its gradebook export names
    them (``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
    ``Section``; ``ID`` at least). The file written has those columns, a
    ``Points Possible`` row, and one column for the assignment, which is
    what the gradebook's "Import" accepts. Name the column ``Title (id)``
    with the assignment's Canvas id to fill an existing assignment; a plain
    title makes a new one.
Moodle
    The roster holds one identifier column that Moodle's "Import grades from
    CSV" can map a user by (``Email address``, ``Username`` or
    ``ID number``); the file written has that column and the grade.

Only the autograded points are exported: the written answers are graded by
hand. Nothing is dropped without a word: submissions with no student in the
roster and students with no result are listed on stderr, and a submission the
grader failed on (``grader-error``) is left blank, not given 0, until an
instructor has looked at it.
"""

import argparse
import csv
import io
import sys
from pathlib import Path

from ..atomic import write_atomic
from ..command_line import CommandError, exits_on_error, new_file
from ..grading.gradebook import GradebookError, graded

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDENTIFIERS = ("Email address", "Username", "ID number")
NOT_EXPORTED = ("grader-error",)   # an instructor must look first: never a silent 0


class ExportError(ValueError):
    """The roster or RESULTS cannot make a grade import; the message says why."""


def read_roster(path, required):
    """Rows of the roster CSV, each a dict; every column of ``required`` must be there."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")   # Excel writes a byte-order mark
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(f"cannot read the roster {path}: {error}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    absent = [column for column in ("submission", *required) if column not in columns]
    if absent:
        raise ExportError(f"the roster {path} has no column {', '.join(map(repr, absent))}; "
                          f"its columns are {', '.join(map(repr, columns)) or 'none'}")
    rows = list(reader)
    seen = {}
    for number, row in enumerate(rows, start=2):
        name = (row["submission"] or "").strip()
        if name in seen:
            raise ExportError(f"the roster {path} maps submission {name!r} twice (lines "
                              f"{seen[name]} and {number})")
        seen[name] = number
    return rows


def match(records, roster):
    """Pair each roster row with its submission's record.

    Returns
    -------
    pairs : list of (row, record or None)
        In the roster's order; None for a student with no result.
    unmatched : list of str
        Submissions in RESULTS that no roster row names.
    """
    by_name = {name.lower(): record for name, record in records.items()}
    pairs = [(row, by_name.pop((row["submission"] or "").strip().lower(), None)) for row in roster]
    return pairs, sorted(record["submission"] for record in by_name.values())


def grade_of(record):
    """The grade cell of a record: its score, or blank when there is none to give yet."""
    if record is None or record["status"] in NOT_EXPORTED:
        return ""
    return f"{record['score']:g}" if isinstance(record["score"], float) else str(record["score"])


def canvas_text(pairs, assignment, max_score):
    columns = [column for column in CANVAS_IDENTITY if column in pairs[0][0]] if pairs else \
        list(CANVAS_IDENTITY)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, assignment])
    writer.writerow(["Points Possible", *[""] * (len(columns) - 1), max_score])
    for row, record in pairs:
        writer.writerow([row[column] for column in columns] + [grade_of(record)])
    return out.getvalue()


def moodle_text(pairs, id_column, assignment):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([id_column, assignment])
    for row, record in pairs:
        writer.writerow([row[id_column], grade_of(record)])
    return out.getvalue()


def export(platform, results_dir, roster_path, assignment, id_column=None):
    """The import file's text, and what the instructor must hear (a list of lines)."""
    try:
        records = graded(results_dir)
    except GradebookError as error:
        raise ExportError(str(error)) from None
    if not records:
        raise ExportError(f"{results_dir} holds no graded submission (no */result.json)")
    required = ("ID",) if platform == "canvas" else (id_column,)
    pairs, unmatched = match(records, read_roster(roster_path, required))
    max_score = next(iter(records.values()))["max_score"]
    text = (canvas_text(pairs, assignment, max_score) if platform == "canvas"
            else moodle_text(pairs, id_column, assignment))
    notes = []
    if unmatched:
        notes.append(f"{len(unmatched)} submission(s) have no student in the roster and are not "
                     f"in the file: {', '.join(unmatched)}")
    absent = [row["submission"] for row, record in pairs if record is None]
    if absent:
        notes.append(f"{len(absent)} student(s) of the roster have no result (left blank): "
                     f"{', '.join(absent)}")
    held = [record["submission"] for _, record in pairs
            if record is not None and record["status"] in NOT_EXPORTED]
    if held:
        notes.append(f"{len(held)} submission(s) had a grader error and are left blank until an "
                     f"instructor has looked (their result.json says what failed): "
                     f"{', '.join(held)}")
    insecure = [record["submission"] for _, record in pairs
                if record is not None and not (record.get("isolation") or {}).get("secure", False)]
    if insecure:
        notes.append(f"{len(insecure)} submission(s) were graded without a sandbox "
                     f"(--insecure-no-sandbox): {', '.join(insecure)}")
    return text, notes


@exits_on_error
def main(argv):
    parser = argparse.ArgumentParser(prog="python -m instructor export canvas|moodle",
                                     description=__doc__.split("\n\n")[0].strip("`: "))
    parser.add_argument("platform", choices=("canvas", "moodle"))
    parser.add_argument("results", metavar="RESULTS")
    parser.add_argument("--roster", required=True,
                        help="CSV: a 'submission' column and the platform's student columns")
    parser.add_argument("--out", required=True, help="the CSV file to write")
    parser.add_argument("--assignment", default="Linear classifiers",
                        help="the grade column's title (Canvas: 'Title (id)' for an existing "
                             "assignment)")
    parser.add_argument("--id-column", default="Email address", choices=MOODLE_IDENTIFIERS,
                        help="Moodle: the roster's column that identifies a user")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args(argv)
    out = new_file(args.out, args.force)
    try:
        text, notes = export(args.platform, Path(args.results), args.roster, args.assignment,
                             args.id_column)
    except ExportError as error:
        raise CommandError(str(error)) from None
    write_atomic(out, text)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    rows = text.count("\n") - (2 if args.platform == "canvas" else 1)
    print(f"{out}: {rows} student(s) for {args.platform}'s grade import")
    return 0
