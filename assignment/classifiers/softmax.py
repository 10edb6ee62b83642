"""Softmax (cross-entropy) loss and its gradient, with loops and vectorized.

For one example with scores ``s = x @ W`` and correct class ``y``, the
softmax turns scores into probabilities ``p_k = exp(s_k) / sum_j exp(s_j)``
and the loss is ``L_i = -ln p_y`` (the natural logarithm). The full loss is the
mean of ``L_i`` over the N examples plus ``reg * sum(W**2)``.

Numerical stability: ``exp`` overflows for scores near 1000. Subtracting the
row's largest score from every score leaves the probabilities unchanged
(the factor exp(-max) cancels in the ratio) and keeps every exponent <= 0.

Import only numpy and the standard library here: the grader installs nothing
else (the self-check refuses any other import).
"""

import numpy as np

from assignment.todo import Unfinished  # what a gradient TODO returns until you write it


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient, computed with explicit loops.

    Parameters
    ----------
    W : ndarray, shape (D, C)
        Weights: one column of D numbers per class.
    X : ndarray, shape (N, D)
        A minibatch of N examples, one per row.
    y : ndarray of int, shape (N,)
        Labels; ``y[i] = c`` means that ``X[i]`` has label c, with 0 <= c < C.
    reg : float
        Regularization strength (lambda).

    Returns
    -------
    loss : float
        Mean cross-entropy (natural log) over the N examples plus
        ``reg * sum(W**2)``.
    dW : ndarray, shape (D, C)
        Gradient of the loss with respect to W, of W's dtype (float32 data
        and weights give a float32 gradient).

    Notes
    -----
    Must stay finite, with no warning, when the scores are huge (near +1000
    or -1000): shift each row of scores by its maximum first. None of the
    inputs is modified.
    """
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)

        # TODO (1_loss_functions.ipynb, section 2): Add example i's loss,
        # -ln p_y with p = softmax(scores), to loss. Shift the scores by their
        # maximum first (see the module docstring), and compute -ln p_y as
        # ln(sum_j exp(s_j)) - s_y: the log of a probability that underflows
        # to 0 would be -inf. Keep the probabilities: the gradient needs them.
        ### BEGIN SOLUTION
        scores = scores - scores.max()  # stability: every exponent <= 0
        exp_scores = np.exp(scores)
        sum_exp = exp_scores.sum()
        loss += np.log(sum_exp) - scores[y[i]]
        probabilities = exp_scores / sum_exp
        ### END SOLUTION

        # TODO (3_softmax.ipynb, section 3): Add example i's contribution to
        # the gradient dW. dL_i/ds_j = p_j - 1[j == y_i], and scores[j]
        # depends on W only through the column W[:, j].
        ### BEGIN SOLUTION (stub: dW = Unfinished)
        for j in range(num_classes):
            dW[:, j] += (probabilities[j] - (j == y[i])) * X[i]
        ### END SOLUTION

    # The data loss is the mean over the training examples.
    loss /= num_train
    # Add the L2 regularization term.
    loss += reg * np.sum(W * W)

    # TODO (3_softmax.ipynb, section 3): The loss above is a mean plus
    # reg * sum(W**2). Make dW the gradient of exactly that loss.
    ### BEGIN SOLUTION (stub: dW = Unfinished)
    dW /= num_train
    dW += 2 * reg * W
    ### END SOLUTION

    return float(loss), dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, without explicit loops.

    Same inputs, outputs and conventions as :func:`softmax_loss_naive`:
    W (D, C), X (N, D), y (N,) of int, reg float; returns (loss, dW) with dW
    of shape (D, C) and W's dtype. Natural log, mean over the N examples,
    ``reg * sum(W**2)``, numerically stable. None of the inputs is modified.

    Speed is graded too: at N = 500, D = 3073, C = 10 it must take at most
    4x the reference's time (a hidden check times both on the grader's
    machine). A loop over the examples, or a call to the naive version, takes
    8 to 14 times as long. Write the products with ``@`` (or ``np.dot``):
    ``np.einsum`` without ``optimize=True`` can take up to 5 times as long.
    """
    loss = 0.0
    dW = np.zeros_like(W)

    # TODO (3_softmax.ipynb, section 5): Compute the softmax loss and its
    # gradient without explicit loops.
    # Hint: the gradient of the loss with respect to the scores is the matrix
    # of probabilities minus 1 at each row's correct class.
    # Shift each row by its maximum, and compute each -ln p_y as
    # ln(sum_j exp(s_j)) - s_y: the loss must stay finite when a correct
    # class's probability underflows to 0. dW must have W's dtype (float32
    # data and weights give a float32 dW).
    ### BEGIN SOLUTION
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
    ### END SOLUTION

    return float(loss), dW
