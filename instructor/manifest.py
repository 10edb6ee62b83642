"""``manifest.json`` of an autograder bundle: one type, written by the release, read by the grader.

The release (:mod:`instructor.release.autograder`) makes a :class:`Manifest`
and writes :meth:`Manifest.to_json`; the grader (:mod:`instructor.grading.bundle`)
reads it back with :meth:`Manifest.from_json`, which refuses, saying what is
wrong, a manifest of another format or one whose fields are missing or of
the wrong type. What is optional says so by its default.
"""

from dataclasses import MISSING, asdict, dataclass, field, fields

FORMAT = "linear-classifiers-autograder/1"


class ManifestError(ValueError):
    """manifest.json is not one this grader can read; the message says why."""


@dataclass(frozen=True)
class CheckEntry:
    """One check cell: its id, points, visibility and where it is.

    ``cell`` is the index in the notebook's cells, ``nbval_cell`` nbval's
    "Cell N" there (code cells only), and ``checks_cell`` and
    ``checks_nbval_cell`` the same in the checks-only notebook.
    """

    id: str
    points: int
    hidden: bool
    notebook: str
    cell: int = None
    nbval_cell: int = None
    checks_cell: int = None
    checks_nbval_cell: int = None


@dataclass(frozen=True)
class NotebookEntry:
    """One graded notebook: its name, the full and checks-only copies, its check ids."""

    name: str
    path: str
    checks_path: str
    checks: tuple = ()


@dataclass(frozen=True)
class Layout:
    """The bundle's folders and files, relative to its root."""

    kit: str = "kit"
    notebooks: str = "notebooks"
    checks: str = "checks"
    reference: str = "reference"
    requirements: str = "requirements.txt"


@dataclass(frozen=True)
class Manifest:
    """What the grader needs to know of a bundle (the notebooks hold the rest)."""

    student_files: tuple
    notebooks: tuple                    # of NotebookEntry
    checks: tuple                       # of CheckEntry
    format: str = FORMAT
    created: str = None                 # ISO time of the release
    source: dict = None                 # {"commit": ..., "dirty": ...} of the source, if a git tree
    versions: dict = field(default_factory=dict)
    layout: Layout = Layout()

    @property
    def max_score(self):
        return sum(check.points for check in self.checks)

    @property
    def public_max_score(self):
        return sum(check.points for check in self.checks if not check.hidden)

    def to_json(self):
        """The manifest as the JSON object ``manifest.json`` holds."""
        return {
            "format": self.format, "created": self.created, "source": self.source,
            "versions": dict(self.versions),
            "student_files": list(self.student_files),
            "notebooks": [dict(asdict(entry), checks=list(entry.checks))
                          for entry in self.notebooks],
            "checks": [asdict(check) for check in self.checks],
            "max_score": self.max_score,
            "public_max_score": self.public_max_score,
            "layout": asdict(self.layout),
        }

    @classmethod
    def from_json(cls, data):
        """Read a manifest from its JSON object; ManifestError says what is wrong."""
        if not isinstance(data, dict):
            raise ManifestError("manifest.json does not hold a JSON object")
        if data.get("format") != FORMAT:
            raise ManifestError(f"manifest.json has format {data.get('format')!r}, not {FORMAT!r}: "
                                f"it was made by another version of the release; make the bundle "
                                f"again with python -m instructor release")
        try:
            checks = tuple(_entry(CheckEntry, item, f"checks[{i}]")
                           for i, item in enumerate(_list(data, "checks")))
            notebooks = tuple(_entry(NotebookEntry, dict(item, checks=tuple(item.get("checks", ()))),
                                     f"notebooks[{i}]")
                              for i, item in enumerate(_list(data, "notebooks")))
            layout = _entry(Layout, data.get("layout") or {}, "layout")
        except (TypeError, AttributeError) as error:
            raise ManifestError(f"manifest.json is malformed: {error}") from None
        student_files = tuple(_list(data, "student_files"))
        if not all(isinstance(name, str) for name in student_files):
            raise ManifestError("manifest.json: student_files must be a list of paths")
        manifest = cls(student_files, notebooks, checks, FORMAT, data.get("created"),
                       data.get("source"), data.get("versions") or {}, layout)
        if "max_score" in data and data["max_score"] != manifest.max_score:
            raise ManifestError(f"manifest.json: max_score is {data['max_score']} but its checks' "
                                f"points add up to {manifest.max_score}")
        return manifest


def _list(data, key):
    value = data.get(key)
    if not isinstance(value, list):
        raise ManifestError(f"manifest.json: {key} must be a list (it is {type(value).__name__})")
    return value


def _entry(kind, item, where):
    """A ``kind`` from a JSON object: its known fields, each of the declared type."""
    if not isinstance(item, dict):
        raise ManifestError(f"manifest.json: {where} must be an object")
    known = {f.name: f for f in fields(kind)}
    missing = [name for name, f in known.items()
               if name not in item and f.default is MISSING and f.default_factory is MISSING]
    if missing:
        raise ManifestError(f"manifest.json: {where} lacks {', '.join(missing)}")
    values = {name: item[name] for name in known if name in item}
    for name, expected in (("id", str), ("points", int), ("hidden", bool), ("notebook", str),
                           ("name", str), ("path", str), ("checks_path", str)):
        if name in values and name in known and not isinstance(values[name], expected):
            raise ManifestError(f"manifest.json: {where}.{name} must be a {expected.__name__}")
    return kind(**values)
