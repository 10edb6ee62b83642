"""``python -m instructor export gradescope``: a Gradescope autograder that grades with this grader.

The zip is unpacked into a folder laid out as Gradescope lays out
``/autograder`` (``source/``, ``submission/``, ``results/``; the root given by
``GRADESCOPE_ROOT``), and its own ``run_autograder`` is run there, as
Gradescope runs it, for the reference, a stub, a typical mistake and an
adversarial submission. Each ``results.json`` is validated against the
format Gradescope documents for autograder results, written below as a JSON
schema.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

import grading_fixtures as fx
from instructor.export import gradescope

ROOT = Path(__file__).resolve().parents[1]
MACHINE = fx.machine()

VISIBILITY = {"enum": ["visible", "hidden", "after_due_date", "after_published"]}
OUTPUT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Gradescope's documented results.json: the top-level keys and a test's keys.
RESULTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT,
        "test_output_format": OUTPUT_FORMAT,
        "test_name_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["max_score"],
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": OUTPUT_FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": OUTPUT_FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY,
                "extra_data": {"type": "object"},
            }}},
    },
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
}

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gradescope")
    bundle = fx.make_bundle(tmp / "autograder")
    (bundle / "requirements.txt").write_text("numpy\nnbval\n")
    done = subprocess.run([sys.executable, "-m", "instructor", "export", "gradescope", bundle,
                           "--out", tmp / "autograder.zip", "--hidden-visibility", "hidden"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tmp / "autograder.zip"


def run_on_gradescope(zip_path, folder, submission, container=None):
    """Lay out folder as Gradescope's /autograder, run run_autograder, return results.json.

    ``container`` (argv -> argv) runs it in a container-like environment.
    """
    root = folder / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)      # zipfile does not restore modes
    (root / "submission").mkdir()
    for path in Path(submission).rglob("*"):
        if path.is_file():
            target = root / "submission" / path.relative_to(submission)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    env = dict(os.environ, GRADESCOPE_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    argv = ["bash", str(root / "source" / "run_autograder")]
    done = subprocess.run(container(argv) if container else argv, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, RESULTS_SCHEMA)
    return results, root


def verdicts(results):
    return {test["name"].split(" ")[0]: test["status"] for test in results["tests"]}


def test_the_zip_holds_what_gradescope_runs(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.txt", "gradescope.json",
            "autograder/manifest.json", "instructor/grade.py",
            "instructor/export/gradescope_run.py"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    # The student kit's templates are not needed to grade (instructor/release/student_kit.py,
    # the release's module that writes them, is part of the package and stays).
    assert not any(name.startswith("instructor/student_kit/") or "__pycache__" in name
                   for name in names)


@pytest.mark.skipif(not MACHINE["bubblewrap"], reason="needs bubblewrap (the sandbox)")
def test_run_autograder_grades_the_reference_a_stub_a_mistake_and_an_attack(autograder_zip,
                                                                              tmp_path):
    from test_grading_batch import _with_payload
    cases = {
        "reference": fx.make_submission(tmp_path / "subs" / "reference"),
        "stub": fx.make_submission(tmp_path / "subs" / "stub", calc=fx.STUB),
        "mistake": fx.make_submission(tmp_path / "subs" / "mistake",
                                      calc=fx.REFERENCE.replace("return a + b",
                                                                "return a + b + 1")),
    }
    attack = fx.make_submission(tmp_path / "subs" / "attack")
    _with_payload(attack, "hidden_sources")
    cases["attack"] = attack
    found = {name: run_on_gradescope(autograder_zip, tmp_path / name, path)
             for name, path in cases.items()}
    every = {"add-small", "add-negative", "scale-two", "scale-three"}

    reference, root = found["reference"]
    assert set(verdicts(reference).values()) == {"passed"} and set(verdicts(reference)) == every
    assert reference["score"] == sum(t["max_score"] for t in reference["tests"])
    assert reference["extra_data"]["isolation"] == {"name": "bubblewrap", "secure": True,
                                                    "warning": ""}
    hidden = {t["name"].split(" ")[0]: t["visibility"] for t in reference["tests"]}
    assert hidden["scale-three"] == "hidden" and hidden["add-small"] == "visible"
    assert "Because." in reference["output"]                 # the written answer, for grading
    assert os.stat(root / "source").st_mode & 0o077 == 0     # the bundle: root's alone

    stub, _ = found["stub"]
    assert stub["score"] == 0 and "not implemented" in stub["output"] + json.dumps(stub["tests"])
    mistake, _ = found["mistake"]
    assert verdicts(mistake)["add-small"] == "failed" and verdicts(mistake)["scale-two"] == "passed"
    add_small = next(t for t in mistake["tests"] if t["name"].startswith("add-small"))
    assert "Expected (reference solution) and yours" in add_small["output"]

    attack, _ = found["attack"]
    assert {k for k, v in verdicts(attack).items() if v == "passed"} == {"scale-two",
                                                                         "scale-three"}
    text = json.dumps(attack)
    assert "scale(5, 3)" not in text and "scale-three\", 2, True" not in text   # nothing hidden


def test_without_a_usable_sandbox_nothing_is_graded_and_the_results_say_why(autograder_zip,
                                                                            tmp_path,
                                                                            monkeypatch):
    from instructor.export import gradescope_run
    from instructor.grading import sandbox

    def unavailable(insecure=False, kind=sandbox.BUBBLEWRAP):
        raise sandbox.SandboxUnavailable(f"{kind} does not work here")
    monkeypatch.setattr(sandbox, "detect", unavailable)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    fx.make_submission(root / "submission")
    results = gradescope_run.grade(root)
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert results["score"] == 0 and results["tests"] == []
    assert "cannot isolate your code" in results["output"] and "This 0 is not a grade" in \
        results["output"]
    if os.geteuid() == 0:           # as root, the uid isolation was tried second
        assert "bubblewrap does not work here; and uid does not work here" in results["output"]
    assert results["extra_data"] == {"status": "not-graded", "isolation": None}


def like_docker(argv):
    """argv as root without CAP_SYS_ADMIN, so no namespace can be made (as in Docker)."""
    from instructor.grading import sandbox
    return fx.with_folders_reachable(
        ["bwrap", "--dev-bind", "/", "/", "--cap-drop", "CAP_SYS_ADMIN", *argv],
        [sys.executable, *sandbox.python_roots()])


@pytest.mark.skipif(not MACHINE["root"], reason="Gradescope runs the autograder as root")
def test_where_the_container_refuses_namespaces_it_grades_with_the_uid_isolation(autograder_zip,
                                                                                 tmp_path):
    from test_grading_batch import _with_payload
    if not MACHINE["bubblewrap"]:
        fx.need("bubblewrap", "the test makes the container with it")
    probe = subprocess.run(like_docker(["bwrap", "--dev-bind", "/", "/", "true"]),
                           capture_output=True, text=True)
    assert probe.returncode != 0, "the container-like run could still make namespaces"
    cases = {"reference": fx.make_submission(tmp_path / "subs" / "reference")}
    for payload in ("hidden_sources", "network", "write_outside"):
        _with_payload(fx.make_submission(tmp_path / "subs" / payload), payload)
        cases[payload] = tmp_path / "subs" / payload
    found = {name: run_on_gradescope(autograder_zip, tmp_path / name, path, like_docker)[0]
             for name, path in cases.items()}
    every = {"add-small", "add-negative", "scale-two", "scale-three"}
    reference = found["reference"]
    assert {k for k, v in verdicts(reference).items() if v == "passed"} == every
    assert reference["extra_data"]["isolation"] == {"name": "uid", "secure": True,
                                                    "warning": "", "landlock": True}
    # Each attack held as in bubblewrap (tests/adversarial: their verdicts).
    assert {k for k, v in verdicts(found["hidden_sources"]).items() if v == "passed"} == \
        {"scale-two", "scale-three"}
    assert "scale(5, 3)" not in json.dumps(found["hidden_sources"])
    for payload in ("network", "write_outside"):
        assert set(verdicts(found[payload]).values()) == {"passed"}, found[payload]["output"]


def test_results_json_of_a_record_follows_the_schema_and_hides_hidden_reasons():
    from instructor.grading import results
    checks = [results.CheckResult("pub", 2, False, "n.ipynb", False, "the output differs",
                                  diff="expected > 1\nyours    > 2", kind="wrong-output"),
              results.CheckResult("hid", 3, True, "n.ipynb", False,
                                  "raised KeyError: 'hidden data 42'", diff="secret diff",
                                  kind="exception")]
    record = results.result_record("s", "ok", checks, 5, seconds=3.4,
                                   isolation={"name": "bubblewrap", "secure": True})
    out = gradescope.results_json(record, "after_published")
    jsonschema.validate(out, RESULTS_SCHEMA)
    public, hidden = out["tests"]
    assert public["visibility"] == "visible" and "yours    > 2" in public["output"]
    assert hidden["visibility"] == "after_published"
    assert "hidden data 42" not in json.dumps(out) and "secret diff" not in json.dumps(out)
    assert "raised KeyError in your code" in hidden["output"]
