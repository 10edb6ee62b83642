"""`load_dataset`: one entry point for CIFAR-10 and the embedded digits."""

from __future__ import annotations

import os
from pathlib import Path

from . import cifar10, digits

#: The kit's root folder (the one holding ``assignment/`` and ``datasets/``),
#: found from this file so it does not matter which folder Python runs in
#: (the notebooks run in ``notebooks/``).
KIT_ROOT = Path(__file__).resolve().parents[2]

#: The embedded digits file; it ships with the kit.
EMBEDDED_DIGITS = KIT_ROOT / "datasets" / digits.FILE_NAME

#: The data set names `load_dataset` accepts.
NAMES = ("cifar10", "digits")

#: Set to ``cifar10`` or ``digits`` to choose when `load_dataset` is called without a name.
DATASET_ENV_VAR = "ASSIGNMENT_DATASET"

#: Set to a folder to keep downloaded data sets somewhere other than the kit's ``datasets/``.
ROOT_ENV_VAR = "DATASETS_DIR"


def load_dataset(name=None, *, root=None, num_train=None, num_val=None, num_test=None,
                 num_dev=None, seed=0):
    """Load a data set, split into train, val, test and dev.

    Prints one line saying which data set it uses and why.

    Parameters
    ----------
    name : {None, 'cifar10', 'digits'}
        None picks CIFAR-10 if it has been downloaded (``<root>/cifar-10-batches-py``
        exists) and the embedded digits otherwise; the environment variable
        ``ASSIGNMENT_DATASET=cifar10`` or ``=digits`` overrides that choice.
    root : str or Path, optional
        The folder downloaded data sets live in; default the environment
        variable ``DATASETS_DIR`` if set, else the kit's ``datasets/`` folder.
        The embedded digits always come from the kit's ``datasets/``.
    num_train, num_val, num_test, num_dev : int, optional
        Split sizes; None means the data set's default:

        ========  =======  =====  =====  ===
        data set  train    val    test   dev
        ========  =======  =====  =====  ===
        cifar10   49,000   1,000  1,000  500
        digits    1,197    300    300    100
        ========  =======  =====  =====  ===

        See `assignment.data.cifar10.load_cifar10` and
        `assignment.data.digits.load_digits` for how the images are chosen.
    seed : int
        Seeds the random choices (the dev images; for digits, the shuffle
        before splitting), so the same seed gives the same splits.

    Returns
    -------
    Dataset
        ``X_*`` uint8 of shape (N, D), one image per row with its raw pixel
        values (0..255 for CIFAR-10, 0..16 for digits); ``y_*`` int64 labels of
        shape (N,); ``class_names``; ``image_shape``, (32, 32, 3) for
        CIFAR-10 (channels last: ``X[i].reshape(32, 32, 3)`` is an image) or
        (8, 8) for digits; ``D = prod(image_shape)``.

    Raises
    ------
    ValueError
        For an unknown name or ``ASSIGNMENT_DATASET`` value, or more images
        than the data set holds.
    FileNotFoundError
        If CIFAR-10 is asked for but has not been downloaded.

    Examples
    --------
    >>> data = load_dataset()                  # doctest: +SKIP
    >>> data = load_dataset("digits", num_train=500)   # doctest: +SKIP
    """
    root = Path(root) if root is not None else default_root()
    name, reason = choose_dataset(name, root)
    print(describe_choice(name, reason, root))

    sizes = {"num_train": num_train, "num_val": num_val, "num_test": num_test, "num_dev": num_dev}
    # Leave out the sizes not given, so that each reader applies its own defaults.
    sizes = {key: value for key, value in sizes.items() if value is not None}
    if name == "cifar10":
        return cifar10.load_cifar10(root / cifar10.FOLDER_NAME, seed=seed, **sizes)
    return digits.load_digits(EMBEDDED_DIGITS, seed=seed, **sizes)


def default_root():
    """The folder downloaded data sets live in: ``$DATASETS_DIR`` or the kit's ``datasets/``."""
    from_env = os.environ.get(ROOT_ENV_VAR, "").strip()
    return Path(from_env) if from_env else KIT_ROOT / "datasets"


def choose_dataset(name, root):
    """Decide which data set to load.

    Parameters
    ----------
    name : str or None
        As given to `load_dataset`.
    root : Path
        Where CIFAR-10 would be.

    Returns
    -------
    name : str
        ``'cifar10'`` or ``'digits'``.
    reason : str
        Why: ``'name'``, ``'env'``, ``'found'`` or ``'not found'``.
    """
    if name is not None:
        if not isinstance(name, str) or name.lower() not in NAMES:
            raise ValueError(
                f"Unknown data set {name!r}; choose one of 'cifar10', 'digits', or None "
                "(CIFAR-10 if it has been downloaded, else the embedded digits)."
            )
        return name.lower(), "name"

    from_env = os.environ.get(DATASET_ENV_VAR, "").strip()
    if from_env:
        if from_env.lower() not in NAMES:
            raise ValueError(
                f"The environment variable {DATASET_ENV_VAR}={from_env!r} names no data set; "
                f"set it to 'cifar10' or 'digits', or unset it to let load_dataset choose."
            )
        return from_env.lower(), "env"

    return ("cifar10", "found") if (root / cifar10.FOLDER_NAME).is_dir() else ("digits", "not found")


def describe_choice(name, reason, root):
    """The line `load_dataset` prints: which data set, and why."""
    folder = root / cifar10.FOLDER_NAME
    what = f"CIFAR-10 from {folder}" if name == "cifar10" else "the embedded digits data set"
    why = {
        "name": "asked for by name",
        "env": f"{DATASET_ENV_VAR}={os.environ.get(DATASET_ENV_VAR, '').strip()}",
        "found": f"found it; set {DATASET_ENV_VAR}=digits to use the embedded digits instead",
        "not found": f"CIFAR-10 not found in {root}; run ./get_datasets.sh to get it",
    }[reason]
    return f"Using {what} ({why})."
