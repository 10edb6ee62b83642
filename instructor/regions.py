"""Solution regions: the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``.

A student file is a source file with at least one region. The release builder
replaces each region by a stub; the tests fill regions with other code (an
independent correct solution, or a typical mistake) to prove the checks.
"""

import re
from dataclasses import dataclass
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# A BEGIN marker may say that its stub leaves a variable Unfinished instead of
# raising, for a TODO inside code that must keep running (the naive SVM loss
# runs before its gradient is written).
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>### (?:BEGIN|END) SOLUTION)"
                     r"(?: \(stub: (?P<unfinished>[A-Za-z_]\w*) = Unfinished\))?[ \t]*$")
# The TODO comment above a region names the notebook section that asks for it.
TODO_HEADER = re.compile(r"^[ \t]*# TODO \((?P<notebook>[\w.-]+\.ipynb), section (?P<section>\d+)\):")


class RegionError(ValueError):
    """A file's solution markers are unbalanced, nested or enclose nothing."""


@dataclass(frozen=True)
class Region:
    """One solution region of a file (line numbers count from 1).

    Attributes
    ----------
    begin, end : int
        Line numbers of the BEGIN and END marker lines.
    indent : str
        Indentation of the BEGIN marker, which the stub keeps.
    body : str
        The solution lines between the markers.
    task : Task or None
        The section that asks for it, from the TODO comment just above.
    unfinished : str or None
        The variable that the stub sets to ``Unfinished`` instead of raising.
    """

    begin: int
    end: int
    indent: str
    body: str
    task: "Task | None" = None
    unfinished: "str | None" = None


@dataclass(frozen=True, order=True)
class Task:
    """The notebook section that asks for a region: its TODO's header.

    ``# TODO (2_svm.ipynb, section 4): ...`` is ``Task("2_svm.ipynb", 4)``.
    Tasks sort in the order a student meets them (notebooks are numbered).
    """

    notebook: str
    section: int

    def __str__(self):
        return f"{self.notebook}, section {self.section}"


def find_regions(source, name="<source>"):
    """The solution regions of a source text, in order.

    Raises
    ------
    RegionError
        If a BEGIN has no END, an END has no BEGIN, regions nest, or a region
        holds no code.
    """
    lines = source.splitlines(keepends=True)
    regions, open_at, indent = [], None, ""
    for number, line in enumerate(lines, start=1):
        match = _MARKER.match(line.rstrip("\r\n"))
        if not match:
            continue
        if match["unfinished"] and match["marker"] == END:
            raise RegionError(f"{name}:{number}: only a {BEGIN} marker may name a stub.")
        if match["marker"] == BEGIN:
            if open_at is not None:
                raise RegionError(
                    f"{name}:{number}: {BEGIN} inside the region opened at line "
                    f"{open_at}; close that one with {END} first.")
            open_at, indent, unfinished = number, match["indent"], match["unfinished"]
        else:
            if open_at is None:
                raise RegionError(f"{name}:{number}: {END} without a {BEGIN} before it.")
            body = "".join(lines[open_at:number - 1])
            if not _has_code(body):
                raise RegionError(
                    f"{name}:{open_at}: the solution region (lines {open_at}-{number}) "
                    f"holds no code.")
            regions.append(Region(open_at, number, indent, body,
                                  _task_above(lines, open_at), unfinished))
            open_at = None
    if open_at is not None:
        raise RegionError(f"{name}:{open_at}: {BEGIN} is never closed by {END}.")
    return regions


def replace_regions(source, replacements, name="<source>", keep_markers=False):
    """Replace each region's lines (markers included unless keep_markers).

    Parameters
    ----------
    source : str
    replacements : callable or list of str
        Either a function ``Region -> str`` or one text per region, in order.
        Each text is the full lines to put in place, with their indentation.
    keep_markers : bool
        Keep the marker lines around the new text (to fill a file the way a
        student fills a stub, while the file still reads as a student file).

    Returns
    -------
    str
    """
    regions = find_regions(source, name)
    if not callable(replacements):
        texts = list(replacements)
        if len(texts) != len(regions):
            raise ValueError(
                f"{name}: {len(regions)} solution regions but {len(texts)} replacements.")
        replacements = dict(zip(regions, texts)).__getitem__
    lines = source.splitlines(keepends=True)
    out, position = [], 0
    for region in regions:
        first, last = (region.begin, region.end - 1) if keep_markers else (region.begin - 1, region.end)
        out.extend(lines[position:first])
        text = replacements(region)
        out.append(text if text.endswith("\n") or not text else text + "\n")
        position = last
    out.extend(lines[position:])
    return "".join(out)


def student_files(root, package="assignment"):
    """Paths (relative to root, POSIX style) of the files that hold regions."""
    root = Path(root)
    return sorted(path.relative_to(root).as_posix()
                  for path in (root / package).rglob("*.py")
                  if BEGIN in path.read_text(encoding="utf-8"))


def _has_code(body):
    return any(line.strip() and not line.strip().startswith("#")
               for line in body.splitlines())


def _task_above(lines, begin):
    """The Task named by the comment block just above line ``begin``, or None."""
    number = begin - 1
    while number >= 1 and lines[number - 1].strip().startswith("#"):
        header = TODO_HEADER.match(lines[number - 1])
        if header:
            return Task(header["notebook"], int(header["section"]))
        number -= 1
    return None
