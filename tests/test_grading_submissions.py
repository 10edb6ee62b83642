"""Reading submissions without trusting them (instructor/grading/submission.py), their names
and digests, and the written answers gathered from their notebooks (feedback.py)."""

import json
import re
import shutil
import zipfile

import pytest

import grading_fixtures as fx
from instructor.grading import feedback
from instructor.grading.submission import (InvalidSubmission, content_digest, read_submission,
                                           submission_name)


@pytest.fixture()
def good(tmp_path):
    return fx.make_submission(tmp_path / "alice")


def test_folder_submission_keeps_only_student_files(good):
    provided = {"assignment/__init__.py": b"", "assignment/helpers.py": fx.HELPERS.encode()}
    (good / "notes.txt").write_text("mine")
    sub = read_submission(good, fx.STUDENT_FILES, provided)
    assert set(sub.student_files) == {"assignment/calc.py"}
    assert set(sub.notebooks) == {"notebooks/calc.ipynb"}
    assert (sub.changed_provided, sub.extra, sub.missing) == ([], ["notes.txt"], [])
    (good / "assignment" / "helpers.py").write_text("twice = None\n")
    assert read_submission(good, fx.STUDENT_FILES, provided).changed_provided == ["assignment/helpers.py"]


def test_zip_with_a_top_folder_reads_like_the_folder(good, tmp_path):
    zipped = fx.zip_folder(good, tmp_path / "alice.zip", prefix="alice-v2/")
    a, b = read_submission(good, fx.STUDENT_FILES), read_submission(zipped, fx.STUDENT_FILES)
    assert a.student_files == b.student_files and a.notebooks == b.notebooks
    assert submission_name(zipped) == "alice"
    assert content_digest(a) == content_digest(b)


def test_the_digest_follows_the_content_not_the_name(good, tmp_path):
    first = content_digest(read_submission(good, fx.STUDENT_FILES))
    copy = tmp_path / "bob"
    shutil.copytree(good, copy)
    assert content_digest(read_submission(copy, fx.STUDENT_FILES)) == first
    (copy / "assignment" / "calc.py").write_text(fx.STUB)
    assert content_digest(read_submission(copy, fx.STUDENT_FILES)) != first


@pytest.mark.parametrize("file_name, name", [
    ("alice.zip", "alice"), ("Alice_2.ZIP", "Alice_2"), ("x-y.z", "x-y.z"), ("a_b.zip", "a_b"),
])
def test_safe_names_are_kept(file_name, name):
    assert submission_name(f"/somewhere/{file_name}") == name


@pytest.mark.parametrize("file_name", ["a b.zip", "bob!.zip", "..zip", ".hidden", "é.zip",
                                       "x" * 120 + ".zip", "new\nline.zip", "`code`.zip"])
def test_other_names_get_a_hash_of_the_original(file_name):
    name = submission_name(f"/somewhere/{file_name}")
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}-[0-9a-f]{8}", name), name
    assert name == submission_name(f"/elsewhere/{file_name}")       # the same on every machine


@pytest.mark.parametrize("entry", ["../evil.py", "/etc/evil.py", "assignment/../../evil.py",
                                   "C:/evil.py", "assignment\\..\\evil.py"])
def test_zip_with_a_path_leaving_it_is_refused(tmp_path, entry):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("assignment/calc.py", fx.REFERENCE)
        z.writestr(entry, "x")
    with pytest.raises(InvalidSubmission):
        read_submission(path, fx.STUDENT_FILES)


def test_zip_with_a_link_is_refused(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("assignment/calc.py")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
    with pytest.raises(InvalidSubmission, match="link"):
        read_submission(path, fx.STUDENT_FILES)


def test_zip_limits(tmp_path, monkeypatch):
    from instructor.grading import submission
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("assignment/calc.py", fx.REFERENCE + "#" * 5000)
        for i in range(20):
            z.writestr(f"assignment/junk{i}.txt", "x")
    monkeypatch.setattr(submission, "MAX_FILES", 10)
    with pytest.raises(InvalidSubmission, match="entries"):
        read_submission(path, fx.STUDENT_FILES)
    monkeypatch.setattr(submission, "MAX_FILES", 100)
    monkeypatch.setattr(submission, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(InvalidSubmission, match="MB"):
        read_submission(path, fx.STUDENT_FILES)
    monkeypatch.setattr(submission, "MAX_TOTAL_BYTES", 10**8)
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InvalidSubmission, match="larger"):
        read_submission(path, fx.STUDENT_FILES)


def test_folder_student_file_over_the_cap_is_refused(good, monkeypatch):
    from instructor.grading import submission
    calc = good / "assignment" / "calc.py"
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", calc.stat().st_size)
    read_submission(good, fx.STUDENT_FILES)  # exactly at the cap: read
    calc.write_text(calc.read_text() + "#")
    with pytest.raises(InvalidSubmission, match="calc.py is larger than"):
        read_submission(good, fx.STUDENT_FILES)


def test_folder_with_a_linked_student_file_is_refused(good, tmp_path):
    calc = good / "assignment" / "calc.py"
    calc.unlink()
    target = tmp_path / "secret.py"
    target.write_text("x = 1\n")
    calc.symlink_to(target)
    with pytest.raises(InvalidSubmission, match="link"):
        read_submission(good, fx.STUDENT_FILES)


def test_not_a_submission(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    for path in (tmp_path / "empty", tmp_path / "notes.txt", tmp_path / "missing"):
        with pytest.raises(InvalidSubmission):
            read_submission(path, fx.STUDENT_FILES)


def test_written_answers_are_gathered_not_run(good):
    answers = feedback.written_answers(read_submission(good, fx.STUDENT_FILES).notebooks)
    assert answers == {"notebooks/calc.ipynb": ["Why?\n\n**Your answer:** Because."]}
    assert "not valid JSON" in feedback.written_answers({"n.ipynb": b"{nope"})["n.ipynb"][0]
    deep = b"[" * 100_000 + b"]" * 100_000
    assert "nested too deeply" in feedback.written_answers({"n.ipynb": deep})["n.ipynb"][0]


def test_written_answers_include_cells_the_student_added_after_a_question():
    question = "**Inline question 1.** Why?\n\n**Your answer:**"
    released = {"notebooks/n.ipynb": {question, "Lecture prose."}}

    def notebook(*markdown):
        cells = [{"cell_type": "markdown", "source": text} for text in markdown]
        return json.dumps({"cells": cells + [{"cell_type": "code", "source": "x = 1"}]}).encode()

    answers = feedback.written_answers(
        {"notebooks/n.ipynb": notebook(question, "Because of the margin.", "Lecture prose.",
                                       "A note of mine, not after a question.")}, released)
    assert answers == {"notebooks/n.ipynb": [question + "\n\nBecause of the margin."]}
    # Without the released notebook, only the question cells are gathered.
    assert feedback.written_answers({"notebooks/n.ipynb": notebook(question, "Because.")}) == \
        {"notebooks/n.ipynb": [question]}


def test_written_answers_are_capped_each_and_together():
    cell = {"cell_type": "markdown", "source": "**Your answer:** " + "x" * 10_000}
    notebooks = {f"notebooks/n{i}.ipynb": json.dumps({"cells": [cell] * 100}).encode()
                 for i in range(5)}
    answers = feedback.written_answers(notebooks, answer_chars=1000, total_chars=20_000)
    texts = [text for found in answers.values() for text in found]
    assert all(len(text) < 1100 for text in texts)
    assert sum(len(text) for text in texts) < 25_000
    assert texts[-1].startswith("(more answers were cut")
