"""``python -m instructor export canvas|moodle``: files an LMS's grade import accepts.

The expected columns are the platforms' documented ones: Canvas's gradebook
import reads the columns of its own gradebook export (``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID``, ``Section``), an optional ``Points
Possible`` row, and a column per assignment; Moodle's "Import grades from
CSV" maps users by one identifier column (email address, username or ID
number) and a grade column.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.export import lms
from instructor.grading import results

ROOT = Path(__file__).resolve().parents[1]


def publish(out, name, score, status="ok", secure=True, bundle="B1"):
    check = results.CheckResult("c1", 5, False, "n.ipynb", score == 5, "x")
    record = results.result_record(name, status, [check], 5, bundle=bundle,
                                   isolation={"name": "bubblewrap" if secure else "none",
                                              "secure": secure})
    record["score"] = score
    results.publish(out, name, {"result.json": json.dumps(record)})


@pytest.fixture
def batch(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    publish(out, "ada", 5)
    publish(out, "grace", 3)
    publish(out, "alan", 0, status="grader-error")
    publish(out, "stranger", 4)                      # in RESULTS, not in the roster
    roster = tmp_path / "roster.csv"
    # As Canvas exports it (a byte-order mark and all), with the submission names added.
    roster.write_text("\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,submission,Email address\n"
                      "\"Lovelace, Ada\",101,s1,ada@uni,Sec A,ada,ada@uni.edu\n"
                      "\"Hopper, Grace\",102,s2,grace@uni,Sec A,Grace,grace@uni.edu\n"
                      "\"Turing, Alan\",103,s3,alan@uni,Sec B,alan,alan@uni.edu\n"
                      "\"Noether, Emmy\",104,s4,emmy@uni,Sec B,emmy,emmy@uni.edu\n",
                      encoding="utf-8")
    return out, roster


def export(*args):
    return subprocess.run([sys.executable, "-m", "instructor", "export", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True)


def test_canvas_gets_its_own_columns_points_possible_and_a_grade_per_student(batch, tmp_path):
    out, roster = batch
    done = export("canvas", out, "--roster", roster, "--out", tmp_path / "canvas.csv",
                  "--assignment", "Linear classifiers (4242)")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Linear classifiers (4242)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5"]
    assert rows[2:] == [["Lovelace, Ada", "101", "s1", "ada@uni", "Sec A", "5"],
                        ["Hopper, Grace", "102", "s2", "grace@uni", "Sec A", "3"],
                        ["Turing, Alan", "103", "s3", "alan@uni", "Sec B", ""],
                        ["Noether, Emmy", "104", "s4", "emmy@uni", "Sec B", ""]]
    # Nothing dropped silently: each gap is named.
    assert "1 submission(s) have no student in the roster and are not in the file: stranger" \
        in done.stderr
    assert "1 student(s) of the roster have no result (left blank): emmy" in done.stderr
    assert "grader error and are left blank until an instructor has looked" in done.stderr
    assert "alan" in done.stderr


def test_moodle_gets_an_identifier_column_and_the_grade(batch, tmp_path):
    out, roster = batch
    done = export("moodle", out, "--roster", roster, "--out", tmp_path / "moodle.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "moodle.csv").read_text().splitlines() == [
        "Email address,Linear classifiers", "ada@uni.edu,5", "grace@uni.edu,3",
        "alan@uni.edu,", "emmy@uni.edu,"]


def test_an_export_refuses_what_it_cannot_use_and_overwrites_nothing(batch, tmp_path):
    out, roster = batch
    target = tmp_path / "grades.csv"
    target.write_text("the instructor's own file\n")
    done = export("canvas", out, "--roster", roster, "--out", target)
    assert done.returncode == 2 and "already exists; give --force" in done.stderr
    assert target.read_text() == "the instructor's own file\n"

    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nada,ada@uni.edu\n")
    done = export("moodle", out, "--roster", bad, "--out", tmp_path / "m.csv")
    assert done.returncode == 2
    assert "has no column 'submission', 'Email address'; its columns are 'name', 'email'" \
        in done.stderr
    twice = tmp_path / "twice.csv"
    twice.write_text("submission,ID\nada,1\nada,2\n")
    done = export("canvas", out, "--roster", twice, "--out", tmp_path / "c.csv")
    assert done.returncode == 2 and "maps submission 'ada' twice (lines 2 and 3)" in done.stderr
    publish(out, "other", 1, bundle="B2")
    done = export("canvas", out, "--roster", roster, "--out", tmp_path / "c.csv")
    assert done.returncode == 2 and "2 different autograder bundles" in done.stderr


def test_an_insecure_grading_is_named_in_the_export(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    publish(out, "ada", 5, secure=False)
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,ID\nada,7\n")
    text, notes = lms.export("canvas", out, roster, "A")
    assert text.splitlines()[-1] == "7,5"
    assert any("without a sandbox" in note and "ada" in note for note in notes)
