"""`preprocess`: centre the images and append the bias column."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .dataset import SPLITS


def preprocess(data):
    """Prepare a data set for a linear classifier.

    Two steps, applied to every split:

    1. Subtract the *mean image* of the training split, so each pixel has mean
       0 over the training images. Only the training split's mean is used,
       also for val/test/dev, because the model may learn from nothing else.
    2. Append a column of ones (the "bias trick"): the score ``X @ W`` of an
       image then includes its bias ``b`` as the last row of ``W``, so one
       matrix ``W`` of shape (D + 1, C) holds both weights and biases.

    Parameters
    ----------
    data : Dataset
        As returned by `load_dataset`: ``X_*`` of shape (N, D) (or
        (N, *image_shape); rows are flattened first). It is not modified.

    Returns
    -------
    processed : Dataset
        A new Dataset whose ``X_*`` are float32 of shape (N, D + 1): the
        centred pixels, then a 1. Labels, class names and image shape are
        those of `data` (the arrays are shared, not copied).
    mean_image : ndarray of float32, shape (D,)
        The mean training image; ``mean_image.reshape(data.image_shape)``
        shows it.

    Raises
    ------
    ValueError
        If `data` has already been preprocessed (its rows are one longer than
        an image).

    Examples
    --------
    >>> processed, mean_image = preprocess(load_dataset())   # doctest: +SKIP
    >>> processed.X_train.shape                              # doctest: +SKIP
    (49000, 3073)
    """
    num_pixels = math.prod(data.image_shape)
    X_train = _flatten(data.X_train, num_pixels, "X_train")
    # Accumulate in float64 for accuracy; numpy does it chunk by chunk, so
    # no float64 copy of X_train is made.
    mean_image = X_train.mean(axis=0, dtype=np.float64).astype(np.float32)

    new_X = {
        f"X_{split}": center_and_add_bias(_flatten(getattr(data, f"X_{split}"), num_pixels, f"X_{split}"), mean_image)
        for split in SPLITS
    }
    return dataclasses.replace(data, **new_X), mean_image


def center_and_add_bias(X, mean_image):
    """Subtract the mean image from every row, then append a column of ones.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    mean_image : ndarray, shape (D,)

    Returns
    -------
    ndarray of float32, shape (N, D + 1)
        A new array; `X` is not modified.
    """
    N, D = X.shape
    out = np.empty((N, D + 1), dtype=np.float32)
    # Write the difference straight into the result: one new array, no temporaries.
    np.subtract(X, mean_image, out=out[:, :D])
    out[:, D] = 1.0
    return out


def _flatten(X, num_pixels, label):
    """`X` as rows of `num_pixels` values (a view when possible)."""
    # Not reshape(len(X), -1): numpy cannot infer the -1 of an empty split.
    X = X.reshape(X.shape[0], math.prod(X.shape[1:]))
    if X.shape[1] == num_pixels + 1:
        raise ValueError(
            f"{label} has {num_pixels + 1} columns, one more than an image has pixels: "
            "this data set has already been preprocessed. Call preprocess once, on the "
            "data set load_dataset returned."
        )
    if X.shape[1] != num_pixels:
        raise ValueError(
            f"{label} has {X.shape[1]} values a row, but image_shape has {num_pixels} pixels."
        )
    return X
