"""A linear classifier ``scores = X @ W`` trained by minibatch gradient descent.

``LinearSVM`` and ``Softmax`` differ only in the loss they minimize.

Import only numpy and the standard library here: the grader installs nothing
else (the self-check refuses any other import).
"""

import numpy as np

from .input_checks import check_prediction_data, check_training_data
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
        X, y = check_training_data(X, y, self.W)
        num_train, dim = X.shape
        if self.W is None:
            num_classes = int(y.max()) + 1
            # Small random weights: every score starts near 0.
            dtype = X.dtype if X.dtype.kind == "f" else np.float64
            self.W = 0.001 * self.rng.standard_normal((dim, num_classes)).astype(dtype)

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
        X = check_prediction_data(X, self.W)

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
