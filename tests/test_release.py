"""The release builder: `python -m instructor release OUT`.

Most tests run on a small fake kit made in tmp_path (a package with solution
regions, a notebook with public and hidden checks); the last ones release
this repository itself, run the student kit's self-check on the stubs and on
the reference, and install the kit from its own README in a fresh virtual
environment.
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from instructor import notebooks as nbs
from instructor import release as rel
from test_notebooks import FREE_CHECKS
from instructor.regions import find_regions, student_files

REPO = Path(__file__).resolve().parent.parent
# The source the "real" tests release: this repository (another copy of it
# can be named while developing, e.g. a `git archive` of HEAD).
REAL = Path(os.environ.get("RELEASE_TEST_SOURCE", REPO)).resolve()
PYTHON = sys.executable

MOD = '''\
"""A module with two solution regions."""


def add(a, b):
    """The sum of a and b."""
    # TODO (1_demo.ipynb, section 1): Add a and b into total.
    ### BEGIN SOLUTION
    total = a + b  # secret sum line
    ### END SOLUTION
    return total


class Thing:
    """Doubles and triples."""

    def double(self, x):
        """Twice x."""
        # TODO (1_demo.ipynb, section 1): Return twice x.
        ### BEGIN SOLUTION
        return x * 2  # secret doubling line
        ### END SOLUTION

    def triple(self, x):
        """Three times x, in two parts."""
        # TODO (1_demo.ipynb, section 2): First part.
        ### BEGIN SOLUTION
        twice = self.double(x)  # secret first part
        ### END SOLUTION
        # TODO (1_demo.ipynb, section 2): Second part.
        ### BEGIN SOLUTION
        return twice + x  # secret second part
        ### END SOLUTION
'''

HELPERS = '''\
"""Provided code: no regions."""


class Base:
    def loss(self):
        raise NotImplementedError("Base has no loss of its own: use a subclass.")


def shout(text):
    return text.upper() + "!"
'''

SETUP_CELL = ("import sys, pathlib\n"
              "sys.path.insert(0, str(pathlib.Path.cwd().parent))\n"
              "from assignment.mod import add, Thing\n"
              "from assignment.helpers import shout")


def check_cell(source, output, check_id, points, hidden=False, count=1):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["nbval-check-output"] + (["hidden"] if hidden else [])
    cell.metadata["grading"] = {"id": check_id, "points": points}
    cell.execution_count = count
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    return cell


def fake_notebook():
    nb = nbformat.v4.new_notebook()
    plain = nbformat.v4.new_code_cell("print(shout('hello'))")
    plain.execution_count = 2
    plain.outputs = [nbformat.v4.new_output("stream", name="stdout", text="HELLO!\n")]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Demo\nCall your functions.\n\n## 1. Add and double\n\n## 2. Triple"),
        nbformat.v4.new_code_cell(SETUP_CELL),
        plain,
        check_cell("print(add(2, 3))", "5\n", "add_small", 2, count=3),
        check_cell("print(Thing().double(4))", "8\n", "double_hidden", 3, hidden=True, count=4),
        check_cell("print(Thing().double(3))", "6\n", "double_public", 1, count=5),
        check_cell("print(Thing().triple(2))", "6\n", "triple_public", 1, count=6),
        nbformat.v4.new_markdown_cell("**Question:** why?\n\n*Your answer:*"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def make_source(root):
    """A small kit source with everything the release reads."""
    root = Path(root)
    files = {
        "README.md": "# Source README (instructors)\n",
        "requirements.txt": "numpy\nnbval\npytest\n",
        "requirements-dev.txt": "-r requirements.txt\n",
        "pytest.ini": "[pytest]\ntestpaths = tests notebooks\n",
        "get_datasets.sh": "#!/bin/sh\necho downloading\n",
        "datasets/README.md": "Tiny data.\n",
        "datasets/tiny.csv": "1,2,3\n",
        "assignment/__init__.py": '"""Package."""\n',
        "assignment/mod.py": MOD,
        "assignment/helpers.py": HELPERS,
        "instructor/secret.py": "ANSWERS = 42\n",
        "tests/test_mod.py": "def test_nothing():\n    pass\n",
        ".ci/run": "#!/bin/sh\npytest\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "get_datasets.sh").chmod(0o755)
    nbs.write(fake_notebook(), _parent(root / "notebooks" / "1_demo.ipynb"))
    # A notebook without checks (like an interactive demo).
    nbs.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Play"), nbformat.v4.new_code_cell(SETUP_CELL)]),
        root / "notebooks" / "2_play.ipynb")
    return root


def _parent(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def source(tmp_path):
    return make_source(tmp_path / "source")


@pytest.fixture(scope="module")
def fake_release(tmp_path_factory):
    """One release of the fake source, shared by the read-only tests."""
    base = tmp_path_factory.mktemp("fake")
    src = make_source(base / "source")
    manifest = rel.release(src, base / "out", mode="checks")
    return src, base / "out", manifest


@pytest.fixture
def student_kit(fake_release, tmp_path):
    """A student's copy of the fake release's kit, theirs to fill in and break."""
    kit = tmp_path / "kit"
    shutil.copytree(fake_release[1] / "student", kit)
    return kit


def all_files(root):
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


def region_lines(src):
    """Every non-blank stripped line of every solution region of a source."""
    lines = {}
    for name in student_files(src):
        for region in find_regions((Path(src) / name).read_text(encoding="utf-8"), name):
            for line in region.body.splitlines():
                if line.strip():
                    lines[line.strip()] = name
    return lines


def provided_lines(src):
    """Stripped lines of the source's package outside every solution region."""
    lines = set()
    for path in (Path(src) / "assignment").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        inside = {n for region in find_regions(source, str(path))
                  for n in range(region.begin, region.end + 1)}
        lines.update(line.strip() for n, line in enumerate(source.splitlines(), 1)
                     if n not in inside)
    return lines


def run_selfcheck(kit, timeout=900):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([PYTHON, "-m", "pytest"], cwd=kit, capture_output=True, text=True,
                          timeout=timeout, env=env)


def fill_reference(src, kit):
    for name in student_files(src):
        shutil.copy2(Path(src) / name, Path(kit) / name)


# --------------------------------------------------------------------------
# Stubs

def test_stub_names_function_and_file_and_keeps_indentation_and_todo():
    stubbed = rel.stub_source(MOD, "assignment/mod.py")
    assert "BEGIN SOLUTION" not in stubbed and "END SOLUTION" not in stubbed
    assert "secret" not in stubbed
    assert "    # TODO (1_demo.ipynb, section 1): Add a and b into total.\n" in stubbed
    assert ("    # Your code here, in place of this stub:\n"
            "    raise NotImplementedError(\n"
            "        'Implement this part of add in assignment/mod.py '\n"
            "        '(asked for in 1_demo.ipynb, section 1)')\n" in stubbed)
    assert ("        raise NotImplementedError(\n"
            "            'Implement this part of Thing.double in assignment/mod.py '\n"
            "            '(asked for in 1_demo.ipynb, section 1)')\n" in stubbed)
    assert ("Thing.triple in assignment/mod.py '\n"
            "            '(TODO 1 of 2 in this function; asked for in 1_demo.ipynb, section 2)')"
            ) in stubbed
    assert ("Thing.triple in assignment/mod.py '\n"
            "            '(TODO 2 of 2 in this function; asked for in 1_demo.ipynb, section 2)')"
            ) in stubbed
    assert max(len(line) for line in stubbed.splitlines()) <= 100
    namespace = {}
    exec(compile(stubbed, "mod.py", "exec"), namespace)  # imports fine
    with pytest.raises(NotImplementedError, match="add in assignment/mod.py"):
        namespace["add"](1, 2)


UNFINISHED_MOD = '''\
from assignment.todo import Unfinished


def loss_and_grad(x):
    """The loss x**2, written for the student, and its gradient, which they write."""
    loss = x * x
    # TODO (1_demo.ipynb, section 1): the gradient of the loss.
    ### BEGIN SOLUTION (stub: grad = Unfinished)
    grad = 2 * x
    ### END SOLUTION
    return loss, grad
'''


def test_an_unfinished_stub_lets_the_code_around_it_run_and_stops_any_use_of_its_value():
    stubbed = rel.stub_source(UNFINISHED_MOD, "assignment/lossy.py")
    assert ("grad = Unfinished(\n"
            "        'Implement this part of loss_and_grad in assignment/lossy.py '\n"
            "        '(asked for in 1_demo.ipynb, section 1)')\n") in stubbed
    namespace = {}
    exec(compile(stubbed, "lossy.py", "exec"), namespace)
    loss, grad = namespace["loss_and_grad"](3.0)
    assert loss == 9.0
    with pytest.raises(NotImplementedError, match="loss_and_grad in assignment/lossy.py"):
        grad + 1
    solved = {}
    exec(compile(rel.stub_source(UNFINISHED_MOD, "assignment/lossy.py", keep=lambda r: True),
                 "lossy.py", "exec"), solved)
    assert solved["loss_and_grad"](3.0) == (9.0, 6.0)


TWO_STEP_MOD = '''\
from assignment.todo import Unfinished


def loss_and_grad(x):
    """The loss 3 * x**2 and its gradient, in two TODOs: a loop, then a factor."""
    loss, grad = 3 * x * x, 0.0
    for _ in range(3):
        # TODO (1_demo.ipynb, section 1): add each term's gradient.
        ### BEGIN SOLUTION (stub: grad = Unfinished)
        grad += 2 * x
        ### END SOLUTION
    # TODO (1_demo.ipynb, section 2): nothing more to add here but the final form.
    ### BEGIN SOLUTION (stub: grad = Unfinished)
    grad = float(grad)
    ### END SOLUTION
    return loss, grad
'''


@pytest.mark.parametrize("done, named", [((), "TODO 1 of 2"), ((1,), "TODO 2 of 2"),
                                         ((2,), "TODO 1 of 2"), ((1, 2), None)])
def test_of_two_unfinished_todos_of_one_variable_the_first_not_done_is_named(done, named):
    regions = rel.find_regions(TWO_STEP_MOD, "assignment/lossy.py")
    keep = [region.begin for i, region in enumerate(regions, start=1) if i in done]
    stubbed = rel.stub_source(TWO_STEP_MOD, "assignment/lossy.py",
                              keep=lambda region: region.begin in keep)
    namespace = {}
    exec(compile(stubbed, "lossy.py", "exec"), namespace)
    if named is None:
        assert namespace["loss_and_grad"](2.0) == (12.0, 12.0)
        return
    with pytest.raises(NotImplementedError, match=f"loss_and_grad in assignment/lossy.py "
                                                  rf"\({named} in this function"):
        loss, grad = namespace["loss_and_grad"](2.0)    # TODO 2 done uses grad: stops here
        assert loss == 12.0
        grad * 2                                         # otherwise here


def test_stub_refuses_a_region_outside_any_function():
    source = "X = 1\n### BEGIN SOLUTION\nY = 2\n### END SOLUTION\n"
    with pytest.raises(rel.RegionError, match="not inside a function"):
        rel.stub_source(source, "assignment/m.py")


def test_stubs_of_the_real_student_files_compile_and_name_their_functions():
    for name in student_files(REPO):
        source = (REPO / name).read_text(encoding="utf-8")
        stubbed = rel.stub_source(source, name)
        compile(stubbed, name, "exec")
        # Each stub is a call, NotImplementedError(...) or Unfinished(...), whose first
        # argument (string literals on lines of their own, joined) is its message.
        calls = [node for node in ast.walk(ast.parse(stubbed)) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", None) in ("NotImplementedError", "Unfinished")
                 and str(getattr(node.args[0], "value", "")).startswith("Implement this part")]
        messages = [re.fullmatch(r"Implement this part of (\S+) in (\S+?) \("
                                 r"(?:TODO \d+ of \d+ in this function; )?"
                                 r"asked for in \d_\w+\.ipynb, section \d+\)",
                                 call.args[0].value) for call in calls]
        assert len(messages) == len(find_regions(source, name)) and all(messages), messages
        assert all(match.group(2) == name for match in messages)
        assert max(len(line) for line in stubbed.splitlines()) <= 100


# --------------------------------------------------------------------------
# The fake kit's release

def test_student_kit_layout(fake_release):
    src, out, _ = fake_release
    kit = out / "student"
    files = all_files(kit)
    for expected in ["README.md", "requirements.txt", "get_datasets.sh", "datasets/tiny.csv",
                     "datasets/README.md", "assignment/__init__.py", "assignment/mod.py",
                     "assignment/helpers.py", "notebooks/1_demo.ipynb", "pytest.ini",
                     "conftest.py", "pack_submission.py", ".gitignore",
                     ".checks/1_demo.ipynb", ".checks/kit.json", "notebooks/2_play.ipynb"]:
        assert expected in files
    assert ".checks/2_play.ipynb" not in files  # no check: nothing for the self-check to run
    assert not [f for f in files if f.startswith(("instructor/", "tests/", ".ci/"))]
    assert "requirements-dev.txt" not in files
    assert os.access(kit / "get_datasets.sh", os.X_OK)
    assert (kit / "assignment/helpers.py").read_text() == HELPERS
    readme = (kit / "README.md").read_text()
    assert "Source README" not in readme and "{{" not in readme
    assert "`assignment/mod.py`" in readme and "2. `notebooks/2_play.ipynb`" in readme
    kit_json = json.loads((kit / ".checks/kit.json").read_text())
    assert kit_json["student_files"] == ["assignment/mod.py"]
    assert kit_json["notebooks"] == ["notebooks/1_demo.ipynb", "notebooks/2_play.ipynb"]
    assert [c["id"] for c in kit_json["checks"]] == ["add_small", "double_public", "triple_public"]
    assert (out / rel.MARKER_FILE).is_file()
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_student_notebooks_lose_hidden_cells_and_keep_only_check_outputs(fake_release):
    _, out, _ = fake_release
    nb = nbs.read(out / "student/notebooks/1_demo.ipynb")
    assert not [c for c in nb.cells if nbs.is_hidden(c)]
    assert "double_hidden" not in (out / "student/notebooks/1_demo.ipynb").read_text()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if nbs.is_check(cell):
            assert cell.outputs and cell.execution_count is not None
        else:
            assert cell.outputs == [] and cell.execution_count is None
    # The source's two, and the expected output under each of the three public checks.
    assert [c.cell_type for c in nb.cells].count("markdown") == 2 + 3
    assert sum(nbs.EXPECTED_TAG in nbs.tags(c) for c in nb.cells) == 3
    checks = nbs.read(out / "student/.checks/1_demo.ipynb")
    assert [c.source for c in checks.cells][0] == SETUP_CELL
    assert [nbs.check_info(c)["id"] for c in checks.cells[1:]] == [
        "add_small", "double_public", "triple_public"]


def test_no_solution_line_anywhere_in_the_student_kit(fake_release):
    src, out, _ = fake_release
    secret = region_lines(src)
    assert len(secret) == 4
    for path in (out / "student").rglob("*"):
        if path.is_file():
            assert not rel.kit_lines(path) & set(secret), path
            assert "secret" not in path.read_text(encoding="utf-8", errors="replace"), path


def test_autograder_bundle(fake_release):
    src, out, manifest = fake_release
    bundle = out / "autograder"
    assert sorted(all_files(bundle)) == sorted([
        "README.md", "manifest.json", "requirements.txt",
        "notebooks/1_demo.ipynb", "checks/1_demo.ipynb",
        "notebooks/2_play.ipynb", "checks/2_play.ipynb",
        "kit/assignment/__init__.py", "kit/assignment/mod.py", "kit/assignment/helpers.py",
        "kit/datasets/README.md", "kit/datasets/tiny.csv"])
    assert json.loads((bundle / "manifest.json").read_text()) == manifest
    assert manifest["format"] == rel.MANIFEST_FORMAT
    assert manifest["student_files"] == ["assignment/mod.py"]
    assert manifest["max_score"] == 7 and manifest["public_max_score"] == 4
    assert manifest["notebooks"] == [{
        "name": "1_demo.ipynb", "path": "notebooks/1_demo.ipynb",
        "checks_path": "checks/1_demo.ipynb",
        "checks": ["add_small", "double_hidden", "double_public", "triple_public"]}, {
        "name": "2_play.ipynb", "path": "notebooks/2_play.ipynb",
        "checks_path": "checks/2_play.ipynb", "checks": []}]
    hidden = manifest["checks"][1]
    assert hidden == {"id": "double_hidden", "points": 3, "hidden": True,
                      "notebook": "1_demo.ipynb", "cell": 4, "nbval_cell": 3,
                      "checks_cell": 2, "checks_nbval_cell": 2}
    full = nbs.read(bundle / "notebooks/1_demo.ipynb")
    checks = nbs.read(bundle / "checks/1_demo.ipynb")
    for entry in manifest["checks"]:
        assert nbs.check_info(full.cells[entry["cell"]])["id"] == entry["id"]
        assert nbs.check_info(checks.cells[entry["checks_cell"]])["id"] == entry["id"]
        assert full.cells[entry["cell"]].outputs  # the reference outputs
    assert [c.outputs for c in full.cells if c.cell_type == "code" and not nbs.is_check(c)] == [[], []]
    # The reference code is not in the bundle: its package carries the stubs.
    assert (bundle / "kit/assignment/mod.py").read_text() == \
        (out / "student/assignment/mod.py").read_text()
    for path in bundle.rglob("*"):
        if path.is_file():
            assert "secret" not in path.read_text(encoding="utf-8", errors="replace"), path
    assert manifest["versions"]["python"] and manifest["versions"]["nbval"]


@pytest.mark.slow
def test_selfcheck_fails_on_stubs_and_passes_with_the_reference(fake_release, student_kit):
    src, kit = fake_release[0], student_kit
    stubs = run_selfcheck(kit)
    assert stubs.returncode == 1, stubs.stdout + stubs.stderr
    summary = stubs.stdout[stubs.stdout.index("self-check: public checks"):]
    assert ("FAIL  add_small  (2 pt)  NotImplementedError: Implement this part of add in "
            "assignment/mod.py (asked for in 1_demo.ipynb, section 1)") in summary
    assert "FAIL  triple_public  (1 pt)  NotImplementedError: Implement this part of " \
           "Thing.triple in assignment/mod.py (TODO 1 of 2 in this function; asked for in " \
           "1_demo.ipynb, section 2)" in summary
    assert "0 of 3 public checks passed (0 of 4 points)." in summary
    assert "double_hidden" not in stubs.stdout
    # pytest's own count calls the set-up cells what they are, not passed checks.
    counts = stubs.stdout.strip().splitlines()[-1]
    assert re.search(r"\b3 failed, \d+ set-up cells run\b", counts) and "passed" not in counts, \
        counts

    # A half-done file: one check passes, and the summary says which.
    text = (kit / "assignment/mod.py").read_text()
    text = text.replace("raise NotImplementedError(\n"
                        "        'Implement this part of add in assignment/mod.py '\n"
                        "        '(asked for in 1_demo.ipynb, section 1)')",
                        "total = a + b")
    assert "total = a + b" in text
    (kit / "assignment/mod.py").write_text(text)
    half = run_selfcheck(kit)
    assert "PASS  add_small  (2 pt)" in half.stdout
    assert "1 of 3 public checks passed (2 of 4 points)." in half.stdout

    # The reference passes, whatever the student saved in their notebooks.
    fill_reference(src, kit)
    nb = nbs.read(kit / "notebooks/1_demo.ipynb")
    for cell in nb.cells:
        if nbs.is_check(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="garbage\n")]
    nb.cells = nb.cells[:3]
    nbs.write(nb, kit / "notebooks/1_demo.ipynb")
    good = run_selfcheck(kit)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "3 of 3 public checks passed (4 of 4 points)." in good.stdout


@pytest.mark.slow
def test_selfcheck_refuses_a_student_file_that_imports_beyond_numpy_and_the_standard_library(
        fake_release, student_kit):
    src, kit = fake_release[0], student_kit
    fill_reference(src, kit)
    path = kit / "assignment/mod.py"
    allowed = "import math\nimport numpy.linalg\nfrom collections import abc\nfrom . import helpers\n"
    path.write_text(allowed + path.read_text())
    assert run_selfcheck(kit).returncode == 0
    path.write_text("def f():\n    from scipy import special\n" + allowed + path.read_text())
    refused = run_selfcheck(kit)
    assert refused.returncode != 0
    assert ("assignment/mod.py:2 imports scipy. The files you fill in may import only numpy and "
            "the standard library") in refused.stdout + refused.stderr

    # A file that does not parse breaks the notebook's set-up: said first.
    (kit / "assignment/mod.py").write_text(MOD + "\ndef broken(:\n")
    broken = run_selfcheck(kit)
    assert broken.returncode == 1
    assert "SETUP FAILED  SyntaxError" in broken.stdout
    line = (MOD + "\ndef broken(:\n").splitlines().index("def broken(:") + 1
    assert f"(assignment/mod.py:{line})" in broken.stdout      # where, as the packer says

    # A wrong answer is reported as a differing output.
    (kit / "assignment/mod.py").write_text(MOD.replace("total = a + b", "total = a - b"))
    wrong = run_selfcheck(kit)
    assert wrong.returncode == 1
    assert "FAIL  add_small  (2 pt)  output differs from the reference" in wrong.stdout


def _failure_sections(stdout):
    """{"Cell N": its failure report} from a self-check's output."""
    parts = re.split(r"^_+ \.checks/\S+::(Cell \d+) _+$", stdout, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def _marked(report):
    return [line.strip() for line in report.splitlines()
            if line.strip().startswith(("expected > ", "yours    > "))]


@pytest.mark.slow
def test_selfcheck_shows_expected_and_yours_line_by_line_and_what_went_to_stderr(
        fake_release, student_kit):
    src, kit = fake_release[0], student_kit
    # One copy of the comparison, the grader's, shipped beside the pristine checks.
    assert (kit / ".checks/output_diff.py").read_bytes() == \
        (REPO / "instructor/output_diff.py").read_bytes()
    fill_reference(src, kit)
    path = kit / "assignment/mod.py"
    text = path.read_text()
    # add: the right sum after leftover prints; double: the right value with a warning.
    text = text.replace("    return total\n", "    print('debug: a =', a)\n"
                        "    for step in range(12):\n        print('step', step)\n"
                        "    return total\n")
    text = text.replace("        return x * 2  # secret doubling line\n",
                        "        import warnings\n"
                        "        warnings.warn(f'careful with {x}', RuntimeWarning)\n"
                        "        return x * 2  # secret doubling line\n")
    path.write_text(text)
    done = run_selfcheck(kit)
    assert done.returncode == 1, done.stdout + done.stderr
    sections = _failure_sections(done.stdout)
    wrong, warned = sections["Cell 1"], sections["Cell 2"]
    for report in (wrong, warned):
        assert "Expected (reference solution) and yours, line by line:" in report
    # Exactly the differing lines are marked; the right sum is shown plainly.
    assert _marked(wrong) == ["yours    > debug: a = 2"] + [
        f"yours    > step {step}" for step in range(12)]
    assert re.search(r"^ +5$", wrong, flags=re.M)
    # What the code wrote to stderr is shown, marked as such, the right value plainly.
    assert _marked(warned)[:1] == ["yours    > --- stderr ---"]
    assert any("RuntimeWarning: careful with 3" in line for line in _marked(warned))
    assert re.search(r"^ +6$", warned, flags=re.M)
    # Nothing refers to pytest's options, which the report cannot use.
    assert not re.search(r"(^|[\s'\"(])-v+\b|\buse -|verbos", done.stdout, flags=re.I | re.M)
    summary = done.stdout[done.stdout.index("self-check: public checks"):]
    assert ("FAIL  add_small  (2 pt)  output differs from the reference: a wrong value, or "
            "something extra printed (a leftover print?)") in summary
    for check in ("double_public", "triple_public"):      # triple calls double
        assert (f"FAIL  {check}  (1 pt)  output differs from the reference: your code wrote to "
                f"stderr (a warning or an error message, shown in the report above)") in summary

    (kit / ".checks/output_diff.py").unlink()
    removed = run_selfcheck(kit)
    assert removed.returncode != 0
    assert ".checks/output_diff.py was removed" in removed.stdout + removed.stderr


@pytest.mark.slow
def test_selfcheck_refuses_edited_pristine_checks(student_kit):
    kit = student_kit
    nb = nbs.read(kit / ".checks/1_demo.ipynb")
    nb.cells[1].outputs[0].text = "whatever I print\n"
    nbs.write(nb, kit / ".checks/1_demo.ipynb")
    result = run_selfcheck(kit)
    assert result.returncode != 0
    assert "were changed or removed (1_demo.ipynb)" in result.stdout + result.stderr


@pytest.mark.slow
def test_the_kit_holds_the_one_kit_contract_and_its_scripts_refuse_to_run_without_it(
        student_kit):
    kit = student_kit
    # Byte for byte the instructors' module: the kit's scripts keep no copy of their own.
    assert (kit / ".checks/kit_contract.py").read_bytes() == \
        (REPO / "instructor/kit_contract.py").read_bytes()
    (kit / ".checks/kit_contract.py").unlink()
    removed = run_selfcheck(kit)
    assert removed.returncode != 0
    assert ".checks/kit_contract.py was removed" in removed.stdout + removed.stderr
    packed = subprocess.run([PYTHON, "pack_submission.py", "ada"], cwd=kit,
                            capture_output=True, text=True, timeout=60)
    assert packed.returncode == 1 and "cannot find .checks/kit_contract.py" in packed.stderr
    assert not (kit / "ada.zip").exists()


def test_pack_submission(fake_release, student_kit):
    src, kit = fake_release[0], student_kit
    (kit / "assignment/__pycache__").mkdir()
    (kit / "assignment/__pycache__/mod.cpython-311.pyc").write_bytes(b"x")
    (kit / "notebooks/.ipynb_checkpoints").mkdir()
    (kit / "notebooks/.ipynb_checkpoints/1_demo-checkpoint.ipynb").write_text("{}")

    def pack(*args):
        return subprocess.run([PYTHON, "pack_submission.py", *args], cwd=kit,
                              capture_output=True, text=True, timeout=60)

    done = pack("ada_lovelace")
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout and "still holds a TODO's stub" in done.stdout
    with zipfile.ZipFile(kit / "ada_lovelace.zip") as archive:
        assert sorted(archive.namelist()) == [
            "assignment/__init__.py", "assignment/helpers.py", "assignment/mod.py",
            "notebooks/1_demo.ipynb", "notebooks/2_play.ipynb"]

    fill_reference(src, kit)
    done = pack("ada_lovelace", "--force")
    assert done.returncode == 0 and "note:" not in done.stdout, done.stdout

    again = pack("ada_lovelace")
    assert again.returncode == 1 and "already exists. Add --force" in again.stderr
    assert pack("ada_lovelace", "--force").returncode == 0

    bad = pack("../evil")
    assert bad.returncode == 1 and "not a usable name" in bad.stderr

    (kit / "notebooks/2_play.ipynb").unlink()
    (kit / "assignment/mod.py").unlink()
    missing = pack("grace")
    assert missing.returncode == 1
    assert "missing:\n  - assignment/mod.py\n  - notebooks/2_play.ipynb\n" in missing.stderr
    assert not (kit / "grace.zip").exists()


# --------------------------------------------------------------------------
# Refusals: nothing built, an existing OUT untouched

def snapshot(root):
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def previous_out(tmp_path):
    """A previous release in OUT that a refused release must leave as it is."""
    out = tmp_path / "out"
    (out / "student").mkdir(parents=True)
    (out / "student/old.txt").write_text("old release\n")
    (out / rel.MARKER_FILE).write_text("{}\n")
    return out


def edit_notebook(source, change):
    path = source / "notebooks/1_demo.ipynb"
    nb = nbs.read(path)
    change(nb)
    nbs.write(nb, path)


def _set_output(nb, text):
    nb.cells[3].outputs[0].text = text


def mod_with(old, new):
    """A change to the fake source: assignment/mod.py with one text replaced."""
    return lambda source: (source / "assignment/mod.py").write_text(MOD.replace(old, new))


REFUSALS = {
    "unbalanced marker": (
        lambda s: (s / "assignment/mod.py").write_text(MOD.replace("    ### END SOLUTION\n    return total",
                                                                    "    return total", 1)),
        "is never closed|inside the region opened"),
    "END without BEGIN": (
        lambda s: (s / "assignment/helpers.py").write_text(HELPERS + "### END SOLUTION\n"),
        "without a ### BEGIN SOLUTION"),
    "empty region": (
        lambda s: (s / "assignment/mod.py").write_text(MOD.replace(
            "        return x * 2  # secret doubling line\n", "        # nothing here\n")),
        "holds no code"),
    "hidden cell without check tag": (
        lambda s: edit_notebook(s, lambda nb: nb.cells[7].metadata.update(tags=["hidden"])),
        "tagged 'hidden' but is not a check cell"),
    "check output missing": (
        lambda s: edit_notebook(s, lambda nb: setattr(nb.cells[5], "outputs", [])),
        "'double_public' has no stored output"),
    "check never run": (
        lambda s: edit_notebook(s, lambda nb: setattr(nb.cells[5], "execution_count", None)),
        "'double_public' has no stored output"),
    "check output differs from the reference": (
        lambda s: edit_notebook(s, lambda nb: _set_output(nb, "6\n")),
        "check 'add_small' \\(set-up and checks only\\): the stored output differs from what "
        "the reference solution prints now"),
    "hidden check output differs from the reference": (
        lambda s: edit_notebook(s, lambda nb: setattr(nb.cells[4].outputs[0], "text", "9\n")),
        "check 'double_hidden' .*: the stored output differs"),
    "check stores stderr": (
        lambda s: edit_notebook(s, lambda nb: nb.cells[3].outputs.append(
            nbformat.v4.new_output("stream", name="stderr", text="warning\n"))),
        "stores output on stderr"),
    "check without points": (
        lambda s: edit_notebook(s, lambda nb: nb.cells[3].metadata.grading.pop("points")),
        "needs metadata grading.points"),
    "duplicate check id": (
        lambda s: edit_notebook(s, lambda nb: nb.cells[5].metadata.grading.update(id="add_small")),
        "check id 'add_small' is also used"),
    "marker in a notebook": (
        lambda s: edit_notebook(s, lambda nb: nb.cells.append(
            nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nx\n### END SOLUTION"))),
        "holds a solution marker"),
    "solution line leaked into a notebook": (
        lambda s: edit_notebook(s, lambda nb: nb.cells.append(
            nbformat.v4.new_markdown_cell("Hint:\n\n    total = a + b  # secret sum line\n"))),
        "contains the solution line 'total = a \\+ b  # secret sum line'"),
    "TODO without its notebook section": (
        mod_with("# TODO (1_demo.ipynb, section 1): Add", "# TODO: Add"),
        "assignment/mod.py:7: the TODO above this region does not say which notebook section"),
    "TODO naming a notebook that does not exist": (
        mod_with("# TODO (1_demo.ipynb, section 1): Add", "# TODO (9_gone.ipynb, section 1): Add"),
        "names 9_gone.ipynb, section 1, but notebooks/ has no notebook 9_gone.ipynb"),
    "TODO naming a section that does not exist": (
        mod_with("# TODO (1_demo.ipynb, section 2): First", "# TODO (1_demo.ipynb, section 3): First"),
        "names 1_demo.ipynb, section 3, but that notebook has no heading '## 3. ...'"),
    "Unfinished stub without its import": (
        mod_with("    ### BEGIN SOLUTION\n    total",
                 "    ### BEGIN SOLUTION (stub: total = Unfinished)\n    total"),
        "its stub sets total = Unfinished, but the file does not import Unfinished"),
    "stub region at module level": (
        lambda s: (s / "assignment/helpers.py").write_text(
            HELPERS + "### BEGIN SOLUTION\nX = 1\n### END SOLUTION\n"),
        "not inside a function"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_build_nothing(case, source, previous_out, capsys):
    change, message = REFUSALS[case]
    change(source)
    before = snapshot(previous_out)
    code = rel.main([str(previous_out), "--source", str(source), "--execute", "checks"])
    err = capsys.readouterr().err
    assert code == 1
    assert "release refused, nothing was built" in err
    assert re.search(message, err), err
    assert snapshot(previous_out) == before
    assert sorted(p.name for p in previous_out.parent.iterdir()) == ["out", "source"]


def _leaning_check(nb):
    """A check that gives its stored output only after an earlier, non-check cell."""
    nb.cells[1].source += "\nSTATE = {'n': 0}"
    nb.cells[2].source += "\nSTATE['n'] = 5"
    nb.cells.insert(6, check_cell("print(STATE['n'])", "5\n", "leaning", 1, count=7))


@pytest.mark.slow
def test_refuses_a_check_that_depends_on_an_earlier_cell(source, tmp_path, capsys):
    edit_notebook(source, _leaning_check)
    code = rel.main([str(tmp_path / "out"), "--source", str(source), "--execute", "full"])
    err = capsys.readouterr().err
    assert code == 1
    assert "check 'leaning' (set-up and checks only): the stored output differs" in err
    assert "depends on an earlier cell" in err
    assert "(whole): the stored output differs" not in err  # the whole notebook is fine
    assert not (tmp_path / "out").exists()


def test_refuses_an_out_that_is_not_a_previous_release(source, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work\n")
    with pytest.raises(rel.ReleaseError, match="is not a previous release"):
        rel.release(source, precious, mode="checks")
    assert (precious / "thesis.tex").read_text() == "years of work\n"
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(rel.ReleaseError, match="is not a folder"):
        rel.release(source, afile, mode="checks")
    with pytest.raises(rel.ReleaseError, match="must not be the source"):
        rel.release(source, source / "assignment" / "out", mode="checks")


@pytest.mark.slow
def test_replaces_a_previous_release_and_keeps_it_when_the_build_fails(
        source, previous_out, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rel, "build_autograder", broken)
    before = snapshot(previous_out)
    with pytest.raises(RuntimeError, match="disk full"):
        rel.release(source, previous_out, mode="checks")
    assert snapshot(previous_out) == before
    assert sorted(p.name for p in previous_out.parent.iterdir()) == ["out", "source"]

    monkeypatch.undo()
    rel.release(source, previous_out, mode="checks")
    assert not (previous_out / "student/old.txt").exists()
    assert (previous_out / "student/README.md").is_file()
    assert (previous_out / "autograder/manifest.json").is_file()
    assert sorted(p.name for p in previous_out.parent.iterdir()) == ["out", "source"]


@pytest.mark.slow
def test_cli(source, tmp_path):
    out = tmp_path / "cli-out"
    done = subprocess.run([PYTHON, "-m", "instructor", "release", str(out), "--source",
                           str(source), "--execute", "full"], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 student files, 4 checks (1 hidden), 7 points." in done.stdout
    assert (out / "student/README.md").is_file()
    usage = subprocess.run([PYTHON, "-m", "instructor"], cwd=REPO, capture_output=True, text=True)
    assert usage.returncode == 2 and "release OUT" in usage.stdout
    unknown = subprocess.run([PYTHON, "-m", "instructor", "publish"], cwd=REPO,
                             capture_output=True, text=True)
    assert unknown.returncode == 2 and "unknown command" in unknown.stderr


# --------------------------------------------------------------------------
# This repository's own release

def _real_notebooks():
    return sorted((REAL / "notebooks").glob("*.ipynb"))


needs_notebooks = pytest.mark.skipif(not _real_notebooks(), reason="no notebooks in the source yet")


@pytest.fixture(scope="module")
def real_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "out"
    # Only the checks re-run: whole notebooks are run by the notebook tests already.
    manifest = rel.release(REAL, out, mode="checks")
    return out, manifest


@needs_notebooks
@pytest.mark.slow
def test_each_public_check_is_followed_by_its_expected_output_which_running_cannot_erase(
        fake_release, tmp_path):
    src, out, _ = fake_release
    shipped = nbs.read(out / "student/notebooks/1_demo.ipynb")
    pairs = [(cell, shipped.cells[index + 1]) for index, cell in enumerate(shipped.cells)
             if nbs.is_check(cell)]
    assert [nbs.check_info(check)["id"] for check, _ in pairs] == [
        "add_small", "double_public", "triple_public"]
    for check, shown in pairs:
        assert shown.cell_type == "markdown" and nbs.EXPECTED_TAG in nbs.tags(shown)
        assert f"```text\n{check.outputs[0].text.rstrip()}\n```" in shown.source
    # A student's Run All on the stubs: every check errors and loses its output; the
    # expected outputs are still there, as the notebook is saved.
    kit = tmp_path / "kit"
    shutil.copytree(out / "student", kit)
    ran = nbs.execute(shipped, cwd=kit / "notebooks", allow_errors=True)
    nbs.write(ran, kit / "notebooks/1_demo.ipynb")
    saved = nbs.read(kit / "notebooks/1_demo.ipynb")
    assert all(c.outputs[0].output_type == "error" for c in saved.cells if nbs.is_check(c))
    assert [c.source for c in saved.cells if nbs.EXPECTED_TAG in nbs.tags(c)] == [
        shown.source for _, shown in pairs]


@pytest.mark.slow
def test_real_release_ships_no_solution_and_no_hidden_cell(real_release):
    out, manifest = real_release
    kit = out / "student"
    # A region line that is also provided code elsewhere (say, `num_train =
    # X.shape[0]` in another file) is no secret; every other one must be absent.
    secret = {line: name for line, name in region_lines(REAL).items()
              if line not in provided_lines(REAL)}
    assert len(secret) > 20
    for path in kit.rglob("*"):
        if path.is_file():
            found = rel.kit_lines(path) & set(secret)
            assert not found, (path, found)
    for path in list(kit.glob("notebooks/*.ipynb")) + list(kit.glob(".checks/*.ipynb")):
        assert not [c for c in nbs.read(path).cells if nbs.is_hidden(c)], path
    assert not (kit / "instructor").exists() and not (kit / "tests").exists()
    assert (kit / "get_datasets.sh").is_file() or not (REAL / "get_datasets.sh").exists()
    assert (kit / "datasets/digits.csv.gz").is_file()
    assert manifest["student_files"] == student_files(REAL)
    hidden_ids = {c["id"] for c in manifest["checks"] if c["hidden"]}
    kit_text = "".join(p.read_text(errors="replace") for p in kit.rglob("*.ipynb"))
    assert not [i for i in hidden_ids if f'"{i}"' in kit_text]


@needs_notebooks
@pytest.mark.slow
def test_real_selfcheck_fails_on_stubs_and_passes_with_the_reference(real_release, tmp_path):
    out, manifest = real_release
    kit = tmp_path / "kit"
    shutil.copytree(out / "student", kit)
    public = [c for c in manifest["checks"] if not c["hidden"]]
    stubs = run_selfcheck(kit)
    assert stubs.returncode == 1, stubs.stdout[-3000:] + stubs.stderr
    # On the untouched kit only the checks of code written for the student pass (the
    # SVM's naive loss), and they are worth nothing: the stubs score 0 points.
    free = sorted(c["id"] for c in public if c["points"] == 0)
    assert free == sorted(FREE_CHECKS)
    passed = sorted(re.findall(r"^  PASS  (\S+)", stubs.stdout, flags=re.M))
    assert passed == free, stubs.stdout[-3000:]
    assert f"{len(free)} of {len(public)} public checks passed (0 of " in stubs.stdout
    assert "NotImplementedError: Implement this part of" in stubs.stdout
    # The student README's example of a failing check is what the stubs print.
    readme = (kit / "README.md").read_text(encoding="utf-8")
    example = re.search(r"^  FAIL  .*$", readme, flags=re.M).group()
    assert example in stubs.stdout.splitlines(), example
    fill_reference(REAL, kit)
    good = run_selfcheck(kit)
    assert good.returncode == 0, good.stdout[-5000:] + good.stderr
    assert f"{len(public)} of {len(public)} public checks passed" in good.stdout


def readme_commands(readme):
    """The shell commands of the README's ```bash blocks, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


# Slow (a real pip install, about a minute with a warm cache): deselect with
# `-k "not fresh_venv"` while iterating; CI runs it.
@needs_notebooks
@pytest.mark.slow
def test_student_kit_installs_and_runs_from_its_readme_in_a_fresh_venv(real_release, tmp_path):
    """The README's own commands: set up and self-check (fresh venv, pip install), pack."""
    out, manifest = real_release
    kit = tmp_path / "kit"
    shutil.copytree(out / "student", kit)
    commands = readme_commands((kit / "README.md").read_text())
    open_nb = [c for c in commands if c.startswith("python3 -m venv") and "jupyter lab" in c]
    check = [c for c in commands if c.startswith("python3 -m venv") and c.endswith("-m pytest")]
    pack = [c for c in commands if c.startswith(".venv/bin/python pack_submission.py")]
    assert len(open_nb) == 1 and len(check) == 1 and len(pack) == 1, commands
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(Path(PYTHON).parent)))

    def sh(command, timeout):
        # The same Python as this test run, in case `python3` on PATH differs.
        command = command.replace("python3 -m venv", f"{PYTHON} -m venv", 1)
        return subprocess.run(["bash", "-c", command], cwd=kit, env=env, capture_output=True,
                              text=True, timeout=timeout)

    fill_reference(REAL, kit)
    done = sh(check[0], 1200)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    public = [c for c in manifest["checks"] if not c["hidden"]]
    assert f"{len(public)} of {len(public)} public checks passed" in done.stdout
    assert (kit / ".venv/bin/python").exists()
    assert "include-system-site-packages = false" in (kit / ".venv/pyvenv.cfg").read_text()
    # The first command's last step, without starting a server.
    jupyter = open_nb[0].split("&&")[-1].strip().replace("jupyter lab notebooks", "jupyter lab --version")
    done = sh(jupyter, 120)
    assert done.returncode == 0, done.stderr
    done = sh(pack[0].replace("YOUR_NAME", "ada_lovelace"), 120)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(kit / "ada_lovelace.zip") as archive:
        names = archive.namelist()
    assert set(manifest["student_files"]) <= set(names)
    assert not [n for n in names if not n.startswith(("assignment/", "notebooks/"))]
