"""Choosing the learning rate and the regularization strength on held-out data.

Every pair (learning rate, regularization strength) of a grid trains one new
classifier on the training split; the pair whose classifier is the most
accurate on the validation split wins. The test split is never looked at.

Import only numpy and the standard library here: the grader installs nothing
else (the self-check refuses any other import).
"""

import time

import numpy as np

from .linear_classifier import LinearSVM, Softmax

CLASSIFIERS = {"svm": LinearSVM, "softmax": Softmax}


def search_hyperparameters(loss, X_train, y_train, X_val, y_val, learning_rates, regs,
                           num_iters=1500, batch_size=200, seed=0, verbose=False):
    """Train one classifier per (learning rate, reg) pair and keep the best on validation.

    Parameters
    ----------
    loss : {"svm", "softmax"}
        Which classifier to train: ``LinearSVM`` or ``Softmax``.
    X_train : ndarray, shape (N, D)
    y_train : ndarray of int, shape (N,)
        The training split: every classifier trains on it.
    X_val : ndarray, shape (M, D)
    y_val : ndarray of int, shape (M,)
        The validation split: it picks the best pair.
    learning_rates, regs : sequences of float
        The grid: every learning rate with every regularization strength.
    num_iters, batch_size : int
        Passed to ``train`` for every pair.
    seed : int
        Every classifier is made with this seed, so each pair starts from the
        same weights and draws the same minibatches.
    verbose : bool
        Print one line per pair, as it finishes.

    Returns
    -------
    best_W : ndarray, shape (D, C)
        The weights of the classifier with the highest validation accuracy
        (of the first such pair, in the order of the grid, when several tie).
    best_pair : tuple (learning_rate, reg)
    results : dict
        ``results[learning_rate, reg]`` is a dict with the keys
        ``"train_accuracy"`` and ``"val_accuracy"`` (floats, fractions
        correct) and ``"loss_history"`` (what ``train`` returned), for every
        pair of the grid.
    """
    if loss not in CLASSIFIERS:
        raise ValueError(f"loss must be one of {sorted(CLASSIFIERS)}, got {loss!r}")
    make_classifier = CLASSIFIERS[loss]
    pairs = [(learning_rate, reg) for learning_rate in learning_rates for reg in regs]
    results, best_W, best_pair, best_val = {}, None, None, -1.0
    start = time.perf_counter()
    for number, (learning_rate, reg) in enumerate(pairs, start=1):
        # TODO (2_svm.ipynb, section 7): Train a new classifier,
        # make_classifier(seed=seed), on the training split with this
        # learning rate and reg (num_iters and batch_size as given), then
        # store its accuracies on the training and the validation splits and
        # its loss history in results[learning_rate, reg], with the keys the
        # docstring names.
        ### BEGIN SOLUTION
        model = make_classifier(seed=seed)
        history = model.train(X_train, y_train, learning_rate=learning_rate, reg=reg,
                              num_iters=num_iters, batch_size=batch_size)
        results[learning_rate, reg] = {
            "train_accuracy": float(np.mean(model.predict(X_train) == y_train)),
            "val_accuracy": float(np.mean(model.predict(X_val) == y_val)),
            "loss_history": history,
        }
        ### END SOLUTION

        # TODO (2_svm.ipynb, section 7): If this pair's validation accuracy is
        # the highest so far (strictly: the first best pair wins a tie), keep
        # it: best_val, best_pair, and a copy of the classifier's weights in
        # best_W.
        ### BEGIN SOLUTION
        if results[learning_rate, reg]["val_accuracy"] > best_val:
            best_val = results[learning_rate, reg]["val_accuracy"]
            best_pair, best_W = (learning_rate, reg), model.W.copy()
        ### END SOLUTION

        if verbose:
            result = results[learning_rate, reg]
            print(f"[{number:2d}/{len(pairs)}] lr {learning_rate:<7g} reg {reg:<7g} "
                  f"train {result['train_accuracy']:.3f}  val {result['val_accuracy']:.3f}  "
                  f"({time.perf_counter() - start:.0f} s)")
    return best_W, best_pair, results
