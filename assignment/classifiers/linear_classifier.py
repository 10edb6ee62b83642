"""A linear classifier ``scores = X @ W`` trained by minibatch gradient descent.

``LinearSVM`` and ``Softmax`` differ only in the loss they minimize.

Import only numpy and the standard library here: the grader installs nothing
else (the self-check refuses any other import).
"""

import numpy as np

from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """Base class: training and prediction; subclasses choose the loss.

    Parameters
    ----------
    seed : int or None
        Seed of the random generator that draws the initial weights and the
        minibatches. The same seed and data give the same training run.

    Attributes
    ----------
    W : ndarray of shape (D, C), or None before training
        The weights, one column per class.
    """

    def __init__(self, seed=None):
        self.W = None
        self.rng = np.random.default_rng(seed)

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
              batch_size=200, verbose=False):
        """Train this classifier with minibatch stochastic gradient descent.

        Parameters
        ----------
        X : ndarray, shape (N, D)
            Training data, one example per row.
        y : ndarray of int, shape (N,)
            Labels in 0..C-1. C is the number of columns of W when the
            classifier was trained before, else ``max(y) + 1``.
        learning_rate : float
            Step size of each update.
        reg : float
            Regularization strength.
        num_iters : int
            Number of steps to take.
        batch_size : int
            Number of training examples in each step; they are drawn with
            replacement, so any size works.
        verbose : bool
            If true, print the loss every 100 iterations.

        Returns
        -------
        list of float
            The loss of each iteration's minibatch, ``num_iters`` entries.
        """
        X, y = np.asarray(X), np.asarray(y)
        _check_features(X)
        _check_labels(X, y, None if self.W is None else self.W.shape[1])
        num_train, dim = X.shape
        if self.W is None:
            num_classes = int(y.max()) + 1
            # Small random weights: every score starts near 0.
            dtype = X.dtype if X.dtype.kind == "f" else np.float64
            self.W = 0.001 * self.rng.standard_normal((dim, num_classes)).astype(dtype)
        elif self.W.shape[0] != dim:
            raise ValueError(
                f"X has {dim} features per row but this classifier was trained "
                f"on {self.W.shape[0]}: W has shape {self.W.shape}. Use the "
                f"same preprocessing, or a new classifier.")

        loss_history = []
        for it in range(num_iters):
            # TODO (2_svm.ipynb, section 6): Sample batch_size training
            # examples and their labels, at random with replacement, into
            # X_batch (batch_size, D) and y_batch (batch_size,). Draw them
            # from self.rng, the classifier's own random generator (see
            # numpy's Generator.integers), so that a seed gives a repeatable
            # run.
            ### BEGIN SOLUTION
            batch = self.rng.integers(0, num_train, size=batch_size)
            X_batch = X[batch]
            y_batch = y[batch]
            ### END SOLUTION

            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # TODO (2_svm.ipynb, section 6): Update the weights: one step of
            # gradient descent.
            ### BEGIN SOLUTION
            self.W -= learning_rate * grad
            ### END SOLUTION

            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")

        return loss_history

    def predict(self, X):
        """Predict a label for each row of X with the trained weights.

        Parameters
        ----------
        X : ndarray, shape (N, D)
            Data, one example per row, preprocessed as the training data was.

        Returns
        -------
        y_pred : ndarray of int, shape (N,)
            The class with the highest score for each row.
        """
        if self.W is None:
            raise ValueError(
                "This classifier has no weights yet: call train(X, y) before "
                "predict(X).")
        X = np.asarray(X)
        _check_features(X)
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(
                f"X has {X.shape[1]} features per row (shape {X.shape}) but W "
                f"has {self.W.shape[0]} rows (shape {self.W.shape}). Use the "
                f"same preprocessing as for training (bias column included).")

        # TODO (2_svm.ipynb, section 6): Return the class with the highest
        # score for each row of X.
        ### BEGIN SOLUTION
        return np.argmax(X @ self.W, axis=1)
        ### END SOLUTION

    def loss(self, X_batch, y_batch, reg):
        """Loss and gradient of this classifier's loss on a minibatch.

        Parameters
        ----------
        X_batch : ndarray, shape (B, D)
        y_batch : ndarray of int, shape (B,)
        reg : float

        Returns
        -------
        (loss, dW) : (float, ndarray of shape (D, C))
        """
        raise NotImplementedError(
            "LinearClassifier has no loss of its own: use LinearSVM or Softmax.")


class LinearSVM(LinearClassifier):
    """A linear classifier that minimizes the multiclass SVM (hinge) loss."""

    def loss(self, X_batch, y_batch, reg):
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A linear classifier that minimizes the softmax (cross-entropy) loss."""

    def loss(self, X_batch, y_batch, reg):
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)


def _check_features(X):
    """Raise ValueError unless X is a 2-D array of finite numbers."""
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D, one example per row (N, D); got shape {X.shape}. "
            f"Flatten images first, e.g. X.reshape(len(X), -1).")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    if X.dtype.kind != "f" or _all_finite(X):
        return
    bad = np.argwhere(~np.isfinite(X))[0]
    raise ValueError(
        f"X (shape {X.shape}) contains NaN or inf, first at row {bad[0]}, "
        f"column {bad[1]}. Check the preprocessing that produced it.")


def _all_finite(X):
    """True if the float array X (N, D) holds no NaN and no inf."""
    # A NaN or an inf makes its row's sum NaN or inf, and a product with a
    # vector of ones sums every row in one multithreaded pass over X, several
    # times faster than np.isfinite(X).all(), min() or max(), and with no
    # temporary as large as X. A sum can also overflow to inf when the
    # entries are finite but huge: only then look at every entry.
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf is expected here
        row_sums = X @ np.ones(X.shape[1], dtype=X.dtype)
    return bool(np.isfinite(row_sums).all()) or bool(np.isfinite(X).all())


def _check_labels(X, y, num_classes):
    """Raise ValueError unless y holds one label in 0..C-1 per row of X."""
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(
            f"X and y must have the same length, one label per row of X: "
            f"X has shape {X.shape}, y has shape {y.shape}.")
    if len(y) == 0:
        raise ValueError("X and y are empty: there is nothing to train on.")
    if y.dtype.kind not in "iu":
        raise ValueError(
            f"y must hold integer labels; got dtype {y.dtype}. "
            f"Convert with y.astype(int) if the values are whole numbers.")
    top = "C-1" if num_classes is None else str(num_classes - 1)
    if y.min() < 0 or (num_classes is not None and y.max() >= num_classes):
        raise ValueError(
            f"Labels must lie in 0..{top}; y (shape {y.shape}) holds values "
            f"from {y.min()} to {y.max()}.")
