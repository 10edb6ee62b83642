"""``feedback.md`` for the student: score, every check with its reason, the
output differences, the typical mistakes that the evidence shows (``hints.py``),
and the written answers found in their notebooks (gathered for manual grading;
the notebooks are never run)."""

import json
import re

from ..kit_contract import ANSWER_MARK
from .hints import mistake_hints
from .results import cap, hidden_reason

FEEDBACK_CAP = 200_000
ANSWER_CAP = 4000

def written_answers(notebooks, pristine=None, answer_chars=4000, total_chars=200_000):
    """{notebook name: [answer text, ...]} from the student's notebooks (bytes), never run.

    An answer is a markdown cell containing ``**Your answer:**``, together with
    the markdown cells the student added right after it (cells whose text the
    pristine notebook does not have), up to the next code cell or unchanged
    cell. A notebook that cannot be read (not JSON, nested too deeply) is
    reported, not fatal. Each answer is capped at ``answer_chars`` and all of
    them together at ``total_chars``.

    Parameters
    ----------
    notebooks : dict
        ``notebooks/<name>.ipynb`` -> bytes, as the student saved them.
    pristine : dict or None
        ``notebooks/<name>.ipynb`` -> set of the markdown texts (stripped) of
        the notebook as released; None gathers only the cells with the mark.
    answer_chars, total_chars : int
    """
    answers, left = {}, total_chars
    for name, data in sorted(notebooks.items()):
        try:
            nb = json.loads(data.decode("utf-8", errors="replace"))
            cells = nb.get("cells", []) if isinstance(nb, dict) else []
            cells = cells if isinstance(cells, list) else []
        except ValueError:
            answers[name] = ["(this notebook is not valid JSON; its answers could not be read)"]
            continue
        except RecursionError:
            answers[name] = ["(this notebook is nested too deeply to read; its answers could "
                             "not be read)"]
            continue
        known = (pristine or {}).get(name)
        found, after_question = [], False
        for cell in cells:
            if left <= 0:
                found.append("(more answers were cut: the written answers are too long)")
                break
            if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
                after_question = False
                continue
            text = _cell_text(cell).strip()
            if ANSWER_MARK in text:
                found.append(cap(text, min(answer_chars, left)))
                left -= len(found[-1])
                after_question = True
            elif after_question and known is not None and text and text not in known:
                left += len(found[-1])
                found[-1] = cap(f"{found[-1]}\n\n{text}", min(answer_chars, left))
                left -= len(found[-1])
            else:
                after_question = False
        if found:
            answers[name] = found
    return answers


def _cell_text(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def inline(text, limit=300):
    """text as one line of Markdown that renders as itself (nothing it holds is markup)."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", " ", str(text)).strip()
    if len(text) > limit:
        text = text[:limit] + f" [... {len(text) - limit} more characters cut ...]"
    return re.sub(r"([\\`*\[\]<>|])", r"\\\1", text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text):
    """text with its control characters (terminal escapes among them) shown, not obeyed."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def fenced(text, indent=""):
    """text in a fenced code block whose fence no line of it can close; nothing in it acts."""
    text = printable(text)
    longest = max((len(run) for run in re.findall(r"`+|~+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *[indent + line for line in text.splitlines()], indent + fence]


def check_markdown(check):
    """One check's lines of feedback (Markdown): its verdict, points and reason, then,
    for a failed public check, the expected output and the student's or the traceback.

    A failed hidden check says only the kind of failure (:func:`.results.hidden_reason`).
    """
    mark = "PASS" if check["passed"] else "FAIL"
    kind = " (hidden)" if check["hidden"] else ""
    earned = check["points"] if check["passed"] else 0
    reason = check["reason"]
    if check["hidden"] and not check["passed"]:
        reason = hidden_reason(check.get("kind", ""), reason)
    lines = [f"- **{mark}** `{check['id']}`{kind}, {check['notebook']}: "
             f"{earned}/{check['points']} — {inline(reason)}"]
    if check.get("diff") and not check["passed"] and not check["hidden"]:
        lines += ["", *fenced(cap(check["diff"], 3000), "  "), ""]
    return lines


def render(record, answers, with_checks=True):
    """The feedback text (Markdown) for one result record.

    ``with_checks`` False leaves out the list of checks (a platform that shows
    each check apart, as Gradescope does, gets them from :func:`check_markdown`).

    Nothing the student's code printed or raised in a hidden check is shown:
    only the kind of failure. Every text that came from the submission (file
    names, messages, answers) is escaped or fenced, so it reads as text.
    """
    lines = [f"# Feedback: {inline(record['submission'])}", ""]
    isolation = record.get("isolation") or {}
    if isolation and not isolation.get("secure", True):
        lines += [f"> **{inline(isolation.get('warning', 'Graded without a sandbox.'), 1000)}**", ""]
    lines.append(f"**Score: {record['score']} / {record['max_score']}**  (status: `{record['status']}`)")
    lines.append("")
    for note in record.get("notes", []):
        lines.append(f"> {inline(note, 1000)}")
    if record.get("notes"):
        lines.append("")
    checks = record.get("checks", [])
    if checks and with_checks:
        lines += ["## Checks", ""]
        for check in checks:
            lines += check_markdown(check)
        lines.append("")
    not_implemented = [c["id"] for c in checks if c["reason"].startswith("not implemented")]
    hints = []
    if not_implemented:
        hints.append("Some checks hit a stub that still raises NotImplementedError: fill in the "
                     "functions they name (see the reasons above).")
    # A cause is named only when the facts measured on your code show it (hints.py).
    hints += mistake_hints(record.get("evidence") or {})
    if hints and record["status"] in ("ok", "timeout", "memory", "crashed"):
        lines += ["## Hints", "", *[f"- {hint}" for hint in hints], ""]
    if record.get("missing_files"):
        lines += ["## Files", "", "Not found in your submission (graded as the unfilled stubs): "
                  + ", ".join(_code(f) for f in record["missing_files"]), ""]
    for key, title in (("changed_provided_files", "Provided files you changed (ignored: the grader "
                        "uses its own copy of every provided file and notebook)"),
                       ("extra_files", "Other files in your submission (ignored)")):
        names = record.get(key) or []
        if names:
            if not record.get("missing_files") and "## Files" not in lines:
                lines += ["## Files", ""]
            lines += [f"{title}: " + ", ".join(_code(f) for f in names[:20])
                      + (f" and {len(names) - 20} more" if len(names) > 20 else ""), ""]
    lines += ["## Written answers (graded by hand)", ""]
    if answers:
        for name, texts in answers.items():
            lines += [f"### {inline(name)}", ""]
            for text in texts:
                lines += [*fenced(text), ""]
    else:
        lines += [f"No written answers were found (markdown cells with {ANSWER_MARK} in "
                  "`notebooks/*.ipynb`).", ""]
    return cap("\n".join(lines), FEEDBACK_CAP) + "\n"


def _code(name):
    """A file name as inline code that nothing in the name can end early."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]+", "?", str(name))[:200].replace("`", "'")
    return f"`{text}`"
