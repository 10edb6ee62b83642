"""A check's expected output and a student's, compared line by line in one readable text.

Shared by the student kit's self-check (``conftest.py``) and the grader's nbval
plugin (``grading/nbval_plugin.py``): both run standalone, so this file imports
only the standard library and is copied beside them, into the kit's
``.checks/`` by the release and into each grading workspace by the grader.

nbval compares a check cell's outputs one kind at a time (stdout, stderr,
``text/plain``, ...) and asks the ``pytest_assertrepr_compare`` hook to show a
difference; both plugins answer with :func:`compare`, which names the two sides
and marks the differing lines (pytest's own answer names neither side and
mentions command-line options a student cannot use from the report). Where the
kinds themselves differ (the student's code wrote to stderr, or printed
nothing) nbval shows no comparison at all; :func:`readable_report` adds the
whole cell's output then, as the notebook shows it.
"""

import difflib
import pprint
import re

EXPECTED = "expected (reference solution)"
YOURS = "yours"
# The marks in front of the lines; unmarked lines are indented as much, so
# every line's text starts in the same column.
EXPECTED_MARK = "expected > "
YOURS_MARK = "yours    > "
SAME_MARK = " " * len(EXPECTED_MARK)
LEGEND = [f"{EXPECTED.capitalize()} and {YOURS}, line by line:",
          (f"('{EXPECTED_MARK.strip()}' marks a line only in the expected output, "
           f"'{' '.join(YOURS_MARK.split())}' a line only in yours; unmarked lines are in both)")]
STDERR_LABEL = "--- stderr ---"
CONTEXT = 2        # unchanged lines shown around each difference
MAX_LINES = 40     # lines of a comparison, past the legend
WIDTH = 200        # characters of one line

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# nbval's line before the hook's answer: it names pytest's assert, not the sides.
_NBVAL_ASSERT = re.compile(r"^ assert reference_output == test_output failed:\n\n?", re.MULTILINE)
# nbval's messages where it compares no text: the kinds of output differ.
_NBVAL_NO_TEXT = ("Missing output fields from running code",
                  "Unexpected output fields from running code",
                  "dissimilar number of outputs for key")


def compare(expected, yours, context=CONTEXT, max_lines=MAX_LINES, width=WIDTH):
    """A readable comparison of an expected output and a student's, as lines.

    Parameters
    ----------
    expected : str or object
        The reference solution's output (stored in the notebook); anything
        but a string is shown as ``pprint`` shows it.
    yours : str or object
        The student's output, likewise.
    context : int
        When showing every line would take more than ``max_lines``: the
        unchanged lines shown before and after each differing run (longer
        unchanged runs are counted, not shown).
    max_lines : int
        Lines of the comparison shown after the legend; the rest is counted.
    width : int
        Characters of one line shown; the rest is counted.

    Returns
    -------
    list of str
        The legend (:data:`LEGEND`), then the lines, none of them holding a
        newline. Lines only in the expected output start with
        :data:`EXPECTED_MARK`, lines only in the student's with
        :data:`YOURS_MARK`, the others with :data:`SAME_MARK`.
    """
    expected, yours = _as_text(expected), _as_text(yours)
    old, new = expected.splitlines(), yours.splitlines()
    lines = list(LEGEND)
    if expected == yours:
        lines.append("The two are the same.")
        return lines
    if old == new:
        # Equal lines, unequal texts: only the line endings can differ. Show
        # the ends of both, with their newlines spelled out.
        lines.append("The lines are the same; the line endings or the final newline differ:")
        lines.append(EXPECTED_MARK + _clip(repr(expected[-width // 2:]), width))
        lines.append(YOURS_MARK + _clip(repr(yours[-width // 2:]), width))
        return lines
    if not old:
        lines.append("The expected output is empty.")
    if not new:
        lines.append("Yours is empty.")
    rows = _rows(old, new)
    if len(rows) > max_lines:
        # Too long to show whole: the differences with their context, and of
        # a long differing run its start only, so both sides stay in view.
        rows = _rows(old, new, context, run_cap=max(1, max_lines // 4))
    for mark, text in rows[:max_lines]:
        lines.append(mark + _clip(text, width))
    if len(rows) > max_lines:
        lines.append(f"[... {len(rows) - max_lines} more lines of the comparison not shown ...]")
    return lines


def _as_text(value):
    return value if isinstance(value, str) else pprint.pformat(value)


def _rows(old, new, context=None, run_cap=None):
    """(mark, text) for each line to show.

    Unless context is None, a run of unchanged lines is cut to its context
    and a run of lines only on one side to its first ``run_cap``.
    """
    rows = []
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal" and context is None:
            rows += [(SAME_MARK, line) for line in old[i1:i2]]
        elif tag == "equal":
            same = old[i1:i2]
            head = same[:context] if index > 0 else []
            tail = same[-context:] if context and index < len(opcodes) - 1 else []
            if len(same) <= len(head) + len(tail) + 1:
                head, tail = same, []   # a gap of one line is as long as its count
            hidden = len(same) - len(head) - len(tail)
            rows += [(SAME_MARK, line) for line in head]
            if hidden:
                rows.append((SAME_MARK, f"[... {hidden} unchanged line{'s' * (hidden != 1)} ...]"))
            rows += [(SAME_MARK, line) for line in tail]
        else:
            removed, added = old[i1:i2], new[j1:j2]
            if tag == "replace":
                removed, added = _spaces_shown(removed, added)
            rows += _run(EXPECTED_MARK, removed, run_cap, "only in the expected output")
            rows += _run(YOURS_MARK, added, run_cap, "only in yours")
    return rows


def _run(mark, lines, cap, where):
    """The rows of a run of lines only on one side, the first cap of them."""
    rows = [(mark, line) for line in lines[:cap]]
    if cap is not None and len(lines) > cap:
        rows.append((mark, f"[... {len(lines) - cap} more lines {where} ...]"))
    return rows


def _spaces_shown(removed, added):
    """Lines that differ only in their spaces, as Python literals (the spaces show)."""
    removed, added = list(removed), list(added)
    for k in range(min(len(removed), len(added))):
        if removed[k].split() == added[k].split():
            removed[k], added[k] = repr(removed[k]), repr(added[k])
    return removed, added


def _clip(text, width):
    """One line, its control characters shown (not obeyed), cut at width."""
    text = _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)
    if len(text) > width:
        text = text[:width] + f" [... {len(text) - width} more characters]"
    return text


def outputs_text(outputs):
    """A cell's outputs as the text the notebook shows, in their order.

    What went to stderr (a warning, which the notebook shows in red) comes
    after a line :data:`STDERR_LABEL`; an image or another output without text
    is named by its type.

    Parameters
    ----------
    outputs : list of dict
        The cell's outputs, as stored in a notebook or as nbval collected them
        (``output_type``, and ``name`` and ``text`` or ``data``).
    """
    parts = []
    for output in outputs or []:
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            parts.append(STDERR_LABEL + "\n" + text if output.get("name") == "stderr" else text)
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            text = data.get("text/plain")
            if text is None:
                parts.append("[" + ", ".join(sorted(data)) + "]\n")
            else:
                parts.append(("".join(text) if isinstance(text, list) else text) + "\n")
        elif kind == "error":
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}\n")
    return "".join(part if part.endswith("\n") else part + "\n" for part in parts)


def wrote_stderr(outputs):
    """Whether any of a cell's outputs went to stderr."""
    return any(output.get("output_type") == "stream" and output.get("name") == "stderr"
               for output in outputs or [])


def readable_report(text, expected_outputs, your_outputs):
    """nbval's failure report of a check cell, made readable for a student.

    Drops nbval's line naming pytest's ``assert`` and, where nbval compared
    no text because the kinds of output differ (the student's code wrote to
    stderr, or printed nothing), adds the whole output of both, compared
    with :func:`compare`, as the notebook shows it.

    Parameters
    ----------
    text : str
        nbval's report (its ``repr_failure``).
    expected_outputs, your_outputs : list of dict or None
        The check cell's stored outputs and the ones the run produced; None
        when the cell never ran to its end (then nothing is added).

    Returns
    -------
    str
    """
    text = _NBVAL_ASSERT.sub("", text, count=1)
    if your_outputs is None or expected_outputs is None or "Cell outputs differ" not in text \
            or not any(message in text for message in _NBVAL_NO_TEXT):
        return text
    lines = compare(outputs_text(expected_outputs), outputs_text(your_outputs))
    heading = ["The whole output, as the notebook shows it:"]
    if wrote_stderr(your_outputs) and not wrote_stderr(expected_outputs):
        heading.insert(0, f"Your code wrote to stderr (a warning or an error message: below, "
                          f"after '{STDERR_LABEL}'), where the expected output has nothing.")
    return "\n".join([text.rstrip("\n"), "", *heading, *["  " + line for line in lines], ""])
