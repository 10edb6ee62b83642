"""Hints that name a cause only when the evidence shows it.

The evidence is what :mod:`.kernel.evidence` measured on the student's code
(facts such as ``svm_loss_vectorized.grad = "times N"``). A typical mistake
of the catalogue (:mod:`instructor.mistakes`) is diagnosed when every fact of
its ``evidence`` has the value it lists; nothing is guessed from the names or
the number of the failed checks. With no facts (no check could run, or the
evidence run did not finish) there is no diagnosis.
"""

from ..mistakes import MISTAKES


def matches(facts, evidence):
    """True when every fact of ``evidence`` was measured with the value it gives."""
    return bool(evidence) and all(name in facts and facts[name] == value
                                  for name, value in evidence.items())


def diagnose(facts):
    """The names of the catalogue's mistakes that the facts show, in catalogue order."""
    return [name for name, mistake in MISTAKES.items() if matches(facts, mistake.evidence)]


def mistake_hints(facts):
    """The descriptions of the mistakes that the facts show: the feedback's hints."""
    return [MISTAKES[name].description for name in diagnose(facts)]
