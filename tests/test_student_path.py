"""The student's path: every notebook runs in the order it is read.

A student works through the notebooks in order and fills in each TODO when a
section asks for it (the TODO's header names the section, e.g.
``# TODO (2_svm.ipynb, section 4)``). This test plays that student on the
student kit (stubs, public cells only, the embedded digits). For each notebook
that asks for a TODO it starts one kernel and runs the cells in order, with
the TODOs of every earlier section done and the later ones still stubs. At the
heading of a section that asks for TODOs it first runs the section's check
cells with those TODOs still stubbed, then fills them in (the reference's
code) and goes on. The notebooks reload edited files before every cell, as
they tell the student, so filling a TODO mid-run is what a student does.

It proves, for every section of every notebook:

- every figure that the prose quotes from a cell's printout agrees with what
  the cell printed (see :data:`QUOTED`), and no prose claims a measurement
  without such a quote;

- no cell before a TODO raises: a stub breaks nothing around it (the naive
  SVM loss runs before its gradient is written);
- every check passes, with the reference's stored output, as soon as the TODOs
  asked for up to it are done;
- the checks of a section that asks for a TODO fail until it is done, with a
  NotImplementedError that names that section.

Notebooks that ask for no TODO run with every TODO done. Every notebook runs
as on Google Colab: from another working directory, with the kit's folder given
(``ASSIGNMENT_KIT``; on Colab, ``KIT_DIR`` in the first cell).
"""

import copy
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from instructor import notebooks as nbtools
from instructor import release
from instructor.regions import find_regions, student_files

pytestmark = pytest.mark.slow

KIT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = KIT_ROOT / "notebooks"
FILES = student_files(KIT_ROOT)
SOURCES = {name: (KIT_ROOT / name).read_text(encoding="utf-8") for name in FILES}
TASKS = sorted({region.task for name, text in SOURCES.items()
                for region in find_regions(text, name)})
ASKING = sorted({task.notebook for task in TASKS})
NOTEBOOKS = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))


# A figure the prose quotes from a printout: the number, then a comment saying which printed
# number it quotes, e.g. ``90.7%<!-- printed: local search: .*accuracy ([\d.]+)% ±1.5 -->``.
# The number may be LaTeX (``$4.0 \times 10^{-9}$``); the tolerance is ``±`` an absolute
# amount or ``~`` a factor, and one unit of the quote's last digit when not given.
QUOTED = re.compile(r"(?P<number>\$?[-\d.]+(?:\s*\\times\s*10\^\{-?\d+\})?\$?)%?"
                    r"<!-- printed: (?P<pattern>.+?)(?: (?P<kind>[±~])(?P<tolerance>[\d.e-]+))? -->")
UNQUOTED_CLAIM = re.compile(r"we measured|when we (?:ran|measured) it", re.IGNORECASE)


def quoted_value(text):
    match = re.fullmatch(r"\$?([-\d.]+)(?:\s*\\times\s*10\^\{(-?\d+)\})?\$?", text.strip())
    mantissa, exponent = match.groups()
    value = float(mantissa) * 10.0 ** int(exponent or 0)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return value, 10.0 ** (int(exponent or 0) - decimals)


def quote_problems(nb, printed):
    """What the markdown of nb quotes that ``printed`` (the notebook's stdout) does not say."""
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        if UNQUOTED_CLAIM.search(cell.source):
            problems.append(f"cell {index} claims a measurement without quoting a printout: "
                            f"{UNQUOTED_CLAIM.search(cell.source).group(0)!r}")
        if cell.source.count("<!-- printed:") != len(QUOTED.findall(cell.source)):
            problems.append(f"cell {index}: a '<!-- printed:' comment without a number just "
                            f"before it")
        for quote in QUOTED.finditer(cell.source):
            value, unit = quoted_value(quote["number"])
            found = re.findall(quote["pattern"], printed)
            if len(found) != 1:
                problems.append(f"cell {index}: {quote['pattern']!r} matches {len(found)} printed "
                                f"lines, not one")
                continue
            got = float(found[0])
            tolerance = float(quote["tolerance"]) if quote["kind"] else unit
            fine = (abs(got - value) <= tolerance * (1 + 1e-9) if quote["kind"] != "~"
                    else max(got / value, value / got) <= tolerance)
            if not fine:
                problems.append(f"cell {index} quotes {quote['number']} where the cell printed "
                                f"{found[0]} ({quote['pattern']!r})")
    return problems


def stdout_of(nb):
    return "".join(output.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for output in cell.outputs
                   if output.get("output_type") == "stream" and output.get("name") == "stdout")


def write_student_files(kit, done):
    """The student files as a student has them with the TODOs of ``done`` filled in."""
    for name, text in SOURCES.items():
        stubbed = release.stub_source(text, name, keep=lambda region: region.task in done)
        (kit / name).write_text(stubbed, encoding="utf-8")


def make_kit(root):
    """The student kit's runnable parts: the package, the embedded data, the public notebooks."""
    root.mkdir()
    shutil.copytree(KIT_ROOT / "assignment", root / "assignment",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "datasets").mkdir()
    shutil.copy2(KIT_ROOT / "datasets" / "digits.csv.gz", root / "datasets")
    (root / "notebooks").mkdir()
    return root


def section_ranges(nb):
    """{section number: (first cell, end cell)} for the headings ``## N. Title``."""
    starts = sorted((index, number) for number, index in nbtools.sections(nb).items())
    ends = [index for index, _ in starts[1:]] + [len(nb.cells)]
    return {number: (index, end) for (index, number), end in zip(starts, ends)}


def errors(cell):
    return [output for output in cell.outputs if output.get("output_type") == "error"]


def in_a_copy_of_the_namespace(source):
    """A cell that runs ``source`` on a copy of the kernel's globals, leaving them untouched."""
    return f"exec(compile({source!r}, '<check>', 'exec'), dict(globals()))"


class Student:
    """Works through one notebook of a kit in one kernel, doing each TODO when it is asked for.

    ``problems`` collects what went against the student path; ``failed_first``
    the checks that were run, and failed as they should, before their TODO.
    """

    def __init__(self, kit, name, client):
        self.kit, self.name, self.client = kit, name, client
        self.done = {task for task in TASKS if task.notebook < name}
        self.problems, self.failed_first = [], []
        write_student_files(kit, self.done)

    def reach_section(self, task, checks):
        """The section of ``task`` begins: its checks fail, naming it; then do the TODO."""
        for index, check in checks:
            trial = nbformat.v4.new_code_cell(in_a_copy_of_the_namespace(check.source))
            self.client.execute_cell(trial, index)
            failure = errors(trial)
            said = f"{failure[0]['ename']}: {failure[0]['evalue']}" if failure else "no error"
            if not said.startswith("NotImplementedError") or f"asked for in {task}" not in said:
                self.problems.append(f"{nbtools.check_info(check)['id']} before the TODO of "
                                     f"{task} is done: {said}")
            self.failed_first.append(nbtools.check_info(check)["id"])
        self.done.add(task)
        write_student_files(self.kit, self.done)

    def run(self, index, cell, stored):
        """Run one code cell: a check must print its stored output, any other cell not fail."""
        self.client.execute_cell(cell, index)
        done = ", ".join(map(str, sorted(self.done))) or "nothing"
        where = f"{self.name} cell {index} (done: {done})"
        if nbtools.is_check(cell):
            fresh = release.comparable(cell.outputs)
            if fresh != release.comparable(stored.outputs):
                self.problems.append(f"{where}: check {nbtools.check_info(cell)['id']} does not "
                                     f"give the stored output: {fresh}")
        elif errors(cell):
            error = errors(cell)[0]
            self.problems.append(f"{where} raised {error['ename']}: {error['evalue']}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_runs_in_order_with_the_todos_asked_for_so_far(name, tmp_path):
    from nbclient import NotebookClient

    kit = make_kit(tmp_path / "kit")
    elsewhere = tmp_path / "content"   # Colab's working directory, say
    elsewhere.mkdir()
    nb = nbtools.without_hidden(nbtools.read(NOTEBOOK_DIR / name))
    asked = {task.section: task for task in TASKS if task.notebook == name}
    starts = {first: (asked[number], range(first, end))
              for number, (first, end) in section_ranges(nb).items() if number in asked}
    env = {**os.environ, "MPLBACKEND": "Agg", "ASSIGNMENT_DATASET": "digits",
           "ASSIGNMENT_KIT": str(kit),
           # Each edit of a student file must be read afresh, however soon it follows.
           "PYTHONDONTWRITEBYTECODE": "1"}
    client = NotebookClient(copy.deepcopy(nb), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(elsewhere)}},
                            allow_errors=True)
    student = Student(kit, name, client)
    with client.setup_kernel(env=env):
        for index, cell in enumerate(client.nb.cells):
            if index in starts:
                task, section = starts[index]
                checks = [(i, nb.cells[i]) for i in section if nbtools.is_check(nb.cells[i])]
                assert checks, f"{task} asks for a TODO but has no check cell"
                student.reach_section(task, checks)
            if cell.cell_type == "code":
                student.run(index, cell, nb.cells[index])
    problems = student.problems + quote_problems(nb, stdout_of(client.nb))
    assert not problems, "\n".join(problems)
    assert student.done >= {task for task in TASKS if task.notebook <= name}
    assert bool(student.failed_first) == (name in ASKING), "a TODO's checks must fail before it"


def test_a_quote_that_disagrees_with_the_printout_is_found():
    printed = "gradient descent: loss 9.083 -> 0.012, test accuracy 93.7%\nh 3 of 13\n"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in [
        "ends at 93.7%<!-- printed: accuracy ([\\d.]+)% -->",            # agrees
        "ends at 94%<!-- printed: accuracy ([\\d.]+)% ±0.5 -->",         # within ±0.5
        "ends at 92.0%<!-- printed: accuracy ([\\d.]+)% -->",            # one unit is 0.1
        "the loss is $1.0 \\times 10^{-2}$<!-- printed: -> ([\\d.]+), ~1.5 -->",
        "the loss is $1.0 \\times 10^{-3}$<!-- printed: -> ([\\d.]+), ~1.5 -->",
        "step <!-- printed: nothing like this ([\\d]+) -->3",
        "On the digits we measured 0.97.",
    ]]
    problems = quote_problems(nb, printed)
    assert [problem.split(" ")[1] for problem in problems] == ["2", "4", "5:", "6"], problems
    assert "quotes 92.0 where the cell printed 93.7" in problems[0]
    assert "claims a measurement" in problems[-1]


def test_a_kit_folder_that_is_not_there_is_named_with_what_to_do(tmp_path):
    nb = nbtools.read(NOTEBOOK_DIR / NOTEBOOKS[0])
    nb.cells = [nb.cells[nbtools.setup_cell_index(nb)]]
    ran = nbtools.execute(nb, cwd=tmp_path, allow_errors=True,
                          env={"ASSIGNMENT_KIT": str(tmp_path / "not-the-kit")})
    error = errors(ran.cells[0])[0]
    assert error["ename"] == "FileNotFoundError"
    assert f"No assignment/ package in {tmp_path / 'not-the-kit'}: set KIT_DIR" in error["evalue"]
