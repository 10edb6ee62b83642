"""The student kit's ``pack_submission.py``: unreadable notebooks and unanswered questions.

Each test packs a small hand-made kit (the script, ``.checks/kit.json`` and
``.checks/kit_contract.py``, one student file, two notebooks) in tmp_path, by running the script as a student
does: the script reads nothing else of a kit, so no release is built here
(``tests/test_release.py::test_pack_submission`` packs a released kit). It runs
with ``-S`` (no site-packages) to show that it needs the standard library only.
"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from instructor.grading import feedback

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "instructor" / "student_kit" / "pack_submission.py"
CONTRACT = REPO / "instructor" / "kit_contract.py"
MARK = "**Your answer:**"
NOTEBOOKS = ("notebooks/1_demo.ipynb", "notebooks/2_play.ipynb")


def question(number, answer=""):
    """A markdown cell shaped like the kit's inline questions, answered with `answer`."""
    return nbformat.v4.new_markdown_cell(
        f"**Inline question {number}.** Why is it so?\n\n{MARK}{answer}")


def write_notebook(path, *cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A notebook"),
                                         nbformat.v4.new_code_cell("x = 1"), *cells])
    nbformat.write(nb, str(path))


@pytest.fixture
def kit(tmp_path):
    """A kit whose work is done: every inline question answered, no stub left."""
    root = tmp_path / "kit"
    (root / ".checks").mkdir(parents=True)
    (root / "assignment").mkdir()
    (root / "notebooks").mkdir()
    shutil.copy2(SCRIPT, root / "pack_submission.py")
    shutil.copy2(CONTRACT, root / ".checks" / "kit_contract.py")
    (root / ".checks" / "kit.json").write_text(json.dumps(
        {"student_files": ["assignment/mod.py"], "notebooks": list(NOTEBOOKS)}))
    (root / "assignment" / "__init__.py").write_text("")
    (root / "assignment" / "mod.py").write_text("def add(a, b):\n    return a + b\n")
    write_notebook(root / NOTEBOOKS[0], question(1, " Because the margin is 1."),
                   question(2, "\n\nIt is the mean, not the sum."))
    write_notebook(root / NOTEBOOKS[1], question(1, " Log base e."))
    return root


def pack(kit, *args):
    return subprocess.run([sys.executable, "-S", "pack_submission.py", *args], cwd=kit,
                          capture_output=True, text=True, timeout=60)


def packed(zip_path):
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def corrupt(path):
    """Delete one comma of a saved notebook; returns json's (line, column) of the error."""
    text = path.read_text(encoding="utf-8")
    broken = text.replace('",\n', '"\n', 1)
    path.write_text(broken, encoding="utf-8")
    try:
        json.loads(broken)
    except json.JSONDecodeError as error:
        return error.lineno, error.colno
    raise AssertionError("the notebook is still valid JSON")


def load_script(kit):
    """The kit's script as a module (it loads the kit's .checks/kit_contract.py)."""
    spec = importlib.util.spec_from_file_location("pack_submission", kit / "pack_submission.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------
# A finished kit packs without a word about notebooks or questions

def test_a_finished_kit_packs_with_no_warning_and_no_note(kit):
    done = pack(kit, "ada")
    assert done.returncode == 0, done.stderr
    assert "warning:" not in done.stdout and "note:" not in done.stdout, done.stdout
    assert done.stdout.startswith("Wrote ") and done.stderr == ""
    assert set(packed(kit / "ada.zip")) == {"assignment/__init__.py", "assignment/mod.py",
                                            *NOTEBOOKS}


# --------------------------------------------------------------------------
# A notebook the grader cannot read

def test_invalid_json_is_refused_naming_file_place_and_fix_then_packed_with_force_invalid(kit):
    line, column = corrupt(kit / NOTEBOOKS[1])
    refused = pack(kit, "ada")
    assert refused.returncode == 1 and refused.stdout == ""
    message = refused.stderr
    assert (f"the grader could not read the written answers in this notebook:\n"
            f"  - notebooks/2_play.ipynb: it is not valid JSON (Expecting ',' delimiter at "
            f"line {line}, column {column})\n") in message
    assert "Open it in Jupyter and save it again" in message
    assert "Revert Notebook to Checkpoint" in message and "add --force-invalid" in message
    assert "1_demo.ipynb" not in message
    assert not (kit / "ada.zip").exists()
    assert [p.name for p in kit.iterdir() if p.suffix == ".tmp"] == []

    forced = pack(kit, "ada", "--force-invalid")
    assert forced.returncode == 0, forced.stderr
    assert (f"warning: notebooks/2_play.ipynb: it is not valid JSON (Expecting ',' delimiter "
            f"at line {line}, column {column}); packed as it is (--force-invalid), but the "
            f"grader cannot read the written answers in it.\n") in forced.stdout
    assert "note:" not in forced.stdout and "Wrote " in forced.stdout
    assert packed(kit / "ada.zip")[NOTEBOOKS[1]] == (kit / NOTEBOOKS[1]).read_bytes()


def test_force_replaces_a_zip_but_does_not_pack_an_invalid_notebook(kit):
    # --force answers "replace my zip?", not "pack a notebook the grader
    # cannot read?": a student re-packing with it keeps the refusal.
    assert pack(kit, "ada").returncode == 0
    before = (kit / "ada.zip").read_bytes()
    corrupt(kit / NOTEBOOKS[0])
    refused = pack(kit, "ada", "--force")
    assert refused.returncode == 1
    assert "notebooks/1_demo.ipynb: it is not valid JSON" in refused.stderr
    assert (kit / "ada.zip").read_bytes() == before

    # An unreadable notebook does not override the question of the existing zip.
    kept = pack(kit, "ada", "--force-invalid")
    assert kept.returncode == 1 and "already exists. Add --force" in kept.stderr
    assert (kit / "ada.zip").read_bytes() == before
    assert pack(kit, "ada", "--force", "--force-invalid").returncode == 0
    assert (kit / "ada.zip").read_bytes() != before


@pytest.mark.parametrize("content, reason", [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf{\"cells\": []}", "it is not valid JSON: it starts with a byte-order mark"),
    (b"[1, 2]", 'it is JSON but not a notebook (no "cells" list)'),
    (b'{"cells": {}}', 'it is JSON but not a notebook (no "cells" list)'),
    (b'{"nbformat": 3, "worksheets": [{"cells": []}]}',
     'it is JSON but not a notebook (no "cells" list)'),
    (b"[" * 100_000 + b"]" * 100_000, "it is nested too deeply to read"),
], ids=["empty", "bom", "list", "cells-not-a-list", "nbformat-3", "deep"])
def test_each_kind_of_unreadable_notebook_is_refused_with_what_is_wrong(kit, content, reason):
    (kit / NOTEBOOKS[0]).write_bytes(content)
    refused = pack(kit, "ada")
    assert refused.returncode == 1
    assert f"  - notebooks/1_demo.ipynb: {reason}" in refused.stderr
    assert not (kit / "ada.zip").exists()


def test_a_stray_non_utf8_byte_is_packed_as_the_grader_reads_it(kit):
    # The grader decodes with replacement characters: the answers are still read.
    path = kit / NOTEBOOKS[1]
    path.write_bytes(path.read_bytes().replace(b"Log base e.", b"Log base \xe9."))
    done = pack(kit, "ada")
    assert done.returncode == 0 and "warning:" not in done.stdout, done.stdout + done.stderr


def test_the_refusal_names_an_existing_checkpoint_and_every_unreadable_notebook(kit):
    checkpoints = kit / "notebooks" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    shutil.copy2(kit / NOTEBOOKS[1], checkpoints / "2_play-checkpoint.ipynb")
    corrupt(kit / NOTEBOOKS[0])
    corrupt(kit / NOTEBOOKS[1])
    refused = pack(kit, "ada")
    assert refused.returncode == 1
    assert "written answers in these notebooks:\n  - notebooks/1_demo.ipynb: it is not" \
        in refused.stderr
    first, second = [line for line in refused.stderr.splitlines() if line.startswith("  - ")]
    assert "checkpoint" not in first
    assert second.endswith("(its last checkpoint: notebooks/.ipynb_checkpoints/"
                           "2_play-checkpoint.ipynb)")
    assert "Open each one in Jupyter" in refused.stderr
    assert "To pack them as they are anyway, add --force-invalid." in refused.stderr


# --------------------------------------------------------------------------
# Unanswered inline questions: listed, never a reason to refuse

def test_unanswered_questions_are_listed_and_the_answered_ones_not(kit):
    write_notebook(kit / NOTEBOOKS[0], question(1, " Because."), question(2, "  \n\n \t"),
                   question(3))
    write_notebook(kit / NOTEBOOKS[1], question(1, "\n"), question(2, " Yes."))
    done = pack(kit, "ada")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stdout.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: 3 inline questions are unanswered: 1_demo.ipynb questions 2, 3; 2_play.ipynb "
        "question 1. Write each answer after **Your answer:** in its question's cell and save "
        "the notebook (an answer you wrote in a text cell of its own right below its question "
        "is graded too, but this script cannot tell it from the notebook's own text)."]
    assert set(packed(kit / "ada.zip")) >= set(NOTEBOOKS)

    write_notebook(kit / NOTEBOOKS[0], question(1, " Because."), question(2, " So."),
                   question(3, " Thus."))
    one = pack(kit, "ada", "--force")
    assert one.returncode == 0
    assert "note: 1 inline question is unanswered: 2_play.ipynb question 1." in one.stdout


def test_a_question_whose_answer_mark_was_deleted_is_named(kit):
    # The grader gathers written answers by the mark: without it the answer is lost.
    nb = nbformat.read(str(kit / NOTEBOOKS[1]), as_version=4)
    nb.cells[-1].source = "**Inline question 1.** Why is it so?\n\nLog base e."
    nbformat.write(nb, str(kit / NOTEBOOKS[1]))
    done = pack(kit, "ada")
    assert done.returncode == 0
    assert ("note: **Your answer:** is gone from 2_play.ipynb question 1: the grader finds "
            "your written answers by it.") in done.stdout
    assert "unanswered" not in done.stdout


def test_the_answer_mark_is_the_one_the_grader_looks_for(kit):
    # The script runs without instructor/: it reads the mark from the kit's copy of the contract.
    assert load_script(kit).ANSWER_MARK == feedback.ANSWER_MARK


def test_every_inline_question_of_the_released_notebooks_is_found_unanswered(kit):
    script = load_script(kit)
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = ["".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "markdown"]
        numbers = [int(m.group(1)) for text in cells
                   for m in [re.match(r"\*\*Inline question (\d+)\.\*\*", text)] if m]
        assert script.inline_questions(nb) == [(n, "") for n in numbers], path.name


def test_without_the_kit_contract_nothing_is_packed_and_it_says_what_to_restore(kit):
    (kit / ".checks" / "kit_contract.py").unlink()
    done = pack(kit, "ada")
    assert done.returncode == 1 and not done.stdout
    assert done.stderr.startswith("pack_submission: cannot find .checks/kit_contract.py")
    assert "restore .checks/ from a fresh copy of the kit" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (kit / "ada.zip").exists()


def test_junk_is_left_out_of_the_zip(kit):
    for junk in ("assignment/__pycache__/mod.cpython-312.pyc", "assignment/mod.py~",
                 "notebooks/.ipynb_checkpoints/1_demo-checkpoint.ipynb", "notebooks/.DS_Store",
                 "assignment/.mypy_cache/x.json", "notebooks/__MACOSX/._1_demo.ipynb"):
        (kit / junk).parent.mkdir(parents=True, exist_ok=True)
        (kit / junk).write_text("{}")
    assert pack(kit, "ada").returncode == 0
    assert sorted(packed(kit / "ada.zip")) == ["assignment/__init__.py", "assignment/mod.py",
                                               *NOTEBOOKS]
