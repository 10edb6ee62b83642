"""The grader (``python -m instructor grade``): unpacking, statuses, results, isolation.

Most tests share one batch on a small fake bundle (tests/grading_fixtures.py):
good, stub and wrong submissions graded in parallel with every adversarial
payload of tests/adversarial/, so containment is tested where it matters, while
the others in the same batch are graded as usual. The real release is graded in
``test_real_*`` (reference, stubs, a zip, student mistakes: a few by default,
every one with ``GRADER_TEST_MISTAKES=all``, about 2.5 minutes more).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grading_fixtures as fx  # noqa: E402
from instructor.grading import feedback, results, sandbox  # noqa: E402
from instructor.grading.bundle import load_bundle  # noqa: E402
from instructor.grading.submission import (  # noqa: E402
    InvalidSubmission, read_submission, submission_name)

ROOT = Path(__file__).resolve().parents[1]
ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
PAYLOADS = sorted(p.stem for p in ADVERSARIAL.glob("*.py"))
BWRAP = sandbox.detect().name == "bubblewrap"
ROOT_USER = os.geteuid() == 0
FLAGS = ["--jobs", "2", "--cell-timeout", "5", "--timeout", "60", "--memory-mb", "1024"]


def grade(*args, check=True):
    done = subprocess.run([sys.executable, "-m", "instructor", "grade", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def result(out, name):
    return json.loads((Path(out) / name / "result.json").read_text())


def passed(record):
    return {c["id"] for c in record["checks"] if c["passed"]}


# --------------------------------------------------------------------------
# Reading submissions (no grading)

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


def test_folder_with_a_linked_student_file_is_refused(good):
    calc = good / "assignment" / "calc.py"
    calc.unlink()
    calc.symlink_to(ROOT / "instructor" / "grade.py")
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


def test_hints_follow_failed_check_ids():
    assert any("2 * reg * W" in h for h in feedback.hints_for(["nb2-svm-reg-gradient"]))
    assert feedback.hints_for(["add-small"]) == []


def test_gradebook_columns_and_order():
    check = results.CheckResult("b", 2, False, "n", True, "passed")
    other = results.CheckResult("a", 1, True, "n", False, "x")
    rows = [results.result_record("zed", "ok", [check, other], 3),
            results.result_record("amy", "timeout", [other, check], 3)]
    text = results.gradebook_text(rows, ["b", "a"])
    assert text.splitlines() == ["submission,score,max_score,status,b,a",
                                 "amy,2,3,timeout,2,0", "zed,2,3,ok,2,0"]


def _items(*records, finish=1):
    items = [{"event": "start"}]
    for check, outcome, extra in records:
        items.append({"event": "item", "check": check, "notebook": "calc.ipynb",
                      "when": extra.pop("when", "call"), "outcome": outcome, **extra})
    if finish is not None:
        items.append({"event": "finish", "exitstatus": finish})
    return items


@pytest.mark.parametrize("records, finish, status", [
    ([("add-small", "passed", {})], 0, "ok"),
    ([("add-small", "failed", {"text": "Cell execution caused an exception\nTraceback:\nMemoryError: x"})],
     1, "memory"),
    ([("add-small", "failed", {"exception": "KernelDied", "kernel_end": "signal SIGXCPU",
                               "text": "The kernel died while running this cell (signal SIGXCPU)."})],
     1, "timeout"),
    ([("add-small", "failed", {"exception": "KernelDied", "kernel_end": "signal SIGXFSZ",
                               "text": "The kernel died while running this cell (signal SIGXFSZ)."})],
     1, "crashed"),
    ([(None, "failed", {"when": "setup", "text": "E   RuntimeError: Kernel didn't respond"})],
     1, "grader-error"),
    ([("add-small", "passed", {})], None, "grader-error"),
    ([("add-small", "passed", {})], 3, "grader-error"),
])
def test_status_from_items(tmp_path, records, finish, status):
    bundle = load_bundle(fx.make_bundle(tmp_path / "b"))
    found, checks, notes = results.evaluate(bundle, _items(*records, finish=finish))
    assert found == status, notes
    assert [c.id for c in checks] == [c.id for c in bundle.checks]
    assert sum(c.passed for c in checks) == sum(r[1] == "passed" for r in records)


# --------------------------------------------------------------------------
# One batch: good, wrong and adversarial submissions together

# Files an escaping payload would write carry this run's token (never a stale one).
TOKEN = uuid.uuid4().hex[:8]
ESCAPES = [Path(f"/tmp/grader-escape-{TOKEN}"), Path(f"/var/tmp/grader-escape-{TOKEN}"),
           Path(f"/dev/shm/grader-escape-{TOKEN}"), Path(f"/grader-escape-{TOKEN}")]


def _overlay_payload(folder, payload):
    with open(folder / "assignment" / "calc.py", "a") as f:
        f.write((ADVERSARIAL / f"{payload}.py").read_text().replace(
            "grader-escape", f"grader-escape-{TOKEN}"))


LOOPING_ADD = fx.REFERENCE.replace(
    "    return a + b", "    while a < 0:\n        pass\n    return a + b")
WRONG_ADD = fx.REFERENCE.replace("return a + b", "return a - b")


def _forge_notebook(folder):
    """The student's notebook's checks print the expected outputs directly."""
    import nbformat
    nb = fx.notebook()
    for cell in nb.cells:
        if "nbval-check-output" in cell.metadata.get("tags", []):
            cell.source = f"print({cell.outputs[0].text.strip()!r})"
    nbformat.write(nb, str(folder / "notebooks" / "calc.ipynb"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    bundle = fx.make_bundle(tmp / "autograder")
    subs = tmp / "subs"
    paths = {}

    def add(name, **kwargs):
        paths[name] = fx.make_submission(subs / name, **kwargs)
        return paths[name]

    add("good")
    paths["good_zip"] = fx.zip_folder(add("good-source"), subs / "good_zip.zip", prefix="work/")
    del paths["good-source"]
    add("stub", calc=fx.STUB)
    add("wrong_add", calc=WRONG_ADD)
    add("looping_add", calc=LOOPING_ADD)
    for payload in PAYLOADS:
        _overlay_payload(add(payload), payload)
    # Replaced provided files: every provided file of the bundle raises if used,
    # on top of a correct student file; a stub with notebooks forging the outputs.
    replaced = add("replaced_provided")
    for path in (bundle / "kit").rglob("*.py"):
        rel = path.relative_to(bundle / "kit").as_posix()
        if rel not in fx.STUDENT_FILES:
            (replaced / rel).write_text("raise RuntimeError('a replaced provided file was used')\n")
    _forge_notebook(add("forged_notebook", calc=fx.STUB))
    bad = subs / "traversal.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("assignment/calc.py", fx.REFERENCE)
        z.writestr("../../outside.py", "x")
    paths["traversal"] = bad
    (subs / "no_assignment").mkdir()
    (subs / "no_assignment" / "README.txt").write_text("oops")
    paths["no_assignment"] = subs / "no_assignment"
    out = tmp / "results"
    start = time.monotonic()
    done = grade(*paths.values(), "--autograder", bundle, "--out", out, *FLAGS)
    escaped = [path for path in ESCAPES if path.exists()]
    yield {"bundle": bundle, "out": out, "paths": paths, "stdout": done.stdout,
           "stderr": done.stderr, "seconds": time.monotonic() - start, "escaped": escaped}
    for path in ESCAPES:                 # a weaker sandbox lets them through: clean up
        path.unlink(missing_ok=True)


ALL = {"add-small", "add-negative", "scale-two", "scale-three"}
EXPECTED = {
    # name: (status, checks passed)
    "good": ("ok", ALL),
    "good_zip": ("ok", ALL),
    "stub": ("ok", set()),
    "wrong_add": ("ok", {"scale-two", "scale-three"}),
    "looping_add": ("timeout", {"add-small", "scale-two", "scale-three"}),  # interrupted, goes on
    "infinite_loop": ("timeout", set()),
    "memory_hog": ("memory", set()),
    "os_exit": ("crashed", set()),
    "output_flood": ("ok", ALL),
    "network": ("ok", ALL),
    "write_outside": ("ok", ALL),
    "orphans": ("ok", ALL),
    "fork_bomb": ("ok", ALL),
    "disk_filler": ("ok", ALL),
    "replaced_provided": ("ok", ALL),
    "forged_notebook": ("ok", set()),
    "traversal": ("invalid-submission", set()),
    "no_assignment": ("invalid-submission", set()),
}


def test_every_payload_has_an_expectation():
    assert set(PAYLOADS) <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_and_checks(batch, name):
    if name in ("write_outside", "network", "disk_filler") and not BWRAP:
        pytest.skip("containment of writes and network needs bubblewrap")
    if name == "fork_bomb" and not ROOT_USER:
        pytest.skip("the process limit needs the kernel's own uid (grader as root)")
    record = result(batch["out"], name)
    status, expected = EXPECTED[name]
    reasons = {c["id"]: c["reason"] for c in record["checks"]}
    assert (record["status"], passed(record)) == (status, expected), (record["notes"], reasons)
    assert record["score"] == sum(c["points"] for c in record["checks"] if c["passed"])
    assert record["max_score"] == 6


def test_reasons_say_what_happened(batch):
    reasons = {name: {c["id"]: c["reason"] for c in result(batch["out"], name)["checks"]}
               for name in EXPECTED}
    assert reasons["stub"]["add-small"] == "not implemented yet: Implement add in assignment/calc.py"
    assert reasons["wrong_add"]["add-small"] == "the output differs from the expected one"
    assert reasons["looping_add"]["add-negative"].startswith("timed out")
    assert "not run" in reasons["os_exit"]["add-small"]
    assert "MemoryError" in reasons["memory_hog"]["add-small"]
    assert "invalid" in reasons["traversal"]["add-small"]
    notes = result(batch["out"], "os_exit")["notes"]
    assert any("exit code 3" in note for note in notes)


def test_gradebook(batch):
    with open(batch["out"] / "gradebook.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["submission", "score", "max_score", "status",
                       "add-small", "add-negative", "scale-two", "scale-three"]
    body = {row[0]: row for row in rows[1:]}
    assert sorted(body) == sorted(EXPECTED)
    assert body["wrong_add"][1:] == ["3", "6", "ok", "0", "0", "1", "2"]
    assert body["good_zip"][1:] == body["good"][1:]


def test_result_json(batch):
    record = result(batch["out"], "good")
    assert record["sandbox"] == sandbox.detect().name
    assert [c["id"] for c in record["checks"]] == ["add-small", "add-negative", "scale-two", "scale-three"]
    for check in record["checks"]:
        assert set(check) >= {"id", "points", "passed", "reason", "hidden"}
    assert [c["points"] for c in record["checks"]] == [1, 2, 1, 2]
    assert record["written_answers"] == {"notebooks/calc.ipynb": ["Why?\n\n**Your answer:** Because."]}


def test_feedback(batch):
    text = (batch["out"] / "wrong_add" / "feedback.md").read_text()
    assert "**Score: 3 / 6**" in text
    assert "`add-small`" in text and "the output differs" in text
    assert "-1" in text and "3" in text                      # the public check's diff
    assert "hidden check: its expected output is not shown" in text
    assert "**Your answer:** Because." in text
    replaced = (batch["out"] / "replaced_provided" / "feedback.md").read_text()
    assert "Provided files you changed" in replaced and "`assignment/helpers.py`" in replaced
    stub = (batch["out"] / "stub" / "feedback.md").read_text()
    assert "NotImplementedError" in stub and "## Hints" in stub
    invalid = (batch["out"] / "no_assignment" / "feedback.md").read_text()
    assert "invalid-submission" in invalid and "assignment/" in invalid


def test_outputs_are_capped(batch):
    for name in EXPECTED:
        for file in ("result.json", "feedback.md"):
            assert (batch["out"] / name / file).stat().st_size < 300_000, (name, file)
    flood = result(batch["out"], "output_flood")
    assert flood["harness"]["output_bytes"] < 1_000_000


def test_nothing_outlives_the_grading(batch):
    left = []
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"98765" in cmdline and int(entry) != os.getpid():
            left.append(cmdline.replace(b"\0", b" ").decode())
    assert not left


@pytest.mark.skipif(not BWRAP, reason="needs bubblewrap")
def test_nothing_written_outside(batch):
    assert batch["escaped"] == []
    assert not list(batch["out"].rglob("grader-escape*"))


def test_progress_and_summary(batch):
    lines = batch["stdout"].splitlines()
    assert sum(1 for line in lines if line.startswith("[")) == len(EXPECTED)
    summary = [line for line in lines if line.startswith("summary:")]
    assert summary and "mean score" in summary[0] and "slowest" in summary[0]
    assert "timeout 2" in summary[0] and "invalid-submission 2" in summary[0]


def test_rerun_skips_what_is_graded_and_force_regrades(batch, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(batch["out"], out)
    before = result(out, "good")["graded_at"]
    shutil.rmtree(out / "stub")            # as if the batch had been interrupted
    paths = [batch["paths"][name] for name in ("good", "stub", "traversal")]
    done = grade(*paths, "--autograder", batch["bundle"], "--out", out, *FLAGS)
    assert "skip good" in done.stdout and "skip traversal" in done.stdout
    assert "[1/1] stub: ok 0/6" in done.stdout
    assert result(out, "good")["graded_at"] == before
    with open(out / "gradebook.csv") as f:
        assert len(f.read().splitlines()) == 1 + len(EXPECTED)
    time.sleep(1)
    done = grade(batch["paths"]["good"], "--autograder", batch["bundle"], "--out", out,
                 "--force", *FLAGS)
    assert "[1/1] good: ok 6/6" in done.stdout
    assert result(out, "good")["graded_at"] != before
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".old-*"))


def test_bad_bundle_is_an_error(tmp_path, good):
    done = grade(good, "--autograder", tmp_path, "--out", tmp_path / "r", check=False)
    assert done.returncode == 2 and "manifest.json" in done.stderr


@pytest.mark.parametrize("kind", ["unshare", "none"])
def test_weaker_sandboxes_grade_with_a_warning(batch, tmp_path, kind):
    if kind == "unshare" and sandbox._probe("unshare") is not None:
        pytest.skip("unshare does not work here")
    names = ("good", "orphans")
    done = grade(*[batch["paths"][n] for n in names], "--autograder", batch["bundle"],
                 "--out", tmp_path / "r", "--sandbox", kind, *FLAGS)
    assert "WARNING" in done.stderr
    record = result(tmp_path / "r", "good")
    assert (record["status"], record["score"], record["sandbox"]) == ("ok", 6, kind)
    assert record["sandbox_warning"]
    assert result(tmp_path / "r", "orphans")["score"] == 6
    test_nothing_outlives_the_grading(batch)


# --------------------------------------------------------------------------
# The real release: reference, stubs, a zip, the student mistakes

# Every mistake of tests/student_mistakes.py is graded when this is "all"
# (about 10 s of CPU each); by default a few, one or more per student file.
MISTAKE_SELECTION = os.environ.get("GRADER_TEST_MISTAKES", "some")
SOME_MISTAKES = ["svm_half_reg", "softmax_log10", "minibatch_labels_mismatched"]


def _selected_mistakes():
    from student_mistakes import MISTAKES
    if MISTAKE_SELECTION == "all":
        return sorted(MISTAKES)
    return [name for name in SOME_MISTAKES if name in MISTAKES]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from instructor import release
    from student_mistakes import apply_mistake
    tmp = tmp_path_factory.mktemp("real")
    out = tmp / "release"
    with pytest.MonkeyPatch.context() as patch:
        # The reference outputs are proven current by the release's and the
        # notebooks' own tests; here the reference's full marks prove it again.
        patch.setattr(release, "check_reference_outputs", lambda *args, **kwargs: [])
        try:
            release.release(ROOT, out)
        except release.ReleaseError as error:
            pytest.skip(f"the source cannot be released now: {error}")
    bundle = out / "autograder"
    manifest = json.loads((bundle / "manifest.json").read_text())
    subs = tmp / "subs"
    reference = subs / "reference"
    for name in manifest["student_files"]:
        (reference / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, reference / name)
    shutil.copytree(ROOT / "notebooks", reference / "notebooks")
    shutil.copytree(out / "student", subs / "stubs")
    paths = {"reference": reference, "stubs": subs / "stubs",
             "reference_zip": fx.zip_folder(reference, subs / "reference_zip.zip")}
    for name in _selected_mistakes():
        shutil.copytree(reference, subs / name)
        apply_mistake(name, subs / name)
        paths[name] = subs / name
    results_dir = tmp / "results"
    done = grade(*paths.values(), "--autograder", bundle, "--out", results_dir,
                 "--jobs", "2", "--timeout", "600", "--cell-timeout", "120")
    return {"bundle": bundle, "manifest": manifest, "out": results_dir, "paths": paths,
            "stdout": done.stdout}


def test_real_reference_scores_full_marks(real):
    record = result(real["out"], "reference")
    failed = {c["id"]: c["reason"] for c in record["checks"] if not c["passed"]}
    assert (record["status"], failed) == ("ok", {})
    assert record["score"] == record["max_score"] == real["manifest"]["max_score"]
    assert {c["id"] for c in record["checks"]} == {c["id"] for c in real["manifest"]["checks"]}


def test_real_stubs_score_zero(real):
    record = result(real["out"], "stubs")
    assert (record["status"], record["score"]) == ("ok", 0)
    assert all(c["reason"].startswith(("not implemented", "not run")) for c in record["checks"]), \
        {c["id"]: c["reason"] for c in record["checks"]}


def test_real_zip_grades_like_the_folder(real):
    folder, zipped = result(real["out"], "reference"), result(real["out"], "reference_zip")
    assert [(c["id"], c["passed"]) for c in folder["checks"]] == \
        [(c["id"], c["passed"]) for c in zipped["checks"]]


def test_real_written_answers_are_gathered(real):
    text = (real["out"] / "reference" / "feedback.md").read_text()
    assert "## Written answers" in text and "**Your answer:**" in text


@pytest.mark.parametrize("mistake", _selected_mistakes())
def test_real_mistake_loses_exactly_its_checks(real, mistake):
    from student_mistakes import MISTAKES
    from instructor.grading.hints import COMMON_MISTAKES
    record = result(real["out"], mistake)
    failed = {c["id"] for c in record["checks"] if not c["passed"]}
    assert record["status"] == "ok"
    expected, hint = COMMON_MISTAKES[mistake]
    assert failed == set(expected)
    assert hint == MISTAKES[mistake].description
    try:
        from test_notebooks import CAUGHT_BY     # the notebooks' own table, when filled in
    except Exception:                            # theirs to report if broken
        CAUGHT_BY = {}
    if mistake in CAUGHT_BY:
        assert failed == set(CAUGHT_BY[mistake])
    assert hint in (real["out"] / mistake / "feedback.md").read_text()


def test_hints_table_matches_the_mistakes():
    """instructor/grading/hints.py: every mistake, its description, the checks catching it."""
    from student_mistakes import MISTAKES
    from instructor.grading.hints import COMMON_MISTAKES
    try:
        from test_notebooks import CAUGHT_BY     # the notebooks' own table (plain nbval runs)
    except Exception:                            # theirs to report if broken
        CAUGHT_BY = {}
    assert set(COMMON_MISTAKES) == set(MISTAKES)
    for name, (checks, hint) in COMMON_MISTAKES.items():
        assert hint == MISTAKES[name].description and checks
        if name in CAUGHT_BY:
            assert set(checks) == set(CAUGHT_BY[name]), name


def test_interrupted_batch_keeps_what_is_graded(batch, tmp_path):
    subs = tmp_path / "subs"
    hanging = []
    for index in range(3):
        folder = fx.make_submission(subs / f"hang{index}")
        _overlay_payload(folder, "orphans")
        _overlay_payload(folder, "infinite_loop")
        hanging.append(folder)
    out = tmp_path / "results"
    process = subprocess.Popen(
        [sys.executable, "-m", "instructor", "grade", batch["paths"]["good"],
         batch["paths"]["stub"], *hanging, "--autograder", batch["bundle"], "--out", out,
         "--jobs", "2", "--cell-timeout", "120", "--timeout", "300"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[2/5]"):
            break
    time.sleep(2)                           # the hanging ones are running now
    process.send_signal(subprocess.signal.SIGTERM)
    start = time.monotonic()
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, "".join(seen) + stdout + stderr
    assert time.monotonic() - start < 30
    assert "interrupted: 2 of 5 graded" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["good", "gradebook.csv", "stub"]
    test_nothing_outlives_the_grading(batch)
