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


import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """The notebooks' own cells (nbval's items) are slow tests too: ``pytest -m "not slow"``
    is the quick loop. (Test modules mark their slow tests where they are.)"""
    for item in items:
        if pathlib.Path(str(item.fspath)).suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_release(tmp_path_factory):
    """This source released once per session (OUT: its student/ and autograder/).

    The reference outputs are proven current by the release's and the
    notebooks' own tests; here they are not checked again.
    """
    from instructor import release
    out = tmp_path_factory.mktemp("real") / "release"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(release, "check_reference_outputs", lambda *args, **kwargs: [])
        try:
            release.release(KIT_ROOT, out)
        except release.ReleaseError as error:
            pytest.fail(f"the source cannot be released now: {error}")
    return out
