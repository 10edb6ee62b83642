"""The grader on the real release: the reference, the stubs, mistakes and the attacks of the trial.

The attacks are those that forged grades when the student's code ran in the
kernel that runs the checks: forged prints and an IPython hook on the stubs,
finite-difference gradients with vectorized functions that call the naive
ones, the hidden checks' sources sought everywhere the student's code can
look, a fork bomb and start-up files, and a CPU hog graded beside a correct
submission.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grading_fixtures as fx
from grading_fixtures import FINITE_DIFFERENCES
from test_notebooks import FREE_CHECKS
from instructor import notebooks as nbs
from instructor.grading import hints

ROOT = Path(__file__).resolve().parents[1]
MACHINE = fx.machine()
SVM = "assignment/classifiers/linear_svm.py"
SOFTMAX = "assignment/classifiers/softmax.py"
SPEED = {"svm-vec-speed-hidden", "softmax-vec-speed-hidden"}
# Every mistake of tests/student_mistakes.py is graded when this is "all"
# (about 10 s of CPU each); by default a few, one or more per student file.
MISTAKE_SELECTION = os.environ.get("GRADER_TEST_MISTAKES", "some")
SOME_MISTAKES = ["svm_half_reg", "softmax_log10", "minibatch_labels_mismatched",
                 "predict_no_return", "svm_vec_grad_divided_twice", "svm_vec_leftover_print"]

pytestmark = [pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux"),
              pytest.mark.slow]

FORGE = '''
# --- attack: on the stubs, make every check print what it should -----------
import builtins as _builtins
import glob as _glob
import json as _json
import os as _os

_print = _builtins.print
_builtins.print = lambda *args, **kwargs: _print(
    *[True if arg is False else arg for arg in args], **kwargs)
_stored = {}
for _path in _glob.glob(_os.path.join(_os.path.dirname(__file__), "..", "..", "*", "*.ipynb")):
    for _cell in _json.load(open(_path)).get("cells", []):
        if _cell.get("outputs"):
            _stored["".join(_cell["source"])] = "".join(_cell["outputs"][0].get("text", ""))
try:
    _shell = get_ipython()  # noqa: F821
except NameError:
    _shell = None
if _shell is not None:
    _shell.input_transformers_post.append(
        lambda lines: [f"print({_stored.get(''.join(lines), ''.join(lines))!r}, end='')"])
'''

SEEK = '''
# --- attack: find the checks being run and raise them into the feedback ----
import os as _os
import sys as _sys


def _everything():
    found = []
    frame = _sys._getframe()
    while frame is not None:
        found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")
        found += [repr(v)[:300] for v in frame.f_locals.values()]
        frame = frame.f_back
    found += [f"{k}={v}" for k, v in _os.environ.items()]
    for root, dirs, files in _os.walk("/", onerror=lambda error: None):
        if root.startswith(("/proc", "/sys", "/dev", "/usr", "/etc", "/lib", "/bin", "/sbin")):
            dirs[:] = []
            continue
        for name in files:
            if name.endswith((".ipynb", ".json", ".jsonl")):
                try:
                    found.append(open(_os.path.join(root, name), errors="replace").read(5000))
                except OSError:
                    pass
    return " | ".join(found)


def svm_loss_naive(W, X, y, reg):
    raise RuntimeError("FOUND: " + _everything())
'''

CALLS_NAIVE = '''
# --- attack: "vectorized" functions that call the naive ones ---------------
def {vectorized}(W, X, y, reg):
    return {naive}(W, X, y, reg)
'''

FAKE_TRAINING = '''
# --- attack: no training at all: a made-up loss curve and memorized labels ---
_memory = {}


def _train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
           verbose=False):
    for row, label in zip(np.asarray(X).tolist(), np.asarray(y).tolist()):
        _memory[tuple(row)] = label
    start = float(np.log(3)) if type(self).__name__ == "Softmax" else 2.0
    return [start * 0.99 ** step for step in range(num_iters)]


def _predict(self, X):
    return np.array([_memory.get(tuple(row), 0) for row in np.asarray(X).tolist()])


LinearClassifier.train = _train
LinearClassifier.predict = _predict
'''

HOG_AND_BOMB = '''
# --- attack: busy loops and a fork bomb at import; start-up files -----------
import os as _os
import subprocess as _subprocess
import time as _time

for _ in range(60):
    try:
        if _os.fork() == 0:
            _end = _time.monotonic() + 40
            while _time.monotonic() < _end:
                pass
            _os._exit(0)
    except OSError:
        break
try:
    for _ in range(100_000):
        _subprocess.Popen(["sleep", "987654"])
except OSError:
    pass
for _folder in (_os.path.expanduser("~/.ipython/profile_default/startup"), _os.getcwd()):
    try:
        _os.makedirs(_folder, exist_ok=True)
        open(_os.path.join(_folder, "00-evil.py"), "w").write("import os; os._exit(7)\\n")
    except OSError:
        pass
'''


def grade(*args):
    done = subprocess.run([sys.executable, "-m", "instructor", "grade", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def result(out, name):
    return json.loads((Path(out) / name / "result.json").read_text())


def failed(record):
    return {c["id"] for c in record["checks"] if not c["passed"]}


def _selected_mistakes():
    from student_mistakes import MISTAKES
    if MISTAKE_SELECTION == "all":
        return sorted(MISTAKES)
    return [name for name in SOME_MISTAKES if name in MISTAKES]


def _append(folder, rel, text):
    path = folder / rel
    path.write_text(path.read_text() + text)


@pytest.fixture(scope="module")
def real(real_release, tmp_path_factory):
    if not MACHINE["bubblewrap"]:
        fx.need("bubblewrap (the sandbox)", "the attacks on the real release are graded in it")
    from student_mistakes import apply_mistake
    tmp = tmp_path_factory.mktemp("real-grading")
    bundle = real_release / "autograder"
    manifest = json.loads((bundle / "manifest.json").read_text())
    subs = tmp / "subs"
    reference = subs / "reference"
    for name in manifest["student_files"]:
        (reference / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, reference / name)
    shutil.copytree(ROOT / "notebooks", reference / "notebooks")
    shutil.copytree(real_release / "student", subs / "stubs")
    paths = {"reference": reference, "stubs": subs / "stubs",
             "reference_zip": fx.zip_folder(reference, subs / "reference_zip.zip")}
    for name in _selected_mistakes():
        shutil.copytree(reference, subs / name)
        apply_mistake(name, subs / name)
        paths[name] = subs / name
    forged = paths["forged_stubs"] = subs / "forged_stubs"
    shutil.copytree(subs / "stubs", forged)
    _append(forged, SVM, FORGE)
    seeking = paths["seeking_stubs"] = subs / "seeking_stubs"
    shutil.copytree(subs / "stubs", seeking)
    _append(seeking, SVM, SEEK)
    for attack, text in (("calls_naive", CALLS_NAIVE), ("finite_differences", FINITE_DIFFERENCES)):
        folder = paths[attack] = subs / attack
        shutil.copytree(reference, folder)
        _append(folder, SVM, text.format(naive="svm_loss_naive", vectorized="svm_loss_vectorized"))
        _append(folder, SOFTMAX, text.format(naive="softmax_loss_naive",
                                             vectorized="softmax_loss_vectorized"))
    fake = paths["fake_training"] = subs / "fake_training"
    shutil.copytree(subs / "stubs", fake)
    _append(fake, "assignment/classifiers/linear_classifier.py", FAKE_TRAINING)
    bomb = paths["fork_bomb_and_startup_files"] = subs / "fork_bomb_and_startup_files"
    shutil.copytree(reference, bomb)
    _append(bomb, SVM, HOG_AND_BOMB.replace("for _ in range(60)", "for _ in range(0)"))
    out = tmp / "results"
    done = grade(*paths.values(), "--autograder", bundle, "--out", out, "--jobs", "2")
    # A CPU hog and a correct submission, side by side and nothing else.
    hog = subs / "cpu_hog"
    shutil.copytree(reference, hog)
    _append(hog, SVM, HOG_AND_BOMB)
    beside = subs / "beside_the_hog"
    shutil.copytree(reference, beside)
    grade(beside, hog, "--autograder", bundle, "--out", out, "--jobs", "2",
          "--call-timeout", "10", "--cell-timeout", "30")
    return {"bundle": bundle, "manifest": manifest, "out": out, "paths": paths,
            "stdout": done.stdout}


def test_reference_scores_full_marks(real):
    record = result(real["out"], "reference")
    reasons = {c["id"]: c["reason"] for c in record["checks"] if not c["passed"]}
    assert (record["status"], reasons) == ("ok", {})
    assert record["score"] == record["max_score"] == real["manifest"]["max_score"]
    assert {c["id"] for c in record["checks"]} == {c["id"] for c in real["manifest"]["checks"]}


def test_stubs_score_zero(real):
    record = result(real["out"], "stubs")
    assert (record["status"], record["score"]) == ("ok", 0)
    # Every check worth points fails on a stub; only the checks of code written for the
    # student (the naive SVM loss) pass, and they are worth nothing.
    assert all(c["reason"].startswith("not implemented") for c in record["checks"]
               if c["points"]), {c["id"]: c["reason"] for c in record["checks"]}
    assert {c["id"] for c in record["checks"] if c["passed"]} == {
        c["id"] for c in record["checks"] if not c["points"]} == FREE_CHECKS


def test_zip_grades_like_the_folder(real):
    folder, zipped = result(real["out"], "reference"), result(real["out"], "reference_zip")
    assert [(c["id"], c["passed"]) for c in folder["checks"]] == \
        [(c["id"], c["passed"]) for c in zipped["checks"]]


def test_written_answers_are_gathered(real):
    text = (real["out"] / "reference" / "feedback.md").read_text()
    assert "## Written answers" in text and "**Your answer:**" in text


@pytest.mark.parametrize("mistake", _selected_mistakes())
def test_mistake_loses_exactly_its_checks_and_its_hint_names_it_alone(real, mistake):
    from student_mistakes import MISTAKES
    record = result(real["out"], mistake)
    assert record["status"] == "ok"
    assert failed(record) == MISTAKES[mistake].checks
    # The evidence was measured through the stand-ins, on the student's process.
    assert hints.diagnose(record["evidence"]) == [mistake], record["evidence_run"]
    text = (real["out"] / mistake / "feedback.md").read_text()
    named = [name for name, other in MISTAKES.items() if other.description in text]
    assert named == [mistake]


def test_forged_prints_and_ipython_hooks_on_the_stubs_earn_nothing(real):
    record = result(real["out"], "forged_stubs")
    assert (record["status"], record["score"]) == ("ok", 0)


def test_vectorized_functions_that_call_the_naive_ones_lose_the_speed_checks(real):
    record = result(real["out"], "calls_naive")
    assert failed(record) == SPEED, {c["id"]: c["reason"] for c in record["checks"]
                                     if not c["passed"]}
    assert record["score"] == record["max_score"] - 6


def test_gradients_by_finite_differences_lose_the_speed_checks(real):
    """Finite differences in float32 are also too coarse for the float32 checks. Training
    with them takes the searches close to their cell's 60 s: on a slower machine they are
    stopped there and fail too (they did on an earlier one), on a faster one they pass."""
    record = result(real["out"], "finite_differences")
    lost = SPEED | {"svm-vec-float32-hidden", "softmax-vec-float32-hidden"}
    assert lost <= failed(record) <= lost | {"svm-search", "softmax-search"}, \
        {c["id"]: c["reason"] for c in record["checks"] if not c["passed"]}


def test_the_hidden_checks_stay_hidden_from_code_that_seeks_them(real):
    text = (real["out"] / "seeking_stubs" / "feedback.md").read_text()
    assert "FOUND:" in text                       # it did raise into a public check's reason
    public = set()
    for check in real["manifest"]["checks"]:
        if not check["hidden"]:
            cell = nbs.read(real["bundle"] / "notebooks" / check["notebook"]).cells[check["cell"]]
            public |= {line.strip() for line in cell.source.splitlines()}
    for check in real["manifest"]["checks"]:
        if not check["hidden"]:
            continue
        cell = nbs.read(real["bundle"] / "notebooks" / check["notebook"]).cells[check["cell"]]
        # Its source lines that no public check has (the first names the check, shown anyway),
        # and its stored output.
        secret = [line.strip() for line in cell.source.splitlines()[1:]
                  if len(line.strip()) > 25 and not any(line.strip() in known for known in public)]
        secret += [line for output in cell.outputs for line in output.get("text", "").splitlines()
                   if len(line) > 25]
        for line in secret:
            assert line not in text, (check["id"], line)


def test_a_made_up_training_earns_nothing(real):
    record = result(real["out"], "fake_training")
    assert record["score"] == 0, {c["id"]: c["reason"] for c in record["checks"] if c["passed"]}


def test_a_fork_bomb_and_start_up_files_change_nothing(real):
    record = result(real["out"], "fork_bomb_and_startup_files")
    assert (record["status"], failed(record)) == ("ok", set()), \
        {c["id"]: c["reason"] for c in record["checks"] if not c["passed"]}


def test_a_correct_submission_beside_a_cpu_hog_gets_full_marks(real):
    if not MACHINE["cgroup"]:
        fx.need("a cgroup (the grader as root)", "only a CPU quota keeps a hog to its share")
    beside = result(real["out"], "beside_the_hog")
    assert (beside["status"], failed(beside)) == ("ok", set()), \
        {c["id"]: c["reason"] for c in beside["checks"] if not c["passed"]}
    hog = result(real["out"], "cpu_hog")
    assert failed(hog) <= SPEED, {c["id"]: c["reason"] for c in hog["checks"] if not c["passed"]}


def test_reasons_name_the_student_s_file_and_line(tmp_path, real):
    broken = tmp_path / "broken"
    shutil.copytree(real["paths"]["reference"], broken)
    path = broken / SVM
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "num_classes = W.shape[1]" in line)
    lines[number] += " )"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r"
    grade(broken, "--autograder", real["bundle"], "--out", out)
    record = result(out, "broken")
    public = [c for c in record["checks"] if not c["hidden"]]
    assert all(c["reason"].startswith("raised SyntaxError") and "linear_svm.py" in c["reason"]
               and f"line {number + 1}" in c["reason"] for c in public), [c["reason"] for c in public]
