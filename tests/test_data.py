"""Tests of assignment.data: the CIFAR-10 reader, the embedded digits,
load_dataset's choice of data set, and preprocess.

The CIFAR-10 tests run the real reader on tiny files in CIFAR-10's format
that they write themselves, so they need neither the network nor the 163 MB
download.
"""

import dataclasses
import io
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assignment.data import Dataset, load_dataset, preprocess
from assignment.data import digits, loader

KIT_ROOT = Path(__file__).resolve().parents[1]
CIFAR_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
SPLITS = ("train", "val", "test", "dev")


# ----------------------------------------------------------------------------
# Tiny CIFAR-10 look-alikes


class Python2Pickler(pickle._Pickler):
    """Pickles str and bytes as Python 2 byte strings (opcode BINSTRING).

    CIFAR-10's files were made with Python 2: their keys, names and the
    image data are such strings, which is why the reader needs
    ``encoding='latin1'``. Writing them the same way tests that.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_python2_string(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_python2_string


def write_python2_pickle(path, obj):
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(obj)
    # The files name numpy 1.x's module, which numpy 2 still reads.
    path.write_bytes(buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n"))


def write_batch(path, data, labels):
    """Write one batch as CIFAR-10 does: a pickled dict, data channel-planar uint8."""
    batch = {
        "batch_label": path.name,
        "labels": [int(label) for label in labels],  # a list, as in the real files
        "data": data,
        "filenames": [f"image_{i}.png" for i in range(len(labels))],
    }
    write_python2_pickle(path, batch)


def write_cifar(root, train_sizes=(4, 4, 4, 4, 4), test_size=6, seed=0):
    """Write a small CIFAR-10 folder under `root`; returns the raw rows and labels.

    Labels count up (mod 10) through the training rows, so a row's label tells
    where it came from.
    """
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.RandomState(seed)
    train_data = rng.randint(0, 256, size=(sum(train_sizes), 3072)).astype(np.uint8)
    train_labels = np.arange(sum(train_sizes)) % 10
    start = 0
    for number, size in enumerate(train_sizes, start=1):
        rows = slice(start, start + size)
        write_batch(folder / f"data_batch_{number}", train_data[rows], train_labels[rows])
        start += size
    test_data = rng.randint(0, 256, size=(test_size, 3072)).astype(np.uint8)
    test_labels = rng.randint(0, 10, size=test_size)
    write_batch(folder / "test_batch", test_data, test_labels)
    meta = {"label_names": list(CIFAR_NAMES), "num_cases_per_batch": 10000, "num_vis": 3072}
    write_python2_pickle(folder / "batches.meta", meta)
    return {"train": (train_data, train_labels), "test": (test_data, test_labels)}


def as_image(planar_row):
    """The (32, 32, 3) image of one channel-planar row, built plane by plane."""
    red, green, blue = planar_row[:1024], planar_row[1024:2048], planar_row[2048:]
    return np.stack([plane.reshape(32, 32) for plane in (red, green, blue)], axis=-1)


SMALL = {"num_train": 15, "num_val": 5, "num_test": 4, "num_dev": 6}


@pytest.fixture
def cifar_root(tmp_path):
    raw = write_cifar(tmp_path)
    return tmp_path, raw


@pytest.fixture(autouse=True)
def no_env_overrides(monkeypatch):
    """Keep a developer's own settings from changing what the tests see."""
    monkeypatch.delenv("ASSIGNMENT_DATASET", raising=False)
    monkeypatch.delenv("DATASETS_DIR", raising=False)


# ----------------------------------------------------------------------------
# CIFAR-10 reader


def test_test_files_are_python2_pickles(cifar_root):
    root, _ = cifar_root
    raw = (root / "cifar-10-batches-py" / "data_batch_1").read_bytes()
    assert b"U\x04data" in raw, "keys are Python 2 strings (SHORT_BINSTRING)"
    assert b"cnumpy.core.multiarray\n_reconstruct" in raw


def test_cifar_shapes_types_and_names(cifar_root):
    root, _ = cifar_root
    data = load_dataset("cifar10", root=root, **SMALL)
    assert isinstance(data, Dataset)
    assert data.name == "cifar10"
    assert data.image_shape == (32, 32, 3)
    assert data.class_names == CIFAR_NAMES
    assert data.num_classes == 10
    for split in SPLITS:
        X, y = getattr(data, f"X_{split}"), getattr(data, f"y_{split}")
        assert X.shape == (SMALL[f"num_{split}"], 3072)
        assert y.shape == (SMALL[f"num_{split}"],)
        assert X.dtype == np.uint8
        assert y.dtype == np.int64


def test_cifar_rows_are_channels_last_images(cifar_root):
    root, raw = cifar_root
    train_data, _ = raw["train"]
    data = load_dataset("cifar10", root=root, **SMALL)
    for i in (0, 3, 4, 14):  # rows from the first, second and fourth batch
        np.testing.assert_array_equal(data.X_train[i].reshape(32, 32, 3), as_image(train_data[i]))
    # Pixel (h=1, w=2) of the red, green and blue planes, by hand.
    row = train_data[0]
    assert list(data.X_train[0].reshape(32, 32, 3)[1, 2]) == [row[34], row[1024 + 34], row[2048 + 34]]


def test_cifar_splits_follow_the_batches(cifar_root):
    root, raw = cifar_root
    train_data, train_labels = raw["train"]
    test_data, test_labels = raw["test"]
    data = load_dataset("cifar10", root=root, **SMALL)

    def images(rows):
        return np.stack([as_image(row).ravel() for row in rows]).astype(np.float32)

    # train: the first 15 training rows, across batch boundaries; val: the next 5.
    np.testing.assert_array_equal(data.X_train, images(train_data[:15]))
    np.testing.assert_array_equal(data.y_train, train_labels[:15])
    np.testing.assert_array_equal(data.X_val, images(train_data[15:20]))
    np.testing.assert_array_equal(data.y_val, train_labels[15:20])
    # test: the first rows of test_batch.
    np.testing.assert_array_equal(data.X_test, images(test_data[:4]))
    np.testing.assert_array_equal(data.y_test, test_labels[:4])


def test_cifar_default_validation_is_the_last_training_rows(tmp_path):
    # The real layout in miniature: val = the last num_val training images.
    raw = write_cifar(tmp_path, train_sizes=(3, 3, 3, 3, 3))
    data = load_dataset("cifar10", root=tmp_path, num_train=12, num_val=3, num_test=2, num_dev=2)
    np.testing.assert_array_equal(data.y_val, raw["train"][1][-3:])


def test_cifar_dev_is_a_seeded_subset_of_train(cifar_root):
    root, _ = cifar_root
    first = load_dataset("cifar10", root=root, seed=1, **SMALL)
    again = load_dataset("cifar10", root=root, seed=1, **SMALL)
    other = load_dataset("cifar10", root=root, seed=2, **SMALL)

    train_rows = {row.tobytes(): label for row, label in zip(first.X_train, first.y_train)}
    dev_rows = [row.tobytes() for row in first.X_dev]
    assert len(set(dev_rows)) == len(dev_rows), "dev images are drawn without replacement"
    assert all(row in train_rows for row in dev_rows)
    assert [train_rows[row] for row in dev_rows] == list(first.y_dev)
    np.testing.assert_array_equal(first.X_dev, again.X_dev)
    assert not np.array_equal(first.X_dev, other.X_dev)


def test_cifar_reads_only_the_batches_it_needs(tmp_path):
    write_cifar(tmp_path)
    # Spoil the last batch: asking for the first 8 rows must not open it.
    (tmp_path / "cifar-10-batches-py" / "data_batch_5").write_bytes(b"not a pickle")
    data = load_dataset("cifar10", root=tmp_path, num_train=6, num_val=2, num_test=1, num_dev=1)
    assert len(data.y_train) == 6


def test_cifar_asking_for_too_many_training_images(cifar_root):
    root, _ = cifar_root
    with pytest.raises(ValueError, match=r"hold 20 images.*num_train=18 \+ num_val=5 = 23"):
        load_dataset("cifar10", root=root, num_train=18, num_val=5, num_test=1, num_dev=1)


def test_cifar_asking_for_too_many_test_images(cifar_root):
    root, _ = cifar_root
    with pytest.raises(ValueError, match=r"holds 6 images, but num_test=7"):
        load_dataset("cifar10", root=root, num_train=5, num_val=5, num_test=7, num_dev=1)


def test_cifar_default_sizes_on_tiny_files_fail_clearly(cifar_root):
    root, _ = cifar_root
    with pytest.raises(ValueError, match=r"num_train=49,000 \+ num_val=1,000 = 50,000"):
        load_dataset("cifar10", root=root)


def test_cifar_incomplete_folder(cifar_root):
    root, _ = cifar_root
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"incomplete: data_batch_3 missing.*get_datasets\.sh"):
        load_dataset("cifar10", root=root, **SMALL)


def test_cifar_file_that_is_not_a_batch(cifar_root):
    root, _ = cifar_root
    write_batch(root / "cifar-10-batches-py" / "data_batch_1", np.zeros((4, 100), np.uint8), [0] * 4)
    with pytest.raises(ValueError, match=r"data_batch_1 is not a CIFAR-10 batch.*\(N, 3072\)"):
        load_dataset("cifar10", root=root, **SMALL)


def test_cifar_labels_beyond_the_class_names(cifar_root):
    root, _ = cifar_root
    with open(root / "cifar-10-batches-py" / "batches.meta", "wb") as file:
        pickle.dump({"label_names": ["a", "b"]}, file)
    with pytest.raises(ValueError, match=r"labels from 0 to 9.*names 2 classes"):
        load_dataset("cifar10", root=root, **SMALL)


def test_cifar_by_name_when_absent_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        load_dataset("cifar10", root=tmp_path)
    message = str(error.value)
    assert "./get_datasets.sh" in message
    assert "python -m assignment.data download" in message
    assert str(tmp_path / "cifar-10-batches-py") in message


# ----------------------------------------------------------------------------
# The embedded digits


def read_digits_file():
    """All 1,797 rows of the embedded file (64 pixels then the label), by a second route."""
    return np.loadtxt(KIT_ROOT / "datasets" / "digits.csv.gz", delimiter=",", dtype=np.int64)


def test_embedded_digits_file():
    X, y = digits.read_digits(KIT_ROOT / "datasets" / "digits.csv.gz")
    assert X.shape == (1797, 64) and X.dtype == np.uint8
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16
    assert np.array_equal(X, np.round(X)), "pixel values are whole numbers"
    assert set(y) == set(range(10))


def test_digits_defaults(capsys):
    data = load_dataset("digits")
    assert "embedded digits" in capsys.readouterr().out
    assert data.name == "digits"
    assert data.image_shape == (8, 8)
    assert data.class_names == tuple("0123456789")
    sizes = {split: len(getattr(data, f"y_{split}")) for split in SPLITS}
    assert sizes == {"train": 1197, "val": 300, "test": 300, "dev": 100}
    for split in SPLITS:
        assert getattr(data, f"X_{split}").shape == (sizes[split], 64)
        assert getattr(data, f"X_{split}").dtype == np.uint8
        assert getattr(data, f"y_{split}").dtype == np.int64


def rows_with_labels(X, y):
    """Each image and its label as one tuple, to compare collections of images."""
    return sorted(tuple(row) + (label,) for row, label in zip(X.astype(np.int64).tolist(), y.tolist()))


def test_digits_splits_are_disjoint_and_cover_the_file():
    data = load_dataset("digits")
    table = read_digits_file()
    everything = rows_with_labels(table[:, :-1], table[:, -1])
    X = np.concatenate([data.X_train, data.X_val, data.X_test])
    y = np.concatenate([data.y_train, data.y_val, data.y_test])
    # Equal as multisets: every image lands in exactly one split.
    assert rows_with_labels(X, y) == everything
    train = set(rows_with_labels(data.X_train, data.y_train))
    assert set(rows_with_labels(data.X_dev, data.y_dev)) <= train


def test_digits_splits_are_balanced():
    data = load_dataset("digits")
    for split in ("val", "test"):
        counts = np.bincount(getattr(data, f"y_{split}"), minlength=10)
        assert counts.min() >= 29 and counts.max() <= 31, (split, counts)


def test_digits_seed_and_sizes():
    small = load_dataset("digits", num_train=100, num_val=50, num_test=40, num_dev=10, seed=3)
    assert [len(getattr(small, f"y_{s}")) for s in SPLITS] == [100, 50, 40, 10]
    same = load_dataset("digits", num_train=100, num_val=50, num_test=40, num_dev=10, seed=3)
    other = load_dataset("digits", num_train=100, num_val=50, num_test=40, num_dev=10, seed=4)
    for split in SPLITS:
        np.testing.assert_array_equal(getattr(small, f"X_{split}"), getattr(same, f"X_{split}"))
    assert not np.array_equal(small.X_train, other.X_train)
    # The test split depends on the seed and num_test only, not on the other sizes.
    bigger = load_dataset("digits", num_train=500, num_val=100, num_test=40, num_dev=10, seed=3)
    np.testing.assert_array_equal(small.X_test, bigger.X_test)


def test_digits_asking_for_too_many_images():
    with pytest.raises(ValueError, match=r"has 1,797 images.*num_train=1,500 \+ num_val=300 \+ num_test=300 = 2,100"):
        load_dataset("digits", num_train=1500)


@pytest.mark.parametrize(
    "sizes, error, message",
    [
        ({"num_dev": 200, "num_train": 100}, ValueError, r"num_dev=200 is more than num_train=100"),
        ({"num_val": -1}, ValueError, r"num_val must be at least 0"),
        ({"num_train": 0}, ValueError, r"num_train must be at least 1"),
        ({"num_test": 2.5}, TypeError, r"num_test must be an integer"),
    ],
)
def test_bad_split_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        load_dataset("digits", **sizes)


def test_zero_sized_splits_are_allowed():
    data = load_dataset("digits", num_val=0, num_dev=0)
    assert data.X_val.shape == (0, 64) and data.X_dev.shape == (0, 64)
    processed, _ = preprocess(data)
    assert processed.X_val.shape == (0, 65)


# ----------------------------------------------------------------------------
# Choosing the data set


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"'mnist'.*'cifar10', 'digits', or None"):
        load_dataset("mnist")


def test_auto_picks_digits_without_cifar(tmp_path, capsys):
    data = load_dataset(root=tmp_path)
    assert data.name == "digits"
    line = capsys.readouterr().out.strip()
    assert line == (
        f"Using the embedded digits data set (CIFAR-10 not found in {tmp_path}; "
        "run ./get_datasets.sh to get it)."
    )


def test_auto_picks_cifar_when_present(cifar_root, capsys):
    root, _ = cifar_root
    data = load_dataset(root=root, **SMALL)
    assert data.name == "cifar10"
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"Using CIFAR-10 from {root / 'cifar-10-batches-py'} (found it;")
    assert "ASSIGNMENT_DATASET=digits" in line


def test_env_var_overrides_the_automatic_choice(cifar_root, monkeypatch, capsys):
    root, _ = cifar_root
    monkeypatch.setenv("ASSIGNMENT_DATASET", "digits")
    assert load_dataset(root=root).name == "digits"
    assert "(ASSIGNMENT_DATASET=digits)" in capsys.readouterr().out
    # ... but not a name given in the call.
    assert load_dataset("cifar10", root=root, **SMALL).name == "cifar10"


def test_env_var_cifar_when_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIGNMENT_DATASET", "cifar10")
    with pytest.raises(FileNotFoundError, match=r"get_datasets\.sh"):
        load_dataset(root=tmp_path)


def test_bad_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIGNMENT_DATASET", "cifar100")
    with pytest.raises(ValueError, match=r"ASSIGNMENT_DATASET='cifar100' names no data set.*'cifar10' or 'digits'"):
        load_dataset(root=tmp_path)


def test_default_root_is_the_kits_datasets_folder_whatever_the_cwd(tmp_path):
    # A fresh Python started elsewhere (notebooks run in notebooks/), so that
    # the paths are worked out there and not when this test module was imported.
    code = (
        "from assignment.data import load_dataset, loader\n"
        "print(loader.default_root())\n"
        "print(len(load_dataset('digits').y_test))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(KIT_ROOT)}
    env.pop("DATASETS_DIR", None)
    env.pop("ASSIGNMENT_DATASET", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    root, _using, test_size = result.stdout.splitlines()
    assert root == str(KIT_ROOT / "datasets")
    assert test_size == "300"


def test_datasets_dir_env_var_moves_the_root(cifar_root, monkeypatch):
    root, _ = cifar_root
    monkeypatch.setenv("DATASETS_DIR", str(root))
    assert loader.default_root() == root
    assert load_dataset(**SMALL).name == "cifar10"


# ----------------------------------------------------------------------------
# preprocess


@pytest.mark.parametrize("source", ["digits", "cifar10"])
def test_preprocess(source, cifar_root):
    root, _ = cifar_root
    data = load_dataset(source, root=root, **(SMALL if source == "cifar10" else {}))
    before = {split: getattr(data, f"X_{split}").copy() for split in SPLITS}

    processed, mean_image = preprocess(data)

    D = int(np.prod(data.image_shape))
    expected_mean = data.X_train.astype(np.float64).mean(axis=0)
    assert mean_image.shape == (D,) and mean_image.dtype == np.float32
    np.testing.assert_allclose(mean_image, expected_mean, rtol=1e-6)
    for split in SPLITS:
        X = getattr(processed, f"X_{split}")
        assert X.shape == (len(before[split]), D + 1)
        assert X.dtype == np.float32
        np.testing.assert_array_equal(X[:, -1], 1.0)
        # Every split is centred with the *training* mean.
        np.testing.assert_allclose(X[:, :D], before[split] - expected_mean, atol=1e-4)
        np.testing.assert_array_equal(getattr(data, f"X_{split}"), before[split])  # input unchanged
        np.testing.assert_array_equal(getattr(processed, f"y_{split}"), getattr(data, f"y_{split}"))
    np.testing.assert_allclose(processed.X_train[:, :D].mean(axis=0), 0, atol=1e-4)
    assert processed.class_names == data.class_names
    assert processed.image_shape == data.image_shape


def test_preprocess_twice_is_an_error():
    processed, _ = preprocess(load_dataset("digits"))
    with pytest.raises(ValueError, match="already been preprocessed"):
        preprocess(processed)


def test_preprocess_accepts_image_shaped_rows():
    data = load_dataset("digits", num_train=50, num_val=10, num_test=10, num_dev=5)
    shaped = dataclasses.replace(data, **{f"X_{s}": getattr(data, f"X_{s}").reshape(-1, 8, 8) for s in SPLITS})
    flat_result, flat_mean = preprocess(data)
    shaped_result, shaped_mean = preprocess(shaped)
    np.testing.assert_array_equal(flat_mean, shaped_mean)
    np.testing.assert_array_equal(flat_result.X_test, shaped_result.X_test)


# ----------------------------------------------------------------------------
# Dataset


def test_dataset_is_frozen_and_checks_its_splits():
    data = load_dataset("digits", num_train=50, num_val=10, num_test=10, num_dev=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.X_train = data.X_val
    with pytest.raises(ValueError, match="X_val has 10 rows but y_val has 9 labels"):
        dataclasses.replace(data, y_val=data.y_val[:9])


def test_dataset_repr_shows_shapes_not_pixels():
    data = load_dataset("digits")
    text = repr(data)
    assert "Dataset 'digits': 10 classes, images 8x8" in text
    assert "(1197, 64)" in text and "uint8" in text
    assert len(text.splitlines()) == 5
