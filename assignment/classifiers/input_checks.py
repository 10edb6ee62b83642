"""The checks of a linear classifier's input: a clear error for each wrong input.

Provided code: ``LinearClassifier.train`` and ``predict`` call these before
they use their input, so that a wrong shape, dtype or value is reported as
what it is rather than as an error deep inside numpy.
"""

import numpy as np


def check_training_data(X, y, W=None):
    """X and y as arrays, fit to train a classifier whose weights are W (None: not yet).

    Parameters
    ----------
    X : array_like, shape (N, D)
    y : array_like of int, shape (N,)
    W : ndarray of shape (D, C), or None

    Returns
    -------
    X, y : ndarray

    Raises
    ------
    ValueError
        Saying what is wrong and what to do.
    """
    X, y = np.asarray(X), np.asarray(y)
    check_features(X)
    check_labels(X, y, None if W is None else W.shape[1])
    if W is not None and W.shape[0] != X.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features per row but this classifier was trained "
            f"on {W.shape[0]}: W has shape {W.shape}. Use the "
            f"same preprocessing, or a new classifier.")
    return X, y


def check_prediction_data(X, W):
    """X as an array, fit for a prediction with the weights W (None: not trained).

    Parameters
    ----------
    X : array_like, shape (N, D)
    W : ndarray of shape (D, C), or None

    Returns
    -------
    X : ndarray

    Raises
    ------
    ValueError
    """
    if W is None:
        raise ValueError(
            "This classifier has no weights yet: call train(X, y) before "
            "predict(X).")
    X = np.asarray(X)
    check_features(X)
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features per row (shape {X.shape}) but W "
            f"has {W.shape[0]} rows (shape {W.shape}). Use the "
            f"same preprocessing as for training (bias column included).")
    return X


def check_features(X):
    """Raise ValueError unless X is a 2-D array of finite numbers."""
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D, one example per row (N, D); got shape {X.shape}. "
            f"Flatten images first, e.g. X.reshape(len(X), -1).")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    if X.dtype.kind != "f" or all_finite(X):
        return
    bad = np.argwhere(~np.isfinite(X))[0]
    raise ValueError(
        f"X (shape {X.shape}) contains NaN or inf, first at row {bad[0]}, "
        f"column {bad[1]}. Check the preprocessing that produced it.")


def all_finite(X):
    """True if the float array X (N, D) holds no NaN and no inf."""
    # A NaN or an inf makes its row's sum NaN or inf, and a product with a
    # vector of ones sums every row in one multithreaded pass over X, several
    # times faster than np.isfinite(X).all(), min() or max(), and with no
    # temporary as large as X. A sum can also overflow to inf when the
    # entries are finite but huge: only then look at every entry.
    with np.errstate(over="ignore", invalid="ignore"):  # inf - inf is expected here
        row_sums = X @ np.ones(X.shape[1], dtype=X.dtype)
    return bool(np.isfinite(row_sums).all()) or bool(np.isfinite(X).all())


def check_labels(X, y, num_classes):
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
