"""The item analysis of a batch: what the class got right and wrong, from the results alone.

Every function takes the result records of one bundle (``{name: record}``,
as :func:`instructor.grading.gradebook.graded` reads them) and returns plain
values for the page.
"""

from collections import Counter

from ..grading.hints import diagnose
from ..mistakes import MISTAKES


def scores(records):
    """The scores and the maximum: ``(list of numbers, max_score)``."""
    values = [record["score"] for record in records.values()]
    maximum = next(iter(records.values()))["max_score"] if records else 0
    return values, maximum


def check_table(records, top=3):
    """One row per check, in the bundle's order.

    Returns
    -------
    list of dict
        ``id``, ``notebook``, ``points``, ``hidden``, ``passed`` (how many
        submissions passed it), ``graded`` (how many had it), ``rate``, and
        ``reasons``: the ``top`` most frequent failure reasons, each
        ``(reason, count)``.
    """
    rows = {}
    for record in records.values():
        for check in record.get("checks", []):
            row = rows.setdefault(check["id"], {
                "id": check["id"], "notebook": check["notebook"], "points": check["points"],
                "hidden": check["hidden"], "passed": 0, "graded": 0, "reasons": Counter()})
            row["graded"] += 1
            if check["passed"]:
                row["passed"] += 1
            else:
                row["reasons"][check["reason"]] += 1
    for row in rows.values():
        row["rate"] = row["passed"] / row["graded"] if row["graded"] else 0.0
        row["reasons"] = row["reasons"].most_common(top)
    return list(rows.values())


def statuses(records):
    """``[(status, count)]``, most frequent first."""
    return Counter(record["status"] for record in records.values()).most_common()


def mistakes_found(records):
    """``[(description, [submission names])]`` of the catalogue's mistakes the evidence showed.

    The same diagnosis as each student's feedback (:func:`.hints.diagnose`),
    counted over the class, most frequent first.
    """
    found = {}
    for name, record in sorted(records.items()):
        for mistake in diagnose(record.get("evidence") or {}):
            found.setdefault(mistake, []).append(name)
    ordered = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
    return [(MISTAKES[mistake].description, names) for mistake, names in ordered]


def slowest(records, count=10):
    """``[(name, seconds, status)]`` of the ``count`` submissions that took longest to grade."""
    ranked = sorted(records.items(), key=lambda item: -item[1].get("seconds", 0))
    return [(name, record.get("seconds", 0), record["status"]) for name, record in ranked[:count]]
