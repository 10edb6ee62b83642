"""Correct alternatives: other ways a good student writes the solution regions.

The fairness rule (issue 16) says that a solution that passes every public
check and does what the docstrings and TODO comments say passes every hidden
check. The reference and the independent solution (``tests/independent``) are
two such solutions; this catalogue adds many more, each a way that students of
a large course legitimately write one function differently from the
reference: other vectorizations (``np.add.at``, one-hot matrices,
``np.einsum``, ``np.choose``, ``np.take_along_axis``, ``np.dot`` and
``X.T.dot``), other loop bodies in the naive versions, float64 accumulation
with the gradient cast back to W's dtype, log-sum-exp and probabilities
written in other stable ways, other spellings of ``reg * sum(W**2)``, other
minibatch samplers drawn from ``self.rng``, other ways to build the search's
table and keep its best pair.

Each entry follows what the docstrings and TODOs demand (``why`` says how in
one line): the same loss and gradient up to rounding, dW of W's dtype, no
input modified, numerically stable, minibatches drawn with replacement from
the classifier's own generator, the first best pair of the grid kept on a tie.
``tests/test_notebooks.py`` runs every check cell, hidden ones included, on
each alternative: each must pass them all.

An alternative is made like a mistake of ``instructor/mistakes.py``: text
edits of the reference student file, inside its solution regions, each
``old`` occurring exactly once (a stale edit fails loudly). The package-copy
helpers are those of :mod:`student_mistakes`; :func:`edited_source` is the
substitution loop of ``student_mistakes.mutated_source``, given the edits, so
that one can call it too.

Not here, on purpose: a plain ``np.einsum`` for the (N, D) x (D, C) products
(without ``optimize=True`` it does not use BLAS: 4 to 7 times the reference's
time at the speed checks' size, beyond the docstrings' "at most 4x"); and the
search's order of the pairs, which the provided code outside the regions fixes
(learning rate outer, strength inner).

API
---
``ALTERNATIVES``                            name -> :class:`Alternative`
``edited_source(text, edits, what)``        ``text`` with ``edits`` applied (each ``old``
                                            exactly once, else :class:`StaleEdit`)
``alternative_source(name, root=KIT_ROOT)`` the edited text of the alternative's file
``apply_alternative(name, root)``           write it into the kit copy at ``root``
``load_alternative_module(name, root=KIT_ROOT)``  import it from a fresh copy of the package
"""

import textwrap
from dataclasses import dataclass
from pathlib import Path

import student_mistakes as sm
from instructor.mistakes import CLASSIFIER, SOFTMAX, SVM, TUNING

KIT_ROOT = sm.KIT_ROOT


class StaleEdit(sm.StaleMistake):
    """An edit's ``old`` text is not exactly once in the reference file."""


@dataclass(frozen=True)
class Alternative:
    """One correct way to write some solution regions differently from the reference.

    Attributes
    ----------
    file : str
        The student file it changes, relative to the kit's root (POSIX style).
    edits : tuple of (str, str)
        Text substitutions, applied in order; each ``old`` occurs exactly once
        in the reference file, inside a solution region.
    why : str
        In one line, why it does what the docstrings and TODOs say.
    """

    file: str
    edits: tuple
    why: str

    def __post_init__(self):
        object.__setattr__(self, "edits", tuple((old, new) for old, new in self.edits))


def edited_source(text, edits, what="edits"):
    """``text`` with each (old, new) of ``edits`` applied in turn.

    Raises
    ------
    StaleEdit
        If an ``old`` text does not occur exactly once (``what`` names the
        edits in the message).
    """
    for old, new in edits:
        count = text.count(old)
        if count != 1:
            raise StaleEdit(f"{what}: {old!r} occurs {count} times (expected exactly once); "
                            f"update it to the reference.")
        text = text.replace(old, new)
    return text


def alternative_source(name, root=KIT_ROOT):
    """The text of alternative ``name``'s file under ``root``, with its edits applied."""
    alternative = ALTERNATIVES[name]
    text = (Path(root) / alternative.file).read_text(encoding="utf-8")
    what = f"alternative {name!r} of {alternative.file} (tests/student_alternatives.py)"
    return edited_source(text, alternative.edits, what)


def apply_alternative(name, root):
    """Write alternative ``name`` into the copy of the kit at ``root``; return the file's path."""
    path = Path(root) / ALTERNATIVES[name].file
    path.write_text(alternative_source(name, root), encoding="utf-8")
    return path


def load_alternative_module(name, root=KIT_ROOT):
    """Import the edited file of alternative ``name`` from a fresh copy of the package."""
    copy = sm.copy_package(root)
    apply_alternative(name, copy)
    return sm.load_kit_module(copy, ALTERNATIVES[name].file, tag=name)


def _at(indent, text):
    """``text`` dedented, then indented by ``indent`` spaces: a region's lines."""
    return textwrap.indent(textwrap.dedent(text), " " * indent)


# ---------------------------------------------------------------------------
# The reference's solution regions, as the edits replace them
# ---------------------------------------------------------------------------

SVM_NAIVE_STEP = _at(16, """\
    dW[:, j] += X[i]
    dW[:, y[i]] -= X[i]
""")

NAIVE_FINISH = _at(4, """\
    dW /= num_train
    dW += 2 * reg * W
""")

SVM_VEC_LOSS = _at(4, """\
    # Column-major scores: numpy sums across the C = 10 entries of each row
    # faster when each column is contiguous, and dscores, which inherits this
    # layout, makes dscores.T @ X below a product of two row-major arrays.
    scores = np.asfortranarray(X @ W)                  # (N, C)
    correct_class_scores = scores[rows, y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[rows, y] = 0  # the sum runs over j != y_i only
    loss = margins.sum() / num_train + reg * np.sum(W * W)
""")

SVM_VEC_GRAD = _at(4, """\
    # Every active margin adds +1 to its own class and -1 to the correct class.
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= num_train
    # dW = X.T @ dscores, computed as (dscores.T @ X).T: the same numbers,
    # but BLAS runs this orientation faster for a tall X.
    dW = (dscores.T @ X).T + 2 * reg * W
""")

SOFTMAX_NAIVE_LOSS = _at(8, """\
    scores = scores - scores.max()  # stability: every exponent <= 0
    exp_scores = np.exp(scores)
    sum_exp = exp_scores.sum()
    loss += np.log(sum_exp) - scores[y[i]]
    probabilities = exp_scores / sum_exp
""")

SOFTMAX_NAIVE_STEP = _at(8, """\
    for j in range(num_classes):
        dW[:, j] += (probabilities[j] - (j == y[i])) * X[i]
""")

SOFTMAX_VEC = _at(4, """\
    num_train = X.shape[0]
    rows = np.arange(num_train)

    # Column-major scores: numpy takes the max and the sum across the C = 10
    # entries of each row 4 to 50 times faster when each column is contiguous.
    scores = np.asfortranarray(X @ W)                # (N, C)
    scores -= scores.max(axis=1, keepdims=True)      # stability
    exp_scores = np.exp(scores)
    sum_exp = exp_scores.sum(axis=1, keepdims=True)  # (N, 1)
    loss = (np.log(sum_exp[:, 0]) - scores[rows, y]).sum() / num_train
    loss += reg * np.sum(W * W)

    dscores = exp_scores / sum_exp                   # probabilities
    dscores[rows, y] -= 1
    dscores /= num_train
    # dW = X.T @ dscores, computed as (dscores.T @ X).T: the same numbers,
    # but BLAS runs this orientation faster for a tall X.
    dW = (dscores.T @ X).T + 2 * reg * W
""")

MINIBATCH = _at(12, """\
    batch = self.rng.integers(0, num_train, size=batch_size)
    X_batch = X[batch]
    y_batch = y[batch]
""")

UPDATE = _at(12, """\
    self.W -= learning_rate * grad
""")

PREDICT = _at(8, """\
    return np.argmax(X @ self.W, axis=1)
""")

SEARCH_TRAIN = _at(8, """\
    model = make_classifier(seed=seed)
    history = model.train(X_train, y_train, learning_rate=learning_rate, reg=reg,
                          num_iters=num_iters, batch_size=batch_size)
    results[learning_rate, reg] = {
        "train_accuracy": float(np.mean(model.predict(X_train) == y_train)),
        "val_accuracy": float(np.mean(model.predict(X_val) == y_val)),
        "loss_history": history,
    }
""")

SEARCH_KEEP = _at(8, """\
    if results[learning_rate, reg]["val_accuracy"] > best_val:
        best_val = results[learning_rate, reg]["val_accuracy"]
        best_pair, best_W = (learning_rate, reg), model.W.copy()
""")


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------

ALTERNATIVES = {
    # --- linear_svm.py: svm_loss_naive -------------------------------------------------------
    "svm_naive_both_columns_at_once": Alternative(
        SVM, [
            (SVM_NAIVE_STEP, _at(16, """\
                # +X[i] into column j, -X[i] into column y[i] (j != y[i]), in one step.
                dW[:, [j, y[i]]] += np.outer(X[i], [1.0, -1.0])
            """)),
            (NAIVE_FINISH, _at(4, """\
                dW *= 1.0 / num_train  # the loss is a mean
                dW += reg * 2 * W      # d/dW of reg * sum(W**2)
            """)),
        ],
        "the same two columns change by +X[i] and -X[i] (an outer product, cast into dW's "
        "dtype in place); the mean as a product with 1/N, then 2 * reg * W"),
    "svm_naive_columns_through_transpose": Alternative(
        SVM, [
            (SVM_NAIVE_STEP, _at(16, """\
                dW.T[j] += X[i]     # dW.T[j] is column j of dW (a view)
                dW.T[y[i]] -= X[i]
            """)),
            (NAIVE_FINISH, _at(4, """\
                dW = dW / num_train + 2 * reg * W
            """)),
        ],
        "rows of the view dW.T are dW's columns; the finish builds a new array of W's dtype "
        "with the mean and the regularization gradient"),
    # --- linear_svm.py: svm_loss_vectorized --------------------------------------------------
    "svm_vec_take_along_axis_add_at": Alternative(
        SVM, [
            (SVM_VEC_LOSS, _at(4, """\
                scores = X @ W
                correct_class_scores = np.take_along_axis(scores, y[:, np.newaxis], axis=1)
                margins = np.maximum(0, scores - correct_class_scores + 1)
                margins[rows, y] = 0
                loss = np.sum(margins) / num_train + reg * np.sum(W * W)
            """)),
            (SVM_VEC_GRAD, _at(4, """\
                active = margins > 0
                dscores = np.zeros_like(scores)
                dscores[active] = 1
                # Each correct class loses one for every active margin of its row.
                np.add.at(dscores, (rows, y), -np.count_nonzero(active, axis=1))
                dW = X.T.dot(dscores) / num_train + 2 * reg * W
            """)),
        ],
        "correct-class scores by take_along_axis, the correct-class column of dscores by "
        "np.add.at; dscores made with zeros_like(scores), so dW has W's dtype"),
    "svm_vec_one_hot_where_norm": Alternative(
        SVM, [
            (SVM_VEC_LOSS, _at(4, """\
                scores = np.dot(X, W)
                is_correct = np.eye(W.shape[1], dtype=bool)[y]  # one-hot rows
                correct = np.where(is_correct, scores, 0).sum(axis=1)  # scores[i, y[i]]
                margins = np.maximum(scores - correct[:, np.newaxis] + 1, 0)
                margins[is_correct] = 0
                loss = margins.sum() / num_train + reg * np.linalg.norm(W) ** 2
            """)),
            (SVM_VEC_GRAD, _at(4, """\
                active = (margins > 0).astype(scores.dtype)
                dscores = active - is_correct * active.sum(axis=1, keepdims=True)
                dW = np.dot(X.T, dscores) / num_train + 2 * reg * W
            """)),
        ],
        "a boolean one-hot matrix (rows of the identity) picks each row's correct score and "
        "zeroes its margin; ||W||^2 by np.linalg.norm; dscores keeps the scores' dtype"),
    "svm_vec_einsum": Alternative(
        SVM, [
            (SVM_VEC_LOSS, _at(4, """\
                scores = np.einsum("nd,dc->nc", X, W, optimize=True)
                one_hot = np.arange(W.shape[1]) == y[:, None]
                correct = np.einsum("nc,nc->n", scores, one_hot.astype(scores.dtype))
                margins = np.maximum(0, scores - correct[:, None] + 1) * ~one_hot
                loss = margins.sum() / num_train + reg * np.einsum("dc,dc->", W, W)
            """)),
            (SVM_VEC_GRAD, _at(4, """\
                dscores = (margins > 0).astype(scores.dtype)
                dscores -= one_hot * dscores.sum(axis=1)[:, None]
                dW = np.einsum("nd,nc->dc", X, dscores / num_train, optimize=True) + 2 * reg * W
            """)),
        ],
        "every product and sum written with np.einsum (optimize=True for the large ones, so "
        "BLAS does them); the mask keeps the scores' dtype"),
    "svm_vec_float64_accumulation": Alternative(
        SVM, [
            (SVM_VEC_LOSS, _at(4, """\
                # Accumulate in float64 whatever the input; dW goes back to W's dtype.
                X64, W64 = X.astype(np.float64), W.astype(np.float64)
                scores = X64 @ W64
                margins = np.maximum(0.0, scores - scores[rows, y][:, None] + 1.0)
                margins[rows, y] = 0.0
                loss = margins.sum() / num_train + reg * (W64 ** 2).sum()
            """)),
            (SVM_VEC_GRAD, _at(4, """\
                dscores = (margins > 0).astype(np.float64)
                dscores[rows, y] = -dscores.sum(axis=1)
                dW = (X64.T @ dscores / num_train + 2 * reg * W64).astype(W.dtype)
            """)),
        ],
        "float64 throughout (more precise), and the gradient cast back: dW has W's dtype, "
        "as the docstring and the TODO demand"),
    # --- softmax.py: softmax_loss_naive ------------------------------------------------------
    "softmax_naive_class_loops": Alternative(
        SOFTMAX, [
            (SOFTMAX_NAIVE_LOSS, _at(8, """\
                shift = np.max(scores)
                sum_exp = 0.0
                for j in range(num_classes):  # ln(sum_j exp(s_j - max))
                    sum_exp += np.exp(scores[j] - shift)
                loss += np.log(sum_exp) - (scores[y[i]] - shift)
                probabilities = np.exp(scores - shift) / sum_exp
            """)),
            (SOFTMAX_NAIVE_STEP, _at(8, """\
                # All columns at once, then the -1 of the correct class.
                dW += np.outer(X[i], probabilities)
                dW[:, y[i]] -= X[i]
            """)),
            (NAIVE_FINISH, _at(4, """\
                dW = dW / num_train + 2 * reg * W
            """)),
        ],
        "the sum of exponentials by a loop over the classes after the shift by the max, "
        "-ln p_y as ln(sum) - shifted s_y; the gradient p x^T with -x at the correct class"),
    "softmax_naive_log_probabilities": Alternative(
        SOFTMAX, [
            (SOFTMAX_NAIVE_LOSS, _at(8, """\
                log_probabilities = scores - scores.max()
                log_probabilities -= np.log(np.sum(np.exp(log_probabilities)))
                loss -= log_probabilities[y[i]]  # -ln p_y = ln(sum_j exp(s_j)) - s_y
                probabilities = np.exp(log_probabilities)
            """)),
            (SOFTMAX_NAIVE_STEP, _at(8, """\
                for j in range(num_classes):
                    if j == y[i]:
                        dW[:, j] += (probabilities[j] - 1) * X[i]
                    else:
                        dW[:, j] += probabilities[j] * X[i]
            """)),
            (NAIVE_FINISH, _at(4, """\
                dW /= num_train
                dW += reg * 2 * W
            """)),
        ],
        "shifted scores minus their log-sum-exp are the log-probabilities, so -ln p_y is "
        "ln(sum) - s_y; p = exp(log p); the -1 by an if on the correct class"),
    # --- softmax.py: softmax_loss_vectorized -------------------------------------------------
    "softmax_vec_log_softmax": Alternative(
        SOFTMAX, [
            (SOFTMAX_VEC, _at(4, """\
                num_train = X.shape[0]
                scores = X @ W
                shifted = scores - np.max(scores, axis=1, keepdims=True)
                log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
                loss = -np.mean(log_probs[np.arange(num_train), y]) + reg * np.sum(W * W)
                dscores = np.exp(log_probs)
                dscores[np.arange(num_train), y] -= 1
                dW = X.T @ dscores / num_train + 2 * reg * W
            """)),
        ],
        "log-softmax of the shifted scores, so -ln p_y = ln(sum_j exp(s_j)) - s_y stays "
        "finite; probabilities as exp of the log-probabilities"),
    "softmax_vec_one_hot_einsum": Alternative(
        SOFTMAX, [
            (SOFTMAX_VEC, _at(4, """\
                num_train, num_classes = X.shape[0], W.shape[1]
                scores = np.dot(X, W)
                scores = scores - scores.max(axis=1)[:, np.newaxis]
                exp_scores = np.exp(scores)
                sum_exp = np.sum(exp_scores, axis=1)
                one_hot = np.eye(num_classes, dtype=scores.dtype)[y]
                correct = np.einsum("ij,ij->i", scores, one_hot)
                loss = np.sum(np.log(sum_exp) - correct) / num_train + reg * (W ** 2).sum()
                dscores = (exp_scores / sum_exp[:, np.newaxis] - one_hot) / num_train
                dW = X.T.dot(dscores) + reg * 2 * W
            """)),
        ],
        "a one-hot matrix of the scores' dtype picks the correct scores (einsum) and gives "
        "p - one_hot; the shift by each row's max keeps it stable"),
    "softmax_vec_choose_add_at_norm": Alternative(
        SOFTMAX, [
            (SOFTMAX_VEC, _at(4, """\
                num_train = X.shape[0]
                rows = np.arange(num_train)
                scores = X.dot(W)
                row_max = scores.max(axis=1, keepdims=True)
                # log-sum-exp without shifting the scores themselves: max + ln(sum exp(s - max))
                log_sum_exp = row_max[:, 0] + np.log(np.exp(scores - row_max).sum(axis=1))
                loss = np.mean(log_sum_exp - np.choose(y, scores.T))
                loss += reg * np.linalg.norm(W) ** 2
                probabilities = np.exp(scores - log_sum_exp[:, np.newaxis])
                np.add.at(probabilities, (rows, y), -1)
                dW = np.dot(X.T, probabilities) / num_train + 2 * reg * W
            """)),
        ],
        "stable log-sum-exp as max + ln(sum exp(s - max)) (every exponent <= 0), the "
        "correct scores by np.choose (C < 64: numpy takes at most 64 choices; the kit has 10 "
        "classes), the -1 by np.add.at, ||W||^2 by np.linalg.norm"),
    "softmax_vec_float64_accumulation": Alternative(
        SOFTMAX, [
            (SOFTMAX_VEC, _at(4, """\
                num_train = X.shape[0]
                rows = np.arange(num_train)
                # Accumulate in float64 whatever the input; dW goes back to W's dtype.
                X64, W64 = np.asarray(X, dtype=np.float64), np.asarray(W, dtype=np.float64)
                scores = X64 @ W64
                scores -= scores.max(axis=1, keepdims=True)
                exp_scores = np.exp(scores)
                sum_exp = exp_scores.sum(axis=1)
                loss = np.mean(np.log(sum_exp) - scores[rows, y]) + reg * np.sum(W64 * W64)
                dscores = exp_scores / sum_exp[:, np.newaxis]
                dscores[rows, y] -= 1.0
                dW = (X64.T @ dscores / num_train + 2 * reg * W64).astype(W.dtype)
            """)),
        ],
        "float64 throughout, stable as the TODO asks, and the gradient cast back: dW has "
        "W's dtype"),
    # --- linear_classifier.py ----------------------------------------------------------------
    "minibatch_choice_with_replacement": Alternative(
        CLASSIFIER, [
            (MINIBATCH, _at(12, """\
                batch = self.rng.choice(num_train, size=batch_size, replace=True)
                X_batch, y_batch = X[batch, :], y[batch]
            """)),
        ],
        "Generator.choice with replace=True draws batch_size indices uniformly with "
        "replacement from self.rng; rows and labels by the same indices"),
    "minibatch_from_uniform_floats": Alternative(
        CLASSIFIER, [
            (MINIBATCH, _at(12, """\
                # Uniform floats in [0, 1) scaled to [0, N), rounded down: each row
                # is equally likely, with replacement, from the classifier's generator.
                batch = np.floor(self.rng.random(batch_size) * num_train).astype(np.intp)
                X_batch = np.take(X, batch, axis=0)
                y_batch = np.take(y, batch)
            """)),
        ],
        "another uniform sampler with replacement from self.rng (another random stream than "
        "integers, so other minibatches): a seed still repeats the run"),
    "update_and_predict_rewritten": Alternative(
        CLASSIFIER, [
            (UPDATE, _at(12, """\
                self.W = self.W - learning_rate * grad
            """)),
            (PREDICT, _at(8, """\
                scores = X.dot(self.W)
                return scores.argmax(axis=1)
            """)),
        ],
        "the step as a new array (W keeps its dtype: learning_rate is a Python float); "
        "predict by the argmax method along the classes"),
    "update_negated_predict_last_axis": Alternative(
        CLASSIFIER, [
            (UPDATE, _at(12, """\
                self.W += -learning_rate * grad
            """)),
            (PREDICT, _at(8, """\
                return np.argmax(np.dot(X, self.W), axis=-1)
            """)),
        ],
        "the step as adding the negative gradient; predict along the last axis, which is "
        "the classes' of the (N, C) scores"),
    # --- tuning.py ---------------------------------------------------------------------------
    "search_positional_train_numpy_accuracies": Alternative(
        TUNING, [
            (SEARCH_TRAIN, _at(8, """\
                classifier = make_classifier(seed=seed)
                loss_history = classifier.train(X_train, y_train, learning_rate, reg,
                                                num_iters, batch_size)
                train_accuracy = (classifier.predict(X_train) == y_train).mean()
                val_accuracy = (classifier.predict(X_val) == y_val).mean()
                results[(learning_rate, reg)] = dict(train_accuracy=train_accuracy,
                                                     val_accuracy=val_accuracy,
                                                     loss_history=loss_history)
            """)),
            (SEARCH_KEEP, _at(8, """\
                if val_accuracy > best_val:
                    best_val, best_pair = val_accuracy, (learning_rate, reg)
                    best_W = np.copy(classifier.W)
            """)),
        ],
        "train's arguments by position, accuracies as numpy floats (np.float64 is a float), "
        "dict(...); a strict > keeps the first best pair; np.copy of the weights"),
    "search_count_nonzero_leader_by_max": Alternative(
        TUNING, [
            (SEARCH_TRAIN, _at(8, """\
                clf = make_classifier(seed=seed)
                history = clf.train(X_train, y_train, learning_rate=learning_rate, reg=reg,
                                    num_iters=num_iters, batch_size=batch_size)
                entry = {}
                for key, (X_split, y_split) in (("train_accuracy", (X_train, y_train)),
                                                ("val_accuracy", (X_val, y_val))):
                    entry[key] = np.count_nonzero(clf.predict(X_split) == y_split) / len(y_split)
                entry["loss_history"] = history
                results[learning_rate, reg] = entry
            """)),
            (SEARCH_KEEP, _at(8, """\
                # max returns the first of several equal maxima, in the grid's order, so this
                # pair leads only if it is strictly better than every earlier one.
                leader = max(results, key=lambda pair: results[pair]["val_accuracy"])
                if leader == (learning_rate, reg):
                    best_val, best_pair = results[leader]["val_accuracy"], leader
                    best_W = clf.W.copy()
            """)),
        ],
        "accuracies as counts over lengths; the leader of the table so far by max (first "
        "maximum wins a tie, in the grid's order), its weights copied when it is this pair"),
}
