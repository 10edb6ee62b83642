"""Hints are diagnoses: the evidence names each typical mistake, and only it.

The facts of :mod:`instructor.grading.kernel.evidence` are measured here in
one process on copies of the kit: the reference, the independent solution
and every mistake of :mod:`instructor.mistakes`. (The grader measures the
same facts through the stand-ins; tests/test_grading_real.py shows that path.)
"""

import functools
import importlib
import importlib.util
import itertools
import sys

import pytest

import independent
import student_mistakes as sm
from instructor.grading import hints
from instructor.grading.kernel import evidence

MODULES = ("linear_svm", "softmax", "linear_classifier", "tuning")
_serial = itertools.count()


def student_modules(root):
    """The four student modules of the kit copy at root, imported as one fresh package."""
    alias = f"_hints_kit_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(
        alias, root / "assignment" / "__init__.py",
        submodule_search_locations=[str(root / "assignment")])
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    spec.loader.exec_module(package)
    return {name: importlib.import_module(f"{alias}.classifiers.{name}") for name in MODULES}


def facts_of(root):
    facts = {}
    for group in evidence.measure(student_modules(root)):
        facts.update(group)
    return facts


@functools.lru_cache(maxsize=None)
def facts_of_variant(variant):
    if variant == "reference":
        return facts_of(sm.KIT_ROOT)
    copy = sm.copy_package(sm.KIT_ROOT)
    if variant == "independent":
        independent.apply_independent(copy)
    else:
        sm.apply_mistake(variant, copy)
    return facts_of(copy)


@pytest.mark.parametrize("variant", ["reference", "independent"])
def test_a_correct_solution_shows_no_mistake(variant):
    facts = facts_of_variant(variant)
    assert facts["svm_loss_vectorized.grad"] == facts["softmax_loss_naive.grad"] == "correct"
    assert facts["predict.returns"] == "labels" and facts["train.fits"] == "every row"
    assert facts["search.picks_on"] == "validation"
    assert not any(value is True for name, value in facts.items() if name.endswith(".prints"))
    assert hints.diagnose(facts) == []


@pytest.mark.parametrize("mistake", list(sm.MISTAKES))
def test_the_evidence_names_the_mistake_and_no_other(mistake):
    facts = facts_of_variant(mistake)
    assert hints.diagnose(facts) == [mistake], {
        name: value for name, value in facts.items()
        if facts_of_variant("reference").get(name) != value}
    assert hints.mistake_hints(facts) == [sm.MISTAKES[mistake].description]


def test_no_facts_no_hint():
    assert hints.diagnose({}) == [] and hints.mistake_hints({}) == []


def test_a_fact_that_was_not_measured_never_matches():
    # A group whose calls failed leaves its facts out: the mistakes they would show are
    # not named, even when every other fact agrees.
    facts = dict(facts_of_variant("svm_half_reg"))
    del facts["svm_loss_vectorized.reg_grad"]
    assert hints.diagnose(facts) == []


def test_every_mistake_has_evidence_no_other_mistake_has():
    for name, mistake in sm.MISTAKES.items():
        assert mistake.evidence, f"{name}: no evidence in instructor/mistakes.py"
        for other_name, other in sm.MISTAKES.items():
            if other_name != name:
                assert not hints.matches(other.evidence, mistake.evidence) \
                    or not hints.matches(mistake.evidence, other.evidence), (name, other_name)
