"""The kit contract (instructor/kit_contract.py): each fact the student kit's scripts share
with the release and the grader, once, in a module that runs without the instructor package.

The kit's copy of it is checked in tests/test_release.py (byte for byte the same, and the
self-check and pack_submission.py refuse to run without it).
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from instructor import kit_contract as contract

REPO = Path(__file__).resolve().parent.parent
INSTRUCTOR = REPO / "instructor"
CONTRACT = INSTRUCTOR / "kit_contract.py"


# --------------------------------------------------------------------------
# No copies

# What only the contract may spell out in code: its strings and the literal forms of
# the copies it replaced (in the kit's scripts, the release and the grader).
FACTS = [contract.STUB_MESSAGE, contract.ANSWER_MARK, contract.ALLOWED_IMPORTS,
         "rfc3987_syntax", "\x1b[", r"\x1b\["]
LITERALS = ['Implement this part of"', "Implement this part of'", "'Implement this part of ",
            '"**Your answer:**"', "'**Your answer:**'", 'rfc3987_syntax", None',
            "rfc3987_syntax', None", r"\x1b\[", '"numpy and the standard library"',
            "'numpy and the standard library'"]


def _docstrings(tree):
    """The docstring nodes of a module and its classes and functions (prose may name a fact)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _instructor_sources():
    return sorted(path for path in INSTRUCTOR.rglob("*.py")
                  if path != CONTRACT and "__pycache__" not in path.parts)


def test_no_copy_of_a_contract_fact_is_left_outside_it():
    sources = _instructor_sources()
    assert INSTRUCTOR / "student_kit" / "conftest.py" in sources
    copies = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(REPO).as_posix()
        copies += [f"{rel}: {literal}" for literal in LITERALS if literal in text]
        tree = ast.parse(text, rel)
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings):
                copies += [f"{rel}:{node.lineno}: {fact!r} in {node.value[:60]!r}"
                           for fact in FACTS if fact in node.value]
    assert not copies, "use instructor/kit_contract.py instead of a copy:\n" + "\n".join(copies)


def test_the_contract_needs_only_the_standard_library():
    tree = ast.parse(CONTRACT.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    assert imported and imported <= set(sys.stdlib_module_names)
    # Loaded by its path, as the kit's scripts load it: no site-packages, no instructor.
    code = ("import importlib.util, sys\n"
            f"spec = importlib.util.spec_from_file_location('kit_contract', {str(CONTRACT)!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "assert not [m for m in sys.modules if m.startswith('instructor')]\n"
            "print(module.ANSWER_MARK)\n")
    done = subprocess.run([sys.executable, "-S", "-I", "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=REPO / "tests")
    assert done.returncode == 0, done.stderr
    assert done.stdout == contract.ANSWER_MARK + "\n"


# --------------------------------------------------------------------------
# The facts

def test_strip_ansi_removes_colours_and_private_modes():
    assert contract.strip_ansi("\x1b[31mValueError\x1b[0m: \x1b[1;32mbad\x1b[m") == "ValueError: bad"
    assert contract.strip_ansi("\x1b[?25lhidden cursor\x1b[?25h") == "hidden cursor"
    assert contract.strip_ansi(None) == "" and contract.strip_ansi("[31m plain") == "[31m plain"


@pytest.mark.parametrize("line, expected", [
    ("ValueError: shapes do not match", ("ValueError", "shapes do not match")),
    ("  NotImplementedError: Implement this part of f in m.py  ",
     ("NotImplementedError", "Implement this part of f in m.py")),
    ("StopIteration", ("StopIteration", "")),
    ("numpy.linalg.LinAlgError: Singular matrix", ("numpy.linalg.LinAlgError", "Singular matrix")),
    ("KeyboardInterrupt:", ("KeyboardInterrupt", "")),
    ("SystemExit: 3", ("SystemExit", "3")),
    ("ValueError                                Traceback (most recent call last)", None),
    ("Traceback (most recent call last):", None),
    ("Errors: none", None),
    ("Cell outputs differ", None),
])
def test_exception_line_names_the_exception_of_a_whole_line(line, expected):
    assert contract.exception_line(line) == expected


def test_starts_with_exception_also_takes_ipython_s_header():
    assert contract.starts_with_exception("ValueError      Traceback (most recent call last)")
    assert contract.starts_with_exception("StopIteration")
    assert contract.starts_with_exception("AssertionError: 1 != 2")
    assert not contract.starts_with_exception("ValueErrors are common")
    assert not contract.starts_with_exception("  ValueError: indented")
    assert not contract.starts_with_exception("In your code: m.py:3")


@pytest.mark.parametrize("module, allowed", [
    ("numpy", True), ("numpy.linalg", True), ("assignment.classifiers.softmax", True),
    ("os.path", True), ("math", True), ("collections.abc", True),
    ("scipy.special", False), ("sklearn", False), ("torch", False), ("numpyx", False),
])
def test_allowed_import_is_numpy_the_kit_and_the_standard_library(module, allowed):
    assert contract.allowed_import(module) is allowed


def test_a_stub_line_is_the_release_s_call_with_its_message():
    message = f"{contract.STUB_MESSAGE} svm_loss_naive in assignment/classifiers/linear_svm.py"
    assert contract.STUB_CALL in f"        raise NotImplementedError({message!r})"
    assert contract.STUB_CALL in f"    dW = Unfinished({message!r})"
    assert contract.STUB_CALL not in "        raise NotImplementedError('abstract')"


def test_the_notebook_digest_ignores_formatting_not_content(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": "print('é')", "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    compact, indented, changed = (tmp_path / name for name in ("a.ipynb", "b.ipynb", "c.ipynb"))
    compact.write_text(json.dumps(nb, separators=(",", ":")), encoding="utf-8")
    indented.write_bytes(json.dumps(nb, indent=1, ensure_ascii=False).replace("\n", "\r\n")
                         .encode("utf-8"))
    nb["cells"][0]["source"] = "print('e')"
    changed.write_text(json.dumps(nb), encoding="utf-8")
    digest = contract.notebook_digest(compact)
    assert len(digest) == 64 and digest == contract.notebook_digest(str(indented))
    assert contract.notebook_digest(changed) != digest


@pytest.mark.parametrize("path, junk", [
    ("assignment/__pycache__/mod.cpython-312.pyc", True), ("__pycache__", True),
    ("notebooks/.ipynb_checkpoints/1_x-checkpoint.ipynb", True), (".git/config", True),
    ("__MACOSX/assignment/._mod.py", True), ("sub/.pytest_cache/v/x", True),
    (".mypy_cache", True), ("notebooks/.DS_Store", True), ("Thumbs.db", True),
    ("desktop.ini", True), ("assignment/mod.py~", True), ("assignment/.mod.py.swp", True),
    ("assignment/mod.pyo", True),
    ("assignment/mod.py", False), ("notebooks/1_x.ipynb", False), (".gitignore", False),
    ("assignment/git/x.py", False), ("datasets/tiny.csv", False),
])
def test_junk_is_caches_version_control_and_what_systems_and_editors_leave(path, junk):
    assert contract.is_junk(path) is junk


def test_skip_rfc3987_syntax_makes_its_import_fail_fast():
    code = ("import sys\n"
            "from instructor.kit_contract import skip_rfc3987_syntax\n"
            "skip_rfc3987_syntax()\n"
            "try:\n    import rfc3987_syntax\nexcept ImportError:\n    print('refused')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "refused\n"
