"""Tests of instructor.regions, and that the mistakes and the independent solution
touch only solution regions (so they are code a student could have written)."""

import textwrap
from pathlib import Path

import pytest

import independent
import student_mistakes as sm
from instructor import notebooks as nbtools
from instructor.regions import (Region, RegionError, Task, find_regions, replace_regions,
                                student_files)

KIT_ROOT = Path(__file__).resolve().parents[1]

SOURCE = """\
def f(x):
    # TODO: double x
    ### BEGIN SOLUTION
    y = 2 * x
    ### END SOLUTION
    return y


def g():
    if True:
        ### BEGIN SOLUTION
        # a comment, then code
        return 1
        ### END SOLUTION
"""

STUDENT_FILES = [sm.SVM, sm.CLASSIFIER, sm.SOFTMAX, "assignment/classifiers/tuning.py"]


def stub(source, name="<source>"):
    """The source with every region (markers included) replaced by ``pass``."""
    return replace_regions(source, lambda region: region.indent + "pass\n", name=name)


def test_find_regions():
    assert find_regions(SOURCE) == [
        Region(3, 5, "    ", "    y = 2 * x\n"),
        Region(11, 14, "        ", "        # a comment, then code\n        return 1\n"),
    ]


def test_find_regions_none():
    assert find_regions("x = 1\n") == []


def test_markers_must_be_whole_lines():
    source = ("x = 1  ### BEGIN SOLUTION\n"
              "s = '### END SOLUTION'\n"
              "### BEGIN SOLUTION (optional)\n")
    assert find_regions(source) == []


def test_trailing_whitespace_and_crlf():
    source = "def f():\r\n    ### BEGIN SOLUTION  \r\n    return 1\r\n    ### END SOLUTION\t\r\n"
    assert find_regions(source) == [Region(2, 4, "    ", "    return 1\r\n")]


def test_replace_regions_without_markers():
    result = replace_regions(SOURCE, ["    y = x + x\n", "        return 2"])
    assert "SOLUTION" not in result
    assert result == SOURCE.replace(
        "    ### BEGIN SOLUTION\n    y = 2 * x\n    ### END SOLUTION\n", "    y = x + x\n"
    ).replace(
        "        ### BEGIN SOLUTION\n        # a comment, then code\n        return 1\n"
        "        ### END SOLUTION\n", "        return 2\n")


def test_replace_regions_keeping_markers():
    result = replace_regions(SOURCE, ["    y = x + x\n", "        return 2\n"],
                             keep_markers=True)
    assert [r.body for r in find_regions(result)] == ["    y = x + x\n", "        return 2\n"]
    assert stub(result) == stub(SOURCE)


def test_replace_regions_with_a_function():
    result = replace_regions(SOURCE, lambda r: f"{r.indent}raise NotImplementedError({r.begin})\n")
    assert "    raise NotImplementedError(3)\n" in result
    assert "        raise NotImplementedError(11)\n" in result
    assert "SOLUTION" not in result and "return 1" not in result


def test_empty_replacement_removes_the_region():
    result = replace_regions(SOURCE, ["", "        return 2\n"])
    assert "y = 2 * x" not in result and "# TODO: double x\n    return y\n" in result


def test_replace_regions_counts_the_texts():
    with pytest.raises(ValueError, match="f.py: 2 solution regions but 1 replacements"):
        replace_regions(SOURCE, ["    pass\n"], name="f.py")


def test_body_round_trip():
    bodies = [region.body for region in find_regions(SOURCE)]
    assert replace_regions(SOURCE, bodies, keep_markers=True) == SOURCE


@pytest.mark.parametrize("source, fragments", [
    ("x = 1\n### END SOLUTION\n", ["f.py:2:", "without"]),
    ("x = 1\n\n### BEGIN SOLUTION\ny = 2\n", ["f.py:3:", "never closed"]),
    ("### BEGIN SOLUTION\nx = 1\n  ### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n",
     ["f.py:3:", "inside the region opened at line 1"]),
    ("def f():\n    ### BEGIN SOLUTION\n    # only a comment\n\n    ### END SOLUTION\n",
     ["f.py:2:", "lines 2-5", "no code"]),
    ("### BEGIN SOLUTION\n### END SOLUTION\n", ["f.py:1:", "lines 1-2", "no code"]),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION\n",
     ["f.py:4:", "without"]),
], ids=["end-without-begin", "unclosed", "nested", "only-comment", "empty", "extra-end"])
def test_region_errors_name_the_line(source, fragments):
    with pytest.raises(RegionError) as excinfo:
        find_regions(source, name="f.py")
    for fragment in fragments:
        assert fragment in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)
    with pytest.raises(RegionError):
        replace_regions(source, lambda r: "", name="f.py")


def test_student_files_of_the_kit():
    assert student_files(sm.KIT_ROOT) == sorted(STUDENT_FILES)


def test_student_files_of_a_tree(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(SOURCE)
    (package / "a.py").write_text(SOURCE)
    (package / "notes.txt").write_text(SOURCE)
    assert student_files(tmp_path, package="pkg") == ["pkg/a.py", "pkg/sub/b.py"]


@pytest.mark.parametrize("file", STUDENT_FILES)
def test_kit_student_files_round_trip(file):
    source = (sm.KIT_ROOT / file).read_text(encoding="utf-8")
    bodies = [region.body for region in find_regions(source, file)]
    assert replace_regions(source, bodies, keep_markers=True) == source


# --- the mistakes and the independent solution stay inside the regions --------

@pytest.mark.parametrize("name", sorted(sm.MISTAKES))
def test_mistake_edits_only_solution_regions(name):
    mistake = sm.MISTAKES[name]
    reference = (sm.KIT_ROOT / mistake.file).read_text(encoding="utf-8")
    mutated = sm.mutated_source(name)
    assert mutated != reference
    assert stub(mutated, mistake.file) == stub(reference, mistake.file)
    compile(mutated, mistake.file, "exec")
    assert mistake.description and "\n" not in mistake.description


def test_apply_mistake_writes_only_the_copy(tmp_path):
    name = "svm_vec_grad_no_mean"
    reference = (sm.KIT_ROOT / sm.SVM).read_text(encoding="utf-8")
    root = sm.copy_package(sm.KIT_ROOT, tmp_path)
    path = sm.apply_mistake(name, root)
    assert path == tmp_path / sm.SVM
    assert path.read_text(encoding="utf-8") == sm.mutated_source(name)
    assert (sm.KIT_ROOT / sm.SVM).read_text(encoding="utf-8") == reference


@pytest.mark.parametrize("count", [0, 2])
def test_stale_mistake_fails_loudly(tmp_path, count):
    root = sm.copy_package(sm.KIT_ROOT, tmp_path)
    path = root / sm.SVM
    old = sm.MISTAKES["svm_vec_grad_no_mean"].edits[0][0]
    text = path.read_text(encoding="utf-8").replace(old, old * count)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sm.StaleMistake, match=f"occurs {count} times"):
        sm.mutated_source("svm_vec_grad_no_mean", root)


def test_mutated_module_is_isolated():
    from assignment.classifiers import linear_classifier, linear_svm

    module = sm.load_mutated_module("update_wrong_sign")
    assert not module.__file__.startswith(str(sm.KIT_ROOT))
    assert "self.W += learning_rate * grad" in Path(module.__file__).read_text()
    # Its relative imports resolve inside the copy, not to the kit's modules.
    assert module.svm_loss_vectorized is not linear_svm.svm_loss_vectorized
    assert module.LinearSVM is not linear_classifier.LinearSVM
    assert sm.load_mutated_module("update_wrong_sign") is not module


@pytest.mark.parametrize("file", STUDENT_FILES)
def test_independent_fills_only_the_regions(file):
    reference = (sm.KIT_ROOT / file).read_text(encoding="utf-8")
    filled = independent.independent_source(file)
    assert stub(filled, file) == stub(reference, file)
    regions = find_regions(filled, file)
    assert [r.body for r in regions] == [
        textwrap.indent(text, r.indent) for r, text in zip(regions, independent.SOLUTIONS[file])]
    # Written differently: no region is the reference's.
    reference_bodies = {r.body for r in find_regions(reference, file)}
    assert not reference_bodies & {r.body for r in regions}
    compile(filled, file, "exec")


def test_apply_independent_writes_every_student_file(tmp_path):
    root = sm.copy_package(sm.KIT_ROOT, tmp_path)
    written = independent.apply_independent(root)
    assert sorted(p.relative_to(root).as_posix() for p in written) == sorted(STUDENT_FILES)
    assert sorted(independent.SOLUTIONS) == student_files(sm.KIT_ROOT)
    for path in written:
        relative = path.relative_to(root).as_posix()
        assert path.read_text(encoding="utf-8") == independent.independent_source(relative)


def test_independent_needs_one_text_per_region(tmp_path):
    root = sm.copy_package(sm.KIT_ROOT, tmp_path)
    path = root / sm.SOFTMAX
    path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent("""
        def extra():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION
        """), encoding="utf-8")
    with pytest.raises(ValueError, match="5 solution regions but 4 independent texts"):
        independent.independent_source(sm.SOFTMAX, root)


def test_the_todo_above_a_region_names_its_notebook_section():
    source = ("def f(x):\n"
              "    # TODO (2_svm.ipynb, section 4): the gradient; the notebook says why.\n"
              "    # More of the TODO's text.\n"
              "    ### BEGIN SOLUTION (stub: dW = Unfinished)\n"
              "    dW = 2 * x\n"
              "    ### END SOLUTION\n"
              "    # TODO: no section named\n"
              "    ### BEGIN SOLUTION\n"
              "    return dW\n"
              "    ### END SOLUTION\n")
    first, second = find_regions(source)
    assert (first.task, first.unfinished) == (Task("2_svm.ipynb", 4), "dW")
    assert str(first.task) == "2_svm.ipynb, section 4"
    assert (second.task, second.unfinished) == (None, None)
    assert Task("1_loss_functions.ipynb", 2) < Task("2_svm.ipynb", 1) < Task("2_svm.ipynb", 4)


def test_only_a_begin_marker_names_a_stub():
    with pytest.raises(RegionError, match="only a ### BEGIN SOLUTION marker may name a stub"):
        find_regions("def f():\n    ### BEGIN SOLUTION\n    x = 1\n"
                     "    ### END SOLUTION (stub: x = Unfinished)\n")


def test_every_region_of_the_course_names_a_section_of_its_notebooks():
    for name in student_files(KIT_ROOT):
        for region in find_regions((KIT_ROOT / name).read_text(encoding="utf-8"), name):
            assert region.task is not None, f"{name}:{region.begin}"
            notebook = nbtools.read(KIT_ROOT / "notebooks" / region.task.notebook)
            assert region.task.section in nbtools.sections(notebook), f"{name}:{region.begin}"
