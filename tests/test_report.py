"""``python -m instructor report``: the item analysis of a batch and its similar submissions.

The similarity cases are built from the real student files: the reference
solution, the independent one of ``tests/independent`` (written apart, in the
style the TODOs guide towards), and a copy of the reference with its
variables renamed and its functions reordered. The copy must be flagged, the
two independent solutions must not.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import grading_fixtures as fx
from independent import independent_source
from instructor.grading import results
from instructor.grading.bundle import load_bundle
from instructor.regions import replace_regions, student_files
from instructor.release import stub_source
from instructor.report import analysis, page, similarity

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("copydetect", reason="the similarity of submissions needs copydetect "
                                         "(pip install -r requirements-dev.txt)")

RENAMES = [("scores", "s"), ("margins", "gaps"), ("num_train", "n"), ("loss", "total"),
           ("correct_class_score", "mine"), ("probs", "P"), ("batch", "chunk")]


def stubs_and_reference():
    files = student_files(ROOT)
    stubs = {f: stub_source((ROOT / f).read_text(), f) for f in files}
    reference = {f: replace_regions((ROOT / f).read_text(), lambda r: r.body, f) for f in files}
    return stubs, reference


def disguised(text):
    """The same code with the variables renamed and the top-level functions in reverse order."""
    for old, new in RENAMES:
        text = re.sub(rf"\b{old}\b", new, text)
    head, *functions = re.split(r"(?m)^(?=def )", text)
    return head + "".join(reversed(functions))


def test_a_disguised_copy_is_flagged_and_two_independent_solutions_are_not():
    stubs, reference = stubs_and_reference()
    independent = {f: independent_source(f) for f in reference}
    copy = {f: disguised(text) for f, text in reference.items()}
    assert copy != reference and any(  # the disguise did reorder a file's functions
        re.findall(r"(?m)^def (\w+)", copy[f]) != re.findall(r"(?m)^def (\w+)", reference[f])
        for f in reference)
    codes = {"ada": reference, "bob": independent, "cat": copy, "dan": stubs}
    pairs = similarity.similar_pairs(codes, stubs)
    assert [(p.first, p.second) for p in pairs] == [("ada", "cat")]
    assert pairs[0].score > 0.9
    # The passages shown are the student's code, not the stubs' shared text.
    shown = "\n".join(mine for _, mine, _ in pairs[0].passages)
    assert "margin" in shown or "scores" in shown
    independent_score, _ = similarity.compare(similarity.fingerprints(reference, stubs),
                                              similarity.fingerprints(independent, stubs))
    assert independent_score < similarity.THRESHOLD / 1.5, independent_score


def _record(name, score, checks, status="ok", evidence=None, seconds=1.0, source=None,
            bundle="B"):
    made = [results.CheckResult(i, points, hidden, "n.ipynb", passed, reason)
            for i, points, hidden, passed, reason in checks]
    record = results.result_record(name, status, made, 6, bundle=bundle, seconds=seconds,
                                   isolation={"name": "bubblewrap", "secure": True},
                                   evidence=evidence or {}, source=source)
    record["score"] = score
    return record


def test_the_item_analysis_counts_what_the_class_got_wrong():
    from instructor.mistakes import MISTAKES
    name, mistake = next((n, m) for n, m in MISTAKES.items() if m.evidence)
    records = {
        "a": _record("a", 6, [("c1", 2, False, True, "passed"), ("c2", 4, True, True, "passed")]),
        "b": _record("b", 2, [("c1", 2, False, True, "passed"),
                              ("c2", 4, True, False, "raised KeyError: x")],
                     evidence=dict(mistake.evidence), seconds=9.0),
        "c": _record("c", 0, [("c1", 2, False, False, "the output differs"),
                              ("c2", 4, True, False, "raised KeyError: x")], status="timeout"),
    }
    rows = {row["id"]: row for row in analysis.check_table(records)}
    assert (rows["c1"]["passed"], rows["c1"]["graded"]) == (2, 3)
    assert rows["c2"]["hidden"] and rows["c2"]["reasons"] == [("raised KeyError: x", 2)]
    assert analysis.statuses(records) == [("ok", 2), ("timeout", 1)]
    assert analysis.mistakes_found(records) == [(mistake.description, ["b"])]
    assert analysis.slowest(records, 1) == [("b", 9.0, "ok")]
    text = page.render(records, pairs=[], similarity_note="")
    assert "Batch report: 3 submissions" in text and "<script" not in text
    assert text.count("data:image/png;base64,") == 2          # the histogram and the pass rates
    assert "2 of 3" in text and html_escaped(mistake.description) in text


def html_escaped(text):
    import html
    return html.escape(text)


def test_the_report_escapes_what_came_from_submissions():
    record = _record("<img src=x onerror=alert(1)>", 0,
                     [("c1", 2, False, False, "raised X: <script>alert(1)</script>")])
    text = page.render({"x": record}, pairs=[similarity.Pair("<b>a</b>", "b", 0.9,
                                                             [("f.py", "<script>", "</pre>")])])
    assert "<script>" not in text and "<img src=x" not in text and "</pre></div><div><b>b" in text


def make_batch(tmp_path):
    """The small bundle, three submissions with longer code (two of them copies) and results."""
    bundle = fx.make_bundle(tmp_path / "autograder")
    fingerprint = load_bundle(bundle).fingerprint
    body = "".join(f"    step_{k} = [value * {k} for value in range(a + {k})]\n"
                   f"    total = sum(step_{k}) + len(step_{k}) - max(step_{k}, default=0)\n"
                   for k in range(6))
    mine = fx.REFERENCE.replace("    return a + b", body + "    return a + b")
    theirs = mine.replace("step_", "part_").replace("total", "acc")
    other = fx.REFERENCE.replace("    return a + b", "".join(
        f"    if a > {k}:\n        b = b + {k} * (a - b) // (abs(a) + {k + 1})\n"
        f"    else:\n        b = b - {k}\n" for k in range(8)) + "    return a + b")
    out = tmp_path / "results"
    out.mkdir()
    for name, calc in (("ada", mine), ("bob", theirs), ("cat", other)):
        source = fx.make_submission(tmp_path / "subs" / name, calc=calc)
        record = _record(name, 6, [("add-small", 2, False, True, "passed")], source=str(source),
                         bundle=fingerprint)
        results.publish(out, name, {"result.json": json.dumps(record)})
    return bundle, out


def report(*args):
    return subprocess.run([sys.executable, "-m", "instructor", "report", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_report_command_lists_the_copied_pair_and_keeps_an_existing_file(tmp_path):
    bundle, out = make_batch(tmp_path)
    target = tmp_path / "report.html"
    done = report(out, "--out", target, "--autograder", bundle)
    assert done.returncode == 0, done.stderr
    assert "3 submission(s), 1 similar pair(s)" in done.stdout
    text = target.read_text()
    assert "ada and bob: 1.00" in text and "cat" not in text.split("Similar submissions")[1]
    target.write_text("mine")
    done = report(out, "--out", target, "--autograder", bundle)
    assert done.returncode == 2 and "already exists" in done.stderr
    assert target.read_text() == "mine"
    done = report(out, "--out", target, "--force")
    assert done.returncode == 0
    assert "give --autograder OUT/autograder to compare" in target.read_text()
