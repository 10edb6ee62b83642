"""Typical student mistakes, as source mutations of the reference student files.

Each mistake is a few text substitutions inside the solution regions of one
student file (``### BEGIN SOLUTION`` .. ``### END SOLUTION``), i.e. code a
student could really have written. The tests load every mutated file and
assert that at least one check catches it; the one-line descriptions double as
grading hints.

Every ``old`` text must occur exactly once in the file it edits: when the
reference changes, a stale mistake fails loudly (:class:`StaleMistake`)
instead of silently testing nothing.

API
---
``MISTAKES``                              name -> :class:`Mistake`
``mutated_source(name, root=KIT_ROOT)``   the mutated text of the mistake's file
``apply_mistake(name, root)``             write it into the kit copy at ``root``
``load_mutated_module(name, root=KIT_ROOT)``  import it from a fresh copy of the package
``copy_package(root, dest=None, package="assignment")``  that copy
``load_kit_module(root, file, package="assignment", tag="kit")``  import a
                                          module of the package copy at ``root``
``failed_properties(module, properties)``  which properties a module violates
``assert_caught_exactly(name, properties, caught_by)``  the mistake fails exactly
                                          the properties its table lists
"""

import atexit
import importlib
import importlib.util
import itertools
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[1]

SVM = "assignment/classifiers/linear_svm.py"
SOFTMAX = "assignment/classifiers/softmax.py"
CLASSIFIER = "assignment/classifiers/linear_classifier.py"
TUNING = "assignment/classifiers/tuning.py"


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation: ``edits`` (old, new) applied in order to ``file``.

    Attributes
    ----------
    file : str
        Path of the student file relative to the kit root (POSIX style).
    edits : list of (str, str)
        Text substitutions; each ``old`` occurs exactly once in the file.
    description : str
        One line saying what is wrong (a grading hint).
    """

    file: str
    edits: list = field(hash=False)
    description: str


class StaleMistake(AssertionError):
    """A mistake's ``old`` text is not exactly once in the reference file."""


MISTAKES = {
    # --- linear_svm.py -----------------------------------------------------
    "svm_naive_grad_no_mean": Mistake(SVM, [
        ("    dW /= num_train\n", ""),
    ], "svm_loss_naive: the gradient is a sum over the examples, not a mean (missing 1/N)."),
    "svm_vec_grad_no_mean": Mistake(SVM, [
        ("    dscores /= num_train\n", ""),
    ], "svm_loss_vectorized: the gradient is a sum over the examples, not a mean (missing 1/N)."),
    "svm_half_reg": Mistake(SVM, [
        ("    dW += 2 * reg * W\n", "    dW += reg * W\n"),
        ("loss = margins.sum() / num_train + reg * np.vdot(W, W)",
         "loss = margins.sum() / num_train + 0.5 * reg * np.vdot(W, W)"),
        ("dW = (dscores.T @ X).T + 2 * reg * W", "dW = (dscores.T @ X).T + reg * W"),
    ], "SVM: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * W); "
       "this kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W."),
    "svm_grad_no_reg": Mistake(SVM, [
        ("    dW += 2 * reg * W\n", ""),
        ("dW = (dscores.T @ X).T + 2 * reg * W", "dW = (dscores.T @ X).T"),
    ], "SVM: the gradient lacks the regularization term 2 * reg * W (the loss has it)."),
    "svm_vec_includes_correct_class": Mistake(SVM, [
        ("    margins[rows, y] = 0  # the sum runs over j != y_i only\n", ""),
    ], "svm_loss_vectorized: the correct class's own margin (always 1) is not zeroed, so the "
       "sum runs over j = y_i too: +1 on every loss and a wrong gradient."),
    "svm_vec_float64_gradient": Mistake(SVM, [
        ("dscores = (margins > 0).astype(scores.dtype)", "dscores = (margins > 0).astype(float)"),
    ], "svm_loss_vectorized: .astype(float) makes the gradient float64 for float32 data "
       "(twice the memory and time); keep the dtype of the scores."),
    # --- tuning.py ---------------------------------------------------------
    "search_picks_on_training": Mistake(TUNING, [
        ('if results[learning_rate, reg]["val_accuracy"] > best_val:\n'
         '            best_val = results[learning_rate, reg]["val_accuracy"]',
         'if results[learning_rate, reg]["train_accuracy"] > best_val:\n'
         '            best_val = results[learning_rate, reg]["train_accuracy"]'),
    ], "search_hyperparameters: picks the pair with the best training accuracy; the validation "
       "split must choose (the training accuracy rewards fitting the training images)."),
    # --- softmax.py --------------------------------------------------------
    "softmax_naive_no_shift": Mistake(SOFTMAX, [
        ("        scores = scores - scores.max()  # stability: every exponent <= 0\n", ""),
    ], "softmax_loss_naive: no shift by the row's max score, so exp overflows (inf, nan) "
       "for scores near 1000."),
    "softmax_vec_no_shift": Mistake(SOFTMAX, [
        ("    scores -= scores.max(axis=1, keepdims=True)      # stability\n", ""),
    ], "softmax_loss_vectorized: no shift by each row's max score, so exp overflows "
       "(inf, nan) for scores near 1000."),
    "softmax_log10": Mistake(SOFTMAX, [
        ("loss += np.log(sum_exp) - scores[y[i]]",
         "loss += -np.log10(exp_scores[y[i]] / sum_exp)"),
        ("loss = (np.log(sum_exp[:, 0]) - scores[rows, y]).sum() / num_train",
         "loss = np.mean(-np.log10(exp_scores[rows, y] / sum_exp[:, 0]))"),
    ], "softmax: log base 10 (np.log10) instead of the natural log (np.log); "
       "-log10(0.13) = 0.89 is the lecture's slip, -ln(0.13) = 2.04."),
    "softmax_half_reg": Mistake(SOFTMAX, [
        ("    dW += 2 * reg * W\n", "    dW += reg * W\n"),
        ("    loss += reg * np.vdot(W, W)", "    loss += 0.5 * reg * np.vdot(W, W)"),
        ("dW = (dscores.T @ X).T + 2 * reg * W", "dW = (dscores.T @ X).T + reg * W"),
    ], "softmax: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * W); "
       "this kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W."),
    "softmax_grad_no_reg": Mistake(SOFTMAX, [
        ("    dW += 2 * reg * W\n", ""),
        ("dW = (dscores.T @ X).T + 2 * reg * W", "dW = (dscores.T @ X).T"),
    ], "softmax: the gradient lacks the regularization term 2 * reg * W (the loss has it)."),
    "softmax_naive_grad_no_minus_one": Mistake(SOFTMAX, [
        ("dW[:, j] += (probabilities[j] - (j == y[i])) * X[i]",
         "dW[:, j] += probabilities[j] * X[i]"),
    ], "softmax_loss_naive: the gradient misses the -1 at the correct class "
       "(dL/ds_j = p_j - [j == y_i])."),
    "softmax_vec_grad_no_minus_one": Mistake(SOFTMAX, [
        ("    dscores[rows, y] -= 1\n", ""),
    ], "softmax_loss_vectorized: the gradient misses the -1 at the correct class "
       "(dL/ds_j = p_j - [j == y_i])."),
    "softmax_log_of_probability": Mistake(SOFTMAX, [
        ("loss = (np.log(sum_exp[:, 0]) - scores[rows, y]).sum() / num_train",
         "probabilities = exp_scores / sum_exp\n"
         "    loss = -np.mean(np.log(probabilities[rows, y]))"),
    ], "softmax_loss_vectorized: -log of the probability itself; it underflows to 0 "
       "(loss inf) when a wrong class wins by ~750 in float64, by ~100 in float32. "
       "Use log(sum_exp) - score instead."),
    # --- linear_classifier.py ----------------------------------------------
    "predict_argmin": Mistake(CLASSIFIER, [
        ("return np.argmax(X @ self.W, axis=1)", "return np.argmin(X @ self.W, axis=1)"),
    ], "predict: argmin picks the class with the lowest score; the prediction is the highest."),
    "predict_wrong_axis": Mistake(CLASSIFIER, [
        ("return np.argmax(X @ self.W, axis=1)", "return np.argmax(X @ self.W, axis=0)"),
    ], "predict: argmax along axis 0 (over examples) gives one number per class; take it "
       "along axis 1, over the classes of each example."),
    "minibatch_first_rows": Mistake(CLASSIFIER, [
        ("            batch = self.rng.integers(0, num_train, size=batch_size)\n"
         "            X_batch = X[batch]\n"
         "            y_batch = y[batch]\n",
         "            X_batch = X[:batch_size]\n"
         "            y_batch = y[:batch_size]\n"),
    ], "train: every minibatch is the first batch_size rows; sample them at random "
       "(self.rng) so that training sees the whole set."),
    "minibatch_labels_mismatched": Mistake(CLASSIFIER, [
        ("            batch = self.rng.integers(0, num_train, size=batch_size)\n"
         "            X_batch = X[batch]\n"
         "            y_batch = y[batch]\n",
         "            X_batch = X[self.rng.integers(0, num_train, size=batch_size)]\n"
         "            y_batch = y[self.rng.integers(0, num_train, size=batch_size)]\n"),
    ], "train: X_batch and y_batch are drawn with two different random index arrays, so "
       "the labels no longer belong to the examples; index both with the same array."),
    "minibatch_shuffles_in_place": Mistake(CLASSIFIER, [
        ("            batch = self.rng.integers(0, num_train, size=batch_size)\n"
         "            X_batch = X[batch]\n"
         "            y_batch = y[batch]\n",
         "            order = self.rng.permutation(num_train)\n"
         "            X[:] = X[order]  # shuffle the training set\n"
         "            y[:] = y[order]\n"
         "            X_batch = X[:batch_size]\n"
         "            y_batch = y[:batch_size]\n"),
    ], "train: shuffles the caller's X and y in place (X[:] = X[order]) to draw a batch, "
       "silently reordering the student's data set; index a copy instead (X[batch])."),
    "update_wrong_sign": Mistake(CLASSIFIER, [
        ("self.W -= learning_rate * grad", "self.W += learning_rate * grad"),
    ], "train: the update adds the gradient (gradient ascent), so the loss grows; "
       "step against it: W -= learning_rate * grad."),
}


def mutated_source(name, root=KIT_ROOT):
    """The text of mistake ``name``'s file under ``root``, with its edits applied.

    Raises
    ------
    StaleMistake
        If an ``old`` text does not occur exactly once.
    """
    mistake = MISTAKES[name]
    text = (Path(root) / mistake.file).read_text(encoding="utf-8")
    for old, new in mistake.edits:
        count = text.count(old)
        if count != 1:
            raise StaleMistake(
                f"mistake {name!r}: {old!r} occurs {count} times in {mistake.file} "
                f"(expected exactly once); update tests/student_mistakes.py to the "
                f"reference.")
        text = text.replace(old, new)
    return text


def apply_mistake(name, root):
    """Write mistake ``name`` into the copy of the kit at ``root``; return the file's path."""
    path = Path(root) / MISTAKES[name].file
    path.write_text(mutated_source(name, root), encoding="utf-8")
    return path


def load_mutated_module(name, root=KIT_ROOT):
    """Import the mutated file of mistake ``name`` from a fresh copy of the package.

    The copy lives under a unique package name, so its relative imports
    (``from .linear_svm import ...``) resolve inside the copy and nothing
    already imported is touched. Each call returns a new module.
    """
    copy = copy_package(root)
    apply_mistake(name, copy)
    return load_kit_module(copy, MISTAKES[name].file, tag=name)


def copy_package(root, dest=None, package="assignment"):
    """Copy ``root/package`` into ``dest`` (a new temporary directory if None); return dest.

    Temporary directories are removed when the interpreter exits.
    """
    if dest is None:
        dest = tempfile.mkdtemp(prefix="kit-copy-")
        atexit.register(shutil.rmtree, dest, True)
    dest = Path(dest)
    shutil.copytree(Path(root) / package, dest / package,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


_serial = itertools.count()


def load_kit_module(root, file, package="assignment", tag="kit"):
    """Import ``file`` (e.g. "assignment/classifiers/softmax.py") of the package copy at root.

    The package is imported under a new, unique top-level name, so the copy
    never clashes with the real ``assignment`` or with other copies.
    """
    root = Path(root)
    alias = f"_{package}_{tag}_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(
        alias, root / package / "__init__.py",
        submodule_search_locations=[str(root / package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    parts = Path(file).with_suffix("").relative_to(package).parts
    return importlib.import_module(".".join((alias, *parts)))


def assert_caught_exactly(name, properties, caught_by):
    """Assert that mistake ``name`` fails exactly the properties ``caught_by[name]``."""
    failed = failed_properties(load_mutated_module(name), properties)
    assert failed, f"no check catches {name}: {MISTAKES[name].description}"
    assert failed == caught_by[name]


def failed_properties(module, properties):
    """Names of the properties that module violates (any exception, RuntimeWarnings included)."""
    failed = set()
    for name, prop in properties.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                prop(module)
        except Exception:
            failed.add(name)
    return failed
