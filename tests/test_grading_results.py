"""From nbval's records to checks and statuses (results.py), and what the feedback shows (feedback.py)."""

import pytest

import grading_fixtures as fx
from instructor import output_diff
from instructor.grading import feedback, gradebook, results
from instructor.grading.bundle import load_bundle
from instructor.grading.kernel.link import marker

NONCE = "5e1f" * 8


def _items(*records, finish=1):
    items = [{"event": "start"}]
    for check, outcome, extra in records:
        items.append({"event": "item", "check": check, "notebook": "calc.ipynb",
                      "when": extra.pop("when", "call"), "outcome": outcome, **extra})
    if finish is not None:
        items.append({"event": "finish", "exitstatus": finish})
    return items


def _raised(name, message, text=""):
    return {"error": {"ename": name, "evalue": message},
            "text": f"Cell execution caused an exception\nTraceback:\n{name}: {message}\n{text}"}


@pytest.mark.parametrize("records, finish, status", [
    ([("add-small", "passed", {})], 0, "ok"),
    ([("add-small", "failed", _raised("MemoryError", "x"))], 1, "memory"),
    ([("add-small", "failed", _raised("OutOfMemory", f"used too much {marker('memory', NONCE)}"))],
     1, "memory"),
    ([("add-small", "failed", _raised("CallTimedOut", f"add() ran long {marker('timeout', NONCE)}"))],
     1, "timeout"),
    ([("add-small", "failed", _raised("WorkerDied", f"ended {marker('crashed', NONCE)}"))],
     1, "crashed"),
    ([("add-small", "failed", _raised("WorkerBroken", f"lied {marker('broken', NONCE)}"))],
     1, "crashed"),
    ([("add-small", "failed", {"timed_out": True, "text": "Timeout of 30 seconds exceeded"})],
     1, "timeout"),
    ([("add-small", "failed", {"kernel_end": "signal SIGKILL", "text": "Kernel dead on test start"})],
     1, "grader-error"),
    ([(None, "failed", {"when": "setup", "text": "E   RuntimeError: Kernel didn't respond"})],
     1, "grader-error"),
    ([("add-small", "passed", {})], None, "grader-error"),
    ([("add-small", "passed", {})], 3, "grader-error"),
    # A student's exception that copies the grader's words but not its nonce or its records.
    ([("add-small", "failed", _raised("CallTimedOut", f"fake {marker('timeout', 'guess')}"))],
     1, "ok"),
    ([("add-small", "failed", _raised("ValueError", "the kernel died"))], 1, "ok"),
    ([("add-small", "failed", _raised("ValueError", "Timeout of 1 seconds exceeded"))], 1, "ok"),
    ([("add-small", "failed", _raised("ValueError", "Kernel dead on test start"))], 1, "ok"),
])
def test_status_from_items(tmp_path, records, finish, status):
    bundle = load_bundle(fx.make_bundle(tmp_path / "b"))
    found, checks, notes = results.evaluate(bundle, _items(*records, finish=finish), nonce=NONCE)
    assert found == status, notes
    assert [c.id for c in checks] == [c.id for c in bundle.checks]
    assert sum(c.passed for c in checks) == sum(r[1] == "passed" for r in records)


def test_a_file_that_does_not_import_is_the_status_and_says_where(tmp_path):
    bundle = load_bundle(fx.make_bundle(tmp_path / "b"))
    stopped = _raised("SyntaxError", "unmatched ')'")
    items = _items(("add-small", "failed", stopped), ("scale-two", "failed", stopped), finish=1)
    error = "SyntaxError: unmatched ')' (assignment/calc.py, line 8)"
    status, _, notes = results.evaluate(bundle, items, nonce=NONCE,
                                        import_failures={"assignment/calc.py": error})
    assert status == "does-not-import"
    assert notes == [f"assignment/calc.py could not be imported: {error}. Every check that "
                     f"uses it failed; fix this first."]
    missing = "ModuleNotFoundError: No module named 'scipy' (assignment/calc.py, line 3)"
    notes = results.evaluate(bundle, items, nonce=NONCE,
                             import_failures={"assignment/calc.py": missing})[2]
    assert notes[0].endswith("fix this first. The files you fill in may import only numpy and "
                             "the standard library: the grader installs nothing else.")
    assert results.evaluate(bundle, items, nonce=NONCE)[0] == "ok"       # the same, all imported
    grader_failed = _items(("add-small", "failed", {"kernel_end": "signal SIGKILL"}), finish=1)
    assert results.evaluate(bundle, grader_failed, nonce=NONCE,
                            import_failures={"assignment/calc.py": error})[0] == "grader-error"


def test_the_grader_s_own_failure_reads_without_its_marker():
    item = {"outcome": "failed", **_raised(
        "CallTimedOut", f"add() ran longer than 3 s; the grader stopped it. "
                        f"{marker('timeout', NONCE)}")}
    assert results.item_failure(item, NONCE) == (
        False, "timeout", "add() ran longer than 3 s; the grader stopped it.", "")


def test_a_student_exception_shows_where_it_was_raised():
    item = {"outcome": "failed", **_raised(
        "ValueError", "bad shape", "In your code: assignment/calc.py, line 9, in add: x = y")}
    passed, kind, reason, _ = results.item_failure(item, NONCE)
    assert (kind, reason) == ("exception", "raised ValueError: bad shape "
                                           "(in your code: assignment/calc.py, line 9, in add: x = y)")
    assert results.hidden_reason(kind, reason) == "raised ValueError in your code"


def test_a_hidden_check_names_builtin_exceptions_only():
    """A class of the student's own could spell out a hidden check's data in its name."""
    assert results.hidden_reason("exception", "raised f83x3_3_2_Error: x") == \
        "raised an exception of its own class"
    assert results.hidden_reason("memory", "raised MemoryError: x") == "raised MemoryError in your code"


def test_gradebook_columns_and_order():
    check = results.CheckResult("b", 2, False, "n", True, "passed")
    other = results.CheckResult("a", 1, True, "n", False, "x")
    secure = {"name": "bubblewrap", "secure": True}
    rows = [results.result_record("zed", "ok", [check, other], 3, isolation=secure),
            results.result_record("amy", "timeout", [other, check], 3,
                                  isolation={"name": "none", "secure": False})]
    text = gradebook.gradebook_text(rows, ["b", "a"])
    assert text.splitlines() == ["submission,score,max_score,status,sandbox,b,a",
                                 "amy,2,3,timeout,none (INSECURE),2,0",
                                 "zed,2,3,ok,bubblewrap,2,0"]


def test_the_feedback_names_a_mistake_only_when_the_evidence_shows_it():
    from instructor.mistakes import MISTAKES
    failing = _record(id="svm-vec-grad", kind="wrong-output", reason="the output differs")
    silent = feedback.render(failing, {})
    assert "## Hints" not in silent                       # failed checks alone name nothing
    shown = feedback.render(failing | {"evidence": {"svm_loss_vectorized.grad": "times N"}}, {})
    assert "## Hints" in shown and MISTAKES["svm_vec_grad_no_mean"].description in shown
    other = feedback.render(failing | {"evidence": {"svm_loss_vectorized.grad": "correct"}}, {})
    assert "## Hints" not in other


def _record(**check):
    base = {"id": "add-small", "points": 1, "hidden": False, "notebook": "calc.ipynb",
            "passed": False, "reason": "x", "diff": "", "kind": "exception"}
    return results.result_record("alice", "ok", [], 1) | {
        "checks": [dict(base, **check)], "isolation": {"name": "bubblewrap", "secure": True}}


def test_feedback_shows_a_public_failure_whole_and_a_hidden_one_by_its_kind():
    text = feedback.render(_record(reason="raised KeyError: 'secret data 42'", diff="the diff"), {})
    assert "secret data 42" in text and "the diff" in text
    text = feedback.render(_record(hidden=True, reason="raised KeyError: 'secret data 42'",
                                   diff="the diff"), {})
    assert "secret data 42" not in text and "the diff" not in text
    assert "raised KeyError in your code" in text


def test_feedback_escapes_what_came_from_the_submission():
    text = feedback.render(_record(reason="raised X: **Score: 9 / 9**\n# Hacked\n[link](http://x)",
                                   diff="```\n# Heading\n```"),
                           {"notebooks/n.ipynb": ["**Your answer:** ```\n# Heading in an answer"]})
    lines = text.splitlines()
    assert not any(line.startswith("# Hacked") or line.startswith("**Score: 9") for line in lines)
    assert "[link](http://x)" not in text and r"\[link\]" in text
    # Fences longer than any run of backticks inside: the diff and the answer stay inside them.
    for heading, fence in (("  # Heading", "  ````"), ("# Heading in an answer", "````")):
        at = lines.index(heading)
        assert fence in lines[:at] and fence in lines[at:], (heading, lines)


def test_terminal_escapes_in_what_came_from_the_submission_are_shown_not_obeyed():
    escapes = "oops\x1bM\x1b[0 q**Score: 62 / 62**\x1b]0;title\x07\x08\x08\x1bc\x9b2J"
    text = feedback.render(_record(reason="raised X: " + escapes, diff=escapes),
                           {"notebooks/n.ipynb": ["**Your answer:** 42 " + escapes]})
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) <= 0x9f for c in text)
    assert "\\x1bM" in text and "\\x07" in text


def _wrote_to_stderr(check_source, expected, yours):
    """The record the harness writes for a check whose run wrote to stderr."""
    report = ("Notebook cell execution failed\nCell 4: Cell outputs differ\n\nInput:\n"
              f"{check_source}\n\nTraceback:\nUnexpected output fields from running code: "
              "{'stderr'}\n")
    outputs = [{"output_type": "stream", "name": "stdout", "text": yours},
               {"output_type": "stream", "name": "stderr", "text": "calc.py:8: RuntimeWarning: "
                                                                   "overflow in exp\n"}]
    text = output_diff.readable_report(
        report, [{"output_type": "stream", "name": "stdout", "text": expected}], outputs)
    return {"outcome": "failed", "when": "call", "text": text,
            "stderr": output_diff.wrote_stderr(outputs)}


def test_a_check_that_wrote_to_stderr_shows_it_when_public_and_nothing_when_hidden():
    item = _wrote_to_stderr("print(add(1, 2))", "3\n", "nan\n")
    passed, kind, reason, diff = results.item_failure(item, NONCE)
    assert (passed, kind) == (False, "wrong-output")
    assert reason == ("the output differs from the expected one: your code wrote to stderr "
                      "(a warning or an error message)")
    assert "print(add(1, 2))" not in diff                   # the check's source is not echoed
    assert "expected > 3" in diff and "yours    > nan" in diff
    assert "yours    > calc.py:8: RuntimeWarning: overflow in exp" in diff
    public = feedback.render(_record(kind=kind, reason=reason, diff=diff), {})
    assert "Expected (reference solution) and yours, line by line:" in public
    assert "RuntimeWarning: overflow in exp" in public and "yours    > nan" in public
    hidden = feedback.render(_record(hidden=True, kind=kind, reason=reason, diff=diff), {})
    assert "RuntimeWarning" not in hidden and "nan" not in hidden and "stderr" not in hidden
    assert "wrong output (a hidden check: its expected output is not shown)" in hidden
    # Only the harness's record says the cell wrote to stderr, not its text.
    assert "stderr" not in results.item_failure(dict(item, stderr=False), NONCE)[2]


def test_the_grader_and_the_self_check_allow_the_same_imports():
    # One rule, in the kit contract: the grader's notes and the self-check both say it.
    from pathlib import Path

    from instructor import kit_contract
    path = Path(results.__file__).resolve().parents[1] / "student_kit" / "conftest.py"
    assert results.ALLOWED_IMPORTS is kit_contract.ALLOWED_IMPORTS
    text = path.read_text(encoding="utf-8")
    assert "contract.ALLOWED_IMPORTS" in text and "contract.allowed_import" in text
