"""The notebooks' check cells accept every correct solution and catch every mistake.

For each *variant* of the student files (the reference, the independent
solution of ``tests/independent``, each correct alternative of
``tests/student_alternatives.py`` and each wrong implementation of
``tests/student_mistakes.py``) the test builds a copy of the kit in a
temporary folder: ``assignment/``, ``datasets/digits.csv.gz`` and
*checks-only* notebooks (each notebook's set-up cell and all its check cells,
hidden ones included, with the outputs stored in the real notebooks). It lays
the variant's student files over the copy and runs

    python -m pytest --nbval-lax --nbval-current-env <variant>/notebooks

in a subprocess, as the grader does. A failing nbval item
(``<variant>/notebooks/x.ipynb::Cell N``) is mapped back to its check id
through the cell's index in the checks-only notebook. Then:

- the reference passes every check with one checks-only notebook per
  notebook, exactly as the grader runs them. The outputs it is compared with
  were stored by running the *whole* notebooks (``python -m
  instructor.notebooks``), so this proves that every check cell is
  self-contained;
- the independent solution passes every check, run the same way;
- each correct alternative (another way a good student writes some solution
  regions, doing what the docstrings and TODOs say: other vectorizations,
  loop bodies, float64 accumulation, samplers, tables) passes every check,
  hidden ones included: the fairness rule of issue 16 beyond the two
  complete solutions. An alternative runs in one combined notebook, as a
  mistake does;
- each mistake fails exactly the checks its entry in ``instructor/mistakes.py``
  lists (``checks``: built from a run, then read line by line). For
  speed a mistake's (or an alternative's) checks run in one kernel: one
  notebook holding every notebook's set-up and check cells in turn (see
  :func:`build_kit` for why this is sound).

The variants are dealt to a few pytest subprocesses that run in parallel,
each subprocess running all of its variants. The whole file takes about four
minutes on two cores. Static tests check the grading metadata and what the
notebooks may store.
"""

import ast
import builtins
import copy
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from independent import apply_independent
from instructor import notebooks as nbtools
from instructor.regions import find_regions, replace_regions
from student_alternatives import ALTERNATIVES, alternative_source, apply_alternative
from student_alternatives import load_alternative_module
from student_mistakes import MISTAKES, apply_mistake

KIT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = KIT_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

REFERENCE, INDEPENDENT = "reference", "independent"
COMBINED = "all_checks.ipynb"
# Variants run exactly as the grader runs them, one checks-only notebook per
# notebook; the alternatives and the mistakes run in one combined notebook each
# (see build_kit).
FAITHFUL = {REFERENCE, INDEPENDENT}
VARIANTS = [REFERENCE, INDEPENDENT, *ALTERNATIVES, *MISTAKES]
# Correct alternatives that a check fails although they do what the docstrings and
# TODOs say: name -> the check and what it demands beyond them (a fairness bug to fix
# in that check; the test expects the failure until then). Empty: none is known.
UNFAIRLY_FAILED = {}
SUBPROCESS_TIMEOUT = 1200  # seconds per pytest subprocess (all of them take about 2 minutes)
CELL_TIMEOUT = 120         # seconds per check cell (a few seconds at most when correct)
WORKERS = int(os.environ.get("NOTEBOOK_TEST_WORKERS", 0)) or (os.cpu_count() or 1) + 1


# ---------------------------------------------------------------------------
# Building and running a variant
# ---------------------------------------------------------------------------

def notebooks_with_checks():
    """{notebook path: read notebook} for every notebook that has check cells."""
    found = {}
    for path in NOTEBOOKS:
        nb = nbtools.read(path)
        if nbtools.checks(nb):
            found[path] = nb
    return found


# Run before each notebook's group of checks in the combined notebook: Python
# shows a warning once per code location, and forgetting which were shown makes
# a group see the warnings it would see in a fresh kernel. The filters
# themselves are kept as they are.
FRESH_WARNINGS = (
    "# Added by tests/test_notebooks.py: the next notebook's checks see warnings afresh.\n"
    "import warnings as _warnings\n"
    "_filters = _warnings.filters[:]\n"
    "_warnings.resetwarnings()  # also forgets the warnings already shown\n"
    "_warnings.filters[:] = _filters\n"
    "del _warnings, _filters")


def build_kit(dest, variant, combined):
    """Copy the kit into dest with checks-only notebooks, and apply the variant.

    Parameters
    ----------
    dest : path
    variant : str
        ``"reference"``, ``"independent"``, an alternative's or a mistake's name.
    combined : bool
        False: one checks-only notebook per notebook (set-up cell and check
        cells, hidden ones included, stored outputs kept), exactly what the
        grader runs. True: a single notebook ``all_checks.ipynb`` holding each
        notebook's set-up cell and check cells, notebook after notebook, so
        that one kernel runs every check of the variant (kernels take most of
        the time). This is sound because each check reads only names that its
        own set-up cell, run just before its group, or the check itself binds
        (``test_check_cells_are_self_contained``); a small cell before each
        group resets which warnings were already shown.

    Returns
    -------
    dict
        ``{notebook file name in dest/notebooks: [(source notebook name, check
        id or None), ...]}``, one entry per code cell as nbval numbers them
        (``Cell N``); None marks a set-up cell.
    """
    dest = Path(dest)
    shutil.copytree(KIT_ROOT / "assignment", dest / "assignment",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / "datasets").mkdir(parents=True)
    shutil.copy2(KIT_ROOT / "datasets" / "digits.csv.gz", dest / "datasets")
    (dest / "notebooks").mkdir()
    written, merged, merged_cells = {}, None, []
    for path, nb in notebooks_with_checks().items():
        reduced = nbtools.checks_only(nb)
        cells = [(path.name, nbtools.check_info(cell)["id"] if nbtools.is_check(cell) else None)
                 for cell in reduced.cells]
        if not combined:
            nbtools.write(reduced, dest / "notebooks" / path.name)
            written[path.name] = cells
            continue
        if merged is None:
            merged = copy.deepcopy(reduced)
            merged.cells = []
        else:
            merged.cells.append(nbformat.v4.new_code_cell(FRESH_WARNINGS))
            merged_cells.append((path.name, None))
        merged.cells.extend(reduced.cells)
        merged_cells.extend(cells)
    if combined:
        for index, cell in enumerate(merged.cells):
            cell["id"] = f"cell-{index}"  # unique across the merged notebooks
        nbtools.write(merged, dest / "notebooks" / COMBINED)
        written[COMBINED] = merged_cells
    if variant == INDEPENDENT:
        apply_independent(dest)
    elif variant in ALTERNATIVES:
        apply_alternative(variant, dest)
    elif variant != REFERENCE:
        apply_mistake(variant, dest)
    return written


def run_variants(variants, dest):
    """Build each variant's kit under dest/<variant> and run nbval on all of them at once.

    One pytest process for several kits saves its start-up time per variant;
    each kit's notebook runs in its own fresh kernel, whose working directory
    is that kit's notebooks/ folder, so it imports its own kit's assignment/.

    Returns
    -------
    dict
        ``{variant: outcome}``; an outcome has ``failed`` (set of failing
        check ids), ``passed`` (set of passing check ids), ``setup_failed``
        (set of notebooks whose set-up cell failed) and ``log`` (the end of
        pytest's output, for failure messages).
    """
    dest = Path(dest)
    cell_ids, broken = {}, {}
    for variant in variants:
        try:
            cell_ids[variant] = build_kit(dest / variant, variant,
                                          combined=variant not in FAITHFUL)
        except Exception as error:  # e.g. a stale mistake or alternative: report, run the others
            broken[variant] = {"error": f"{type(error).__name__}: {error}"}
    variants = [variant for variant in variants if variant in cell_ids]
    if not variants:
        return broken
    junit = dest / "junit.xml"
    # An empty configuration pins pytest's rootdir (and so the item names) to
    # dest, even when the temporary folder lies inside a project with its own.
    (dest / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # The hidden speed checks import the instructor's helper (instructor.grading.speed),
    # which finds the reference in this source; the kit's own assignment/ comes first.
    env = dict(os.environ, MPLBACKEND="Agg", ASSIGNMENT_DATASET="digits",
               PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(KIT_ROOT))
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
               f"--nbval-cell-timeout={CELL_TIMEOUT}", "-p", "no:cacheprovider",
               "-o", "addopts=", "-q", "-rN", f"--junitxml={junit}",
               *[f"{variant}/notebooks" for variant in variants]]
    done = subprocess.run(command, cwd=dest, env=env, capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT)
    log = (done.stdout + done.stderr)[-4000:]
    if not junit.exists():
        raise RuntimeError(f"pytest wrote no report (exit {done.returncode}):\n{log}")

    outcomes = {variant: {"failed": set(), "passed": set(), "setup_failed": set(), "log": log}
                for variant in variants}
    outcomes.update(broken)
    seen = set()
    for case in ET.parse(junit).iter("testcase"):
        variant, name, cell = _item_location(case)
        notebook, check_id = cell_ids[variant][name][cell]
        seen.add((variant, name, cell))
        bad = case.find("failure") is not None or case.find("error") is not None
        outcome = outcomes[variant]
        if check_id is None:
            if bad:
                outcome["setup_failed"].add(notebook)
        else:
            outcome["failed" if bad else "passed"].add(check_id)
    expected = {(variant, name, index) for variant, notebooks in cell_ids.items()
                for name, cells in notebooks.items() for index in range(len(cells))}
    if seen != expected:
        raise RuntimeError(f"nbval ran other cells than expected: missing "
                           f"{sorted(expected - seen)}, unexpected {sorted(seen - expected)}\n{log}")
    return outcomes


def _item_location(case):
    """(variant, notebook file name, code-cell index) of a junit testcase.

    nbval's items are ``<variant>/notebooks/<name>.ipynb::Cell <N>``; junit's
    classname writes the path with dots: ``<variant>.notebooks.<name>.ipynb``
    (notebook names hold no other dots).
    """
    match = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
    parts = case.get("classname", "").split(".")
    if not match or len(parts) != 4 or parts[1:4:2] != ["notebooks", "ipynb"]:
        raise RuntimeError(f"unexpected nbval item {case.get('classname')!r}::{case.get('name')!r}")
    return parts[0], f"{parts[2]}.ipynb", int(match[1])


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory):
    """Run every variant the session's tests ask for; {variant: outcome}.

    The variants are dealt round-robin to one pytest subprocess per CPU
    (kernels start in parallel), each subprocess running all its variants.
    """
    wanted = {item.callspec.params["variant"] for item in request.session.items
              if hasattr(item, "callspec") and "variant" in item.callspec.params}
    wanted = [variant for variant in VARIANTS if variant in wanted]
    workers = max(1, min(len(wanted), WORKERS))
    chunks = [wanted[k::workers] for k in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_variants, chunk, tmp_path_factory.mktemp("variants"))
                   for chunk in chunks]
        results = {}
        for future in futures:
            results.update(future.result())
    return results


def all_check_ids():
    return {info["id"] for nb in notebooks_with_checks().values()
            for _, info in nbtools.checks(nb)}


def hidden_check_ids():
    return {info["id"] for nb in notebooks_with_checks().values()
            for _, info in nbtools.checks(nb) if info["hidden"]}


# ---------------------------------------------------------------------------
# The checks against the variants
# ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("variant", [REFERENCE])
def test_checks_only_notebooks_reproduce_the_stored_outputs(variant, outcomes):
    """With the reference, each checks-only notebook passes every check.

    The stored outputs come from running the whole notebook, so every check
    cell gives the same output with only the set-up cell before it: it is
    self-contained, and the grader's fast checks-only runs are valid.
    """
    _assert_passes_everything(variant, outcomes)


@pytest.mark.slow
@pytest.mark.parametrize("variant", [INDEPENDENT])
def test_independent_solution_passes_every_check(variant, outcomes):
    """Another correct solution (other loop orders, vectorization and minibatch
    sampling) gives every check's stored output, byte for byte."""
    _assert_passes_everything(variant, outcomes)


@pytest.mark.slow
@pytest.mark.parametrize("variant", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=UNFAIRLY_FAILED[name]))
    if name in UNFAIRLY_FAILED else name for name in ALTERNATIVES])
def test_correct_alternatives_pass_every_check(variant, outcomes):
    """Fairness (issue 16): another correct way to write some regions, doing what the
    docstrings and TODOs say (its ``why`` says how), passes every check, hidden ones
    included, and so loses no point to a check that demands the reference's way."""
    _assert_passes_everything(variant, outcomes)


def _assert_passes_everything(variant, outcomes):
    outcome = _outcome(outcomes, variant)
    assert not outcome["setup_failed"], (
        f"{variant}: the set-up cell failed in {sorted(outcome['setup_failed'])}\n{outcome['log']}")
    assert not outcome["failed"], (
        f"{variant}: these checks fail: {sorted(outcome['failed'])}\n{outcome['log']}")
    assert outcome["passed"] == all_check_ids()


def _outcome(outcomes, variant):
    """The variant's outcome; fails the test if its kit could not be built."""
    outcome = outcomes[variant]
    if "error" in outcome:
        pytest.fail(f"{variant}: could not build its kit: {outcome['error']}")
    return outcome


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(MISTAKES))
def test_mistake_is_caught_by_the_expected_checks(variant, outcomes):
    """A wrong implementation fails exactly the checks its catalogue entry lists."""
    outcome = _outcome(outcomes, variant)
    assert not outcome["setup_failed"], (
        f"{variant}: the set-up cell failed in {sorted(outcome['setup_failed'])}; a mistake "
        f"in a student file must fail checks, not the imports\n{outcome['log']}")
    assert outcome["failed"], f"no check catches the mistake {variant!r}: {MISTAKES[variant].description}"
    assert outcome["failed"] == MISTAKES[variant].checks, (
        f"{variant}: failing checks changed (its checks= in instructor/mistakes.py).\n"
        f"  now:      {sorted(outcome['failed'])}\n"
        f"  expected: {sorted(MISTAKES[variant].checks)}")


def test_no_typical_mistake_is_caught_by_hidden_checks_alone():
    """Fairness: a mistake the hidden checks catch shows in a public check too.

    So a student whose code passes every public check has made none of the
    catalogue's mistakes, and loses no hidden point to one of them. (Correct
    solutions, the reference, the independent one and the alternatives, pass every
    check.)
    """
    hidden = hidden_check_ids()
    silent = {name: sorted(m.checks) for name, m in MISTAKES.items() if m.checks <= hidden}
    assert not silent, f"caught only by hidden checks: {silent}"


def test_variant_names_are_unique():
    names = [REFERENCE, INDEPENDENT, *ALTERNATIVES, *MISTAKES]
    assert len(names) == len(set(names)), "an alternative and a mistake share a name"
    assert set(UNFAIRLY_FAILED) <= set(ALTERNATIVES)


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_alternative_edits_apply_inside_the_regions_and_import(name):
    """Each alternative's edits apply (every ``old`` once), change its file only inside
    the solution regions, and the changed module imports with its functions."""
    alternative = ALTERNATIVES[name]
    assert alternative.edits and alternative.why, name
    reference = (KIT_ROOT / alternative.file).read_text(encoding="utf-8")
    changed = alternative_source(name)
    assert changed != reference
    regions = find_regions(reference, alternative.file)
    assert len(find_regions(changed, alternative.file)) == len(regions)
    emptied = [""] * len(regions)   # the code outside the regions, markers kept
    assert (replace_regions(changed, emptied, keep_markers=True)
            == replace_regions(reference, emptied, keep_markers=True)), \
        f"{name} changes {alternative.file} outside its solution regions"
    for old, new in alternative.edits:
        assert old != new and new in changed, f"{name}: an edit that changes nothing"
    module = load_alternative_module(name)
    reference_module = importlib.import_module(
        Path(alternative.file).with_suffix("").as_posix().replace("/", "."))
    defined = {attr for attr, value in vars(reference_module).items()
               if getattr(value, "__module__", None) == reference_module.__name__}
    assert defined and all(callable(getattr(module, attr, None)) for attr in defined), \
        f"{name}: the changed module lacks {sorted(a for a in defined if not hasattr(module, a))}"


def test_every_mistake_names_existing_checks():
    known = all_check_ids()
    for name, mistake in MISTAKES.items():
        assert mistake.checks, f"{name}: no check catches it"
        assert mistake.checks <= known, f"{name}: unknown check ids {sorted(mistake.checks - known)}"


# ---------------------------------------------------------------------------
# Static properties of the committed notebooks
# ---------------------------------------------------------------------------

def _check_cells():
    for path in NOTEBOOKS:
        nb = nbtools.read(path)
        for index, info in nbtools.checks(nb):
            yield path, nb, index, info


FREE_CHECKS = {"nb1-svm-lecture-example", "svm-naive-loss"}


def test_check_metadata():
    """Each check has a unique, stable id and integer points; totals as the issue asks."""
    ids = []
    for path, nb, index, info in _check_cells():
        where = f"{path.name} cell {index}"
        assert isinstance(info["id"], str) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info["id"]), where
        assert isinstance(info["points"], int) and info["points"] >= 0, where
        # Only a check of code written for the student is worth nothing (it passes on
        # the untouched kit: tests/test_release.py); every other check earns points.
        assert (info["points"] == 0) == (info["id"] in FREE_CHECKS), where
        ids.append(info["id"])
    assert len(ids) == len(set(ids)), "check ids must be unique across the notebooks"
    assert len(ids) >= 20
    assert len(hidden_check_ids()) >= 8


def test_every_check_cell_starts_with_one_heading():
    """``# Check <id>: what it checks``, the form the notebooks' introductions describe."""
    for path, nb, index, info in _check_cells():
        first_line = nb.cells[index].source.splitlines()[0]
        assert first_line.startswith(f"# Check {info['id']}: "), f"{path.name} cell {index}"


def test_every_notebook_reloads_edited_files_the_same_way():
    """One reload behaviour: each set-up cell turns on autoreload and says so."""
    for path in NOTEBOOKS:
        nb = nbtools.read(path)
        setup = nb.cells[nbtools.setup_cell_index(nb)].source
        assert "%load_ext autoreload\n%autoreload 2" in setup, path.name
        assert "no kernel restart needed" in setup, path.name


def test_every_notebook_finds_the_kit_with_the_same_first_lines():
    """One way to find the kit (KIT_DIR, $ASSIGNMENT_KIT, or the folder above), kept equal."""
    firsts = set()
    for path in NOTEBOOKS:
        nb = nbtools.read(path)
        setup = nb.cells[nbtools.setup_cell_index(nb)].source
        assert setup.startswith("# Where the kit is."), path.name
        firsts.add(setup[:setup.index("sys.path.insert(0, str(KIT.resolve()))")])
    assert len(firsts) == 1, "the notebooks' set-up cells find the kit in different ways"


def test_the_self_check_the_notebooks_point_to_is_the_root_pytest():
    """nbval on a student's own notebook compares it with the outputs they saved: never advised."""
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbtools.read(path).cells):
            if cell.cell_type == "markdown":
                assert not re.search(r"pytest\s+\S*notebooks/", cell.source), \
                    f"{path.name} cell {index}"


def test_hidden_tag_only_on_checks():
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbtools.read(path).cells):
            if nbtools.is_hidden(cell):
                assert nbtools.is_check(cell), f"{path.name} cell {index}: hidden but no check"


def test_only_check_outputs_are_committed():
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbtools.read(path).cells):
            if cell.cell_type != "code":
                continue
            if nbtools.is_check(cell):
                assert cell.outputs, f"{path.name} cell {index}: a check without its stored output"
                for output in cell.outputs:
                    assert output.get("name") != "stderr", f"{path.name} cell {index}: stderr stored"
                    assert output.output_type == "stream", (
                        f"{path.name} cell {index}: a check prints text only, found "
                        f"{output.output_type}")
            else:
                assert not cell.outputs, f"{path.name} cell {index}: output of a non-check cell"


def test_each_inline_question_is_a_cell_of_its_own():
    # The grader gathers every markdown cell with the answer mark for manual
    # grading: such a cell must hold one question and nothing else.
    mark = "**Your answer:**"
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbtools.read(path).cells):
            if cell.cell_type == "markdown" and mark in cell.source:
                where = f"{path.name} cell {index}"
                assert re.match(r"\*\*Inline question \d+\.\*\*", cell.source), \
                    f"{where}: an answer mark outside an inline question"
                assert cell.source.count(mark) == 1, f"{where}: several questions in one cell"
                assert cell.source.rstrip().endswith(mark), f"{where}: text after the answer mark"


# Names a check cell may not use: the data set, time, and the narrative's state.
_FORBIDDEN = {"load_dataset", "preprocess", "data", "processed", "time", "perf_counter",
              "X_dev", "y_dev", "X_train", "y_train", "datetime"}


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS], ids=lambda p: p.name)
def test_check_cells_are_self_contained(path):
    """A check uses only the set-up cell's names and its own: no data set, no time.

    Names bound in the set-up cell (imports) are allowed; any other name a
    check reads must be assigned in the check itself. The one data set a check
    may load is the embedded digits, by name (the same whatever the student
    downloaded): the search checks train on them.
    """
    nb = nbtools.read(path)
    setup = nb.cells[nbtools.setup_cell_index(nb)].source
    allowed = _bound_names(setup) | set(dir(builtins))
    for index, info in nbtools.checks(nb):
        source = nb.cells[index].source
        tree = ast.parse(source)
        read = {node.id for node in ast.walk(tree)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        loads = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and getattr(node.func, "id", None) == "load_dataset"]
        by_name = loads and all(len(call.args) == 1 and getattr(call.args[0], "value", None)
                                == "digits" for call in loads)
        forbidden = _FORBIDDEN - ({"load_dataset", "preprocess"} if by_name else set())
        assert not read & forbidden, f"{path.name} {info['id']}: uses {sorted(read & forbidden)}"
        unbound = read - allowed - _bound_names(source)
        assert not unbound, f"{path.name} {info['id']}: reads names it does not define: {sorted(unbound)}"


def _bound_names(source):
    """Names a cell binds: assignments, imports, defs, loop and comprehension targets."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


@pytest.mark.slow
@pytest.mark.parametrize("own_kernel_spec", [False, True])
def test_executing_a_notebook_leaves_no_kernel_running(tmp_path, own_kernel_spec):
    kernel_dir = None
    if own_kernel_spec:     # as the grader runs its trusted kernel: a spec of its own
        kernel_dir = tmp_path / "kernels" / "trusted"
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "trusted", "language": "python"}))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os; print(os.getpid())")])
    executed = nbtools.execute(nb, cwd=tmp_path, timeout=60, kernel_dir=kernel_dir)
    kernel_pid = int(executed.cells[0].outputs[0]["text"])
    assert kernel_pid != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(kernel_pid, 0)


@pytest.mark.slow
def test_executing_a_notebook_prints_no_warning_the_user_cannot_act_on(tmp_path, capfd):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    executed = nbtools.execute(nb, cwd=tmp_path, timeout=60)
    assert executed.cells[0].outputs[0]["text"] == "hello\n"
    captured = capfd.readouterr()
    assert "WARNING" not in captured.err and "without encryption" not in captured.err, captured.err
