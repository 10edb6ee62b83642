"""What the instructor's commands share: their refusals, said the same way.

A command raises :class:`CommandError` for a mistake of its user (a missing
bundle, a file it would overwrite, two submissions with one name); its
``main`` is wrapped in :func:`exits_on_error`, which prints ``error: ...``
and returns exit status 2.
"""

import functools
import sys
from pathlib import Path


class CommandError(Exception):
    """A mistake of the command's user; the message says what is wrong and what to do."""


def exits_on_error(main):
    """Wrap a command's ``main(argv)``: a :class:`CommandError` becomes ``error: ...``, status 2."""
    @functools.wraps(main)
    def wrapper(argv=None):
        try:
            return main(argv)
        except CommandError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return wrapper


def bundle_at(path):
    """The autograder bundle at ``path`` (OUT/autograder of a release)."""
    from .grading.bundle import BundleError, load_bundle
    try:
        return load_bundle(path)
    except BundleError as error:
        raise CommandError(str(error)) from None


def new_file(path, force):
    """``path``, refusing to overwrite an existing file unless ``force``."""
    path = Path(path)
    if path.exists() and not force:
        raise CommandError(f"{path} already exists; give --force to overwrite it")
    return path


def distinct_names(paths):
    """Refuse submissions that would share a results folder (names differ only in case)."""
    from .grading.submission import submission_name
    by_name = {}
    for path in paths:
        by_name.setdefault(submission_name(path).lower(), []).append(str(path))
    clashes = {name: found for name, found in by_name.items() if len(found) > 1}
    if clashes:
        raise CommandError("these submissions would have the same results folder; rename one "
                           "of each:\n" + "\n".join(f"  {name}: {', '.join(found)}"
                                                    for name, found in sorted(clashes.items())))
