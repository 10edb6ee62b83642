"""The comparison of a check's expected output and a student's (instructor/output_diff.py),
which the self-check and the grader's feedback both show."""

import re

from instructor import output_diff as od

LEGEND = "Expected (reference solution) and yours, line by line:"


def marked(lines):
    """The lines of a comparison that carry a mark, with it."""
    return [line for line in lines if line.startswith((od.EXPECTED_MARK, od.YOURS_MARK))]


def mentions_pytest_options(text):
    return re.search(r"(^|[\s'\"(])-v+\b|\buse -|verbos", text, re.IGNORECASE) is not None


def test_a_wrong_output_names_both_sides_and_marks_exactly_the_differing_lines():
    expected = "cat: 2.90\ncar: 0.00\nfrog: 12.90\nmean: 5.27\n"
    yours = "cat: 2.90\ncar: 0.00\nfrog: 10.90\nmean: 4.60\n"
    lines = od.compare(expected, yours)
    assert lines[0] == LEGEND
    assert "'expected >' marks a line only in the expected output" in lines[1]
    assert "'yours >' a line only in yours" in lines[1]
    assert marked(lines) == ["expected > frog: 12.90", "expected > mean: 5.27",
                             "yours    > frog: 10.90", "yours    > mean: 4.60"]
    # The lines both have are shown plainly, in their place.
    assert lines[2:4] == [od.SAME_MARK + "cat: 2.90", od.SAME_MARK + "car: 0.00"]
    assert not any("\n" in line for line in lines)       # nbval shows a newline as \n


def test_equal_outputs_mark_nothing_and_an_extra_line_is_marked_alone():
    assert od.compare("5\n", "5\n")[2:] == ["The two are the same."]
    lines = od.compare("5\n", "debug: a = 2\n5\n")
    assert marked(lines) == ["yours    > debug: a = 2"]
    assert lines[-1] == od.SAME_MARK + "5"
    assert marked(od.compare("5\n6\n", "5\n")) == ["expected > 6"]


def test_no_comparison_mentions_pytest_options():
    long = "".join(f"row {i}: {i * i}\n" for i in range(500))
    cases = [("5\n", "-1\n"), (long, long.replace("row 7:", "row 7 :")), ("", long),
             ({"a": 1}, {"a": 2}), ("x" * 5000, "y" * 5000), ("5\n", "5")]
    for expected, yours in cases:
        text = "\n".join(od.compare(expected, yours))
        assert not mentions_pytest_options(text), text
    assert mentions_pytest_options("...Full output truncated, use '-vv' to show")
    assert mentions_pytest_options("Use -v to get more diff")


def test_a_long_comparison_is_capped_keeping_both_sides_and_the_context():
    numbers = [str(i) for i in range(200)]
    expected = "\n".join(numbers) + "\n"
    yours = "\n".join(numbers[:50] + ["fifty"] + numbers[51:]) + "\n"
    lines = od.compare(expected, yours)
    assert marked(lines) == ["expected > 50", "yours    > fifty"]
    assert od.SAME_MARK + "[... 48 unchanged lines ...]" in lines
    assert od.SAME_MARK + "[... 147 unchanged lines ...]" in lines
    assert [od.SAME_MARK + "49", "expected > 50"] == lines[lines.index("expected > 50") - 1:][:2]
    flood = od.compare("1\n2\n", "".join(f"line {i}\n" for i in range(10_000)), max_lines=40)
    assert len(flood) <= 2 + 40 + 1
    assert "expected > 1" in flood and "yours    > line 0" in flood   # both sides in view
    assert "yours    > [... 9990 more lines only in yours ...]" in flood
    wide = od.compare("a\n", "b" * 1000 + "\n", width=50)
    assert wide[-1] == "yours    > " + "b" * 50 + " [... 950 more characters]"


def test_what_no_line_shows_is_spelled_out():
    ending = od.compare("5\n", "5")
    assert ending[2] == "The lines are the same; the line endings or the final newline differ:"
    assert ending[3:] == ["expected > '5\\n'", "yours    > '5'"]
    spaces = od.compare("a  b\n", "a b\n")
    assert marked(spaces) == ["expected > 'a  b'", "yours    > 'a b'"]
    assert "Yours is empty." in od.compare("5\n", "")
    assert "The expected output is empty." in od.compare("", "5\n")
    escapes = od.compare("ok\n", "\x1b[2Jok\x07\n")
    assert marked(escapes) == ["expected > ok", "yours    > \\x1b[2Jok\\x07"]


def test_a_cell_s_outputs_read_as_the_notebook_shows_them_stderr_included():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "loss = nan\n"},
               {"output_type": "stream", "name": "stderr",
                "text": "softmax.py:40: RuntimeWarning: overflow encountered in exp\n"},
               {"output_type": "execute_result", "data": {"text/plain": ["array([1,", " 2])"]}},
               {"output_type": "display_data", "data": {"image/png": "iVBOR..."}}]
    assert od.outputs_text(outputs) == (
        "loss = nan\n--- stderr ---\nsoftmax.py:40: RuntimeWarning: overflow encountered in "
        "exp\narray([1, 2])\n[image/png]\n")
    assert od.wrote_stderr(outputs) and not od.wrote_stderr(outputs[:1] + outputs[2:])
    assert od.outputs_text([]) == "" and not od.wrote_stderr(None)


NBVAL_STDERR = ("Notebook cell execution failed\nCell 3: Cell outputs differ\n\nInput:\n"
                "print(loss)\n\nTraceback:\n"
                "Unexpected output fields from running code: {'stderr'}\n")
NBVAL_MISMATCH = ("Notebook cell execution failed\nCell 3: Cell outputs differ\n\nInput:\n"
                  "print(loss)\n\nTraceback:\n mismatch 'stdout'\n\n"
                  " assert reference_output == test_output failed:\n\n  the hook's lines\n")


def _stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def test_a_report_where_nbval_compared_no_text_gets_the_whole_output_stderr_included():
    expected = [_stream("stdout", "loss: 2.04\n")]
    yours = [_stream("stdout", "loss = nan\n"),
             _stream("stderr", "softmax.py:40: RuntimeWarning: overflow encountered in exp\n")]
    text = od.readable_report(NBVAL_STDERR, expected, yours)
    assert text.startswith(NBVAL_STDERR)
    assert "Your code wrote to stderr" in text and LEGEND in text
    assert marked([line.strip() for line in text.splitlines()]) == [
        "expected > loss: 2.04", "yours    > loss = nan", "yours    > --- stderr ---",
        "yours    > softmax.py:40: RuntimeWarning: overflow encountered in exp"]
    # Printing nothing at all: the expected output, and that yours is empty.
    silent = od.readable_report(NBVAL_STDERR.replace("Unexpected", "Missing"), expected, [])
    assert "expected > loss: 2.04" in silent and "Yours is empty." in silent
    assert "Your code wrote to stderr" not in silent


def test_a_report_nbval_compared_line_by_line_or_an_exception_is_left_as_it_is():
    tidy = od.readable_report(NBVAL_MISMATCH, [_stream("stdout", "1\n")],
                              [_stream("stdout", "2\n")])
    assert "assert reference_output" not in tidy          # pytest's words, not the sides'
    assert tidy == NBVAL_MISMATCH.replace(" assert reference_output == test_output failed:\n\n", "")
    raised = "Notebook cell execution failed\nCell 3: Cell execution caused an exception\n"
    assert od.readable_report(raised, [_stream("stdout", "1\n")], []) == raised
    # A cell that never finished (a timeout) has no outputs to compare.
    assert od.readable_report(NBVAL_STDERR, [_stream("stdout", "1\n")], None) == NBVAL_STDERR
