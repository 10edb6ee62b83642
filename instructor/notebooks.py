"""Reading, executing and rewriting the course notebooks and their check cells.

A *check cell* is a code cell tagged ``nbval-check-output``; its stored output,
produced by the reference solution, is what ``pytest --nbval-lax`` compares.
Its metadata carries ``"grading": {"id": <stable id>, "points": <int>}``.
A *hidden* check is also tagged ``hidden``: graders keep it, students never see it.

Every check cell is self-contained: it needs only the notebook's first code cell
(imports and path set-up). So a notebook reduced to that cell and its check
cells (:func:`checks_only`) grades exactly like the whole notebook, in seconds.
"""

import copy
import os
import re
import sys
from pathlib import Path

import nbformat

from .atomic import write_atomic

CHECK_TAG = "nbval-check-output"
KIT_VARIABLE = "ASSIGNMENT_KIT"   # the notebooks' first cell finds the kit there, when set
HIDDEN_TAG = "hidden"
NBFORMAT_VERSION = 4


def read(path):
    """Read a notebook file into a NotebookNode (nbformat 4)."""
    return nbformat.read(str(path), as_version=NBFORMAT_VERSION)


def write(nb, path):
    """Write a notebook atomically: readers never see a half-written file."""
    text = nbformat.writes(nb)
    write_atomic(path, text if text.endswith("\n") else text + "\n")  # as nbformat.write


def tags(cell):
    """The set of a cell's tags."""
    return set(cell.get("metadata", {}).get("tags", []))


def is_check(cell):
    return cell.cell_type == "code" and CHECK_TAG in tags(cell)


def is_hidden(cell):
    return HIDDEN_TAG in tags(cell)


def check_info(cell):
    """The grading metadata of a check cell: dict with id, points, hidden."""
    grading = cell.get("metadata", {}).get("grading", {})
    return {"id": grading.get("id"), "points": grading.get("points"),
            "hidden": is_hidden(cell)}


SECTION_HEADING = re.compile(r"^## (?P<number>\d+)\. ", re.MULTILINE)


def sections(nb):
    """{section number: index of its heading cell}, from headings ``## N. Title``."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for match in SECTION_HEADING.finditer(cell.source):
                found.setdefault(int(match["number"]), index)
    return found


def checks(nb):
    """(cell index, grading info) of every check cell, in notebook order."""
    return [(index, check_info(cell)) for index, cell in enumerate(nb.cells)
            if is_check(cell)]


def setup_cell_index(nb):
    """Index of the first code cell: the imports every check cell relies on."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            return index
    raise ValueError("The notebook has no code cell.")


def checks_only(nb):
    """A copy of nb with only its set-up cell and its check cells (outputs kept)."""
    setup = setup_cell_index(nb)
    reduced = copy.deepcopy(nb)
    reduced.cells = [copy.deepcopy(cell) for index, cell in enumerate(nb.cells)
                     if index == setup or is_check(cell)]
    return reduced


def without_hidden(nb):
    """A copy of nb without its hidden cells."""
    public = copy.deepcopy(nb)
    public.cells = [cell for cell in public.cells if not is_hidden(cell)]
    return public


EXPECTED_TAG = "expected-output"


def expected_output_cell(check):
    """A markdown cell showing a check cell's stored output, which running cannot erase."""
    text = "".join(output.get("text", "") for output in check.outputs
                   if output.get("output_type") == "stream")
    cell = nbformat.v4.new_markdown_cell(
        f"*Expected output of `{check_info(check)['id']}` (the reference solution's; running "
        f"the cell above shows yours):*\n\n```text\n{text.rstrip()}\n```")
    cell.metadata["tags"] = [EXPECTED_TAG]
    return cell


def with_expected_outputs(nb):
    """A copy of nb with each check cell followed by its expected output, as markdown.

    Run All stops at the first error and clears the outputs below it, and an
    autosave then keeps them cleared; the markdown copy stays in view.
    """
    shown = copy.deepcopy(nb)
    shown.cells = [new for cell in shown.cells
                   for new in ([cell, expected_output_cell(cell)] if is_check(cell) else [cell])]
    return shown


def clear_outputs(nb, keep_checks=True):
    """A copy of nb with every output cleared, except check cells' if keep_checks."""
    cleared = copy.deepcopy(nb)
    for cell in cleared.cells:
        # nbclient's timestamps would change every cell at every refresh.
        cell.get("metadata", {}).pop("execution", None)
        if cell.cell_type == "code" and not (keep_checks and is_check(cell)):
            # nbval treats a cell with outputs but no execution count as an
            # error, so check cells keep theirs.
            cell.execution_count = None
            cell.outputs = []
    return cleared


def execute(nb, cwd, timeout=600, env=None, kernel_dir=None, allow_errors=False):
    """Run every cell of a copy of nb in a fresh kernel of this Python.

    Parameters
    ----------
    nb : NotebookNode
    cwd : path
        Working directory of the kernel (the notebooks' folder of a kit).
    timeout : float
        Seconds allowed per cell.
    env : dict or None
        Environment variables to set for the kernel only, on top of this
        process's (which stays as it is).
    kernel_dir : path or None
        A kernel spec's folder (holding ``kernel.json``) to start instead of
        this Python's ``python3`` (the grader's trusted kernel, say).
    allow_errors : bool
        Go on after a cell that raised (its error is in its outputs).

    Returns
    -------
    NotebookNode
        The executed copy, with outputs.
    """
    from nbclient import NotebookClient

    executed = copy.deepcopy(nb)
    extra = {}
    if kernel_dir is not None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        specs = KernelSpecManager()
        specs.kernel_dirs = [str(Path(kernel_dir).parent)]
        extra["km"] = KernelManager(kernel_name=Path(kernel_dir).name, kernel_spec_manager=specs)
    client = NotebookClient(
        executed, timeout=timeout, kernel_name="python3" if kernel_dir is None else Path(kernel_dir).name,
        resources={"metadata": {"path": str(cwd)}},
        allow_errors=allow_errors,
        # ipykernel warns that a local TCP kernel is unencrypted, on every start: nothing
        # the user can act on (its errors still show).
        extra_arguments=["--log-level=ERROR"], **extra)
    # No figure needs drawing to compare or store check outputs. The notebooks
    # run in the kit around cwd, never in one that $ASSIGNMENT_KIT names.
    inherited = {name: value for name, value in os.environ.items() if name != KIT_VARIABLE}
    kernel_env = {**inherited, "MPLBACKEND": "Agg", **(env or {})}
    # nbclient shuts down only a kernel whose manager it made itself; this one
    # is ours in both cases, and must not outlive the call.
    client.execute(env=kernel_env, cleanup_kc=True)
    return executed


def refresh_check_outputs(path, timeout=600):
    """Re-run a notebook with this kit's solution and store its check outputs.

    Every other output is cleared, so the committed notebook holds only what
    nbval compares. Returns the ids of the checks whose output changed.
    """
    path = Path(path)
    nb = read(path)
    executed = execute(nb, cwd=path.parent, timeout=timeout)
    refreshed = clear_outputs(executed, keep_checks=True)
    changed = [check_info(old)["id"] for old, new in zip(nb.cells, refreshed.cells)
               if is_check(old) and old.outputs != new.outputs]
    write(refreshed, path)
    return changed


def main(argv=None):
    """``python -m instructor.notebooks NOTEBOOK...``: refresh check outputs."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        print("usage: python -m instructor.notebooks NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for name in argv:
        changed = refresh_check_outputs(name)
        print(f"{name}: {len(changed)} check output(s) changed"
              + (f": {', '.join(map(str, changed))}" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
