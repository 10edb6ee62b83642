"""The evidence run: after the checks, the facts that the hints need (``kernel/evidence.py``).

A submission that failed some checks gets one more notebook run in its
workspace, in a trusted kernel of its own with the same worker and limits:
one cell that measures the facts about the student's code and appends them to
the kernel's events. :func:`facts` reads them back. The run has a short time
limit of its own; whatever it did not measure is simply not evidence, and
``result.json`` says how the run ended (``evidence_run``), so that a missing hint
is explained.
"""

import nbformat

from .results import read_items

NOTEBOOK = "grader-evidence.ipynb"
ITEMS = "evidence-items.jsonl"
# Seconds for the whole run, at most. It takes a few on an idle machine; a full test run
# with a notebook run beside it (both cores busy) once left a submission without facts
# at a limit of 60 s, so that room is doubled.
TIMEOUT = 120
FACT_NAME_CAP = 100
# The kernel's working directory is the kit's notebooks/ folder, as for every check
# notebook; the kit's root goes on sys.path as their set-up cells put it.
CELL = """\
import os, sys
sys.path.insert(0, os.path.dirname(os.getcwd()))
from instructor.grading.kernel import evidence
evidence.record()
"""


def write_notebook(workspace):
    """Write the evidence notebook into the workspace's kit; return its name."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nbformat.write(nb, workspace.kit / "notebooks" / NOTEBOOK)
    return NOTEBOOK


def facts(events_path):
    """{fact: value} from the events file: plain strings and booleans only, names capped.

    The facts were measured on values the student's process returned: they
    may choose a hint, never a point, and nothing else is believed.
    """
    found = {}
    for event in read_items(events_path):
        if event.get("event") != "evidence" or not isinstance(event.get("facts"), dict):
            continue
        for name, value in event["facts"].items():
            if type(value) in (str, bool) and len(name) <= FACT_NAME_CAP:
                found[name] = value if type(value) is bool else value[:FACT_NAME_CAP]
    return found
