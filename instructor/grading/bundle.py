"""The autograder bundle made by ``python -m instructor release OUT`` (``OUT/autograder``).

Layout (see ``instructor.release.autograder.AUTOGRADER_README``): ``manifest.json``
(student files, every check with id, points, hidden, notebook), ``kit/`` (the
pristine provided files, student files as stubs), ``checks/`` (checks-only
notebooks with the reference outputs) and ``notebooks/`` (the full ones).
The grader runs ``checks/``: every check cell is self-contained, so the verdicts
are the same as on the full notebooks, in seconds.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import notebooks as nbs
from ..manifest import Manifest, ManifestError


class BundleError(ValueError):
    """The autograder folder is missing or not a release's bundle."""


@dataclass(frozen=True)
class Check:
    id: str
    points: int
    hidden: bool
    notebook: str


@dataclass
class Bundle:
    """An autograder bundle, read and validated.

    Attributes
    ----------
    root : Path
    kit : Path
        Pristine provided files, laid out as the kit's root.
    notebooks : dict
        Notebook file name -> Path of the notebook the grader runs.
    student_files : list of str
    checks : list of Check
        In a stable order: notebooks by name, then cell order.
    fingerprint : str
        A hash of the manifest and graded notebooks: results made with another
        bundle are graded again.
    reference : Path or None
        The reference loss files, read only by the trusted kernel (the
        speed checks time a student's loss against them).
    """

    root: Path
    kit: Path
    notebooks: dict
    student_files: list
    checks: list
    fingerprint: str
    reference: Path = None

    @property
    def max_score(self):
        return sum(check.points for check in self.checks)

    def provided_files(self):
        """POSIX path -> bytes of every provided file of the kit (student files excluded)."""
        if not hasattr(self, "_provided"):
            self._provided = {
                path.relative_to(self.kit).as_posix(): path.read_bytes()
                for path in sorted(self.kit.rglob("*")) if path.is_file()
                and path.relative_to(self.kit).as_posix() not in self.student_files
                and path.stat().st_size <= 2**20}
        return self._provided

    def released_markdown(self):
        """``notebooks/<name>.ipynb`` -> set of its markdown texts (stripped), as released.

        The grader tells the cells a student wrote from the notebook's own.
        """
        return {f"notebooks/{path.name}": {cell.source.strip() for cell in nbs.read(path).cells
                                            if cell.cell_type == "markdown"}
                for path in sorted((self.root / "notebooks").glob("*.ipynb"))}


def load_bundle(root):
    """Read ``OUT/autograder``: the checks-only notebooks are what is graded.

    Parameters
    ----------
    root : path
    """
    root = Path(root)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise BundleError(f"{root} is not an autograder bundle (no manifest.json); "
                          "make one with `python -m instructor release OUT`.")
    try:
        manifest = Manifest.from_json(json.loads(manifest_path.read_text(encoding="utf-8")))
    except (ValueError, ManifestError) as error:
        raise BundleError(f"{manifest_path}: {error}") from None
    kit = root / manifest.layout.kit
    folder = root / manifest.layout.checks
    if not kit.is_dir() or not folder.is_dir():
        raise BundleError(f"{root} lacks {kit.name}/ or {folder.name}/.")
    notebooks, checks, digest = {}, [], hashlib.sha256(manifest_path.read_bytes())
    by_id = {entry.id: entry for entry in manifest.checks}
    for entry in sorted(manifest.notebooks, key=lambda e: e.name):
        path = folder / entry.name
        if not path.is_file():
            raise BundleError(f"{path} is listed in the manifest but missing.")
        digest.update(path.read_bytes())
        found = nbs.checks(nbs.read(path))
        if not found:
            continue            # nothing to grade: no kernel to start for it
        notebooks[entry.name] = path
        for _, info in found:
            listed = by_id.get(info["id"])
            points, hidden = (listed.points, listed.hidden) if listed else (info["points"],
                                                                             info["hidden"])
            checks.append(Check(str(info["id"]), int(points or 0), bool(hidden), entry.name))
    ids = [check.id for check in checks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BundleError(f"Check ids are not unique: {', '.join(duplicates)}.")
    missing = sorted(set(by_id) - set(ids))
    if missing:
        raise BundleError(f"Checks in the manifest but not in the notebooks: {', '.join(missing)}.")
    student_files = list(manifest.student_files)
    if not student_files:
        raise BundleError("The manifest lists no student files.")
    reference = root / manifest.layout.reference
    if reference.is_dir():
        for path in sorted(reference.rglob("*.py")):
            digest.update(path.relative_to(reference).as_posix().encode() + b"\0" + path.read_bytes())
    return Bundle(root.resolve(), kit.resolve(), notebooks, student_files, checks,
                  digest.hexdigest()[:16], reference.resolve() if reference.is_dir() else None)
