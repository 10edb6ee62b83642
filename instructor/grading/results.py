"""From the harness's item records to checks, a status and result.json.

Statuses, most telling first (a submission gets the first that applies):

``invalid-submission``  not a folder or zip with ``assignment/``, unsafe, too big
``grader-error``        the grader, its harness or its trusted kernel failed
``memory``              the student's code ran out of memory in some check
``does-not-import``     a student file does not compile or its top-level code raises
``timeout``             a call, a cell or the whole submission ran out of time
``crashed``             the student's process ended (``os._exit``, a signal) in some check
``ok``                  graded normally (checks may still fail)

A failure the grader itself detected (a call's timeout, the student's process
dying, the memory limit) is told apart from an exception of the student's
code that only has a similar name by a marker holding the submission's secret
nonce (:func:`.kernel.link.marker`), which the student's code never sees.
"""

import builtins
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import replace_dir
from ..kit_contract import ALLOWED_IMPORTS, starts_with_exception, strip_ansi

REASON_CAP = 300
DIFF_CAP = 6000
PRINTED_BEFORE = "What the cell printed before the error:"
_LOCATION = re.compile(r"^In your code: (?P<where>.+)$", re.MULTILINE)
# How a failure's kind reads in a hidden check's feedback: nothing the student's
# code printed or raised gets there, only what kind of failure it was.
HIDDEN_REASONS = {
    "wrong-output": "wrong output (a hidden check: its expected output is not shown)",
    "not-implemented": "not implemented yet (a stub raised NotImplementedError)",
    "timeout": "timed out",
    "memory": "ran out of memory",
    "crashed": "the process running your code ended",
    "refused": "returned a value that cannot be graded",
    "stale": "used an object from an earlier check",
    "broken": "your code's process stopped answering",
    "not-run": "not run",
}


@dataclass
class CheckResult:
    id: str
    points: int
    hidden: bool
    notebook: str
    passed: bool
    reason: str
    diff: str = ""
    kind: str = ""

    @property
    def earned(self):
        return self.points if self.passed else 0


def cap(text, limit):
    text = text or ""
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut ...]"


def read_items(path, limit=5_000_000):
    """The JSON records of a JSON-lines file (capped, bad lines skipped).

    The harness's items (one per nbval item) and the trusted kernel's events
    (:data:`.workspace.EVENTS`) are such files.
    """
    records = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            data = f.read(limit)
    except OSError:
        return records
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def _last_exception_line(text):
    """'NameError: name x is not defined' from a traceback text."""
    lines = [re.sub(r"^E\s+", "", line.strip()) for line in strip_ansi(text).splitlines()
             if line.strip() and not line.strip().startswith("In your code:")]
    for line in reversed(lines):
        if starts_with_exception(line):
            return line
    return lines[-1] if lines else ""


def _grader_signal(text, nonce):
    """(kind, message) of a failure the grader raised, or None."""
    if not nonce:
        return None
    match = re.search(r"(?P<message>[^\n]*?)\s*\[grader:" + re.escape(nonce) + r":(?P<kind>[a-z-]+)\]",
                      text)
    if match is None:
        return None
    message = re.sub(r"^[\w.]+: ", "", match.group("message").strip())
    return match.group("kind"), message


def item_failure(item, nonce=""):
    """(passed, kind, reason, diff) for one nbval item record.

    Read from what the harness recorded, not from what was printed: the
    kernel's state (``kernel_end``), nbval's own timeout (``timed_out``), the
    error the cell raised (``error``: its type and message) and the grader's
    marker with the nonce. A student's message that reads "the kernel died"
    or "Timeout of 1 seconds" is only a message.
    """
    text = strip_ansi(item.get("text", ""))
    error = item.get("error") if isinstance(item.get("error"), dict) else None
    if item.get("outcome") == "passed":
        return True, "passed", "passed", ""
    if item.get("xfail"):
        return False, "not-run", "not run reliably: an earlier cell timed out", ""
    if item.get("outcome") == "skipped":
        return False, "not-run", "skipped", ""
    if item.get("kernel_end"):
        return False, "grader", f"not run: the grader's kernel ended ({item['kernel_end']})", ""
    signal = _grader_signal(error["evalue"], nonce) if error else None
    if signal is not None:
        return (False, *signal, "")
    if item.get("timed_out"):
        return False, "timeout", "timed out: the cell ran longer than the grader allows", ""
    if error is not None:
        name, message = error["ename"], strip_ansi(error["evalue"]).strip()
        if name == "NotImplementedError":
            return False, "not-implemented", "not implemented yet: " + message, ""
        locations = _LOCATION.findall(text)
        where = f" (in your code: {locations[-1]})" if locations else ""
        line = f"{name}: {message}" if message else name
        printed = strip_ansi(item.get("printed") or "").strip("\n")
        before = f"{PRINTED_BEFORE}\n{printed}\n\n" if printed else ""
        return (False, "memory" if name == "MemoryError" else "exception",
                "raised " + line.splitlines()[0] + where if line else "raised an exception",
                cap(before + _traceback_part(text), DIFF_CAP))
    if item.get("outcome") == "failed" and item.get("when") == "call":
        # What the harness saw the cell write, not what its text says: a
        # student's print may read like nbval's words.
        stderr = ": your code wrote to stderr (a warning or an error message)" \
            if item.get("stderr") else ""
        flood = " (output truncated: too much printed)" if item.get("flooded") else ""
        return (False, "wrong-output", "the output differs from the expected one" + stderr + flood,
                cap(_diff_part(text), DIFF_CAP))
    line = _last_exception_line(text) or "failed"
    return False, "grader", line, cap(text, DIFF_CAP)


def _exception_type(reason):
    """A builtin exception's name from a reason, or None (a student's own class names
    anything the student likes, the data of a hidden check among them)."""
    match = re.match(r"raised ([A-Za-z_]\w*)", reason)
    if match is None:
        return None
    found = getattr(builtins, match.group(1), None)
    return match.group(1) if isinstance(found, type) and issubclass(found, BaseException) else None


def hidden_reason(kind, reason):
    """What a failed hidden check's feedback says: the kind of failure only."""
    if kind in ("exception", "memory"):
        name = _exception_type(reason)
        return f"raised {name} in your code" if name else "raised an exception of its own class"
    return HIDDEN_REASONS.get(kind, "failed")


def _diff_part(text):
    """nbval's comparison (made readable by the harness's plugin: see
    ``output_diff.readable_report``), without the echo of the cell's source."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback:") or "mismatch" in line.lower() or "output fields" in line:
            return "\n".join(lines[index:]).replace("Traceback:\n", "", 1).strip()
    return text.strip()


# A frame of the stand-ins in IPython's traceback (the one it always shows, where the
# student's exception is raised again), and the line that counts the frames it hid.
_GRADER_FRAME = re.compile(r"^File [^\n]*/instructor/grading/kernel/[^\n]*\n(?:[^\n]+\n)*\n?"
                           r"|^ *\[\.\.\. skipping hidden \d+ frames?\]\n\n?", re.MULTILINE)


def _traceback_part(text):
    """The traceback of a cell, without the grader's own frames."""
    index = text.find("Traceback:")
    text = text[index + len("Traceback:"):] if index >= 0 else text
    return _GRADER_FRAME.sub("", text).strip()


def evaluate(bundle, items, timed_out=False, harness_returncode=0, nonce="", import_failures=None):
    """Checks and status from a run's item records.

    ``import_failures`` maps each student file that could not be imported
    to its error (see :func:`.workspace.import_failures`).

    Returns
    -------
    status : str
    checks : list of CheckResult
        One per check of the bundle, in the bundle's order.
    notes : list of str
        What went wrong, for the instructor and the student.
    """
    by_check, notes = {}, []
    finished = any(r.get("event") == "finish" for r in items)
    exitstatus = next((r.get("exitstatus") for r in items if r.get("event") == "finish"), None)
    item_records = [r for r in items if r.get("event") == "item"]
    setup_failures = []
    for record in item_records:
        if record.get("check"):
            by_check.setdefault(record["check"], record)
        elif record.get("outcome") == "failed":
            setup_failures.append(record)
    checks = []
    for check in bundle.checks:
        record = by_check.get(check.id)
        if record is None:
            reason = ("not run: the submission ran out of time" if timed_out
                      else "not run: grading stopped before this check")
            checks.append(CheckResult(check.id, check.points, check.hidden, check.notebook,
                                      False, reason, kind="timeout" if timed_out else "not-run"))
            continue
        passed, kind, reason, diff = item_failure(record, nonce)
        checks.append(CheckResult(check.id, check.points, check.hidden, check.notebook,
                                  passed, cap(reason, REASON_CAP), diff, kind))
    kinds = {check.kind for check in checks if not check.passed}

    kernel_trouble = [r for r in item_records if r.get("when") == "setup" and r.get("outcome") == "failed"]
    kernel_trouble += [r for r in setup_failures if item_failure(r, nonce)[1] == "grader"]
    if kernel_trouble or "grader" in kinds:
        status = "grader-error"
        text = kernel_trouble[0].get("text", "") if kernel_trouble else ""
        notes.append("The grader's kernel failed (not your code's doing): "
                     + cap(_last_exception_line(text) or "it died", REASON_CAP))
    elif setup_failures:
        status = "grader-error"  # the set-up cells run only the grader's code
        notes.append(f"Setting up {setup_failures[0].get('notebook')} failed (the set-up cells "
                     f"run only the grader's code): "
                     + cap(item_failure(setup_failures[0], nonce)[2], REASON_CAP))
    elif "memory" in kinds:
        status = "memory"
        notes.append("Your code ran out of memory in some checks (the limit counts all its "
                     "processes together).")
    elif import_failures and (finished or timed_out):
        status = "does-not-import"
        for path, error in sorted(import_failures.items()):
            notes.append(f"{path} could not be imported: {cap(error, REASON_CAP)}. Every check "
                         f"that uses it failed; fix this first."
                         + (f" The files you fill in may import only {ALLOWED_IMPORTS}: the "
                            f"grader installs nothing else." if error.startswith(
                                ("ModuleNotFoundError", "ImportError")) else ""))
    elif timed_out or "timeout" in kinds:
        status = "timeout"
        notes.append("The whole submission ran out of time." if timed_out
                     else "Some checks ran out of time.")
    elif kinds & {"crashed", "broken"}:
        status = "crashed"
        notes.append("The process running your code ended in some checks; each check after it "
                     "got a fresh one.")
    elif not finished or exitstatus not in (0, 1):
        status = "grader-error"
        notes.append(f"The grading harness ended abnormally (return code {harness_returncode}, "
                     f"pytest exit status {exitstatus}).")
    else:
        status = "ok"
    return status, checks, notes


# --------------------------------------------------------------------------
# Writing

def result_record(name, status, checks, max_score, **extra):
    record = {
        "submission": name,
        "status": status,
        "score": sum(c.earned for c in checks),
        "max_score": max_score,
    }
    record.update(extra)
    record["checks"] = [asdict(c) for c in checks]
    return record


def publish(results_dir, name, files):
    """Write ``RESULTS/<name>/`` as a whole: built beside, then swapped in by renames.

    ``files``: file name -> text; ``result.json`` is what marks a submission graded.
    """
    results_dir = Path(results_dir)
    staging = Path(tempfile.mkdtemp(dir=results_dir, prefix=f".tmp-{name}-"))
    try:
        for filename, text in files.items():
            (staging / filename).write_text(text, encoding="utf-8", newline="\n")
        os.chmod(staging, 0o755)
        replace_dir(staging, results_dir / name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def load_result(results_dir, name):
    path = Path(results_dir) / name / "result.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
