"""An independent correct solution, written as a student would fill the regions.

For each student file, ``SOLUTIONS[file]`` holds one text per solution region,
in order (dedented; :func:`independent_source` indents each to its region).
It is written differently from the reference on purpose, so the checks are
shown to accept any correct implementation, not just the reference's:

- ``svm_loss_naive``: the loop adds only the wrong classes' columns; the
  correct-class columns are collected afterwards class by class (another loop
  order), from each example's count of active margins.
- ``svm_loss_vectorized``: a one-hot mask of the correct classes instead of
  fancy indexing.
- ``softmax_loss_naive``: a one-pass ("online") log-sum-exp that rescales a
  running sum whenever a larger score appears; the gradient as an outer
  product with ``p - one_hot``.
- ``softmax_loss_vectorized``: ``np.logaddexp.reduce`` for log-sum-exp and a
  one-hot gradient.
- ``search_hyperparameters``: accuracies from a comprehension over the splits;
  the best pair kept by comparing with its own table entry.
- ``LinearClassifier.train``: minibatches drawn *without* replacement
  (``rng.choice(..., replace=False)``) when batch_size <= N, with replacement
  otherwise; predict via ``W.T @ X.T``.

API: ``SOLUTIONS``, ``independent_source(file, root=KIT_ROOT)`` -> str,
``apply_independent(root)`` -> list of written paths,
``load_independent_module(file)`` -> the module ``file`` with this solution.
"""

import functools
import sys
import textwrap
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parents[2]

try:
    from instructor.regions import find_regions, replace_regions
except ImportError:  # used outside pytest: put the kit root on sys.path first
    sys.path.insert(0, str(KIT_ROOT))
    from instructor.regions import find_regions, replace_regions

SVM_NAIVE_STEP = """\
# Only the wrong class's column here (scores[j] enters
# the margin with a plus sign); the correct-class columns
# are collected after the loop.
dW[:, j] += X[i]
"""

SVM_NAIVE_FINISH = """\
# Correct-class columns, class by class: an example of class c pulls
# column c by -X[i] once per active margin (wrong class within delta).
for c in range(num_classes):
    for i in np.flatnonzero(y == c):
        scores = X[i].dot(W)
        active = scores - scores[c] + 1 > 0
        active[c] = False  # j = y_i is not in the sum
        dW[:, c] -= np.count_nonzero(active) * X[i]
# The loss is a mean plus reg * sum(W**2): scale, then add its derivative.
dW = dW * (1.0 / num_train) + (2.0 * reg) * W
"""

SVM_VECTORIZED_LOSS = """\
scores = X @ W
# One-hot mask of the correct classes: True at (i, y[i]).
is_correct = np.arange(W.shape[1]) == y[:, np.newaxis]
correct_scores = scores[is_correct]  # one per row, in row order
margins = np.where(is_correct, 0,
                   np.maximum(scores - correct_scores[:, np.newaxis] + 1, 0))
loss = margins.sum() / num_train + reg * np.sum(W ** 2)
"""

SVM_VECTORIZED_GRAD = """\
# dL_i/ds_j is 1 for every active margin j != y_i and minus their count
# at j = y_i.
active = margins > 0
num_active = np.count_nonzero(active, axis=1)[:, np.newaxis]
dscores = np.where(is_correct, -num_active, active).astype(scores.dtype)
dW = X.T @ (dscores / num_train) + 2 * reg * W
"""

SOFTMAX_NAIVE_LOSS = """\
# ln(sum_j exp(s_j)) in one pass: rescale the running sum whenever a
# larger score appears, so that no exponent is ever positive.
top, total = -np.inf, 0.0
for s in scores:
    if s > top:
        total = total * np.exp(top - s) + 1.0
        top = s
    else:
        total += np.exp(s - top)
log_sum_exp = top + np.log(total)
loss += log_sum_exp - scores[y[i]]
"""

SOFTMAX_NAIVE_STEP = """\
# dL_i/ds = softmax(s) - one_hot(y_i), and ds_k/dW[:, k] = X[i].
one_hot = np.zeros(num_classes, dtype=scores.dtype)
one_hot[y[i]] = 1
dW += np.outer(X[i], np.exp(scores - log_sum_exp) - one_hot)
"""

SOFTMAX_NAIVE_FINISH = """\
dW = dW / num_train + 2 * reg * W
"""

SOFTMAX_VECTORIZED = """\
num_train = X.shape[0]
scores = X @ W
# ln(sum_j exp(s_j)) per row, accumulated pairwise in log space: stable.
log_sum_exp = np.logaddexp.reduce(scores, axis=1)
correct_scores = np.take_along_axis(
    scores, y.astype(np.intp)[:, np.newaxis], axis=1)[:, 0]
loss = np.mean(log_sum_exp - correct_scores) + reg * np.sum(W ** 2)
# dL/ds = softmax(s) - one_hot(y), averaged over the examples.
one_hot = np.arange(W.shape[1]) == y[:, np.newaxis]
dscores = (np.exp(scores - log_sum_exp[:, np.newaxis]) - one_hot) / num_train
dW = X.T @ dscores + 2 * reg * W
"""

SEARCH_TRAIN = """\
classifier = make_classifier(seed=seed)
losses = classifier.train(X_train, y_train, learning_rate, reg, num_iters, batch_size)
splits = {"train_accuracy": (X_train, y_train), "val_accuracy": (X_val, y_val)}
results[learning_rate, reg] = {name: float((classifier.predict(X) == y).mean())
                               for name, (X, y) in splits.items()}
results[learning_rate, reg]["loss_history"] = losses
"""

SEARCH_KEEP = """\
# Compare with the best pair's own entry instead of a running maximum.
if best_pair is None or (results[learning_rate, reg]["val_accuracy"]
                         > results[best_pair]["val_accuracy"]):
    best_pair = (learning_rate, reg)
    best_W = np.array(classifier.W, copy=True)
"""

MINIBATCH = """\
# Without replacement when there are enough examples (no duplicates in a
# batch), with replacement when the batch is larger than the data.
batch = self.rng.choice(num_train, size=batch_size,
                        replace=batch_size > num_train)
X_batch, y_batch = X[batch], y[batch]
"""

UPDATE = """\
np.subtract(self.W, learning_rate * grad, out=self.W)
"""

PREDICT = """\
# W.T @ X.T holds the scores with one column per example.
return np.argmax(self.W.T @ X.T, axis=0)
"""

SOLUTIONS = {
    "assignment/classifiers/linear_svm.py": [
        SVM_NAIVE_STEP, SVM_NAIVE_FINISH, SVM_VECTORIZED_LOSS, SVM_VECTORIZED_GRAD],
    "assignment/classifiers/tuning.py": [SEARCH_TRAIN, SEARCH_KEEP],
    "assignment/classifiers/softmax.py": [
        SOFTMAX_NAIVE_LOSS, SOFTMAX_NAIVE_STEP, SOFTMAX_NAIVE_FINISH, SOFTMAX_VECTORIZED],
    "assignment/classifiers/linear_classifier.py": [MINIBATCH, UPDATE, PREDICT],
}


def independent_source(file, root=KIT_ROOT):
    """The text of student file ``file`` under ``root``, its regions filled independently.

    The markers are kept, so the result still reads as a student file.

    Raises
    ------
    ValueError
        If the file's number of regions is not the number of texts in SOLUTIONS.
    """
    source = (Path(root) / file).read_text(encoding="utf-8")
    regions, texts = find_regions(source, file), SOLUTIONS[file]
    if len(regions) != len(texts):
        raise ValueError(
            f"{file}: {len(regions)} solution regions but {len(texts)} independent "
            f"texts; update tests/independent/ to the reference.")
    filled = [textwrap.indent(text, region.indent) for region, text in zip(regions, texts)]
    return replace_regions(source, filled, name=file, keep_markers=True)


def apply_independent(root):
    """Write the independent solution into the copy of the kit at ``root``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    written = []
    for file in SOLUTIONS:
        path = Path(root) / file
        path.write_text(independent_source(file, root), encoding="utf-8")
        written.append(path)
    return written


@functools.lru_cache(maxsize=None)
def _solved_kit():
    """One copy of the kit's package, with this solution written in (made once)."""
    import student_mistakes as sm  # its package-copy helpers; tests/ is on sys.path

    root = sm.copy_package(KIT_ROOT)
    apply_independent(root)
    return root


def load_independent_module(file):
    """Import student file ``file`` (e.g. ``student_mistakes.SVM``) with this solution.

    The module comes from a copy of the package under a new name, so the real
    ``assignment`` is left alone; each call imports it afresh.
    """
    import student_mistakes as sm

    return sm.load_kit_module(_solved_kit(), file, tag="independent")
