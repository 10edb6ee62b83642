"""instructor.atomic.write_atomic: a file is replaced whole or not at all."""

import pytest

from instructor.atomic import write_atomic


def test_writes_and_replaces_with_unix_line_ends(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_atomic(path, "a\nb\n")
    write_atomic(path, "c\n")
    assert path.read_bytes() == b"c\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_atomic(path, "old\n")
    with pytest.raises(TypeError):
        write_atomic(path, b"not text")  # fails inside the write
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]
