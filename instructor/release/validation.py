"""The static checks of the source: markers, regions, tasks and check cells, before anything runs."""

import ast
from pathlib import Path

from .. import notebooks as nbs
from ..regions import BEGIN, END, RegionError, find_regions
from .sources import NOTEBOOK_DIR, PACKAGE, REQUIRED_TOP
from .stubs import stub_source


def _has_marker(text):
    return BEGIN in text or END in text


def check_static(root, files):
    """Problems that need no execution: markers, regions, notebook structure.

    Returns
    -------
    problems : list of str
    student : dict
        Student file path -> its stubbed text.
    notebooks : dict
        Notebook path -> NotebookNode (as stored in the source).
    """
    root = Path(root)
    problems, student, notebooks, sources = [], {}, {}, {}
    for top in REQUIRED_TOP:
        if not (root / top).exists():
            problems.append(f"{top}: missing from the source {root}.")
    for name in files:
        path = root / name
        if name.endswith(".ipynb"):
            if not name.startswith(NOTEBOOK_DIR + "/") or name.count("/") != 1:
                problems.append(f"{name}: notebooks belong directly in {NOTEBOOK_DIR}/ "
                                f"(their set-up cell puts the kit root on sys.path).")
                continue
            try:
                notebooks[name] = nbs.read(path)
            except Exception as error:  # nbformat raises several kinds
                problems.append(f"{name}: not a readable notebook ({error}).")
                continue
            if any(_has_marker(cell.source) for cell in notebooks[name].cells):
                problems.append(f"{name}: holds a solution marker; solution regions belong "
                                f"only in {PACKAGE}/*.py (the grader never runs notebooks' code).")
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary data: no markers possible
        if not _has_marker(text):
            continue
        if not (name.startswith(PACKAGE + "/") and name.endswith(".py")):
            problems.append(f"{name}: holds a solution marker; solution regions belong "
                            f"only in {PACKAGE}/*.py.")
            continue
        sources[name] = text
        try:
            student[name] = stub_source(text, name)
        except RegionError as error:
            problems.append(str(error))
        except SyntaxError as error:
            problems.append(f"{name}:{error.lineno}: does not parse ({error.msg}).")
    if not notebooks and (root / NOTEBOOK_DIR).exists():
        problems.append(f"{NOTEBOOK_DIR}/: holds no notebook.")
    seen_ids = {}
    for name, nb in notebooks.items():
        problems.extend(_notebook_problems(name, nb, seen_ids))
    problems.extend(_task_problems({name: sources[name] for name in student}, notebooks))
    return problems, student, notebooks


def _task_problems(sources, notebooks):
    """Every region of ``sources`` (path -> text) names, in its TODO, a section that exists."""
    problems = []
    sections = {Path(name).name: set(nbs.sections(nb)) for name, nb in notebooks.items()}
    for name, text in sources.items():
        for region in find_regions(text, name):
            if region.task is None:
                problems.append(
                    f"{name}:{region.begin}: the TODO above this region does not say which "
                    f"notebook section asks for it; start it with "
                    f"'# TODO (NOTEBOOK.ipynb, section N):'.")
            elif region.task.notebook not in sections:
                problems.append(f"{name}:{region.begin}: the TODO names {region.task}, but "
                                f"{NOTEBOOK_DIR}/ has no notebook {region.task.notebook}.")
            elif region.task.section not in sections[region.task.notebook]:
                problems.append(f"{name}:{region.begin}: the TODO names {region.task}, but that "
                                f"notebook has no heading '## {region.task.section}. ...'.")
            if region.unfinished and "Unfinished" not in _top_level_names(text):
                problems.append(
                    f"{name}:{region.begin}: its stub sets {region.unfinished} = Unfinished, "
                    f"but the file does not import Unfinished (from assignment.todo).")
    return problems


def _top_level_names(source):
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def _notebook_problems(name, nb, seen_ids):
    problems = []
    try:
        nbs.setup_cell_index(nb)
    except ValueError:
        return [f"{name}: has no code cell (the first one is the set-up every check uses)."]
    for index, cell in enumerate(nb.cells):
        where = f"{name}: cell {index}"
        if nbs.is_hidden(cell) and not nbs.is_check(cell):
            problems.append(f"{where} is tagged '{nbs.HIDDEN_TAG}' but is not a check cell "
                            f"(a code cell tagged '{nbs.CHECK_TAG}'); only checks may be hidden.")
        if not nbs.is_check(cell):
            continue
        info = nbs.check_info(cell)
        check_id, points = info["id"], info["points"]
        if not isinstance(check_id, str) or not check_id.strip():
            problems.append(f"{where}: check has no metadata grading.id.")
        elif check_id in seen_ids:
            problems.append(f"{where}: check id {check_id!r} is also used by {seen_ids[check_id]}.")
        else:
            seen_ids[check_id] = where
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            problems.append(f"{where}: check {check_id!r} needs metadata grading.points, "
                            f"an integer >= 0 (has {points!r}).")
        if cell.execution_count is None or not cell.outputs:
            problems.append(f"{where}: check {check_id!r} has no stored output; store the "
                            f"reference output with `python -m instructor.notebooks {name}`.")
        elif bad_outputs(cell.outputs):
            problems.append(f"{where}: check {check_id!r} stores {bad_outputs(cell.outputs)}; "
                            f"a check prints its verdict to stdout only.")
    return problems


def bad_outputs(outputs):
    for output in outputs:
        if output.get("output_type") == "error":
            return f"an error ({output.get('ename')}: {output.get('evalue')})"
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return "output on stderr"
    return None
