"""Read CIFAR-10 from its "python version" files (Krizhevsky, 2009).

The folder ``cifar-10-batches-py`` that ``get_datasets.sh`` downloads holds
five training batches ``data_batch_1`` .. ``data_batch_5`` (10,000 images
each), one ``test_batch`` (10,000 images) and ``batches.meta`` (the class
names). Each batch is a pickled dict with

- ``'data'``: uint8 array of shape (N, 3072). A row is one 32x32 colour image
  stored *channel-planar*: the 1,024 red values first, then the green, then
  the blue, each plane row by row.
- ``'labels'``: N ints in 0..9.

The loader turns each row into *channels-last* (height, width, channel)
order, so that ``row.reshape(32, 32, 3)`` is an image that
``matplotlib.pyplot.imshow`` shows as it is (after ``.astype('uint8')``).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from .dataset import Dataset, check_split_sizes, draw_dev_split

#: The folder the archive unpacks to, inside the data sets folder.
FOLDER_NAME = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"

#: One image: 32 x 32 pixels x 3 channels (red, green, blue), channels last.
IMAGE_SHAPE = (32, 32, 3)
ROW_LENGTH = 32 * 32 * 3


def load_cifar10(folder, *, num_train=49_000, num_val=1_000, num_test=1_000, num_dev=500, seed=0):
    """Load CIFAR-10 from `folder` and cut it into the four splits.

    The splits (the defaults are those of the CS231n assignments):

    - train: the first `num_train` images of the training batches, in order;
    - val: the `num_val` images right after them (with the defaults, the last
      1,000 training images), so train and val never overlap;
    - test: the first `num_test` images of ``test_batch``;
    - dev: `num_dev` training images drawn at random with `seed`.

    Parameters
    ----------
    folder : str or Path
        The ``cifar-10-batches-py`` folder.
    num_train, num_val, num_test, num_dev : int
        Split sizes; ``num_train + num_val`` at most 50,000 and `num_test` at
        most 10,000 for the real data set.
    seed : int
        Seeds the choice of the dev images.

    Returns
    -------
    Dataset
        ``X_*`` uint8 of shape (N, 3072), each row an image in (32, 32, 3)
        channels-last order with values 0..255; ``y_*`` int64 of shape (N,);
        ``class_names`` the ten names from ``batches.meta`` ('airplane',
        'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship',
        'truck'); ``image_shape == (32, 32, 3)``.

    Raises
    ------
    FileNotFoundError
        If the folder or one of its files is missing.
    ValueError
        If a file is not a CIFAR-10 batch, or the files hold fewer images than
        asked for.
    """
    folder = Path(folder)
    num_train, num_val, num_test, num_dev = check_split_sizes(num_train, num_val, num_test, num_dev)
    check_folder(folder)

    X, y = read_rows([folder / name for name in TRAIN_FILES], num_train + num_val)
    if len(y) < num_train + num_val:
        raise ValueError(
            f"The training batches in {folder} hold {len(y):,} images, but "
            f"num_train={num_train:,} + num_val={num_val:,} = {num_train + num_val:,} "
            "were asked for. Ask for fewer."
        )
    X_test, y_test = read_rows([folder / TEST_FILE], num_test)
    if len(y_test) < num_test:
        raise ValueError(
            f"{folder / TEST_FILE} holds {len(y_test):,} images, but num_test={num_test:,} "
            "were asked for. Ask for fewer."
        )
    class_names = read_class_names(folder / META_FILE)
    for labels in (y, y_test):
        check_labels(labels, len(class_names), folder)

    # Slices are views: train and val share the one buffer read_rows filled.
    X_train, y_train = X[:num_train], y[:num_train]
    X_val, y_val = X[num_train:], y[num_train:]
    X_dev, y_dev = draw_dev_split(X_train, y_train, num_dev, seed)
    return Dataset(
        name="cifar10",
        X_train=X_train, y_train=y_train,
        X_val=X_val, y_val=y_val,
        X_test=X_test, y_test=y_test,
        X_dev=X_dev, y_dev=y_dev,
        class_names=class_names,
        image_shape=IMAGE_SHAPE,
    )


def check_folder(folder):
    """Raise FileNotFoundError naming what is missing from a CIFAR-10 folder."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 not found: there is no folder {folder}. Run ./get_datasets.sh "
            "in the kit's root folder (or `python -m assignment.data download`) to "
            "download it, or use the embedded digits: load_dataset('digits')."
        )
    missing = [name for name in (*TRAIN_FILES, TEST_FILE, META_FILE) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"The CIFAR-10 folder {folder} is incomplete: {', '.join(missing)} missing. "
            "Delete the folder and run ./get_datasets.sh again."
        )


def read_rows(paths, num_rows):
    """Read the first `num_rows` images of a sequence of batch files.

    Only as many files as needed are opened, and each image is written
    straight into the result, in channels-last order: no second full-size
    copy is ever made. Pixels stay uint8 (a quarter of float32's memory);
    `preprocess` makes the float32 copy the classifiers learn from.

    Parameters
    ----------
    paths : sequence of Path
        Batch files, read in this order.
    num_rows : int

    Returns
    -------
    X : ndarray of uint8, shape (n, 3072)
        ``n = num_rows``, or fewer if the files hold fewer images.
    y : ndarray of int64, shape (n,)
    """
    X = np.empty((num_rows, ROW_LENGTH), dtype=np.uint8)
    y = np.empty(num_rows, dtype=np.int64)
    filled = 0
    for path in paths:
        if filled == num_rows:
            break
        data, labels = read_batch(path)
        n = min(len(labels), num_rows - filled)
        # Assigning the HWC view into the slice converts the layout in one pass.
        X[filled:filled + n].reshape(n, *IMAGE_SHAPE)[...] = planar_to_channels_last(data[:n])
        y[filled:filled + n] = labels[:n]
        filled += n
    return X[:filled], y[:filled]


def read_batch(path):
    """Read one CIFAR-10 batch file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    data : ndarray of uint8, shape (N, 3072)
        Channel-planar rows, as stored.
    labels : ndarray of int64, shape (N,)

    Raises
    ------
    ValueError
        If the file is not a pickled dict with 'data' (N x 3072 uint8) and
        'labels' (N ints).
    """
    batch = _unpickle(path)
    data, labels = batch.get("data"), batch.get("labels")
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8
            and data.ndim == 2 and data.shape[1] == ROW_LENGTH):
        found = getattr(data, "shape", type(data).__name__)
        raise ValueError(
            f"{path} is not a CIFAR-10 batch: its 'data' should be a uint8 array of "
            f"shape (N, {ROW_LENGTH}), found {found}. Delete the folder and run "
            "./get_datasets.sh again."
        )
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(data),):
        raise ValueError(
            f"{path} is not a CIFAR-10 batch: it has {len(data)} images but "
            f"labels of shape {labels.shape}."
        )
    return data, labels


def read_class_names(path):
    """Read the class names from ``batches.meta``; returns a tuple of str."""
    meta = _unpickle(path)
    names = meta.get("label_names")
    if not names:
        raise ValueError(f"{path} has no 'label_names'; it is not CIFAR-10's batches.meta.")
    return tuple(str(name) for name in names)


def check_labels(labels, num_classes, folder):
    """Raise ValueError if a label is outside 0 .. num_classes - 1."""
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"The batches in {folder} have labels from {labels.min()} to {labels.max()}, "
            f"but batches.meta names {num_classes} classes (labels 0..{num_classes - 1})."
        )


def planar_to_channels_last(rows):
    """View channel-planar rows as channels-last images.

    Parameters
    ----------
    rows : ndarray, shape (N, 3072)
        Each row: 1,024 red, then 1,024 green, then 1,024 blue values.

    Returns
    -------
    ndarray, shape (N, 32, 32, 3)
        A view (no copy): ``images[n, h, w, c] == rows[n, c * 1024 + h * 32 + w]``.
    """
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _unpickle(path):
    # The batches were pickled by Python 2; 'latin1' reads their byte strings
    # (and numpy arrays) back unchanged. Only unpickle files you trust:
    # get_datasets.sh checks the archive's MD5 before unpacking it.
    with open(path, "rb") as file:
        content = pickle.load(file, encoding="latin1")
    if not isinstance(content, dict):
        raise ValueError(f"{path} is not a CIFAR-10 file: it holds a {type(content).__name__}, not a dict.")
    return content
