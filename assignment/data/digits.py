"""Read the embedded handwritten digits data set (``datasets/digits.csv.gz``).

1,797 grey images of 8x8 pixels, values 0..16, of the digits 0 to 9: the
test set of the UCI "Optical Recognition of Handwritten Digits" data
(E. Alpaydin and C. Kaynak, 1998, CC BY 4.0); see ``datasets/README.md``.
Each line of the file holds 65 comma-separated integers: the 64 pixels, row
by row, then the label.

It is small enough to ship with the kit, so everything runs offline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .dataset import Dataset, check_split_sizes, draw_dev_split

FILE_NAME = "digits.csv.gz"
IMAGE_SHAPE = (8, 8)
CLASS_NAMES = tuple(str(digit) for digit in range(10))


def load_digits(path, *, num_train=1_197, num_val=300, num_test=300, num_dev=100, seed=0):
    """Load the digits from `path`, shuffle them and cut them into splits.

    The images are shuffled once with `seed` (stratified: in every stretch
    of the shuffled order, each digit appears in proportion to its share of
    the data set, so every split has about 10% of each digit), then cut into
    consecutive pieces: the first `num_test` are the test split, the next `num_train`
    the training split, the next `num_val` the validation split. With the
    defaults the three cover all 1,797 images; the test split stays the same
    whatever training and validation sizes you choose. The dev split is
    `num_dev` training images drawn at random with `seed`.

    Parameters
    ----------
    path : str or Path
        The ``digits.csv.gz`` file.
    num_train, num_val, num_test, num_dev : int
        Split sizes; ``num_train + num_val + num_test`` at most 1,797 and
        ``num_dev`` at most `num_train`.
    seed : int
        Seeds the shuffle and the choice of the dev images.

    Returns
    -------
    Dataset
        ``X_*`` uint8 of shape (N, 64), each row an 8x8 image row by row,
        values 0..16; ``y_*`` int64 of shape (N,); ``class_names`` '0' .. '9';
        ``image_shape == (8, 8)``.

    Raises
    ------
    ValueError
        If more images are asked for than the file holds.
    """
    num_train, num_val, num_test, num_dev = check_split_sizes(num_train, num_val, num_test, num_dev)
    X, y = read_digits(path)
    wanted = num_test + num_train + num_val
    if wanted > len(y):
        raise ValueError(
            f"The digits data set has {len(y):,} images, but num_train={num_train:,} + "
            f"num_val={num_val:,} + num_test={num_test:,} = {wanted:,} were asked for. "
            "Ask for fewer."
        )

    order = stratified_order(y, seed)
    test = order[:num_test]
    train = order[num_test:num_test + num_train]
    val = order[num_test + num_train:wanted]
    X_dev, y_dev = draw_dev_split(X[train], y[train], num_dev, seed)
    return Dataset(
        name="digits",
        X_train=X[train], y_train=y[train],
        X_val=X[val], y_val=y[val],
        X_test=X[test], y_test=y[test],
        X_dev=X_dev, y_dev=y_dev,
        class_names=CLASS_NAMES,
        image_shape=IMAGE_SHAPE,
    )


def read_digits(path):
    """Read all images and labels of ``digits.csv.gz``, in file order.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    X : ndarray of uint8, shape (1797, 64)
        Pixel values 0..16, each row an 8x8 image row by row.
    y : ndarray of int64, shape (1797,)
        Labels 0..9.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"The embedded digits file {path} is missing; it ships with the kit. "
            "Restore it from the kit (e.g. `git checkout datasets/digits.csv.gz`)."
        )
    # loadtxt decompresses .gz files itself.
    table = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != 8 * 8 + 1:
        raise ValueError(
            f"{path} should have 65 values a line (64 pixels, then the label), "
            f"found {table.shape[1]}."
        )
    return table[:, :-1].astype(np.uint8), table[:, -1].copy()


def stratified_order(y, seed):
    """Shuffle the indices of `y` so that every stretch is class-balanced.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Labels.
    seed : int

    Returns
    -------
    ndarray of int, shape (N,)
        A permutation of ``0 .. N-1``: random within each class, and the
        classes interleaved so that the first k indices hold about
        ``k * share`` of each class.
    """
    # RandomState: its stream is frozen across numpy versions, so the split
    # is the same on every machine.
    shuffled = np.random.RandomState(seed).permutation(len(y))
    # Give the i-th (shuffled) image of a class with n images the position
    # (i + 0.5) / n in 0..1, then sort by position: the classes interleave.
    position = np.empty(len(y))
    for label in np.unique(y):
        members = shuffled[y[shuffled] == label]
        position[members] = (np.arange(len(members)) + 0.5) / len(members)
    return shuffled[np.argsort(position[shuffled], kind="stable")]
