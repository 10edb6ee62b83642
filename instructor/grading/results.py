"""From the harness's item records to checks, a status, result.json and the gradebook.

Statuses, most telling first (a submission gets the first that applies):

``invalid-submission``  not a folder or zip with ``assignment/``, unsafe, too big
``grader-error``        the grader or its harness failed, not the student's code
``memory``              a ``MemoryError`` under the memory limit
``timeout``             a cell or the whole submission ran out of time
``crashed``             the kernel died (``os._exit``, a signal, a crash)
``ok``                  graded normally (checks may still fail)
"""

import csv
import io
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import replace_dir

STATUSES = ("ok", "timeout", "memory", "crashed", "invalid-submission", "grader-error")
REASON_CAP = 300
DIFF_CAP = 6000
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class CheckResult:
    id: str
    points: int
    hidden: bool
    notebook: str
    passed: bool
    reason: str
    diff: str = ""

    @property
    def earned(self):
        return self.points if self.passed else 0


def strip_ansi(text):
    return _ANSI.sub("", text or "")


def cap(text, limit):
    text = text or ""
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters cut ...]"


def read_items(path, limit=5_000_000):
    """The JSON records of the harness's items file (capped, bad lines skipped)."""
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
             if line.strip()]
    for line in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit|Warning)\b", line) \
                or line.startswith(("NotImplementedError", "AssertionError", "StopIteration")):
            return line
    return lines[-1] if lines else ""


def item_reason(item):
    """(passed, one-line reason, diff) for one nbval item record."""
    text = strip_ansi(item.get("text", ""))
    if item.get("outcome") == "passed":
        return True, "passed" + (" (output truncated)" if item.get("flooded") else ""), ""
    if item.get("xfail"):
        return False, "not run reliably: an earlier cell timed out", ""
    if item.get("outcome") == "skipped":
        return False, "skipped", ""
    if item.get("exception") == "KernelDied" or "kernel died" in text.lower():
        match = re.search(r"The kernel died[^\n]*", text)
        return False, match.group(0) if match else "the kernel died while running this check", ""
    if "Kernel dead on test start" in text:
        return False, "not run: the kernel had died in an earlier cell", ""
    if "Timeout of" in text:
        match = re.search(r"Timeout of [\d.]+ seconds exceeded[^\n.]*", text)
        return False, "timed out: " + (match.group(0) if match else "the cell took too long"), ""
    if "Cell outputs differ" in text:
        flood = " (output truncated: too much printed)" if item.get("flooded") else ""
        return False, "the output differs from the expected one" + flood, cap(_diff_part(text), DIFF_CAP)
    if "Cell execution caused an exception" in text or "Traceback" in text:
        line = _last_exception_line(text)
        if line.startswith("NotImplementedError"):
            return False, "not implemented yet: " + line.split(":", 1)[-1].strip(), ""
        return False, "raised " + line, cap(_traceback_part(text), DIFF_CAP)
    line = _last_exception_line(text) or "failed"
    return False, line, cap(text, DIFF_CAP)


def _diff_part(text):
    """nbval's comparison, without the echo of the cell's source."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback:") or "mismatch" in line.lower():
            return "\n".join(lines[index:]).replace("Traceback:\n", "", 1).strip()
    return text.strip()


def _traceback_part(text):
    index = text.find("Traceback:")
    return text[index + len("Traceback:"):].strip() if index >= 0 else text.strip()


def evaluate(bundle, items, timed_out=False, harness_returncode=0, harness_output=""):
    """Checks and status from a run's item records.

    Returns
    -------
    status : str
    checks : list of CheckResult
        One per check of the bundle, in the bundle's order.
    notes : list of str
        What went wrong, for the instructor and the student.
    """
    by_check, setup_failures, notes = {}, [], []
    finished = any(r.get("event") == "finish" for r in items)
    exitstatus = next((r.get("exitstatus") for r in items if r.get("event") == "finish"), None)
    item_records = [r for r in items if r.get("event") == "item"]
    for record in item_records:
        if record.get("check"):
            by_check.setdefault(record["check"], record)
        elif record.get("outcome") == "failed":
            setup_failures.append(record)
    setup_failed = {}
    for record in setup_failures:
        setup_failed.setdefault(record.get("notebook"), item_reason(record)[1])
    checks = []
    for check in bundle.checks:
        record = by_check.get(check.id)
        if record is None:
            reason = ("not run: the submission ran out of time" if timed_out
                      else "not run: grading stopped before this check")
            checks.append(CheckResult(check.id, check.points, check.hidden, check.notebook, False, reason))
            continue
        passed, reason, diff = item_reason(record)
        if not passed and check.notebook in setup_failed and reason.startswith("raised NameError"):
            # Not the check's fault: what it uses was never defined.
            reason, diff = f"not run: the notebook's set-up cell failed ({setup_failed[check.notebook]})", ""
        checks.append(CheckResult(check.id, check.points, check.hidden, check.notebook,
                                  passed, cap(reason, REASON_CAP), diff))
    for record in setup_failures[:3]:
        passed, reason, _ = item_reason(record)
        notes.append(f"Setting up {record.get('notebook')} failed: {cap(reason, REASON_CAP)}")

    texts = [strip_ansi(r.get("text", "")) for r in item_records]
    memory = any("MemoryError" in t for t in texts)
    cell_timeout = any(r.get("timed_out") or "Timeout of" in strip_ansi(r.get("text", ""))
                       for r in item_records)
    died = any(r.get("exception") == "KernelDied" or "Kernel dead on test start" in t
               or "kernel died" in t.lower() for r, t in zip(item_records, texts))
    ends = sorted({r.get("kernel_end") for r in item_records if r.get("kernel_end")})
    cpu_limit = any("SIGXCPU" in end for end in ends)        # RLIMIT_CPU: out of CPU time
    died = died or bool(ends) and not cell_timeout
    harness_setup = [r for r in item_records if r.get("when") == "setup" and r.get("outcome") == "failed"]
    if harness_setup:
        # The kernel starts before any student code is imported: not theirs.
        status = "grader-error"
        notes.append("The grading kernel could not start: "
                     + cap(_last_exception_line(harness_setup[0].get("text", "")), REASON_CAP))
    elif memory:
        status = "memory"
        notes.append("The code ran out of memory (MemoryError under the grader's memory limit).")
    elif timed_out or cell_timeout or cpu_limit:
        status = "timeout"
        notes.append("The whole submission ran out of time." if timed_out
                     else "The code used up its CPU time." if cpu_limit
                     else "A cell ran longer than the per-cell time limit.")
    elif died:
        status = "crashed"
        notes.append("The Python kernel running your code died"
                     + (f" ({', '.join(ends)})" if ends else "") + "."
                     + (" It wrote a file larger than the grader allows."
                        if any("SIGXFSZ" in end for end in ends) else ""))
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


def gradebook_text(records, check_ids):
    """CSV text: submission, score, max_score, status, then a column per check."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "score", "max_score", "status", *check_ids])
    for record in sorted(records, key=lambda r: r["submission"]):
        earned = {c["id"]: (c["points"] if c["passed"] else 0) for c in record.get("checks", [])}
        writer.writerow([record["submission"], record["score"], record["max_score"],
                         record["status"], *[earned.get(i, "") for i in check_ids]])
    return out.getvalue()
