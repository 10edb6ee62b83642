"""The data sets and their preprocessing.

Two data sets, with the same interface, so the notebooks run on either:

- CIFAR-10 (60,000 32x32 colour images, 10 classes), once downloaded with
  ``./get_datasets.sh`` (or ``python -m assignment.data download``);
- the embedded handwritten digits (1,797 8x8 grey images, 10 classes), which
  ship with the kit: the default when CIFAR-10 is not there.

Typical use in a notebook::

    from assignment.data import load_dataset, preprocess

    data = load_dataset()                    # prints which data set it uses
    processed, mean_image = preprocess(data) # centred, with the bias column
    processed.X_train.shape                  # (N_train, D + 1)

Modules: `loader` (`load_dataset`), `cifar10` and `digits` (the readers),
`preprocessing` (`preprocess`), `dataset` (`Dataset`), `download` (the
Python twin of ``get_datasets.sh``).
"""

from .dataset import Dataset
from .loader import load_dataset
from .preprocessing import preprocess

__all__ = ["Dataset", "load_dataset", "preprocess"]
