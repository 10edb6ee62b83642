"""The self-check: ``pytest`` in this folder runs the public checks on your code.

It runs pristine copies of the notebooks' check cells (kept in ``.checks/``)
against your ``assignment/`` package with nbval, so whatever you saved in your
own notebooks never changes the result. At the end it prints, for every
check, whether it passed and, when it failed, why.

You do not need to read or change this file.
"""

import ast
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parent
CHECKS = KIT / ".checks"
KIT_JSON = CHECKS / "kit.json"
# Shows a check's expected output and yours line by line (shared with the grader).
OUTPUT_DIFF = CHECKS / "output_diff.py"
# What this file shares with the grader and the release (what you may import,
# how a stub's message starts, ...).
CONTRACT = CHECKS / "kit_contract.py"

# Checks never draw figures; a window-less backend keeps kernels quiet.
os.environ.setdefault("MPLBACKEND", "Agg")
# The notebooks find the kit through this variable (Colab): the self-check checks this kit.
os.environ["ASSIGNMENT_KIT"] = str(KIT)


def forbidden_imports(path, relpath, allowed):
    """``file:line imports x`` for every import of path that ``allowed(name)`` refuses."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (SyntaxError, ValueError, OSError):
        return []  # the checks report it, with the line
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        found += [f"{relpath}:{node.lineno} imports {name}" for name in names if not allowed(name)]
    return found


def _load_kit():
    try:
        return json.loads(KIT_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _load(path):
    """The module in a file of .checks/ (this file runs alone: no package to import from)."""
    spec = importlib.util.spec_from_file_location(f"selfcheck_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _removed(path):
    """The refusal when one of the self-check's own files is gone."""
    return pytest.UsageError(
        f"The self-check's own file .checks/{path.name} was removed: copy the .checks/ "
        "folder back from a fresh copy of the kit.")


class _SelfCheck:
    """Collects per-check results and prints the summary."""

    def __init__(self, kit, output_diff, contract):
        self.kit = kit
        self.output_diff = output_diff
        self.contract = contract
        self.cells = {}    # nodeid -> check dict (or a set-up marker)
        self.results = {}  # nodeid -> (passed, reason)
        self.stderr = set()  # nodeids of the cells whose run wrote to stderr

    # -- pytest hooks -------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_assertrepr_compare(self, config, op, left, right):
        # nbval shows a differing output with the first non-empty answer of
        # this hook; tryfirst puts this one before pytest's own, which names
        # neither side and refers to its -v option.
        if op != "==":
            return None
        return self.output_diff.compare(left, right)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        outputs = getattr(item, "test_outputs", None)
        if report.when != "call" or not report.failed or not hasattr(item, "cell"):
            return
        # The summary's reason says so (nbval's report names only the kind of output).
        if self.output_diff.wrote_stderr(outputs):
            self.stderr.add(item.nodeid)
        # nbval shows no comparison when the kinds of output differ (stderr):
        # the report pytest prints above the summary gets the whole output.
        if isinstance(report.longrepr, str):
            report.longrepr = self.output_diff.readable_report(
                report.longrepr, item.cell.get("outputs"), outputs)

    def pytest_collection_modifyitems(self, items):
        for item in items:
            cell = getattr(item, "cell", None)
            if cell is None:
                continue
            grading = cell.get("metadata", {}).get("grading")
            notebook = Path(str(getattr(item, "path", None) or item.fspath)).name
            if grading:
                self.cells[item.nodeid] = {"id": grading.get("id"), "points": grading.get("points", 0),
                                           "notebook": notebook}
            else:
                self.cells[item.nodeid] = {"id": None, "points": 0, "notebook": notebook}

    def pytest_report_teststatus(self, report, config):
        # A notebook's set-up cell is no check: pytest's count at the end says
        # "set-up cells" for them, beside the checks' "passed" and "failed".
        check = self.cells.get(report.nodeid)
        if check is not None and check["id"] is None and report.when == "call" and report.passed:
            return "set-up cells run", ".", "SET-UP"
        return None

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.cells:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            passed = report.passed and not hasattr(report, "wasxfail")
            if report.skipped and hasattr(report, "wasxfail"):
                reason = "not run: an earlier cell of this notebook timed out"
            else:
                reason = None if passed else failure_reason(report.longreprtext,
                                                            report.nodeid in self.stderr,
                                                            self.contract)
            self.results[report.nodeid] = (passed, reason)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        if not self.cells:
            return
        terminalreporter.section("self-check: public checks", sep="=")
        total = passed_count = points = earned = 0
        stub_hits = False
        notebook = None
        for nodeid, check in self.cells.items():
            passed, reason = self.results.get(nodeid, (False, "not run"))
            if check["notebook"] != notebook and (check["id"] is not None or not passed):
                notebook = check["notebook"]
                write(f"notebooks/{notebook}")
            if check["id"] is None:  # the set-up cell: only news when it fails
                if not passed:
                    write(f"  SETUP FAILED  {reason}  (the checks of this notebook cannot "
                          f"pass until this is fixed)")
                continue
            total += 1
            points += check["points"] or 0
            if passed:
                passed_count += 1
                earned += check["points"] or 0
            stub_hits |= bool(reason and self.contract.STUB_MESSAGE in reason)
            status = "PASS" if passed else "FAIL"
            line = f"  {status}  {check['id']}  ({check['points']} pt)"
            write(line + (f"  {reason}" if reason else ""))
        write("")
        write(f"{passed_count} of {total} public checks passed ({earned} of {points} points).")
        if stub_hits:
            write("NotImplementedError means a TODO you have not filled in yet: open the file it "
                  "names and replace the stub (`raise NotImplementedError(...)` or "
                  "`dW = Unfinished(...)`, down to its closing parenthesis) with your code.")
        if passed_count < total:
            write("The full report of each failure is above (its input and traceback). "
                  "README.md, 'Common errors', explains the usual ones.")
        else:
            write("All public checks pass. Hidden checks are graded too: test your code "
                  "beyond these (edge cases, other shapes, a non-trivial reg).")


_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
# IPython's "File PATH:LINE" (or Python's 'File "PATH", line LINE') of a student file.
_SYNTAX_LOCATION = re.compile(r'File "?\S*?/(assignment/\S+?\.py)"?(?::|, line )(\d+)')


def failure_reason(text, stderr, contract):
    """A one-line reason for an nbval failure report.

    Parameters
    ----------
    text : str
        The failure's report.
    stderr : bool
        Whether the cell's run wrote to stderr.
    contract : module
        The kit contract (``.checks/kit_contract.py``).
    """
    text = contract.strip_ansi(text)
    if "Timeout of" in text and "exceeded" in text:
        return "timed out: an endless loop, or far too slow (vectorize it?)"
    if "Cell outputs differ" in text and stderr:
        return ("output differs from the reference: your code wrote to stderr (a warning or "
                "an error message, shown in the report above)")
    if "Cell outputs differ" in text:
        return ("output differs from the reference: a wrong value, or something extra "
                "printed (a leftover print?)")
    if "Kernel died" in text or "Kernel dead" in text:
        return "the Python kernel died (out of memory, or the code exited Python)"
    for line in reversed(text.splitlines()):
        named = contract.exception_line(line)
        if named:
            name, message = named
            reason = f"{name}: {message}" if message else name
            # A file that does not parse: say where, as the traceback does above.
            where = _SYNTAX_LOCATION.findall(text) if name in _SYNTAX_ERRORS else []
            return reason + (f" ({where[-1][0]}:{where[-1][1]})" if where else "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "failed"


def pytest_configure(config):
    kit = _load_kit()
    if kit is None:
        return  # not a student kit (e.g. this template in the instructors' source)
    if not CONTRACT.is_file():
        raise _removed(CONTRACT)
    contract = _load(CONTRACT)
    changed = [name for name, digest in kit.get("digests", {}).items()
               if not (CHECKS / name).is_file()
               or contract.notebook_digest(CHECKS / name) != digest]
    if changed:
        raise pytest.UsageError(
            "The self-check's own copies of the notebooks in .checks/ were changed or "
            f"removed ({', '.join(changed)}). The self-check must run the pristine ones: "
            "copy the .checks/ folder back from a fresh copy of the kit. (Your work lives in "
            "assignment/ and notebooks/, never in .checks/.)")
    missing = [name for name in kit.get("student_files", []) if not (KIT / name).is_file()]
    if missing:
        raise pytest.UsageError(
            f"Missing file(s) that you fill in: {', '.join(missing)}. Restore them from a "
            "fresh copy of the kit (and copy your work back in).")
    imports = [line for name in kit.get("student_files", [])
               for line in forbidden_imports(KIT / name, name, contract.allowed_import)]
    if imports:
        raise pytest.UsageError(
            f"{'; '.join(imports)}. The files you fill in may import only "
            f"{contract.ALLOWED_IMPORTS}: the grader installs nothing else, so it could not "
            "import this file and every check that uses it would fail. Remove the import and "
            "write that part with numpy.")
    if not OUTPUT_DIFF.is_file():
        raise _removed(OUTPUT_DIFF)
    config.pluginmanager.register(_SelfCheck(kit, _load(OUTPUT_DIFF), contract), "selfcheck")
