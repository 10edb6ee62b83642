"""The grader's limits: one set of defaults (instructor/grading/limits.py), every one an
option of `grade`, and the grader's README showing the same table."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from instructor.grading import limits

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "instructor" / "grading" / "README.md"


def test_the_readme_shows_the_defaults():
    text = README.read_text()
    table = re.search(r"<!-- limits table:[^>]*-->\n(.*?)\n<!-- end of limits table -->", text, re.S)
    assert table, "the README's limits table has lost its markers"
    assert table.group(1) == limits.markdown_table()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader runs on Linux")
def test_every_limit_is_an_option_with_its_default():
    done = subprocess.run([sys.executable, "-m", "instructor", "grade", "--help"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0
    for limit in limits.LIMITS:
        option = "--" + limit.name.replace("_", "-")
        assert option in done.stdout, option
    from instructor.grade import parse_args
    args = parse_args(["sub", "--autograder", "a", "--out", "o", "--memory-mb", "512",
                       "--call-timeout", "2.5"])
    chosen = limits.from_options(args)
    assert (chosen.memory_mb, chosen.call_timeout) == (512, 2.5)
    assert chosen.cpus == limits.Limits().cpus == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the grader runs on Linux")
def test_a_limit_must_be_positive():
    done = subprocess.run([sys.executable, "-m", "instructor", "grade", "x", "--autograder", "a",
                           "--out", "o", "--memory-mb", "0"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 2 and "must be more than 0" in done.stderr
