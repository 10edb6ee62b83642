"""The `Dataset` container and the split helpers both data sets share."""

from __future__ import annotations

import dataclasses
import operator

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Images and labels, cut into training, validation, test and dev splits.

    Every ``X_*`` holds one image per row, flattened, as raw uint8 pixel
    values (`preprocess` turns them into centred float32);
    every ``y_*`` holds the matching integer labels (int64) in
    ``0 .. num_classes - 1``. A row ``X_train[i]`` reshapes to an image with
    ``X_train[i].reshape(image_shape)`` (until `preprocess` adds its bias
    column).

    Attributes
    ----------
    name : str
        ``"cifar10"`` or ``"digits"``.
    X_train, y_train : ndarray, shapes (N_train, D) and (N_train,)
        The images to learn ``W`` from.
    X_val, y_val : ndarray, shapes (N_val, D) and (N_val,)
        The images to choose hyperparameters (learning rate, reg) with.
    X_test, y_test : ndarray, shapes (N_test, D) and (N_test,)
        The images to report the final accuracy on, once.
    X_dev, y_dev : ndarray, shapes (N_dev, D) and (N_dev,)
        A small random subset of the training split (a copy), to develop and
        debug code on quickly.
    class_names : tuple of str, length C
        ``class_names[k]`` names label ``k``.
    image_shape : tuple of int
        The shape of one image, ``(H, W, 3)`` for colour images (channels
        last) or ``(H, W)`` for grey ones; ``D == prod(image_shape)``.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    class_names: tuple
    image_shape: tuple

    def __post_init__(self):
        # Catch a mismatched split where it is made, not in a puzzling
        # shape error deep inside a loss function later.
        for split in SPLITS:
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if len(X) != len(y):
                raise ValueError(
                    f"X_{split} has {len(X)} rows but y_{split} has {len(y)} labels; "
                    "they must match."
                )

    @property
    def num_classes(self) -> int:
        """The number of classes C."""
        return len(self.class_names)

    def __repr__(self) -> str:
        # The default repr would print every pixel; shapes are what one wants to see.
        shape = "x".join(str(n) for n in self.image_shape)
        lines = [f"Dataset {self.name!r}: {self.num_classes} classes, images {shape}"]
        for split in SPLITS:
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            lines.append(
                f"  X_{split + ':':<6} {str(X.shape):<14} {X.dtype}   "
                f"y_{split + ':':<6} {str(y.shape):<9} {y.dtype}"
            )
        return "\n".join(lines)


#: The splits of a `Dataset`, in the order of its fields.
SPLITS = ("train", "val", "test", "dev")


def check_split_sizes(num_train, num_val, num_test, num_dev):
    """Check that the requested split sizes make sense on their own.

    Whether the data set holds that many images is for its reader to check.

    Returns
    -------
    tuple of int
        ``(num_train, num_val, num_test, num_dev)`` as plain ints.

    Raises
    ------
    TypeError
        If a size is not an integer.
    ValueError
        If a size is negative, ``num_train`` is 0, or ``num_dev > num_train``.
    """
    sizes = {"num_train": num_train, "num_val": num_val, "num_test": num_test, "num_dev": num_dev}
    for key, value in sizes.items():
        try:
            # operator.index accepts ints (and numpy ints) but not 2.5 or "10".
            sizes[key] = operator.index(value)
        except TypeError:
            raise TypeError(f"{key} must be an integer, got {value!r}.") from None
        if sizes[key] < 0:
            raise ValueError(f"{key} must be at least 0, got {value}.")
    if sizes["num_train"] == 0:
        raise ValueError("num_train must be at least 1: a classifier needs something to learn from.")
    if sizes["num_dev"] > sizes["num_train"]:
        raise ValueError(
            f"num_dev={sizes['num_dev']} is more than num_train={sizes['num_train']}: "
            "the dev split is a subset of the training split. Ask for fewer dev images."
        )
    return tuple(sizes.values())


def draw_dev_split(X_train, y_train, num_dev, seed):
    """Draw the dev split: `num_dev` distinct training images, at random.

    Parameters
    ----------
    X_train : ndarray, shape (N_train, D)
    y_train : ndarray, shape (N_train,)
    num_dev : int
        At most N_train.
    seed : int
        Seeds the draw, so the same seed gives the same dev split.

    Returns
    -------
    X_dev : ndarray, shape (num_dev, D)
        A copy of the chosen rows.
    y_dev : ndarray, shape (num_dev,)
    """
    # RandomState, not default_rng: its streams are frozen across numpy
    # versions, so everyone in the course gets the same dev split.
    rows = np.random.RandomState(seed).choice(len(y_train), size=num_dev, replace=False)
    return X_train[rows], y_train[rows]
