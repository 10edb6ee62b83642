"""Shared pytest setup: import the kit's own ``assignment/`` and ``instructor/``.

Nothing is pip-installed (the notebooks put the kit root on sys.path the same
way), and this directory is on sys.path too, so the tests can import
``student_mistakes`` and ``independent``.
"""

import pathlib
import sys

KIT_ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(KIT_ROOT) not in sys.path:
    sys.path.insert(0, str(KIT_ROOT))
