"""A batch in parts: ``grade --shard K/N``, ``python -m instructor gradebook``, ``slurm --dry-run``.

The parts must be disjoint and cover the batch whatever the order of the
paths, the shards of one RESULTS folder must not disturb each other, and the
gradebook made from their results must be the one a single grader writes.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import grading_fixtures as fx
from instructor.grade import stale_files
from instructor.grading import gradebook, limits as limits_module, results, shards

ROOT = Path(__file__).resolve().parents[1]
MACHINE = fx.machine()
FLAGS = ["--jobs", "1", "--call-timeout", "3", "--cell-timeout", "30", "--timeout", "120",
         "--memory-mb", "1024"]
# Everything of a result that is about when and how long, not what.
TIMING = ("seconds", "graded_at", "harness", "worker_log", "evidence_run")


def test_a_shard_is_k_of_n_or_n_with_k_from_the_scheduler():
    assert shards.parse_shard("3/8", {}) == (3, 8)
    assert shards.parse_shard("8", {"SLURM_ARRAY_TASK_ID": "5"}) == (5, 8)
    assert shards.parse_shard("4", {"JOB_COMPLETION_INDEX": "0"}) == (0, 4)
    # Slurm first: a Slurm task inside a Kubernetes pod is Slurm's task.
    assert shards.parse_shard("4", {"SLURM_ARRAY_TASK_ID": "2", "JOB_COMPLETION_INDEX": "1"}) == (2, 4)


@pytest.mark.parametrize("text, environ, says", [
    ("8/8", {}, "K must be from 0 to 7"),
    ("-1/8", {}, "K must be from 0 to 7"),
    ("a/8", {}, "K must be a whole number"),
    ("1/0", {}, "N must be at least 1"),
    ("1/x", {}, "expected K/N"),
    ("8", {}, "none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set"),
    ("2", {"SLURM_ARRAY_TASK_ID": "2"}, "SLURM_ARRAY_TASK_ID=2: K must be from 0 to 1"),
])
def test_a_wrong_shard_says_what_is_wrong(text, environ, says):
    with pytest.raises(shards.ShardError, match=says):
        shards.parse_shard(text, environ)


def test_the_shards_are_disjoint_cover_the_batch_ignore_order_and_are_equal():
    names = [f"student{i:04d}" for i in range(2000)]
    for count in (1, 2, 7, 50):
        parts = [shards.part(names, k, count) for k in range(count)]
        assert sorted(sum(parts, [])) == names                       # each exactly once
        assert [shards.part(reversed(names), k, count) for k in range(count)] == parts
        assert max(map(len, parts)) - min(map(len, parts)) <= 1, count
    # The benchmark's batch: a hash of each name alone gave 3 and 5.
    eight = [f"student{k}" for k in range(8)]
    assert [len(shards.part(eight, k, 2)) for k in range(2)] == [4, 4]
    assert sorted(shards.part(["Bob", "amy", "Cy"], 0, 1)) == ["Bob", "Cy", "amy"]


def test_a_shard_clears_only_its_own_leftovers(tmp_path):
    for leftover in (".tmp-amy-abcd1234", ".old-amy-zz__99aa", ".tmp-amy-b-abcd1234",
                     ".tmp-bob-abcd1234", ".slurm", "amy"):
        (tmp_path / leftover).mkdir()
    assert sorted(p.name for p in stale_files(tmp_path, ["amy"])) == [".old-amy-zz__99aa",
                                                                       ".tmp-amy-abcd1234"]
    assert [p.name for p in stale_files(tmp_path, ["amy-b"])] == [".tmp-amy-b-abcd1234"]


def _publish(out, name, bundle, score):
    check = results.CheckResult("c1", 2, False, "n.ipynb", score == 2, "passed")
    record = results.result_record(name, "ok", [check], 2, bundle=bundle,
                                   isolation={"name": "bubblewrap", "secure": True})
    results.publish(out, name, {"result.json": json.dumps(record)})


def test_the_gradebook_holds_one_bundle_and_says_so_when_results_mix_two(tmp_path):
    _publish(tmp_path, "amy", "B1", 2)
    _publish(tmp_path, "bob", "B1", 0)
    (tmp_path / ".slurm").mkdir()                     # the Slurm command's folder: no result
    gradebook.write_gradebook(tmp_path)
    assert (tmp_path / "gradebook.csv").read_text().splitlines() == [
        "submission,score,max_score,status,sandbox,c1", "amy,2,2,ok,bubblewrap,2",
        "bob,0,2,ok,bubblewrap,0"]
    _publish(tmp_path, "cat", "B2", 2)
    with pytest.raises(gradebook.GradebookError, match="2 different autograder bundles"):
        gradebook.write_gradebook(tmp_path)
    assert sorted(gradebook.write_gradebook(tmp_path, "B2")) == ["cat"]


def test_the_gradebook_command_explains_a_missing_folder_and_mixed_bundles(tmp_path):
    def command(*args):
        return subprocess.run([sys.executable, "-m", "instructor", "gradebook", *map(str, args)],
                              cwd=ROOT, capture_output=True, text=True)
    done = command(tmp_path / "nowhere")
    assert done.returncode == 2 and "is not a folder of results" in done.stderr
    _publish(tmp_path, "amy", "B1", 2)
    _publish(tmp_path, "cat", "B2", 2)
    done = command(tmp_path)
    assert done.returncode == 2 and "give --autograder" in done.stderr
    assert not (tmp_path / "gradebook.csv").exists()


def test_limits_given_to_another_grader_come_back_the_same():
    parser = __import__("argparse").ArgumentParser()
    limits_module.add_options(parser)
    changed = limits_module.from_options(parser.parse_args(["--memory-mb", "512",
                                                            "--call-timeout", "2.5"]))
    assert limits_module.to_options(changed) == ["--call-timeout", "2.5", "--memory-mb", "512"]
    assert limits_module.from_options(parser.parse_args(limits_module.to_options(changed))) == changed
    assert limits_module.to_options(limits_module.Limits()) == []


def grade(*args):
    return subprocess.Popen([sys.executable, "-m", "instructor", "grade", *map(str, args)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process):
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    return output


def without_timing(record):
    return {key: value for key, value in record.items() if key not in TIMING}


def batch_of_six(folder):
    """Six submissions of the small bundle: right, stubbed, and four ways wrong."""
    wrong = {
        "right": fx.REFERENCE,
        "stub": fx.STUB,
        "adds_one": fx.REFERENCE.replace("return a + b", "return a + b + 1"),
        "scales_wrong": fx.REFERENCE.replace("return twice(x) if k == 2", "return x if k == 2"),
        "prints": fx.REFERENCE.replace("    return a + b", "    print('hi')\n    return a + b"),
        "raises": fx.REFERENCE.replace("    return a + b", "    raise ValueError('no')"),
    }
    return [fx.make_submission(folder / name, calc=calc) for name, calc in wrong.items()]


@pytest.mark.slow
@pytest.mark.skipif(not MACHINE["linux"], reason="the grader runs on Linux")
def test_two_shards_at_once_into_one_folder_give_the_gradebook_of_one_grader(tmp_path):
    bundle = fx.make_bundle(tmp_path / "autograder")
    paths = batch_of_six(tmp_path / "subs")
    flags = FLAGS + ([] if MACHINE["bubblewrap"] else ["--insecure-no-sandbox"])
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    one = grade(*paths, "--autograder", bundle, "--out", whole, *flags)
    # The paths in another order for each shard: the parts must not depend on it.
    list_file = tmp_path / "paths.txt"
    list_file.write_text("".join(f"{p}\n" for p in reversed(paths)))
    first = grade(f"@{list_file}", "--shard", "0/2", "--autograder", bundle, "--out", parts, *flags)
    second = grade(*paths, "--shard", "1/2", "--autograder", bundle, "--out", parts, *flags)
    finished(one)
    outputs = [finished(first), finished(second)]
    counts = [int(output.split("shard ")[1].split(": ")[1].split(" of")[0]) for output in outputs]
    assert sum(counts) == 6 and all(counts), outputs          # both shards had work
    assert not (parts / "gradebook.csv").exists()             # shards never write it

    done = subprocess.run([sys.executable, "-m", "instructor", "gradebook", parts],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "6 submission(s)" in done.stdout
    assert (parts / "gradebook.csv").read_text() == (whole / "gradebook.csv").read_text()
    rows = list(csv.DictReader((whole / "gradebook.csv").open()))
    scores = {row["submission"]: (row["score"], row["max_score"]) for row in rows}
    assert scores["right"][0] == scores["right"][1] and scores["stub"][0] == "0"
    for path in paths:
        mine, theirs = (json.loads((out / path.name / "result.json").read_text())
                        for out in (parts, whole))
        assert without_timing(mine) == without_timing(theirs), path.name
        assert (parts / path.name / "feedback.md").read_text() == \
            (whole / path.name / "feedback.md").read_text()


@pytest.mark.slow
def test_the_slurm_command_writes_an_array_of_n_shards_and_a_gradebook_job_after_it(tmp_path):
    bundle = fx.make_bundle(tmp_path / "autograder")
    paths = batch_of_six(tmp_path / "subs")
    out = tmp_path / "results"
    out.mkdir()
    _publish(out, "right", load_fingerprint(bundle), 2)         # already graded: left out
    done = subprocess.run(
        [sys.executable, "-m", "instructor", "slurm", *map(str, paths), "--autograder", str(bundle),
         "--out", str(out), "--shards", "4", "--max-running", "2", "--memory-mb", "512",
         "--dry-run", "--", "--partition=teaching", "--time=00:30:00"],
        cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "5 of 6 submission(s) to grade in 4 task(s)" in done.stdout
    run, = (out / ".slurm").iterdir()
    assert (run / "submissions.txt").read_text().split() == [str(p) for p in paths[1:]]
    script = (run / "grade.sbatch").read_text()
    assert "#SBATCH --array=0-3%2" in script
    assert '"${SLURM_ARRAY_TASK_ID}/4"' in script and "--memory-mb 512" in script
    assert f"@{run / 'submissions.txt'}" in script
    assert "gradebook" in (run / "gradebook.sbatch").read_text()
    lines = done.stdout.splitlines()
    assert any(line.startswith("sbatch --parsable") and "--partition=teaching" in line
               and line.endswith("grade.sbatch") for line in lines)
    assert any("--dependency=afterany:JOBID" in line and line.endswith("gradebook.sbatch")
               for line in lines)


def load_fingerprint(bundle):
    from instructor.grading.bundle import load_bundle
    return load_bundle(bundle).fingerprint
