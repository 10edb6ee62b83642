"""The grader on the fake bundle: one batch with every attack, graded side by side.

Good, stub and wrong submissions are graded together (``--jobs 2``) with every
payload of tests/adversarial/ and the submission-level attacks (names that
would clash, earlier submissions of the same student, a notebook nested too
deeply, huge written answers, file names holding Markdown). Each payload
declares the verdict it must get; the host is checked afterwards.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

import grading_fixtures as fx

ROOT = Path(__file__).resolve().parents[1]
ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
PAYLOADS = {path.stem: fx.payload_header(path) for path in sorted(ADVERSARIAL.glob("*.py"))}
MACHINE = fx.machine()
FLAGS = ["--jobs", "2", "--call-timeout", "3", "--cell-timeout", "30", "--timeout", "120",
         "--memory-mb", "1024", "--result-mb", "16"]
ALL = {"add-small", "add-negative", "scale-two", "scale-three"}
TOKEN = uuid.uuid4().hex[:8]
ESCAPES = [Path(f"/tmp/grader-escape-{TOKEN}"), Path(f"/var/tmp/grader-escape-{TOKEN}"),
           Path(f"/dev/shm/grader-escape-{TOKEN}"), Path(f"/grader-escape-{TOKEN}")]
WRONG_ADD = fx.REFERENCE.replace("return a + b", "return a - b")
BASES = {"correct": fx.REFERENCE, "stub": fx.STUB, "wrong": WRONG_ADD}
# Ordinary mistakes that stop a file from importing: line 8 of calc.py, line 4.
SYNTAX_ERROR = fx.REFERENCE.replace("    return a + b", "    return (a + b))")
IMPORT_ERROR = fx.REFERENCE.replace("from .helpers import twice",
                                    "from .helpers import twice\nimport no_such_module_here")

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]


def grade(*args, check=True, env=None, timeout=900):
    done = subprocess.run([sys.executable, "-m", "instructor", "grade", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def secure_flags():
    """The flags that make the grader run here: bubblewrap, else the insecure flag."""
    return [] if MACHINE["bubblewrap"] else ["--insecure-no-sandbox"]


def result(out, name):
    return json.loads((Path(out) / name / "result.json").read_text())


def passed(record):
    return {c["id"] for c in record["checks"] if c["passed"]}


def runnable(header, machine=MACHINE):
    """Why a payload cannot show its verdict on machine, or None."""
    for what in header["needs"]:
        if what == "bubblewrap" and not machine["bubblewrap"]:
            return "bubblewrap (the sandbox)"
        if what == "cgroup" and not machine["cgroup"]:
            return "a cgroup with a memory limit (the grader as root)"
    return None


def _with_payload(folder, name, replace=()):
    """Append payload ``name`` to the submission's calc.py, each (old, new) of ``replace`` done."""
    header = PAYLOADS[name]
    calc = folder / "assignment" / "calc.py"
    text = (ADVERSARIAL / f"{name}.py").read_text().replace("grader-escape", f"grader-escape-{TOKEN}")
    for old, new in replace:
        assert old in text, (name, old)
        text = text.replace(old, new)
    calc.write_text(BASES[header["base"]] + "\n" + text)


def _zip_with_names(path, names):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("assignment/calc.py", fx.REFERENCE)
        for name in names:
            z.writestr(name, "x")
    return path


def _nested_notebook(folder, depth=200_000):
    (folder / "notebooks" / "calc.ipynb").write_text("[" * depth + "]" * depth)


def _huge_answers(folder):
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook
    for index in range(5):
        cells = [new_markdown_cell(f"Q{k}\n\n**Your answer:** " + "blah " * 800)
                 for k in range(2000)]
        nbformat.write(new_notebook(cells=cells), str(folder / "notebooks" / f"n{index}.ipynb"))


def build_batch(subs, bundle, machine):
    """Every submission of the batch under subs: ({key: path}, {key: (status, passes)}, skipped).

    ``machine`` (see :func:`grading_fixtures.machine`) says which payloads can
    show their verdict; the others are left out, with the reason, in ``skipped``.
    """
    paths, expected, skipped = {}, {}, {}

    def add(name, calc=fx.REFERENCE, status="ok", passes=ALL, path=None):
        paths[name] = path or fx.make_submission(subs / name, calc=calc)
        expected[name] = (status, passes)
        return paths[name]

    add("good")
    add("good_zip", path=fx.zip_folder(fx.make_submission(subs / "src"), subs / "good_zip.zip",
                                        prefix="work/"))
    add("stub", fx.STUB, passes=set())
    add("wrong_add", WRONG_ADD, passes={"scale-two", "scale-three"})
    add("syntax_error", SYNTAX_ERROR, status="does-not-import", passes=set())
    add("import_error", IMPORT_ERROR, status="does-not-import", passes=set())
    for name, header in PAYLOADS.items():
        why = runnable(header, machine)
        if why is not None:
            skipped[name] = why
            continue
        passes = header["passes"]
        passes = ALL if passes == "all" else set() if passes == "none" else passes
        _with_payload(add(name, status=header["status"], passes=passes), name)
    # Names: two that sanitize alike, and a student's earlier stub beside the real one.
    add("a b", path=fx.zip_folder(fx.make_submission(subs / "ab1"), subs / "a b.zip"))
    add("a_b", fx.STUB, passes=set(),
        path=fx.zip_folder(fx.make_submission(subs / "ab2", calc=fx.STUB), subs / "a_b.zip"))
    add("bob!", fx.STUB, passes=set(),
        path=fx.zip_folder(fx.make_submission(subs / "bob1", calc=fx.STUB), subs / "bob!.zip"))
    add("bob", path=fx.zip_folder(fx.make_submission(subs / "bob2"), subs / "bob.zip"))
    # What a submission holds besides code.
    _nested_notebook(add("nested_notebook"))
    _huge_answers(add("huge_answers"))
    add("gradebook.csv")                                  # a name RESULTS has for itself
    add("long_names", path=_zip_with_names(subs / "long_names.zip", [
        f"extra/{index}" + "\x01" * 5000 + ".txt" for index in range(100)] + [
        f"notebooks/{index}" + "\x01" * 5000 + ".ipynb" for index in range(100)]))
    add("markdown_names", path=_zip_with_names(subs / "markdown_names.zip", [
        "assignment/**Score: 56 / 56**.py", "notes/\n# Hacked\n**Score: 56 / 56**.txt",
        "x`](http://evil)`.txt"]))
    replaced = add("replaced_provided")
    for path in (bundle / "kit").rglob("*.py"):
        rel = path.relative_to(bundle / "kit").as_posix()
        if rel not in fx.STUDENT_FILES:
            (replaced / rel).write_text("raise RuntimeError('a replaced provided file was used')\n")
    bad = subs / "traversal.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("assignment/calc.py", fx.REFERENCE)
        z.writestr("../../outside.py", "x")
    add("traversal", status="invalid-submission", passes=set(), path=bad)
    (subs / "no_assignment").mkdir()
    (subs / "no_assignment" / "README.txt").write_text("oops")
    add("no_assignment", status="invalid-submission", passes=set(), path=subs / "no_assignment")
    return paths, expected, skipped


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    bundle = fx.make_bundle(tmp / "autograder")
    paths, expected, skipped = build_batch(tmp / "subs", bundle, MACHINE)
    out = tmp / "results"
    start = time.monotonic()
    done = grade(*paths.values(), "--autograder", bundle, "--out", out, *FLAGS, *secure_flags())
    escaped = [path for path in ESCAPES if path.exists()]
    yield {"bundle": bundle, "out": out, "paths": paths, "expected": expected,
           "skipped": skipped, "stdout": done.stdout, "stderr": done.stderr,
           "seconds": time.monotonic() - start, "escaped": escaped}
    for path in ESCAPES:
        path.unlink(missing_ok=True)


def _name(batch, key):
    from instructor.grading.submission import submission_name
    return submission_name(batch["paths"][key])


def test_every_payload_declares_its_verdict():
    for name, header in PAYLOADS.items():
        assert header["status"] in ("ok", "timeout", "memory", "crashed"), name
        assert header["passes"] in ("all", "none") or header["passes"] <= ALL, name


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_payload_gets_its_verdict(batch, payload):
    if payload in batch["skipped"]:
        fx.need(batch["skipped"][payload], f"{payload} is only held by it")
    assert_verdict(batch, payload)


@pytest.mark.parametrize("name", ["good", "good_zip", "stub", "wrong_add", "syntax_error",
                                  "import_error", "a b", "a_b", "bob!",
                                  "bob", "gradebook.csv", "nested_notebook", "huge_answers",
                                  "long_names", "markdown_names", "replaced_provided", "traversal",
                                  "no_assignment"])
def test_submission_gets_its_verdict(batch, name):
    assert_verdict(batch, name)


# The submissions whose verdict the batch's other runs (an ordinary user's grader, the uid
# isolation) must give again: every payload and the submission-level cases.
REGRADED = sorted(set(PAYLOADS) | {"good", "stub", "wrong_add", "a b", "bob!", "nested_notebook",
                                   "markdown_names", "replaced_provided", "traversal"})


def record_of(batch, key):
    """The result.json of the submission ``key`` in a batch's run."""
    return result(batch["out"], _name(batch, key))


def assert_verdict(batch, key):
    """The submission ``key`` of a batch's run got its expected status and checks."""
    record = record_of(batch, key)
    status, expected = batch["expected"][key]
    reasons = {c["id"]: c["reason"] for c in record["checks"]}
    assert (record["status"], passed(record)) == (status, expected), (record["notes"], reasons)
    assert record["score"] == sum(c["points"] for c in record["checks"] if c["passed"])
    assert record["max_score"] == 6


def test_a_submission_cannot_take_the_gradebook_s_place(batch):
    name = _name(batch, "gradebook.csv")
    assert re.fullmatch(r"gradebook\.csv-[0-9a-f]{8}", name)
    assert (batch["out"] / "gradebook.csv").is_file() and result(batch["out"], name)["score"] == 6


def test_names_that_sanitize_alike_stay_apart(batch):
    names = {key: _name(batch, key) for key in ("a b", "a_b", "bob!", "bob")}
    assert names["a_b"] == "a_b" and names["bob"] == "bob"
    assert re.fullmatch(r"a_b-[0-9a-f]{8}", names["a b"]) and re.fullmatch(r"bob-[0-9a-f]{8}",
                                                                           names["bob!"])
    assert result(batch["out"], names["a b"])["score"] == 6
    assert result(batch["out"], names["a_b"])["score"] == 0
    assert result(batch["out"], names["bob"])["score"] == 6


def test_reasons_say_what_happened(batch):
    def reasons(key):
        return {c["id"]: c["reason"] for c in result(batch["out"], _name(batch, key))["checks"]}
    assert reasons("stub")["add-small"] == "not implemented yet: Implement add in assignment/calc.py"
    assert reasons("wrong_add")["add-small"] == "the output differs from the expected one"
    if "slow_call" in PAYLOADS and "slow_call" not in batch["skipped"]:
        assert reasons("slow_call")["add-small"] == "add() ran longer than 3 s; the grader stopped it."
    assert reasons("exit_in_call")["scale-three"].startswith("Your code's process ended (exit code 5)")
    assert reasons("kill_worker")["add-small"].startswith(("Your code's process ended",
                                                          "The sandbox of your code ended"))
    assert "numpy.matrix" in reasons("returns_object")["scale-two"]
    assert "_Yes" in reasons("returns_object")["add-small"]
    assert "larger than" in reasons("huge_result")["add-small"]
    assert "MemoryError" in reasons("memory_hog")["add-small"]
    assert "answered add() out of turn" in reasons("forged_reply")["add-small"]
    assert reasons("read_files_through_the_kernel")["add-small"].startswith("raised SyntaxError: read")
    assert reasons("exception_names")["add-small"].startswith("raised Saw_1_plus_2_Error")
    assert "invalid" in reasons("traversal")["add-small"]


def test_a_file_that_does_not_import_is_named_with_its_line(batch):
    for key, error in (("syntax_error", "SyntaxError: unmatched ')' (assignment/calc.py, line 8)"),
                       ("import_error", "ModuleNotFoundError: No module named "
                                        "'no_such_module_here' (assignment/calc.py, line 4)")):
        record = result(batch["out"], _name(batch, key))
        allowed = (" The files you fill in may import only numpy and the standard library: "
                   "the grader installs nothing else." if key == "import_error" else "")
        assert record["notes"] == [f"assignment/calc.py could not be imported: {error}. Every "
                                   f"check that uses it failed; fix this first.{allowed}"]
        feedback = (batch["out"] / _name(batch, key) / "feedback.md").read_text()
        assert "could not be imported" in feedback and "line " in feedback
    assert not result(batch["out"], "good")["notes"]


def test_hidden_checks_say_only_what_kind_of_failure(batch):
    """Nothing a student's code printed or raised in a hidden check reaches the feedback."""
    for key in batch["expected"]:
        if key in batch["skipped"] or key in ("traversal", "no_assignment"):
            continue
        text = (batch["out"] / _name(batch, key) / "feedback.md").read_text()
        for line in text.splitlines():
            if "(hidden)" in line and "**FAIL**" in line:
                reason = line.split(" — ", 1)[1]
                assert reason in {
                    "wrong output (a hidden check: its expected output is not shown)",
                    "not implemented yet (a stub raised NotImplementedError)", "timed out",
                    "ran out of memory", "the process running your code ended",
                    "returned a value that cannot be graded", "your code's process stopped answering",
                    "raised an exception of its own class",
                } or re.fullmatch(r"raised [A-Za-z_]+ in your code", reason), (key, line)
        assert "add(-5, 3)" not in text and "scale(5, 3)" not in text, key
        assert "Saw_5_minus_3" not in text, key           # exception_names, in a hidden check
        assert '"nonce"' not in text, key                  # read_files_through_the_kernel
    if "hidden_sources" not in batch["skipped"]:
        found = (batch["out"] / "hidden_sources" / "feedback.md").read_text()
        assert "FOUND:" in found                  # it did raise, in the public check


def test_gradebook(batch):
    with open(batch["out"] / "gradebook.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["submission", "score", "max_score", "status", "sandbox",
                       "add-small", "add-negative", "scale-two", "scale-three"]
    body = {row[0]: row for row in rows[1:]}
    assert sorted(body) == sorted(_name(batch, key) for key in batch["expected"])
    sandbox = "bubblewrap" if MACHINE["bubblewrap"] else "none (INSECURE)"
    assert body["wrong_add"][1:] == ["3", "6", "ok", sandbox, "0", "0", "1", "2"]
    assert body["good_zip"][1:] == body["good"][1:]


def test_result_json(batch):
    record = result(batch["out"], "good")
    assert record["isolation"]["name"] == ("bubblewrap" if MACHINE["bubblewrap"] else "none")
    assert [c["id"] for c in record["checks"]] == ["add-small", "add-negative", "scale-two",
                                                   "scale-three"]
    assert [c["points"] for c in record["checks"]] == [1, 2, 1, 2]
    assert record["written_answers"] == {"notebooks/calc.ipynb": ["Why?\n\n**Your answer:** Because."]}
    assert record["limits"]["call_timeout"] == 3 and record["limits"]["memory_mb"] == 1024
    assert set(record["enforced"]) >= {"memory", "cpu", "processes", "time", "network", "sees"}
    assert re.fullmatch(r"[0-9a-f]{64}", record["content"])


def test_feedback(batch):
    text = (batch["out"] / "wrong_add" / "feedback.md").read_text()
    assert "**Score: 3 / 6**" in text
    assert "`add-small`" in text and "the output differs" in text
    assert "-1" in text                                      # the public check's diff
    assert "wrong output (a hidden check: its expected output is not shown)" in text
    assert "**Your answer:** Because." in text
    replaced = (batch["out"] / "replaced_provided" / "feedback.md").read_text()
    assert "Provided files you changed" in replaced and "`assignment/helpers.py`" in replaced
    stub = (batch["out"] / "stub" / "feedback.md").read_text()
    assert "not implemented yet" in stub and "## Hints" in stub
    invalid = (batch["out"] / "no_assignment" / "feedback.md").read_text()
    assert "invalid-submission" in invalid and "assignment/" in invalid


# add() warns on stderr and scale() prints a leftover line, each naming its
# arguments: add-small and scale-two are public, add-negative and scale-three hidden.
NOISY = fx.REFERENCE.replace(
    "    return a + b", "    import sys\n    print(f'WARN-{a}-{b}', file=sys.stderr)\n"
                       "    return a + b").replace(
    "    return twice(x) if k == 2", "    print(f'debug scale {x} {k}')\n"
                                    "    return twice(x) if k == 2")


PRINTS_THEN_RAISES = fx.REFERENCE.replace(
    "    return twice(x) if k == 2", "    print(f'about to scale {x} by {k}')\n"
                                    "    raise ValueError('gave up')\n"
                                    "    return twice(x) if k == 2")


def test_feedback_shows_what_a_public_check_printed_before_its_error_and_no_hidden_one(tmp_path):
    bundle = fx.make_bundle(tmp_path / "autograder")
    grade(fx.make_submission(tmp_path / "raiser", calc=PRINTS_THEN_RAISES), "--autograder",
          bundle, "--out", tmp_path / "r", *FLAGS, *secure_flags())
    text = (tmp_path / "r" / "raiser" / "feedback.md").read_text()
    from instructor.grading.results import PRINTED_BEFORE
    public = text.index(PRINTED_BEFORE)
    assert text.index("about to scale 21 by 2", public) < text.index("ValueError", public)
    assert "about to scale 5 by 3" not in text               # scale-three is hidden
    assert "raised ValueError in your code" in text


def test_feedback_shows_a_public_check_s_output_line_by_line_stderr_too_and_no_hidden_one(
        tmp_path):
    bundle = fx.make_bundle(tmp_path / "autograder")
    grade(fx.make_submission(tmp_path / "noisy", calc=NOISY), "--autograder", bundle,
          "--out", tmp_path / "r", *FLAGS, *secure_flags())
    text = (tmp_path / "r" / "noisy" / "feedback.md").read_text()
    assert text.count("Expected (reference solution) and yours, line by line:") == 2
    marked = [line.strip() for line in text.splitlines()
              if line.strip().startswith(("expected > ", "yours    > "))]
    # Exactly the lines the student's code added; the right values stay unmarked.
    assert marked == ["yours    > --- stderr ---", "yours    > WARN-1-2",
                      "yours    > debug scale 21 2"]
    assert re.search(r"^ +3$", text, flags=re.M) and re.search(r"^ +42$", text, flags=re.M)
    assert ("`add-small`, calc.ipynb: 0/1 — the output differs from the expected one: your code "
            "wrote to stderr (a warning or an error message)") in text
    assert not re.search(r"(^|[\s'\"(])-v+\b|\buse -|verbos", text, flags=re.I | re.M)
    # The hidden checks ran the same code: nothing of what it wrote there is shown.
    assert "WARN--5-3" not in text and "debug scale 5 3" not in text
    assert text.count("wrong output (a hidden check: its expected output is not shown)") == 2
    checks = {c["id"]: c for c in result(tmp_path / "r", "noisy")["checks"]}
    assert "WARN--5-3" in checks["add-negative"]["diff"]      # kept for the instructor


def test_what_a_submission_names_cannot_write_markdown(batch):
    text = (batch["out"] / "markdown_names" / "feedback.md").read_text()
    assert [line for line in text.splitlines() if line.startswith("**Score")] == \
        ["**Score: 6 / 6**  (status: `ok`)"]
    assert not any(line.startswith("# Hacked") for line in text.splitlines())
    assert "](http://evil)" not in text.replace("'](http://evil)'", "")


def test_unreadable_notebooks_and_huge_answers_give_bounded_results(batch):
    nested = result(batch["out"], "nested_notebook")
    assert nested["status"] == "ok" and "nested too deeply" in json.dumps(nested["written_answers"])
    huge = batch["out"] / "huge_answers"
    assert (huge / "result.json").stat().st_size < 400_000
    assert (huge / "feedback.md").stat().st_size < 400_000
    assert "cut" in json.dumps(result(batch["out"], "huge_answers")["written_answers"])


def test_outputs_are_capped(batch):
    for key in batch["expected"]:
        for file in ("result.json", "feedback.md"):
            assert (batch["out"] / _name(batch, key) / file).stat().st_size < 400_000, (key, file)


def test_nothing_outlives_the_grading(batch):
    assert not leftovers()


def leftovers():
    found = []
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"98765" in cmdline and int(entry) != os.getpid():
            found.append(cmdline.replace(b"\0", b" ").decode())
    return found


def test_nothing_written_outside(batch):
    if not MACHINE["bubblewrap"]:
        fx.need("bubblewrap (the sandbox)", "only the sandbox keeps writes in the scratch folder")
    assert batch["escaped"] == []
    assert not list(batch["out"].rglob("grader-escape*"))


def test_progress_and_summary(batch):
    lines = batch["stdout"].splitlines()
    assert sum(1 for line in lines if line.startswith("[")) == len(batch["expected"])
    summary = [line for line in lines if line.startswith("summary:")]
    assert summary and "mean score" in summary[0] and "slowest" in summary[0]
    counts = {}
    for status, _ in batch["expected"].values():
        counts[status] = counts.get(status, 0) + 1
    for status, count in counts.items():
        assert f"{status} {count}" in summary[0], summary[0]


def test_rerun_skips_the_same_content_and_regrades_a_changed_one(batch, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(batch["out"], out)
    before = result(out, "good")["graded_at"]
    shutil.rmtree(out / "stub")              # as if the batch had been interrupted
    paths = [batch["paths"][name] for name in ("good", "stub")]
    done = grade(*paths, "--autograder", batch["bundle"], "--out", out, *FLAGS, *secure_flags())
    assert "skip good" in done.stdout and "[1/1] stub: ok 0/6" in done.stdout
    assert result(out, "good")["graded_at"] == before
    with open(out / "gradebook.csv") as f:
        assert len(f.read().splitlines()) == 1 + len(batch["expected"])
    # A grader error is not a grade: graded again, though its content is the same.
    record = result(out, "good")
    (out / "good" / "result.json").write_text(json.dumps(dict(record, status="grader-error")))
    done = grade(batch["paths"]["good"], "--autograder", batch["bundle"], "--out", out, *FLAGS,
                 *secure_flags())
    assert "regrade good: the grader failed on it last time" in done.stdout
    assert "[1/1] good: ok 6/6" in done.stdout and result(out, "good")["status"] == "ok"
    changed = fx.make_submission(tmp_path / "subs" / "good", calc=fx.STUB)
    done = grade(changed, "--autograder", batch["bundle"], "--out", out, *FLAGS, *secure_flags())
    assert "regrade good: its content changed" in done.stdout and "[1/1] good: ok 0/6" in done.stdout
    time.sleep(1)
    done = grade(changed, "--autograder", batch["bundle"], "--out", out, "--force", *FLAGS,
                 *secure_flags())
    assert "[1/1] good: ok 0/6" in done.stdout
    assert not list(out.glob(".tmp-*")) and not list(out.glob(".old-*"))


def test_submissions_of_one_name_are_refused_before_grading(batch, tmp_path):
    one = fx.make_submission(tmp_path / "a" / "alice")
    two = fx.zip_folder(fx.make_submission(tmp_path / "b" / "src"), tmp_path / "b" / "Alice.zip")
    done = grade(one, two, "--autograder", batch["bundle"], "--out", tmp_path / "r",
                 *secure_flags(), check=False)
    assert done.returncode == 2 and "alice" in done.stderr and "rename" in done.stderr
    assert not (tmp_path / "r").exists()


def test_bad_bundle_is_an_error(tmp_path, batch):
    done = grade(batch["paths"]["good"], "--autograder", tmp_path, "--out", tmp_path / "r",
                 check=False)
    assert done.returncode == 2 and "manifest.json" in done.stderr


def test_without_bubblewrap_the_grader_refuses_unless_told_it_is_insecure(batch, tmp_path):
    env = dict(os.environ, PATH="/nonexistent")
    done = grade(batch["paths"]["good"], "--autograder", batch["bundle"], "--out", tmp_path / "r",
                 check=False, env=env)
    assert done.returncode == 2 and "bubblewrap" in done.stderr and "--insecure-no-sandbox" in done.stderr
    done = grade(batch["paths"]["good"], batch["paths"]["stub"], "--autograder", batch["bundle"],
                 "--out", tmp_path / "r", "--insecure-no-sandbox", *FLAGS, env=env)
    assert "INSECURE" in done.stderr
    record = result(tmp_path / "r", "good")
    assert (record["status"], record["score"], record["isolation"]["secure"]) == ("ok", 6, False)
    assert "INSECURE" in record["notes"][0]
    assert "INSECURE" in (tmp_path / "r" / "good" / "feedback.md").read_text()
    with open(tmp_path / "r" / "gradebook.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {row["sandbox"] for row in rows} == {"none (INSECURE)"}


def test_interrupted_batch_keeps_what_is_graded(batch, tmp_path):
    subs = tmp_path / "subs"
    hanging = []
    for index in range(3):
        folder = fx.make_submission(subs / f"hang{index}")
        (folder / "assignment" / "calc.py").write_text(
            fx.REFERENCE + "\nimport time\ntime.sleep(3600)\n")
        hanging.append(folder)
    out = tmp_path / "results"
    process = subprocess.Popen(
        [sys.executable, "-m", "instructor", "grade", batch["paths"]["good"],
         batch["paths"]["stub"], *hanging, "--autograder", batch["bundle"], "--out", out,
         "--jobs", "2", "--call-timeout", "300", "--cell-timeout", "600", "--timeout", "900",
         *secure_flags()],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[2/5]"):
            break
    time.sleep(3)                           # the hanging ones are running now
    process.send_signal(subprocess.signal.SIGTERM)
    start = time.monotonic()
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, "".join(seen) + stdout + stderr
    assert time.monotonic() - start < 30
    assert "interrupted: 2 of 5 graded" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["good", "gradebook.csv", "stub"]
    deadline = time.monotonic() + 10
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not leftovers()


def test_a_grader_error_says_why_on_the_console(batch, tmp_path):
    """The instructor reads what failed (here the bundle's own set-up cell) without opening files."""
    bundle = tmp_path / "bundle"
    shutil.copytree(batch["bundle"], bundle)
    checks = bundle / "checks" / "calc.ipynb"
    broken = json.loads(checks.read_text())
    setup = next(cell for cell in broken["cells"] if "from assignment.calc" in "".join(cell["source"]))
    setup["source"] = fx.SETUP.replace("from assignment.calc import add, scale",
                                       "from assignment.helpers import no_such_helper")
    checks.write_text(json.dumps(broken))
    done = grade(batch["paths"]["good"], "--autograder", bundle, "--out", tmp_path / "r",
                 *FLAGS, *secure_flags(), check=False)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("[1/1] good: grader-error"))
    assert "Setting up calc.ipynb failed" in lines[at + 1] and "no_such_helper" in lines[at + 1]
    assert lines[-2].endswith(str(tmp_path / "r" / "good" / "result.json") + ")")
