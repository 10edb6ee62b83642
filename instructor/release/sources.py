"""Reading the source: which of its files ship to students, and the layout's names."""

import subprocess
from pathlib import Path

from ..kit_contract import is_junk


MARKER_FILE = ".release-manifest"
# What of the source goes to students (an allow-list: a new top-level file
# of the source, like instructor/ or tests/, never ships by accident).
STUDENT_TOP = ("requirements.txt", "get_datasets.sh", "datasets", "assignment", "notebooks")
REQUIRED_TOP = ("requirements.txt", "assignment", "notebooks")
PACKAGE = "assignment"
NOTEBOOK_DIR = "notebooks"
CHECKS_DIR = ".checks"
DATASET_ENV_VAR = "ASSIGNMENT_DATASET"  # assignment.data's choice of data set
# Files that are never source, wherever they are (used without git, and on
# top of git's own ignore rules): the kit contract's junk (never anyone's work),
# and the instructors' environment and downloaded data sets.
IGNORED_PARTS = {".venv", "cifar-10-batches-py"}
IGNORED_PREFIXES = ("cifar-10-python.tar.gz", ".cifar-10-")


class ReleaseError(Exception):
    """The source is not fit for release; ``problems`` lists every reason."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def source_files(root):
    """Relative POSIX paths of the source files under the student allow-list.

    In a git work tree these are git's files (tracked, plus untracked ones not
    ignored), so downloaded data and local junk never ship; elsewhere every
    file, less caches and downloaded data sets.
    """
    root = Path(root)
    listed = None
    if (root / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                 "--exclude-standard", "--", *STUDENT_TOP],
                check=True, capture_output=True).stdout
            listed = {name for name in out.decode("utf-8").split("\0") if name}
        except (OSError, subprocess.CalledProcessError):
            listed = None
    if listed is None:
        listed = set()
        for top in STUDENT_TOP:
            path = root / top
            if path.is_file():
                listed.add(top)
            elif path.is_dir():
                listed.update(p.relative_to(root).as_posix()
                              for p in path.rglob("*") if p.is_file())
    return sorted(name for name in listed
                  if (root / name).is_file() and not _ignored(name))


def _ignored(name):
    parts = name.split("/")
    return (is_junk(name) or any(part in IGNORED_PARTS for part in parts)
            or parts[-1].startswith(IGNORED_PREFIXES))
