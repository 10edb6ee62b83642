"""Reading a submission (a directory or a ``.zip``) without trusting it.

Nothing is extracted to disk: the few files the grader wants (the student
files and the student's notebooks, for their written answers) are read into
memory, each capped in size. A zip is refused as a whole when any entry is
absolute, climbs out with ``..``, is a link, or when it holds too many files or
too many bytes; a directory is refused when a wanted file is a link or leaves it.
"""

import hashlib
import os
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..kit_contract import is_junk
from .gradebook import GRADEBOOK

MAX_FILES = 2000
MAX_TOTAL_BYTES = 100 * 2**20     # uncompressed, all entries of a zip
MAX_FILE_BYTES = 2 * 2**20        # one student file
MAX_NOTEBOOK_BYTES = 20 * 2**20   # one student notebook (outputs can be large)
MAX_NOTEBOOKS = 20                # notebooks read for written answers (the kit has 5)
PACKAGE = "assignment"
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
RESERVED_NAMES = frozenset({GRADEBOOK})   # files of RESULTS itself: never a submission's folder
NAME_CAP = 200                            # characters of a file name kept in a report


class InvalidSubmission(ValueError):
    """The submission cannot be graded; the message says why, for the student."""


@dataclass
class Submission:
    """What the grader takes from one submission.

    Attributes
    ----------
    name : str
        File or folder name without ``.zip``, made safe as a folder name.
    student_files : dict
        POSIX path (relative to the kit root) -> bytes, only the expected ones.
    notebooks : dict
        ``notebooks/<name>.ipynb`` -> bytes: the student's notebooks (never run).
    missing : list of str
        Expected student files that the submission lacks (graded as stubs).
    changed_provided : list of str
        Provided files whose content differs from the bundle's (ignored).
    extra : list of str
        Files the kit does not have (ignored).
    """

    name: str
    student_files: dict = field(default_factory=dict)
    notebooks: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    changed_provided: list = field(default_factory=list)
    extra: list = field(default_factory=list)


def submission_name(path):
    """The submission's name: its file or folder name without ``.zip``, made safe.

    A name that is already safe (letters, digits, ``.``, ``_``, ``-``, at most
    100 characters, not starting with a dot) is kept. Any other gets its safe
    form plus a hash of the original, so two names never become one: ``a b``
    is ``a_b-5e2a9c1d``, never ``a_b``; ``bob!`` is not ``bob``. The name
    depends on the file name only, so it is the same on every machine.
    """
    original = Path(path).name
    if original.lower().endswith(".zip"):
        original = original[:-4]
    if SAFE_NAME.fullmatch(original) and original.lower() not in RESERVED_NAMES:
        return original
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", original).strip("._")[:80] or "submission"
    digest = hashlib.sha256(original.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe}-{digest}"


def content_digest(submission):
    """A hash of everything the grader takes from a submission (its files' paths and bytes)."""
    digest = hashlib.sha256()
    for files in (submission.student_files, submission.notebooks):
        for rel in sorted(files):
            data = files[rel]
            digest.update(f"{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            digest.update(data)
        digest.update(b"\1")
    return digest.hexdigest()


def read_submission(path, student_files, provided=None):
    """Read a submission.

    Parameters
    ----------
    path : path
        A directory or a ``.zip`` file whose root (or single top folder) holds
        ``assignment/``.
    student_files : list of str
        The POSIX paths of the student files, relative to the kit root.
    provided : dict, optional
        POSIX path -> bytes of the pristine provided files, to report which
        ones the submission changed (they are ignored either way).

    Returns
    -------
    Submission

    Raises
    ------
    InvalidSubmission
    """
    path = Path(path)
    name = submission_name(path)
    if path.is_dir() and not path.is_symlink():
        entries = _DirEntries(path)
    elif path.is_file() and zipfile.is_zipfile(path):
        entries = _ZipEntries(path)
    elif path.exists():
        raise InvalidSubmission(f"{path.name} is neither a folder nor a .zip file.")
    else:
        raise InvalidSubmission(f"{path} does not exist.")
    with entries:
        names = entries.names()
        root = _kit_root(names)
        sub = Submission(name)
        wanted = set(student_files)
        for rel in sorted(names):
            if not rel.startswith(root):
                continue
            inner = rel[len(root):]
            if inner in wanted:
                sub.student_files[inner] = entries.read(rel, MAX_FILE_BYTES)
            elif (inner.startswith("notebooks/") and inner.endswith(".ipynb")
                  and inner.count("/") == 1 and len(inner) <= NAME_CAP
                  and len(sub.notebooks) < MAX_NOTEBOOKS):
                sub.notebooks[inner] = entries.read(rel, MAX_NOTEBOOK_BYTES)
            elif is_junk(inner):
                continue
            elif provided is not None and inner in provided:
                try:
                    same = entries.read(rel, MAX_FILE_BYTES) == provided[inner]
                except InvalidSubmission:
                    same = False
                if not same:
                    sub.changed_provided.append(inner)
            else:
                sub.extra.append(inner if len(inner) <= NAME_CAP else inner[:NAME_CAP] + "...")
        sub.missing = sorted(wanted - set(sub.student_files))
        if not sub.student_files:
            raise InvalidSubmission(
                "The submission holds none of the files you write: "
                + ", ".join(sorted(wanted)) + ".")
        return sub


def _kit_root(names):
    """The prefix under which ``assignment/`` sits: '' or a single top folder."""
    if any(n.startswith(PACKAGE + "/") for n in names):
        return ""
    tops = {n.split("/", 1)[0] for n in names if "/" in n and not is_junk(n)}
    candidates = [t for t in tops if any(n.startswith(f"{t}/{PACKAGE}/") for n in names)]
    if len(candidates) == 1:
        return candidates[0] + "/"
    raise InvalidSubmission(
        f"No {PACKAGE}/ folder at the root of the submission (or in its single top "
        "folder). Pack it with the kit's submit command.")


def _check_relative(name):
    """Refuse absolute names, backslashes, drive letters and '..' components."""
    if not name or name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name) \
            or "\x00" in name:
        raise InvalidSubmission(f"Unsafe path in the submission: {name!r}.")
    parts = name.split("/")
    if any(p == ".." for p in parts):
        raise InvalidSubmission(f"Path leaving the submission: {name!r}.")
    return posixpath.normpath(name)


class _Entries:
    """The files of a submission: ``names()``, ``read(name, cap)``; a context manager."""

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _ZipEntries(_Entries):
    def __init__(self, path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise InvalidSubmission(f"{Path(path).name} is not a readable zip: {error}")
        infos = self.zip.infolist()
        if len(infos) > MAX_FILES:
            raise InvalidSubmission(f"The zip holds {len(infos)} entries; at most {MAX_FILES}.")
        total = 0
        self.infos = {}
        for info in infos:
            name = _check_relative(info.filename.rstrip("/") if info.is_dir() else info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise InvalidSubmission(f"The zip holds a link: {info.filename!r}; links are refused.")
            if info.is_dir():
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise InvalidSubmission(
                    f"The zip unpacks to more than {MAX_TOTAL_BYTES // 2**20} MB.")
            self.infos[name] = info

    def names(self):
        return list(self.infos)

    def read(self, name, cap):
        info = self.infos[name]
        if info.file_size > cap:
            raise _too_large(name, cap)
        try:
            with self.zip.open(info) as f:
                return _read_capped(f, name, cap)   # the declared size may lie
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            raise InvalidSubmission(f"Cannot read {name} from the zip: {error}")

    def close(self):
        self.zip.close()


class _DirEntries(_Entries):
    def __init__(self, root):
        self.root = Path(os.path.realpath(root))
        self.files = {}
        count = 0
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            for entry in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                full = os.path.join(dirpath, entry)
                rel = os.path.relpath(full, self.root).replace(os.sep, "/")
                count += 1
                if count > MAX_FILES:
                    raise InvalidSubmission(f"The folder holds more than {MAX_FILES} files.")
                self.files[rel] = full
            dirnames[:] = [d for d in dirnames if not is_junk(d)
                           and not os.path.islink(os.path.join(dirpath, d))]

    def names(self):
        return list(self.files)

    def read(self, name, cap):
        full = self.files[name]
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError as error:
            raise InvalidSubmission(f"{name} cannot be read (a link?): {error.strerror}.")
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InvalidSubmission(f"{name} is not a regular file.")
            return _read_capped(f, name, cap)


def _read_capped(f, name, cap):
    """Read the open file f, refusing it when it holds more than `cap` bytes."""
    data = f.read(cap + 1)
    if len(data) > cap:
        raise _too_large(name, cap)
    return data


def _too_large(name, cap):
    """The error for a student file larger than `cap` bytes."""
    return InvalidSubmission(f"{name} is larger than {cap // 2**10} KB.")
