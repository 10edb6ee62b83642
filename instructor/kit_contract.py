"""The kit contract: what the student kit's own scripts and the instructors' code agree on.

The student kit's self-check (``conftest.py``) and ``pack_submission.py`` run
in the student's kit, where the ``instructor`` package is not: each fact they
share with the release and the grader lives here, once. The instructors' code
imports this module as ``instructor.kit_contract``; the release copies it,
byte for byte, into the kit's ``.checks/kit_contract.py``, which the kit's
scripts load by its path (and refuse to run without); the grader copies it
into each grading workspace beside its nbval plugin, which runs standalone too.

So this file imports only the standard library and nothing of ``instructor``.
Its contents:

- :func:`strip_ansi`: a terminal's colour codes out of a text (:data:`ANSI_ESCAPE`).
- :func:`exception_line`, :func:`starts_with_exception`: a line that names an
  exception, as a failure report ends (:data:`EXCEPTION_NAME`).
- :data:`ALLOWED_IMPORTS`, :func:`allowed_import`: what a student file may import.
- :data:`STUB_MESSAGE`, :data:`STUB_CALL`: how the release's stubs read.
- :data:`ANSWER_MARK`: where a written answer starts in a question's cell.
- :func:`notebook_digest`: tells a pristine copy of a notebook.
- :data:`JUNK_DIRS`, :data:`JUNK_FILES`, :data:`JUNK_SUFFIXES`, :func:`is_junk`:
  files and folders that are never a student's work.
- :func:`skip_rfc3987_syntax`: keeps a slow, unused import from running.
"""

import hashlib
import json
import re
import sys

# --------------------------------------------------------------------------
# Failure reports

# A terminal's control sequence (colours, cursor moves): ESC, "[", parameters,
# one letter. "?" is among the parameters of some ("\x1b[?25l" hides the
# cursor), which pytest and IPython may print too.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# An exception's name as a traceback's last line gives it: a dotted name
# ending the way Python's own exceptions end ("ValueError", "StopIteration",
# "numpy.linalg.LinAlgError", "KeyboardInterrupt", "SystemExit"); a
# student's own class is named alike, by convention.
EXCEPTION_NAME = r"[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)"
_EXCEPTION_LINE = re.compile(rf"^(?P<name>{EXCEPTION_NAME})(?::\s*(?P<message>.*))?$")
_EXCEPTION_START = re.compile(rf"^{EXCEPTION_NAME}\b")


def strip_ansi(text):
    """``text`` without a terminal's control sequences (None reads as "").

    Parameters
    ----------
    text : str or None

    Returns
    -------
    str
    """
    return ANSI_ESCAPE.sub("", text or "")


def exception_line(line):
    """The exception a whole line names: ``(name, message)``, or None.

    The line must be just ``Name`` or ``Name: message``, as Python's last line
    of a traceback is (surrounding white space aside).

    Parameters
    ----------
    line : str

    Returns
    -------
    tuple of (str, str) or None
        The exception's name and its message, stripped ("" when it has none).
    """
    match = _EXCEPTION_LINE.match(line.strip())
    if match is None:
        return None
    return match["name"], (match["message"] or "").strip()


def starts_with_exception(line):
    """Whether a line starts with an exception's name (a looser test than :func:`exception_line`).

    IPython's header of a traceback, ``ValueError      Traceback (most recent
    call last)``, starts with one too.

    Parameters
    ----------
    line : str

    Returns
    -------
    bool
    """
    return _EXCEPTION_START.match(line) is not None


# --------------------------------------------------------------------------
# What a student writes

# What a file a student fills in may import: the grader installs nothing else.
ALLOWED_IMPORTS = "numpy and the standard library"
# Besides those, the kit's own package, which the student files belong to.
_ALLOWED_PACKAGES = ("numpy", "assignment")


def allowed_import(module):
    """Whether a student file may import ``module`` (see :data:`ALLOWED_IMPORTS`).

    Parameters
    ----------
    module : str
        A dotted module name, as an ``import`` statement names it.

    Returns
    -------
    bool
        True for numpy, the kit's ``assignment`` package and the standard
        library (any name at all on a Python older than 3.10, which does not
        list its standard library).
    """
    top = module.split(".")[0]
    return top in _ALLOWED_PACKAGES or top in getattr(sys, "stdlib_module_names", {top})


# How every stub's message starts: the release replaces a solution with
# `raise NotImplementedError('Implement this part of F in FILE ...')` or
# `dW = Unfinished('Implement this part of F in FILE ...')`.
STUB_MESSAGE = "Implement this part of"
# The start of a stub's message as the release writes it (a string literal on a
# line of its own, under the call): a line holding this is a stub, not any
# NotImplementedError (an abstract method may raise one on purpose).
STUB_CALL = "'" + STUB_MESSAGE + " "

# The grader finds a written answer by this mark, in the question's markdown
# cell; pack_submission.py tells a student which questions still lack one.
ANSWER_MARK = "**Your answer:**"


# --------------------------------------------------------------------------
# Files

def notebook_digest(path):
    """A digest of a notebook file's JSON, blind to formatting and line endings.

    The release stores it for each pristine copy in the kit's ``.checks/``; the
    self-check refuses to run a copy whose digest differs.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    str
        The SHA-256 of the notebook's canonical JSON, in hex.
    """
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    canonical = json.dumps(nb, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# Never a student's work (nor a source file), wherever they are: the caches of
# Python, Jupyter, pytest and mypy, version control, and what macOS (Finder,
# its zips), Windows (Explorer) and editors (swap and backup files) leave.
JUNK_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache",
                       ".git", "__MACOSX"})
JUNK_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
JUNK_SUFFIXES = (".pyc", ".pyo", ".swp", "~")


def is_junk(relpath):
    """Whether a file or folder is never a student's work (see :data:`JUNK_DIRS`).

    Parameters
    ----------
    relpath : str
        A relative POSIX path (``/`` between its parts), or a single name.

    Returns
    -------
    bool
        True when any part of it is a junk folder, or its last part a junk
        file's name or ends with a junk suffix.
    """
    parts = relpath.split("/")
    return (any(part in JUNK_DIRS for part in parts) or parts[-1] in JUNK_FILES
            or parts[-1].endswith(JUNK_SUFFIXES))


# --------------------------------------------------------------------------
# Imports

def skip_rfc3987_syntax():
    """Make ``import rfc3987_syntax`` fail at once, for the rest of this process.

    jsonschema (which nbformat imports) imports rfc3987_syntax when it is
    installed, to check one string format, and that builds a grammar for
    seconds at import; nbformat and nbval never need it, and jsonschema does
    without it when the import fails. Call this before nbformat is imported;
    a module that imported rfc3987_syntax already keeps it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
