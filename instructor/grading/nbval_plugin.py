"""pytest plugin for grading, run inside the workspace next to nbval (standalone).

- Records every nbval item as one JSON line (check id from the cell's own
  ``grading`` metadata, outcome, a capped failure text, whether the cell
  wrote to stderr, whether the kernel is still alive and how it ended) in
  the file named by ``GRADER_ITEMS``, flushed at once, so a run killed
  half-way still tells which checks passed.
- Caps each cell's output before nbval stores and compares it (a flood never
  reaches the diff in full).
- Shows a check's differing output as the expected (the reference
  solution's) and the student's, line by line (``output_diff.py``, copied
  beside this file), also when the student's code wrote to stderr, where
  nbval itself names only the kind of output.
- Notices a dead kernel within a second instead of waiting for the cell
  timeout.
- After a cell that timed out, lets the next cells run when the kernel is
  alive: nbval would mark them all as expected failures, but the kernel is
  the grader's own (the student's code runs in its worker, which was
  stopped with the cell), so one slow check must not fail the checks after it.
"""

import json
import os
import signal
import time
from queue import Empty

import kit_contract  # copied beside this file, like output_diff

# This plugin is loaded before nbval's, so nbformat is not imported yet: a slow
# import that nbval never needs fails fast (see skip_rfc3987_syntax).
kit_contract.skip_rfc3987_syntax()

import output_diff  # noqa: E402
import pytest  # noqa: E402
from nbval import kernel as nbval_kernel  # noqa: E402

ITEMS = os.environ["GRADER_ITEMS"]
OUTPUT_CAP = int(os.environ.get("GRADER_OUTPUT_CAP", 200_000))   # chars per cell
TEXT_CAP = int(os.environ.get("GRADER_TEXT_CAP", 20_000))        # chars of a failure
TRUNCATED = "\n[... output truncated by the grader ...]\n"


class KernelDied(RuntimeError):
    """The kernel ended while a cell ran."""


def _kernel_end(kernel):
    """'exit code N' / 'signal NAME' / None while the kernel lives."""
    try:
        if kernel.is_alive():
            return None
        process = getattr(getattr(kernel.km, "provisioner", None), "process", None)
        code = process.poll() if process is not None else None
    except Exception:
        return "unknown"
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _cap(text, cap):
    """Head and tail of text (the tail of a traceback says what happened)."""
    if len(text) <= cap:
        return text
    head = cap // 3
    return text[:head] + TRUNCATED + text[-(cap - head):]


_get_message = nbval_kernel.RunningKernel.get_message


def get_message(self, stream, timeout=None):
    msg = _get_message(self, stream, timeout=timeout)
    content = msg.get("content", {})
    parent = msg.get("parent_header", {}).get("msg_id")
    used = self.__dict__.setdefault("_grader_output", {})
    if msg.get("msg_type") == "stream":
        text = content.get("text", "")
        before = used.get(parent, 0)
        used[parent] = before + len(text)
        flooded = self.__dict__.setdefault("_grader_flooded", set())
        if before >= OUTPUT_CAP:
            # Whatever is cut leaves the mark once: a cell's output cannot end at
            # the cap and lose the rest unseen.
            content["text"] = "" if parent in flooded or not text else TRUNCATED
            if text:
                flooded.add(parent)
        elif used[parent] > OUTPUT_CAP:
            content["text"] = text[:OUTPUT_CAP - before] + TRUNCATED
            flooded.add(parent)
    elif msg.get("msg_type") in ("display_data", "execute_result"):
        data = content.get("data", {})
        for key, value in list(data.items()):
            if isinstance(value, str) and len(value) > OUTPUT_CAP:
                data[key] = _cap(value, OUTPUT_CAP)
    elif msg.get("msg_type") == "error":
        content["traceback"] = [_cap(line, TEXT_CAP) for line in content.get("traceback", [])[-50:]]
        content["evalue"] = _cap(str(content.get("evalue", "")), TEXT_CAP)
    return msg


def await_reply(self, msg_id, timeout=None):
    deadline = None if timeout is None else time.monotonic() + float(timeout)
    while True:
        left = 1.0 if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            msg = self.get_message(stream="shell", timeout=min(1.0, left))
        except Empty:
            end = _kernel_end(self)
            if end is not None:
                raise KernelDied(f"The kernel died while running this cell ({end}).")
            if deadline is not None and time.monotonic() >= deadline:
                raise
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            if msg["content"]["status"] == "aborted":
                raise RuntimeError("Kernel aborted execution request")
            return


nbval_kernel.RunningKernel.get_message = get_message
nbval_kernel.RunningKernel.await_reply = await_reply


def _error_output(item):
    """The ename and evalue of the error the cell's kernel reported, or None."""
    for output in reversed(getattr(item, "test_outputs", None) or []):
        if output.get("output_type") == "error":
            return {"ename": str(output.get("ename", ""))[:200],
                    "evalue": _cap(str(output.get("evalue", "")), TEXT_CAP)}
    return None


def _printed(outputs):
    """The text a cell's run printed (stdout, then stderr after its label), capped."""
    streams = [output for output in outputs or [] if output.get("output_type") == "stream"]
    return _cap(output_diff.outputs_text(streams), TEXT_CAP) if streams else ""


def _write(record):
    with open(ITEMS, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()


@pytest.hookimpl(tryfirst=True)
def pytest_assertrepr_compare(config, op, left, right):
    # nbval shows a differing output with the first non-empty answer of this
    # hook; tryfirst puts this one before pytest's own, which names neither
    # side and refers to its -v option.
    if op != "==":
        return None
    return output_diff.compare(left, right)


def pytest_sessionstart(session):
    _write({"event": "start", "time": time.time()})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "teardown" or (report.when == "setup" and report.passed):
        return
    cell = getattr(item, "cell", None)
    metadata = cell.get("metadata", {}) if cell is not None else {}
    tags = metadata.get("tags", [])
    parent = item.parent
    kernel = getattr(parent, "kernel", None)
    outputs = getattr(item, "test_outputs", None)
    if report.failed and cell is not None and isinstance(report.longrepr, str):
        report.longrepr = output_diff.readable_report(report.longrepr, cell.get("outputs"),
                                                      outputs)
    text = ""
    if report.failed:
        text = _cap(report.longreprtext or "", TEXT_CAP)
    flooded = bool(getattr(kernel, "_grader_flooded", None)) if kernel is not None else False
    _write({
        "event": "item",
        "nodeid": item.nodeid,
        "notebook": os.path.basename(str(getattr(item, "fspath", ""))),
        "cell": getattr(item, "cell_num", None),
        "check": metadata.get("grading", {}).get("id") if "nbval-check-output" in tags else None,
        "when": report.when,
        "outcome": report.outcome,
        "xfail": hasattr(report, "wasxfail"),
        "exception": call.excinfo.typename if call.excinfo is not None else None,
        "text": text,
        "duration": round(call.duration, 3),
        "timed_out": bool(getattr(parent, "timed_out", False)),
        "error": _error_output(item),
        # What the cell printed before an error: the traceback alone does not show it.
        "printed": _printed(outputs) if report.failed else "",
        "stderr": output_diff.wrote_stderr(outputs),
        "kernel_end": _kernel_end(kernel) if kernel is not None else None,
        "flooded": flooded,
    })
    if kernel is not None and flooded:
        kernel._grader_flooded = set()
    if report.when == "call" and getattr(parent, "timed_out", False) and kernel is not None \
            and _kernel_end(kernel) is None:
        parent.timed_out = False


def pytest_sessionfinish(session, exitstatus):
    _write({"event": "finish", "exitstatus": int(exitstatus), "time": time.time()})
