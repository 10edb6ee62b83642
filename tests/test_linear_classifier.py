"""Tests of LinearClassifier, LinearSVM and Softmax: training, prediction, validation.

As in test_losses.py, each check is a property function ``prop_*(module)`` of
a ``linear_classifier`` module (the reference, the independent solution, or a
student mistake) that raises on a violation; each mistake's entry in
instructor/mistakes.py says exactly which properties catch it. The input validation (provided code, outside
the solution regions) is tested on the reference.
"""

import functools
import math

import numpy as np
import pytest

import independent
import student_mistakes as sm
from assignment.classifiers import linear_classifier
from assignment.classifiers.linear_classifier import LinearClassifier, LinearSVM, Softmax


def blobs(per_class=60, seed=0, dtype=np.float64):
    """Three well-separated Gaussian blobs in 2-D plus a bias column, sorted by class."""
    centers = np.array([[6.0, 0.0], [-3.0, 5.2], [-3.0, -5.2]])
    rs = np.random.RandomState(seed)
    points = np.concatenate([c + rs.randn(per_class, 2) for c in centers])
    X = np.hstack([points, np.ones((len(points), 1))])
    y = np.repeat(np.arange(len(centers)), per_class)
    return X.astype(dtype), y


def classifiers(module):
    return [module.LinearSVM, module.Softmax]


# --- properties: each takes a linear_classifier module and raises on a violation ---

def prop_predict(module):
    """predict returns, per row, the class with the highest score, as integers (N,)."""
    W = np.random.RandomState(0).randn(4, 5)
    X = np.random.RandomState(1).randn(7, 4)
    rows, cols = X.tolist(), W.T.tolist()
    expected = [max(range(5), key=lambda c: math.fsum(a * b for a, b in zip(x, cols[c])))
                for x in rows]
    for cls in classifiers(module):
        clf = cls()
        clf.W = W
        for n in (7, 1):
            predicted = clf.predict(X[:n])
            assert predicted.shape == (n,), f"shape {predicted.shape}, expected ({n},)"
            assert predicted.dtype.kind in "iu", f"labels of dtype {predicted.dtype}"
            assert predicted.tolist() == expected[:n]


def prop_learns(module):
    """On separable data, training lowers the loss and reaches > 95 % test accuracy."""
    X, y = blobs(seed=0)
    X_test, y_test = blobs(seed=1)
    for cls in classifiers(module):
        clf = cls(seed=0)
        history = clf.train(X, y, learning_rate=1e-2, reg=1e-3, num_iters=200,
                            batch_size=20)
        first, last = np.mean(history[:20]), np.mean(history[-20:])
        assert last < 0.5 * first, f"{cls.__name__}: loss {first:.3g} -> {last:.3g}"
        accuracy = np.mean(clf.predict(X_test) == y_test)
        assert accuracy > 0.95, f"{cls.__name__}: test accuracy {accuracy:.2f}"


def prop_minibatch(module):
    """Each minibatch: batch_size rows of X with their own labels; batches vary."""
    class Spy(module.LinearSVM):
        def loss(self, X_batch, y_batch, reg):
            self.batches.append((X_batch.copy(), y_batch.copy()))
            return super().loss(X_batch, y_batch, reg)

    X, y = blobs(per_class=10, seed=2)
    row_of = {row.tobytes(): i for i, row in enumerate(X)}
    for batch_size in (5, 45):  # fewer and more than the 30 examples
        spy = Spy(seed=0)
        spy.batches = []
        spy.train(X.copy(), y.copy(), num_iters=20, batch_size=batch_size)
        assert len(spy.batches) == 20
        seen = set()
        for X_batch, y_batch in spy.batches:
            assert X_batch.shape == (batch_size, 3) and y_batch.shape == (batch_size,), \
                f"batch of shapes {X_batch.shape}, {y_batch.shape}, batch_size {batch_size}"
            rows = [row_of[row.tobytes()] for row in X_batch]
            assert np.array_equal(y_batch, y[rows]), "labels do not belong to their rows"
            seen.update(rows)
        assert len(seen) >= min(len(X), 3 * batch_size), f"only rows {sorted(seen)} used"


def prop_reproducible(module):
    """The same seed gives the same weights and losses; another seed, others."""
    X, y = blobs(per_class=10, seed=3)
    for cls in classifiers(module):
        runs = [cls(seed=seed) for seed in (5, 5, 6)]
        histories = [clf.train(X.copy(), y.copy(), learning_rate=1e-2, num_iters=30,
                               batch_size=8) for clf in runs]
        assert np.array_equal(runs[0].W, runs[1].W) and histories[0] == histories[1]
        assert not np.array_equal(runs[0].W, runs[2].W)


def prop_history(module):
    """train returns a list of num_iters finite Python floats."""
    X, y = blobs(per_class=10, seed=4)
    for cls in classifiers(module):
        for num_iters in (17, 0):
            history = cls(seed=0).train(X, y, num_iters=num_iters, batch_size=4)
            assert isinstance(history, list) and len(history) == num_iters
            assert all(type(loss) is float and math.isfinite(loss) for loss in history)


def prop_dtypes(module):
    """float32 data gives float32 weights, float64 gives float64, integer data float64."""
    X, y = blobs(per_class=10, seed=5)
    pixels = np.round(np.abs(X) * 2).astype(np.uint8)  # integer features, like raw pixels
    for cls in classifiers(module):
        for data, dtype in ((X.astype(np.float32), np.float32), (X, np.float64),
                            (pixels, np.float64)):
            clf = cls(seed=0)
            clf.train(data, y, learning_rate=1e-3, num_iters=5, batch_size=8)
            assert clf.W.dtype == dtype, f"{data.dtype} data gave {clf.W.dtype} weights"
            assert np.all(np.isfinite(clf.W))
            assert clf.predict(data).shape == (len(data),)


def prop_inputs_unchanged(module):
    """train and predict leave the caller's X and y as they were."""
    X, y = blobs(per_class=10, seed=6)
    X_copy, y_copy = X.copy(), y.copy()
    for cls in classifiers(module):
        clf = cls(seed=0)
        clf.train(X, y, num_iters=10, batch_size=8)
        clf.predict(X)
        assert np.array_equal(X, X_copy) and np.array_equal(y, y_copy), "X or y modified"


CLASSIFIER_PROPERTIES = {
    "predict": prop_predict,
    "learns": prop_learns,
    "minibatch": prop_minibatch,
    "reproducible": prop_reproducible,
    "history": prop_history,
    "dtypes": prop_dtypes,
    "inputs_unchanged": prop_inputs_unchanged,
}

# The mistakes of linear_classifier.py; each entry of instructor/mistakes.py lists exactly
# the properties that catch it.
CLASSIFIER_MISTAKES = sorted(name for name, m in sm.MISTAKES.items() if m.file == sm.CLASSIFIER)


@functools.lru_cache(maxsize=None)
def independent_module():
    return independent.load_independent_module(sm.CLASSIFIER)


@pytest.mark.parametrize("prop", CLASSIFIER_PROPERTIES.values(),
                         ids=list(CLASSIFIER_PROPERTIES))
@pytest.mark.parametrize("which", ["reference", "independent"])
def test_correct_implementation_has_property(which, prop):
    prop(linear_classifier if which == "reference" else independent_module())


@pytest.mark.parametrize("mistake", CLASSIFIER_MISTAKES)
def test_mistake_is_caught(mistake):
    sm.assert_caught_exactly(mistake, CLASSIFIER_PROPERTIES)


def test_every_classifier_mistake_names_properties_of_this_file():
    for name in CLASSIFIER_MISTAKES:
        caught = sm.MISTAKES[name].properties
        assert caught and caught <= set(CLASSIFIER_PROPERTIES), name


def test_every_mistake_is_in_a_student_file():
    from instructor.regions import student_files

    assert {m.file for m in sm.MISTAKES.values()} == set(student_files(sm.KIT_ROOT))


# --- the reference: validation, verbose, the base class ----------------------

def assert_message(excinfo, *fragments):
    message = str(excinfo.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def with_value(X, index, value):
    X = X.copy()
    X[index] = value
    return X


X30, Y30 = blobs(per_class=10, seed=7)  # X (30, 3), y (30,) in 0..2

TRAIN_ERRORS = {
    "lengths differ": (X30, Y30[:29], ["same length", "(30, 3)", "(29,)"]),
    "y not 1-D": (X30, Y30[:, np.newaxis], ["same length", "(30, 3)", "(30, 1)"]),
    "negative label": (X30, with_value(Y30, 4, -1), ["0..C-1", "from -1 to 2", "(30,)"]),
    "float labels": (X30, Y30.astype(float), ["integer labels", "float64"]),
    "X 1-D": (X30[:, 0], Y30, ["2-D", "(30,)"]),
    "X 3-D": (X30.reshape(30, 3, 1), Y30, ["2-D", "(30, 3, 1)"]),
    "NaN in X": (with_value(X30, (4, 1), np.nan), Y30,
                 ["NaN or inf", "(30, 3)", "row 4", "column 1"]),
    "inf in X": (with_value(X30, (0, 2), -np.inf), Y30,
                 ["NaN or inf", "(30, 3)", "row 0", "column 2"]),
    "inf and -inf in one row": (with_value(with_value(X30, (6, 0), np.inf), (6, 2), -np.inf),
                                Y30, ["NaN or inf", "row 6", "column 0"]),
    "NaN in float32 X": (with_value(X30.astype(np.float32), (29, 2), np.nan), Y30,
                         ["NaN or inf", "row 29", "column 2"]),
    "X not numbers": (X30.astype(str), Y30, ["numbers", "<U"]),
    "empty": (X30[:0], Y30[:0], ["empty"]),
}


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
@pytest.mark.parametrize("case", TRAIN_ERRORS)
def test_train_rejects_bad_input(case, cls):
    X, y, fragments = TRAIN_ERRORS[case]
    clf = cls(seed=0)
    with pytest.raises(ValueError) as excinfo:
        clf.train(X, y, num_iters=1)
    assert_message(excinfo, *fragments)
    assert clf.W is None


def trained(cls=LinearSVM):
    clf = cls(seed=0)
    clf.train(X30, Y30, num_iters=2, batch_size=4)
    return clf


@pytest.mark.parametrize("label", [3, 7, -2])
def test_second_training_rejects_labels_outside_the_classes(label):
    clf = trained()
    W = clf.W.copy()
    with pytest.raises(ValueError) as excinfo:
        clf.train(X30, with_value(Y30, 5, label), num_iters=1)
    assert_message(excinfo, "0..2", f"from {min(label, 0)} to {max(label, 2)}", "(30,)")
    assert np.array_equal(clf.W, W)


def test_second_training_rejects_another_number_of_features():
    clf = trained()
    with pytest.raises(ValueError) as excinfo:
        clf.train(X30[:, :2], Y30, num_iters=1)
    assert_message(excinfo, "2 features", "(3, 3)")


def test_second_training_continues_from_the_weights():
    clf = trained()
    W = clf.W.copy()
    clf.train(X30, Y30, num_iters=1, batch_size=4)
    assert clf.W.shape == W.shape and not np.array_equal(clf.W, W)
    assert np.abs(clf.W - W).max() < 0.1  # one small step, not a new start


def test_predict_before_train():
    with pytest.raises(ValueError) as excinfo:
        LinearSVM().predict(X30)
    assert_message(excinfo, "train(X, y)", "predict(X)")


@pytest.mark.parametrize("X, fragments", [
    (X30[:, :2], ["2 features", "(30, 2)", "(3, 3)"]),
    (X30[0], ["2-D", "(3,)"]),
    (with_value(X30, (2, 0), np.nan), ["NaN or inf", "row 2", "column 0"]),
], ids=["features", "1-D", "NaN"])
def test_predict_rejects_bad_input(X, fragments):
    with pytest.raises(ValueError) as excinfo:
        trained().predict(X)
    assert_message(excinfo, *fragments)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_accepts_huge_finite_values(dtype):
    # Each row's sum overflows to inf although every entry is finite: the
    # quick finiteness check must not mistake that for an inf in X.
    huge = np.finfo(dtype).max / 2
    X = np.full((4, 3), huge, dtype=dtype)
    clf = LinearSVM(seed=0)
    clf.W = np.array([[1e-30, 0], [0, 1e-30], [0, 0]], dtype=dtype)
    assert list(clf.predict(X)) == [0, 0, 0, 0]
    X[1, 1] *= 1.5
    assert list(clf.predict(X)) == [0, 1, 0, 0]


def test_integer_features_are_accepted():
    X = np.array([[0, 255, 1], [255, 0, 1]], dtype=np.uint8)
    clf = LinearSVM(seed=0)
    clf.W = np.eye(3)[:, :2]
    assert list(clf.predict(X)) == [1, 0]


def test_base_class_has_no_loss():
    with pytest.raises(NotImplementedError, match="LinearSVM or Softmax"):
        LinearClassifier(seed=0).train(X30, Y30, num_iters=1)


def test_lists_are_accepted():
    clf = LinearSVM(seed=0)
    clf.train(X30.tolist(), Y30.tolist(), num_iters=3, batch_size=4)
    assert clf.predict(X30.tolist()).shape == (30,)


def test_verbose_prints_every_100_iterations(capsys):
    LinearSVM(seed=0).train(X30, Y30, num_iters=250, batch_size=4, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "iteration 0 / 250", "iteration 100 / 250", "iteration 200 / 250"]


def test_quiet_by_default(capsys):
    LinearSVM(seed=0).train(X30, Y30, num_iters=150, batch_size=4)
    assert capsys.readouterr() == ("", "")
