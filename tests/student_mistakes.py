"""Typical student mistakes, made from the reference student files.

The catalogue itself (each mistake's edits, description, checks, properties
and evidence) is :mod:`instructor.mistakes`, which the grader reads too. This
module makes the mistakes: it applies a mistake's edits to a copy of the
kit's files and imports the result.

Every ``old`` text must occur exactly once in the file it edits: when the
reference changes, a stale mistake fails loudly (:class:`StaleMistake`)
instead of silently testing nothing.

API
---
``MISTAKES``                              name -> :class:`instructor.mistakes.Mistake`
``mutated_source(name, root=KIT_ROOT)``   the mutated text of the mistake's file
``apply_mistake(name, root)``             write it into the kit copy at ``root``
``load_mutated_module(name, root=KIT_ROOT)``  import it from a fresh copy of the package
``copy_package(root, dest=None, package="assignment")``  that copy
``load_kit_module(root, file, package="assignment", tag="kit")``  import a
                                          module of the package copy at ``root``
``failed_properties(module, properties)``  which properties a module violates
``assert_caught_exactly(name, properties)``  the mistake breaks exactly the
                                          properties its entry lists
"""

import atexit
import importlib
import importlib.util
import itertools
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from instructor.mistakes import CLASSIFIER, MISTAKES, SOFTMAX, SVM, TUNING  # noqa: F401

KIT_ROOT = Path(__file__).resolve().parents[1]


class StaleMistake(AssertionError):
    """A mistake's ``old`` text is not exactly once in the reference file."""


def mutated_source(name, root=KIT_ROOT):
    """The text of mistake ``name``'s file under ``root``, with its edits applied.

    Raises
    ------
    StaleMistake
        If an ``old`` text does not occur exactly once.
    """
    mistake = MISTAKES[name]
    text = (Path(root) / mistake.file).read_text(encoding="utf-8")
    for old, new in mistake.edits:
        count = text.count(old)
        if count != 1:
            raise StaleMistake(
                f"mistake {name!r}: {old!r} occurs {count} times in {mistake.file} "
                f"(expected exactly once); update instructor/mistakes.py to the "
                f"reference.")
        text = text.replace(old, new)
    return text


def apply_mistake(name, root):
    """Write mistake ``name`` into the copy of the kit at ``root``; return the file's path."""
    path = Path(root) / MISTAKES[name].file
    path.write_text(mutated_source(name, root), encoding="utf-8")
    return path


def load_mutated_module(name, root=KIT_ROOT):
    """Import the mutated file of mistake ``name`` from a fresh copy of the package.

    The copy lives under a unique package name, so its relative imports
    (``from .linear_svm import ...``) resolve inside the copy and nothing
    already imported is touched. Each call returns a new module.
    """
    copy = copy_package(root)
    apply_mistake(name, copy)
    return load_kit_module(copy, MISTAKES[name].file, tag=name)


def copy_package(root, dest=None, package="assignment"):
    """Copy ``root/package`` into ``dest`` (a new temporary directory if None); return dest.

    Temporary directories are removed when the interpreter exits.
    """
    if dest is None:
        dest = tempfile.mkdtemp(prefix="kit-copy-")
        atexit.register(shutil.rmtree, dest, True)
    dest = Path(dest)
    shutil.copytree(Path(root) / package, dest / package,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


_serial = itertools.count()


def load_kit_module(root, file, package="assignment", tag="kit"):
    """Import ``file`` (e.g. "assignment/classifiers/softmax.py") of the package copy at root.

    The package is imported under a new, unique top-level name, so the copy
    never clashes with the real ``assignment`` or with other copies.
    """
    root = Path(root)
    alias = f"_{package}_{tag}_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(
        alias, root / package / "__init__.py",
        submodule_search_locations=[str(root / package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    parts = Path(file).with_suffix("").relative_to(package).parts
    return importlib.import_module(".".join((alias, *parts)))


def assert_caught_exactly(name, properties):
    """Assert that mistake ``name`` breaks exactly the properties its entry lists (of these)."""
    failed = failed_properties(load_mutated_module(name), properties)
    assert failed, f"no property catches {name}: {MISTAKES[name].description}"
    assert failed == MISTAKES[name].properties, (
        f"{name} breaks {sorted(failed)}; instructor/mistakes.py says "
        f"{sorted(MISTAKES[name].properties)}")


def failed_properties(module, properties):
    """Names of the properties that module violates (any exception, RuntimeWarnings included)."""
    failed = set()
    for name, prop in properties.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                prop(module)
        except Exception:
            failed.add(name)
    return failed
