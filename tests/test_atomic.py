"""instructor.atomic: a file or a folder is replaced whole or not at all."""

import pytest

from instructor.atomic import replace_dir, write_atomic


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


def test_replace_dir_puts_the_new_folder_in_place_and_removes_the_old(tmp_path):
    target, built = tmp_path / "alice", tmp_path / ".tmp-alice"
    target.mkdir()
    (target / "result.json").write_text("old")
    built.mkdir()
    (built / "result.json").write_text("new")
    replace_dir(built, target)
    assert (target / "result.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["alice"]


def test_replace_dir_keeps_the_old_folder_when_the_new_cannot_move_in(tmp_path):
    target = tmp_path / "alice"
    target.mkdir()
    (target / "result.json").write_text("old")
    with pytest.raises(OSError):
        replace_dir(tmp_path / "missing", target)
    assert (target / "result.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["alice"]
