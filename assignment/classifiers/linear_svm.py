"""Multiclass SVM (hinge) loss and its gradient, with loops and vectorized.

For one example with scores ``s = x @ W`` and correct class ``y``, the loss is

    L_i = sum over j != y of max(0, s_j - s_y + delta),   delta = 1,

and the full loss is the mean of ``L_i`` over the N examples plus
``reg * sum(W**2)`` (L2 regularization), so its gradient adds ``2 * reg * W``.

Import only numpy and the standard library here: the grader installs nothing
else (the self-check refuses any other import).
"""

import numpy as np

from assignment.todo import Unfinished  # what a gradient TODO returns until you write it


def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient, computed with explicit loops.

    Parameters
    ----------
    W : ndarray, shape (D, C)
        Weights: one column of D numbers per class (the bias is the last row
        when X carries a column of ones).
    X : ndarray, shape (N, D)
        A minibatch of N examples, one per row.
    y : ndarray of int, shape (N,)
        Labels; ``y[i] = c`` means that ``X[i]`` has label c, with 0 <= c < C.
    reg : float
        Regularization strength (lambda).

    Returns
    -------
    loss : float
        Mean hinge loss over the N examples plus ``reg * sum(W**2)``.
    dW : ndarray, shape (D, C)
        Gradient of the loss with respect to W, of W's dtype (float32 data
        and weights give a float32 gradient).

    Notes
    -----
    The margin is delta = 1 and the sum runs over the classes j != y[i].
    Where a margin is exactly zero the hinge has a kink; there this function
    counts the margin as inactive (gradient 0). None of the inputs is modified.
    """
    dW = np.zeros_like(W)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # delta = 1
            if margin > 0:
                loss += margin
                # TODO (2_svm.ipynb, section 4): Add this margin's
                # contribution to the gradient dW. The margin depends on W
                # only through scores[j] = X[i] @ W[:, j] and
                # scores[y[i]] = X[i] @ W[:, y[i]]: which columns of dW
                # change, and by how much?
                ### BEGIN SOLUTION (stub: dW = Unfinished)
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
                ### END SOLUTION

    # The data loss is the mean over the training examples.
    loss /= num_train
    # Add the L2 regularization term.
    loss += reg * np.sum(W * W)

    # TODO (2_svm.ipynb, section 4): The loss above is a mean plus
    # reg * sum(W**2). Make dW the gradient of exactly that loss (what happens
    # to the sum you built in the loop, and what is the derivative of
    # reg * sum(W**2)?).
    ### BEGIN SOLUTION (stub: dW = Unfinished)
    dW /= num_train
    dW += 2 * reg * W
    ### END SOLUTION

    return float(loss), dW


def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient, without explicit loops.

    Same inputs, outputs and conventions as :func:`svm_loss_naive`:
    W (D, C), X (N, D), y (N,) of int, reg float; returns (loss, dW) with dW
    of shape (D, C) and W's dtype. Delta is 1, the data loss is the mean over
    the N examples, regularization is ``reg * sum(W**2)``. None of the inputs
    is modified.

    Speed is graded too: at N = 500, D = 3073, C = 10 it must take at most
    4x the reference's time (a hidden check times both on the grader's
    machine). A loop over the examples, or a call to the naive version, takes
    8 to 14 times as long. Write the products with ``@`` (or ``np.dot``):
    ``np.einsum`` without ``optimize=True`` can take 3 to 7 times as long.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    # One index per example: scores[rows, y] picks each row's correct-class score.
    rows = np.arange(num_train)

    # TODO (2_svm.ipynb, section 5): Compute the loss without any loop over
    # examples or classes.
    # Compute all scores at once, pick out each row's correct-class score,
    # and form the matrix of margins. Keep the margins: the gradient needs them.
    ### BEGIN SOLUTION
    # Column-major scores: numpy sums across the C = 10 entries of each row
    # faster when each column is contiguous, and dscores, which inherits this
    # layout, makes dscores.T @ X below a product of two row-major arrays.
    scores = np.asfortranarray(X @ W)                  # (N, C)
    correct_class_scores = scores[rows, y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0, scores - correct_class_scores + 1)
    margins[rows, y] = 0  # the sum runs over j != y_i only
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    ### END SOLUTION

    # TODO (2_svm.ipynb, section 5): Compute the gradient without any loop.
    # Hint: first build the gradient of the loss with respect to the scores,
    # dscores of shape (N, C), then use the chain rule through scores = X @ W.
    # dW must have W's dtype: float32 data and weights give a float32 dW (make
    # dscores with the scores' dtype, not with float).
    ### BEGIN SOLUTION
    # Every active margin adds +1 to its own class and -1 to the correct class.
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    dscores /= num_train
    # dW = X.T @ dscores, computed as (dscores.T @ X).T: the same numbers,
    # but BLAS runs this orientation faster for a tall X.
    dW = (dscores.T @ X).T + 2 * reg * W
    ### END SOLUTION

    return float(loss), dW
