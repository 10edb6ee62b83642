"""The README's test command (plain ``pytest`` with this folder's pytest.ini) says why it skips."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_test_command_prints_each_skip_reason(tmp_path):
    (tmp_path / "test_skipping.py").write_text(
        "import pytest\n\n\ndef test_needs_a_cluster():\n"
        "    pytest.skip('slurm-wlm is not installed: apt install slurm-wlm munge')\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pytest.ini"),
                           "--rootdir", str(tmp_path), str(tmp_path / "test_skipping.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SKIPPED [1]" in done.stdout
    assert "slurm-wlm is not installed: apt install slurm-wlm munge" in done.stdout
