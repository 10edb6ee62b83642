"""Write files in CIFAR-10's python format, of its real size, with class structure.

The benchmark measures the data pipeline and the notebooks on data of
CIFAR-10's format and size when the real set is absent (it is 163 MB to
download). Each class gets a smooth random colour template; every image is
its class's template plus noise, so a linear classifier has something to
learn, as on the real images.
"""

import pickle
from pathlib import Path

import numpy as np

CLASS_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]
ROW_LENGTH = 32 * 32 * 3


def write_cifar10(folder, images_per_batch=10_000, seed=0):
    """Write data_batch_1..5, test_batch and batches.meta into folder.

    Parameters
    ----------
    folder : str or Path
        Created if missing; plays the part of ``cifar-10-batches-py``.
    images_per_batch : int
        10,000 in the real data set.
    seed : int
        Seeds the templates and the noise.

    Returns
    -------
    Path
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    templates = _class_templates(rng)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        labels = rng.integers(0, len(CLASS_NAMES), size=images_per_batch)
        noise = rng.normal(0.0, 48.0, size=(images_per_batch, ROW_LENGTH)).astype(np.float32)
        data = np.clip(templates[labels] + noise, 0, 255).astype(np.uint8)
        batch = {"batch_label": name, "labels": labels.tolist(), "data": data,
                 "filenames": [f"{name}_{i}.png" for i in range(images_per_batch)]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=pickle.HIGHEST_PROTOCOL)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CLASS_NAMES, "num_cases_per_batch": images_per_batch,
                     "num_vis": ROW_LENGTH}, f)
    return folder


def _class_templates(rng):
    """One smooth 32x32 colour image per class, channel-planar rows of 0..255."""
    coarse = rng.uniform(40, 215, size=(len(CLASS_NAMES), 3, 4, 4))
    # Upsample 4x4 -> 32x32 by repetition: blocky but spatially structured.
    fine = coarse.repeat(8, axis=2).repeat(8, axis=3)
    return fine.reshape(len(CLASS_NAMES), ROW_LENGTH).astype(np.float32)
