"""The catalogue of typical mistakes: everything about each one, in one place.

A mistake is a wrong implementation a student could really write, made from
the reference student file by a few text edits inside its solution regions.
Its entry says

- how to make it (``file``, ``edits``: the tests apply them, see
  ``tests/student_mistakes.py``),
- what is wrong, in one line (``description``: the feedback's hint),
- which checks it fails (``checks``: the notebook tests grade it and compare),
- which properties of the unit tests it breaks (``properties``: those of
  ``tests/test_losses.py`` and ``tests/test_linear_classifier.py``),
- what evidence shows it (``evidence``: facts that
  :mod:`instructor.grading.kernel.evidence` measures on the student's code,
  each fact's value as this mistake makes it).

The grader reads the descriptions, checks and evidence (``grading/hints.py``),
the tests read all of it: adding a mistake means adding an entry here.
"""

from dataclasses import dataclass, field

SVM = "assignment/classifiers/linear_svm.py"
SOFTMAX = "assignment/classifiers/softmax.py"
CLASSIFIER = "assignment/classifiers/linear_classifier.py"
TUNING = "assignment/classifiers/tuning.py"


@dataclass(frozen=True)
class Mistake:
    """One typical mistake.

    Attributes
    ----------
    file : str
        The student file it is in, relative to the kit's root (POSIX style).
    edits : list of (str, str)
        Text substitutions, applied in order; each ``old`` occurs exactly
        once in the reference file.
    description : str
        What is wrong and what is right, in a line or two: the hint.
    checks : frozenset of str
        The ids of the checks it fails, hidden ones included.
    properties : frozenset of str
        The unit tests' properties it breaks.
    evidence : dict
        Fact name -> the value this mistake gives it. Empty when its failed
        checks alone single it out among the catalogue.
    """

    file: str
    edits: list = field(hash=False)
    description: str = ""
    checks: frozenset = frozenset()
    properties: frozenset = frozenset()
    evidence: dict = field(default_factory=dict, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "checks", frozenset(self.checks))
        object.__setattr__(self, "properties", frozenset(self.properties))


MISTAKES = {
    # --- linear_svm.py -------------------------------------------------------------------------
    "svm_naive_grad_no_mean": Mistake(
        SVM, [
            ('    dW /= num_train\n',
             ''),
        ],
        'svm_loss_naive: the gradient is a sum over the examples, not a mean (missing 1/N).',
        # every gradient check with N > 1 (N = 1 hides a missing 1/N)
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "svm-naive-grad", "svm-naive-grad-reg"},
        properties={"naive_matches_vectorized", "numerical_gradient"},
        evidence={"svm_loss_naive.grad": "times N"}),
    "svm_vec_grad_no_mean": Mistake(
        SVM, [
            ('    dscores /= num_train\n',
             ''),
        ],
        'svm_loss_vectorized: the gradient is a sum over the examples, not a mean (missing '
        '1/N).',
        # a gradient N times too large still trains: the gradient checks and the known step of
        # svm-train see it
        checks={"nb1-regularized-example", "nb4-gradient-check", "svm-train",
                "svm-vec-edge-hidden", "svm-vec-grad", "svm-vec-reg-hidden",
                "svm-vec-speed-hidden"},
        properties={"naive_matches_vectorized", "numerical_gradient"},
        evidence={"svm_loss_vectorized.grad": "times N"}),
    "svm_half_reg": Mistake(
        SVM, [
            ('    dW += 2 * reg * W\n',
             '    dW += reg * W\n'),
            ('loss = margins.sum() / num_train + reg * np.sum(W * W)',
             'loss = margins.sum() / num_train + 0.5 * reg * np.sum(W * W)'),
            ('dW = (dscores.T @ X).T + 2 * reg * W',
             'dW = (dscores.T @ X).T + reg * W'),
        ],
        'SVM: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * W); this '
        "kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W.",
        # loss and gradient are consistent with each other: only values with reg > 0 see it
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "svm-naive-edge-hidden", "svm-naive-grad-reg", "svm-train",
                "svm-vec-edge-hidden", "svm-vec-float32-hidden", "svm-vec-grad",
                "svm-vec-loss", "svm-vec-reg-hidden", "svm-vec-speed-hidden"},
        properties={"naive_matches_vectorized", "numerical_gradient",
                    "regularization"},
        evidence={"svm_loss_vectorized.reg_grad": "0.5"}),
    "svm_grad_no_reg": Mistake(
        SVM, [
            ('    dW += 2 * reg * W\n',
             ''),
            ('dW = (dscores.T @ X).T + 2 * reg * W',
             'dW = (dscores.T @ X).T'),
        ],
        'SVM: the gradient lacks the regularization term 2 * reg * W (the loss has it).',
        # gradient checks with reg > 0
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "svm-naive-edge-hidden", "svm-naive-grad-reg",
                "svm-vec-edge-hidden", "svm-vec-grad", "svm-vec-reg-hidden",
                "svm-vec-speed-hidden"},
        properties={"numerical_gradient", "regularization"},
        evidence={"svm_loss_vectorized.reg_grad": "0"}),
    "svm_vec_includes_correct_class": Mistake(
        SVM, [
            ('    margins[rows, y] = 0  # the sum runs over j != y_i only\n',
             ''),
        ],
        "svm_loss_vectorized: the correct class's own margin (always 1) is not zeroed, so "
        'the sum runs over j = y_i too: +1 on every loss and a wrong gradient.',
        # +1 on every loss; the gradient is wrong too
        checks={"nb1-jiggle", "nb1-regularized-example", "nb4-gradient-check",
                "svm-train", "svm-vec-edge-hidden", "svm-vec-float32-hidden",
                "svm-vec-grad", "svm-vec-loss", "svm-vec-reg-hidden",
                "svm-vec-speed-hidden"},
        properties={"float32", "loss_at_init", "naive_matches_vectorized",
                    "numerical_gradient", "worked_example"},
        evidence={"svm_loss_vectorized.loss": "plus 1"}),
    "svm_vec_float64_gradient": Mistake(
        SVM, [
            ('dscores = (margins > 0).astype(scores.dtype)',
             'dscores = (margins > 0).astype(float)'),
        ],
        'svm_loss_vectorized: .astype(float) makes the gradient float64 for float32 data '
        '(twice the memory and time); keep the dtype of the scores.',
        # the dtype check, and the float32 edge case
        checks={"svm-vec-dtype", "svm-vec-float32-hidden"},
        properties={"float32"},
        evidence={"svm_loss_vectorized.grad_dtype": "float64"}),
    "svm_vec_grad_divided_twice": Mistake(
        SVM, [
            ("dW = (dscores.T @ X).T + 2 * reg * W",
             "dW = (dscores.T @ X).T / num_train + 2 * reg * W"),
        ],
        'svm_loss_vectorized: the data gradient is divided by N twice (dscores already '
        'holds the 1/N of the mean), so it is N times too small.',
        # every vectorized gradient check, and the known step of svm-train
        checks={"nb1-regularized-example", "nb4-gradient-check", "svm-train",
                "svm-train-hidden", "svm-vec-edge-hidden", "svm-vec-grad",
                "svm-vec-reg-hidden", "svm-vec-speed-hidden"},
        properties={"naive_matches_vectorized", "numerical_gradient"},
        evidence={"svm_loss_vectorized.grad": "divided by N"}),
    "svm_vec_leftover_print": Mistake(
        SVM, [
            ("    loss = margins.sum() / num_train + reg * np.sum(W * W)\n",
             "    loss = margins.sum() / num_train + reg * np.sum(W * W)\n"
             "    print('loss', loss)\n"),
        ],
        'svm_loss_vectorized prints (a leftover print?): whatever a function prints is part '
        "of every check's output that calls it, so those checks differ. Remove the print.",
        # every check whose output includes a call of svm_loss_vectorized
        checks={"nb1-jiggle", "nb1-regularized-example", "nb4-gradient-check",
                "nb4-minibatch-sampling", "svm-search", "svm-train",
                "svm-train-hidden", "svm-vec-dtype", "svm-vec-edge-hidden",
                "svm-vec-float32-hidden", "svm-vec-grad", "svm-vec-loss",
                "svm-vec-reg-hidden", "svm-vec-speed-hidden"},
        properties={"silent"},
        evidence={"svm_loss_vectorized.prints": True}),
    # --- tuning.py -----------------------------------------------------------------------------
    "search_picks_on_training": Mistake(
        TUNING, [
            ('if results[learning_rate, reg]["val_accuracy"] > best_val:\n'
             '            best_val = results[learning_rate, reg]["val_accuracy"]',
             'if results[learning_rate, reg]["train_accuracy"] > best_val:\n'
             '            best_val = results[learning_rate, reg]["train_accuracy"]'),
        ],
        'search_hyperparameters: picks the pair with the best training accuracy; the '
        'validation split must choose (the training accuracy rewards fitting the training '
        'images).',
        # a grid whose best pair on the training split is not the best on validation
        checks={"svm-search"},
        evidence={"search.picks_on": "training"}),
    # --- softmax.py ----------------------------------------------------------------------------
    "softmax_naive_no_shift": Mistake(
        SOFTMAX, [
            ('        scores = scores - scores.max()  # stability: every exponent <= 0\n',
             ''),
        ],
        "softmax_loss_naive: no shift by the row's max score, so exp overflows (inf, nan) "
        'for scores near 1000.',
        # huge scores
        checks={"softmax-naive-stable"},
        properties={"stable"},
        evidence={"softmax_loss_naive.large_scores": "not finite"}),
    "softmax_vec_no_shift": Mistake(
        SOFTMAX, [
            ('    scores -= scores.max(axis=1, keepdims=True)      # stability\n',
             ''),
        ],
        "softmax_loss_vectorized: no shift by each row's max score, so exp overflows (inf, "
        'nan) for scores near 1000.',
        # huge scores; float32 overflows sooner
        checks={"softmax-vec-float32-hidden", "softmax-vec-stable"},
        properties={"stable"},
        evidence={"softmax_loss_vectorized.large_scores": "not finite"}),
    "softmax_log10": Mistake(
        SOFTMAX, [
            ('loss += np.log(sum_exp) - scores[y[i]]',
             'loss += -np.log10(exp_scores[y[i]] / sum_exp)'),
            ('loss = (np.log(sum_exp[:, 0]) - scores[rows, y]).sum() / num_train',
             'loss = np.mean(-np.log10(exp_scores[rows, y] / sum_exp[:, 0]))'),
        ],
        'softmax: log base 10 (np.log10) instead of the natural log (np.log); -log10(0.13) = '
        "0.89 is the lecture's slip, -ln(0.13) = 2.04.",
        # every softmax loss value, and its gradient
        checks={"nb1-jiggle", "nb1-loss-at-init", "nb1-regularized-example",
                "nb1-softmax-lecture-example", "nb4-gradient-check",
                "nb4-step-sizes", "softmax-naive-edge-hidden",
                "softmax-naive-grad", "softmax-naive-loss",
                "softmax-naive-stable", "softmax-train",
                "softmax-vec-edge-hidden", "softmax-vec-float32-hidden",
                "softmax-vec-grad", "softmax-vec-loss",
                "softmax-vec-reg-hidden", "softmax-vec-speed-hidden",
                "softmax-vec-stable"},
        properties={"float32", "loss_at_init", "numerical_gradient",
                    "stable", "worked_example"},
        evidence={"softmax_loss_vectorized.loss": "times log10(e)"}),
    "softmax_half_reg": Mistake(
        SOFTMAX, [
            ('    dW += 2 * reg * W\n',
             '    dW += reg * W\n'),
            # the vectorized loss's (the naive loss has the same line, written for the student)
            ('scores[rows, y]).sum() / num_train\n    loss += reg * np.sum(W * W)',
             'scores[rows, y]).sum() / num_train\n    loss += 0.5 * reg * np.sum(W * W)'),
            ('dW = (dscores.T @ X).T + 2 * reg * W',
             'dW = (dscores.T @ X).T + reg * W'),
        ],
        'softmax: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * W); '
        "this kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W.",
        # the vectorized loss with reg > 0, and every gradient with reg > 0 (the naive loss is
        # written for the student, so only its gradient has the 0.5)
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "softmax-naive-edge-hidden", "softmax-naive-grad",
                "softmax-train", "softmax-vec-edge-hidden",
                "softmax-vec-float32-hidden", "softmax-vec-grad",
                "softmax-vec-loss", "softmax-vec-reg-hidden",
                "softmax-vec-speed-hidden"},
        properties={"naive_matches_vectorized", "numerical_gradient",
                    "regularization"},
        evidence={"softmax_loss_vectorized.reg_grad": "0.5"}),
    "softmax_grad_no_reg": Mistake(
        SOFTMAX, [
            ('    dW += 2 * reg * W\n',
             ''),
            ('dW = (dscores.T @ X).T + 2 * reg * W',
             'dW = (dscores.T @ X).T'),
        ],
        'softmax: the gradient lacks the regularization term 2 * reg * W (the loss has it).',
        # gradient checks with reg > 0, and the known step of softmax-train (reg = 0.1)
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "softmax-naive-edge-hidden", "softmax-naive-grad",
                "softmax-train", "softmax-vec-edge-hidden", "softmax-vec-grad",
                "softmax-vec-reg-hidden", "softmax-vec-speed-hidden"},
        properties={"numerical_gradient", "regularization"},
        evidence={"softmax_loss_vectorized.reg_grad": "0"}),
    "softmax_naive_grad_no_minus_one": Mistake(
        SOFTMAX, [
            ('dW[:, j] += (probabilities[j] - (j == y[i])) * X[i]',
             'dW[:, j] += probabilities[j] * X[i]'),
        ],
        'softmax_loss_naive: the gradient misses the -1 at the correct class (dL/ds_j = p_j '
        '- [j == y_i]).',
        # gradient checks
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "softmax-naive-edge-hidden", "softmax-naive-grad",
                "softmax-naive-stable"},
        properties={"naive_matches_vectorized", "numerical_gradient"},
        evidence={"softmax_loss_naive.grad": "missing -1"}),
    "softmax_vec_grad_no_minus_one": Mistake(
        SOFTMAX, [
            ('    dscores[rows, y] -= 1\n',
             ''),
        ],
        'softmax_loss_vectorized: the gradient misses the -1 at the correct class (dL/ds_j = '
        'p_j - [j == y_i]).',
        # gradient checks; training then goes nowhere
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "softmax-vec-edge-hidden",
                "softmax-vec-grad", "softmax-vec-reg-hidden",
                "softmax-vec-speed-hidden", "softmax-vec-stable"},
        properties={"naive_matches_vectorized", "numerical_gradient"},
        evidence={"softmax_loss_vectorized.grad": "missing -1"}),
    "softmax_log_of_probability": Mistake(
        SOFTMAX, [
            ('loss = (np.log(sum_exp[:, 0]) - scores[rows, y]).sum() / num_train',
             'probabilities = exp_scores / sum_exp\n'
             '    loss = -np.mean(np.log(probabilities[rows, y]))'),
        ],
        'softmax_loss_vectorized: -log of the probability itself; it underflows to 0 (loss '
        'inf) when a wrong class wins by ~750 in float64, by ~100 in float32. Use '
        'log(sum_exp) - score instead.',
        # a correct class far below another: -log(0)
        checks={"nb4-step-sizes", "softmax-vec-float32-hidden",
                "softmax-vec-stable"},
        properties={"float32", "stable"},
        evidence={"softmax_loss_vectorized.loss": "correct",
                  "softmax_loss_vectorized.large_scores": "finite",
                  "softmax_loss_vectorized.far_behind": "not finite"}),
    "softmax_vec_transposed_grad": Mistake(
        SOFTMAX, [
            ("dW = (dscores.T @ X).T + 2 * reg * W", "dW = dscores.T @ X + 2 * reg * W.T"),
        ],
        'softmax_loss_vectorized: dW is transposed, shape (C, D); the gradient has the '
        'shape of W, (D, C): X.T @ dscores.',
        # every vectorized gradient check; training cannot use a (C, D) step
        checks={"nb1-regularized-example", "nb4-gradient-check",
                "nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "softmax-vec-edge-hidden",
                "softmax-vec-grad", "softmax-vec-reg-hidden",
                "softmax-vec-speed-hidden", "softmax-vec-stable"},
        properties={"naive_matches_vectorized", "numerical_gradient", "regularization"},
        evidence={"softmax_loss_vectorized.grad": "transposed"}),
    # --- linear_classifier.py ------------------------------------------------------------------
    "predict_argmin": Mistake(
        CLASSIFIER, [
            ('return np.argmax(X @ self.W, axis=1)',
             'return np.argmin(X @ self.W, axis=1)'),
        ],
        'predict: argmin picks the class with the lowest score; the prediction is the highest.',
        # predictions, and every accuracy after training
        checks={"nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "svm-predict", "svm-search",
                "svm-train", "svm-train-hidden"},
        properties={"learns", "predict"},
        evidence={"predict.returns": "argmin"}),
    "predict_wrong_axis": Mistake(
        CLASSIFIER, [
            ('return np.argmax(X @ self.W, axis=1)',
             'return np.argmax(X @ self.W, axis=0)'),
        ],
        'predict: argmax along axis 0 (over examples) gives one number per class; take it '
        'along axis 1, over the classes of each example.',
        # predictions, and every accuracy after training
        checks={"nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "svm-predict", "svm-search",
                "svm-train", "svm-train-hidden"},
        properties={"dtypes", "learns", "predict"},
        evidence={"predict.returns": "one value per class"}),
    "minibatch_first_rows": Mistake(
        CLASSIFIER, [
            ('            batch = self.rng.integers(0, num_train, size=batch_size)\n'
             '            X_batch = X[batch]\n'
             '            y_batch = y[batch]\n',
             '            X_batch = X[:batch_size]\n            y_batch = y[:batch_size]\n'),
        ],
        'train: every minibatch is the first batch_size rows; sample them at random '
        '(self.rng) so that training sees the whole set.',
        # labels sorted by class, small batches (notebooks 2, 3: hidden)
        checks={"nb4-minibatch-sampling", "softmax-train-hidden",
                "svm-train-hidden"},
        properties={"learns", "minibatch"},
        evidence={"train.sees": "only the first rows"}),
    "minibatch_labels_mismatched": Mistake(
        CLASSIFIER, [
            ('            batch = self.rng.integers(0, num_train, size=batch_size)\n'
             '            X_batch = X[batch]\n'
             '            y_batch = y[batch]\n',
             '            X_batch = X[self.rng.integers(0, num_train, size=batch_size)]\n'
             '            y_batch = y[self.rng.integers(0, num_train, size=batch_size)]\n'),
        ],
        'train: X_batch and y_batch are drawn with two different random index arrays, so the '
        'labels no longer belong to the examples; index both with the same array.',
        # training learns nothing
        checks={"nb4-minibatch-sampling", "nb4-step-sizes", "softmax-search",
                "softmax-train", "softmax-train-hidden", "svm-search",
                "svm-train", "svm-train-hidden"},
        properties={"learns", "minibatch"},
        evidence={"train.loss": "flat", "train.fits": "not every row",
                  "train.sees": "every row"}),
    "minibatch_shuffles_in_place": Mistake(
        CLASSIFIER, [
            ('            batch = self.rng.integers(0, num_train, size=batch_size)\n'
             '            X_batch = X[batch]\n'
             '            y_batch = y[batch]\n',
             '            order = self.rng.permutation(num_train)\n'
             '            X[:] = X[order]  # shuffle the training set\n'
             '            y[:] = y[order]\n'
             '            X_batch = X[:batch_size]\n'
             '            y_batch = y[:batch_size]\n'),
        ],
        "train: shuffles the caller's X and y in place (X[:] = X[order]) to draw a batch, "
        "silently reordering the student's data set; index a copy instead (X[batch]).",
        # only the inputs-unchanged line: it trains well
        checks={"softmax-train", "svm-train"},
        properties={"inputs_unchanged", "minibatch"},
        evidence={"train.changes_inputs": True}),
    "update_wrong_sign": Mistake(
        CLASSIFIER, [
            ('self.W -= learning_rate * grad',
             'self.W += learning_rate * grad'),
        ],
        'train: the update adds the gradient (gradient ascent), so the loss grows; step '
        'against it: W -= learning_rate * grad.',
        # the loss grows
        checks={"nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "svm-search", "svm-train",
                "svm-train-hidden"},
        properties={"learns"},
        evidence={"train.loss": "rises"}),
    "predict_no_return": Mistake(
        CLASSIFIER, [
            ("return np.argmax(X @ self.W, axis=1)", "np.argmax(X @ self.W, axis=1)"),
        ],
        'predict returns nothing (None): the line that computes the labels lacks its '
        '`return`.',
        # predictions, and every accuracy after training
        checks={"nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "svm-predict", "svm-search",
                "svm-train", "svm-train-hidden"},
        properties={"dtypes", "learns", "predict"},
        evidence={"predict.returns": "nothing"}),
    "predict_column": Mistake(
        CLASSIFIER, [
            ("return np.argmax(X @ self.W, axis=1)",
             "return np.argmax(X @ self.W, axis=1, keepdims=True)"),
        ],
        'predict returns a column of shape (N, 1); the labels are a flat array of shape (N,) '
        '(comparing (N, 1) with (N,) broadcasts to an (N, N) table).',
        # predictions, and every accuracy after training (an (N, N) comparison)
        checks={"nb4-step-sizes", "softmax-search", "softmax-train",
                "softmax-train-hidden", "svm-predict", "svm-search",
                "svm-train", "svm-train-hidden"},
        properties={"dtypes", "learns", "predict"},
        evidence={"predict.returns": "a column"}),
    "predict_float_labels": Mistake(
        CLASSIFIER, [
            ("return np.argmax(X @ self.W, axis=1)",
             "return np.argmax(X @ self.W, axis=1).astype(float)"),
        ],
        'predict returns the labels as floats; labels are class indices, integers (argmax '
        'gives them so).',
        # the predictions' dtype, which only svm-predict prints
        checks={"svm-predict"},
        properties={"predict"},
        evidence={"predict.returns": "labels as float64"}),
}
