"""manifest.json as one type (instructor/manifest.py): what the release writes, the grader reads.

A manifest survives the trip to JSON and back unchanged, and one the grader
cannot trust (another format, a missing or ill-typed field, points that do
not add up) is refused with a sentence that says what is wrong.
"""

import json
import re

import pytest

import grading_fixtures as fx
from instructor.grading.bundle import BundleError, load_bundle
from instructor.manifest import FORMAT, CheckEntry, Layout, Manifest, ManifestError, NotebookEntry


def sample():
    return Manifest(
        student_files=("assignment/a.py",),
        notebooks=(NotebookEntry("1.ipynb", "notebooks/1.ipynb", "checks/1.ipynb", ("c1", "c2")),),
        checks=(CheckEntry("c1", 2, False, "1.ipynb", 3, 2, 1, 1),
                CheckEntry("c2", 3, True, "1.ipynb")),
        created="2026-12-02T00:00:00+00:00", source={"commit": "abc", "dirty": False},
        versions={"numpy": "2.4"}, layout=Layout())


def test_a_manifest_survives_json_unchanged():
    manifest = sample()
    data = json.loads(json.dumps(manifest.to_json()))
    assert data["format"] == FORMAT and data["max_score"] == 5 and data["public_max_score"] == 2
    assert Manifest.from_json(data) == manifest


@pytest.mark.parametrize("change, says", [
    (lambda d: d.update(format="linear-classifiers-autograder/0"), "made by another version"),
    (lambda d: d.pop("checks"), "checks must be a list"),
    (lambda d: d["checks"][0].pop("points"), "checks[0] lacks points"),
    (lambda d: d["checks"][1].update(hidden="yes"), "checks[1].hidden must be a bool"),
    (lambda d: d["notebooks"][0].pop("checks_path"), "notebooks[0] lacks checks_path"),
    (lambda d: d.update(student_files=[1]), "student_files must be a list of paths"),
    (lambda d: d.update(max_score=99), "max_score is 99 but its checks' points add up to 5"),
])
def test_a_manifest_the_grader_cannot_trust_is_refused_saying_why(change, says):
    data = sample().to_json()
    change(data)
    with pytest.raises(ManifestError, match=re.escape(says)):
        Manifest.from_json(data)


def test_the_grader_refuses_a_bundle_whose_manifest_is_refused(tmp_path):
    bundle = fx.make_bundle(tmp_path / "autograder")
    assert load_bundle(bundle).checks                  # the fixture's manifest is a good one
    data = json.loads((bundle / "manifest.json").read_text())
    data["format"] = "something-else/2"
    (bundle / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(BundleError, match="made by another version of the release"):
        load_bundle(bundle)
    (bundle / "manifest.json").write_text("{not json")
    with pytest.raises(BundleError, match="manifest.json"):
        load_bundle(bundle)
