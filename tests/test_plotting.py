"""Tests of assignment.plotting: every helper, on 8x8 grey and 32x32x3 colour data.

They run with the Agg backend, check what a reader relies on (titles, axis
labels, legends, annotations, which data lands where) and that bad input fails
with a clear ValueError. Any warning fails a test (a warning in a notebook is
noise a student has to wonder about).
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")

# Nothing is pip-installed: import the kit's own assignment/ (as the notebooks do).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from assignment import plotting  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")

DIGIT_NAMES = [str(c) for c in range(10)]
CIFAR_NAMES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def make_data(kind, n=80, seed=0):
    """Random images as rows, like the loaders return: (X, y, class_names, image_shape)."""
    rng = np.random.default_rng(seed)
    if kind == "digits":
        shape, names = (8, 8), DIGIT_NAMES
        X = rng.integers(0, 17, size=(n, 64)).astype(float)
    else:
        shape, names = (32, 32, 3), CIFAR_NAMES
        X = rng.uniform(0, 255, size=(n, 32 * 32 * 3)).astype(np.float32)
    y = np.arange(n) % len(names)  # every class present
    return X, y, names, shape


@pytest.fixture(params=["digits", "cifar"])
def data(request):
    return make_data(request.param)


@pytest.fixture(autouse=True)
def close_figures():
    """The helpers leave figures open (the caller owns them); the tests close theirs."""
    yield
    plt.close("all")


def assert_labelled(ax, legend=None):
    """A data axes has a title and both axis labels; legend=True/False checks the legend."""
    assert ax.get_title().strip(), "axes without a title"
    assert ax.get_xlabel().strip(), "axes without an x label"
    assert ax.get_ylabel().strip(), "axes without a y label"
    if legend is not None:
        assert (ax.get_legend() is not None) == legend


def image_axes(fig):
    return [ax for ax in fig.axes if ax.get_images()]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# ---------------------------------------------------------------------------
# Every helper on both kinds of data
# ---------------------------------------------------------------------------

def all_figures(X, y, names, shape):
    """One call of every helper, as the notebooks would make it."""
    rng = np.random.default_rng(1)
    C, D = len(names), X.shape[1]
    losses = 10 * np.exp(-np.arange(300) / 80) + rng.normal(0, 0.3, 300) + 2
    steps = np.linspace(-1, 1, 21)
    probs = np.exp(rng.normal(size=C))
    P = plotting
    return {
        "show_samples_per_class": P.show_samples_per_class(X, y, names, shape),
        "show_image": P.show_image(X.mean(axis=0), shape, "Mean image"),
        "show_weight_templates": P.show_weight_templates(rng.normal(size=(D + 1, C)),
                                                         shape, names),
        "plot_loss_curve": P.plot_loss_curve(losses, smooth=20),
        "plot_loss_curves": P.plot_loss_curves({"1e-07": losses, "1e-06": losses / 2},
                                               legend_title="learning rate", log_y=True),
        "plot_loss_slice": P.plot_loss_slice(steps, np.abs(steps) + 1),
        "plot_sweep_heatmap": P.plot_sweep_heatmap(rng.uniform(0.1, 0.4, (3, 2)),
                                                   [1e-7, 1e-6, 1e-5], [1e3, 1e4]),
        "plot_timing_bars": P.plot_timing_bars(["naive", "vectorized"], [0.2, 0.004]),
        "plot_accuracy_bars": P.plot_accuracy_bars(["train", "val"], [0.4, 0.35],
                                                   chance=1 / C),
        "plot_class_probabilities": P.plot_class_probabilities(probs / probs.sum(), names,
                                                               true_class=3),
    }


IMAGE_GRIDS = {"show_samples_per_class", "show_weight_templates"}


@pytest.mark.slow
def test_every_helper_returns_a_labelled_figure_that_saves(data, tmp_path):
    figures = all_figures(*data)
    assert set(figures) == set(plotting.__all__)  # none left untested
    for name, fig in figures.items():
        assert isinstance(fig, Figure), name
        path = tmp_path / f"{name}.png"
        fig.savefig(path)
        assert path.stat().st_size > 1000, name
        if name == "show_samples_per_class":
            assert fig.get_suptitle().strip(), name
            assert column_headings(fig) == data[2], name  # the class names head the columns
        elif name == "show_weight_templates":
            assert fig.get_suptitle().strip(), name
            titles = [ax.get_title() for ax in image_axes(fig)[:len(data[2])]]
            assert titles == data[2], name  # the class names head the panels
        elif name == "show_image":
            assert fig.axes[0].get_title() == "Mean image"
            assert fig.axes[0].get_xlabel().strip()  # says how the values were stretched
        else:
            assert_labelled(fig.axes[0])
        if name not in IMAGE_GRIDS:
            for colour_bar in fig.axes[1:]:
                assert colour_bar.get_ylabel().strip(), name


@pytest.mark.slow
def test_helpers_change_no_global_state_and_close_nothing(data):
    before = dict(matplotlib.rcParams)
    mine = plt.figure()
    figures = all_figures(*data)
    assert dict(matplotlib.rcParams) == before
    assert plt.fignum_exists(mine.number)
    assert all(plt.fignum_exists(fig.number) for fig in figures.values()), \
        "figures must stay open so that Jupyter shows them inline"


def test_every_helper_has_a_numpy_style_docstring():
    for name in plotting.__all__:
        doc = getattr(plotting, name).__doc__
        assert doc and "Parameters" in doc and "Returns" in doc, name


# ---------------------------------------------------------------------------
# Image helpers
# ---------------------------------------------------------------------------

def mosaic_cells(fig, rows, cols, shape):
    """The samples grid's cells, read back from its one image.

    Returns {(row, col): RGB image (H, W, 3), or None where the cell is empty},
    after checking that the gaps between cells are transparent and that each
    column's label sits over the column's middle.
    """
    (ax,) = fig.axes
    (im,) = ax.get_images()
    mosaic = np.asarray(im.get_array())
    height, width = shape[:2]
    gap = (mosaic.shape[1] - cols * width) // (cols - 1)
    assert mosaic.shape == (rows * (height + gap) - gap, cols * (width + gap) - gap, 4)
    np.testing.assert_allclose(ax.get_xticks(), np.arange(cols) * (width + gap) + (width - 1) / 2)
    cells, opaque = {}, np.zeros(mosaic.shape[:2], bool)
    for r in range(rows):
        for c in range(cols):
            top, left = r * (height + gap), c * (width + gap)
            cell = mosaic[top:top + height, left:left + width]
            assert np.all(cell[..., 3] == cell[0, 0, 3])  # a cell is all image or all empty
            cells[r, c] = cell[..., :3] if cell[0, 0, 3] == 1 else None
            opaque[top:top + height, left:left + width] = True
    assert np.all(mosaic[~opaque, 3] == 0)  # the gaps are see-through
    return cells


def column_headings(fig):
    return [label.get_text() for label in fig.axes[0].get_xticklabels()]


@pytest.mark.parametrize("kind", ["digits", "cifar"])
def test_samples_grid_puts_each_class_in_its_own_column(kind):
    X, y, names, shape = make_data(kind)
    # Every image of class c is constant c: after the shared rescale a cell
    # in column c must show c / (C - 1) everywhere.
    X = np.repeat(y[:, None].astype(float), X.shape[1], axis=1)
    fig = plotting.show_samples_per_class(X, y, names, shape, samples_per_class=4,
                                          title="Samples")
    assert fig.get_suptitle() == "Samples"
    assert column_headings(fig) == names
    cells = mosaic_cells(fig, 4, len(names), shape)
    for (r, c), cell in cells.items():
        assert cell is not None
        np.testing.assert_allclose(cell, c / (len(names) - 1))


def test_samples_grid_is_reproducible_and_tolerates_small_classes():
    X, y, names, shape = make_data("digits", n=25)  # classes 0..4 have 3 images, 5..9 have 2

    def shown(seed):
        fig = plotting.show_samples_per_class(X, y, names, shape, samples_per_class=3, seed=seed)
        return mosaic_cells(fig, 3, len(names), shape)

    first, again, other = shown(0), shown(0), shown(5)
    filled = {cell for cell, image in first.items() if image is not None}
    assert filled == {(r, c) for c in range(10) for r in range(3 if c < 5 else 2)}
    assert all(np.array_equal(first[cell], again[cell]) for cell in filled)
    assert not all(np.array_equal(first[cell], other[cell]) for cell in filled)


def test_samples_grid_keeps_a_column_for_a_class_without_images():
    X = np.random.default_rng(0).uniform(0, 16, (6, 64))
    fig = plotting.show_samples_per_class(X, [0, 0, 1, 1, 3, 3], list("abcd"), (8, 8),
                                          samples_per_class=3)
    assert column_headings(fig) == list("abcd")
    cells = mosaic_cells(fig, 3, 4, (8, 8))
    assert {cell for cell, image in cells.items() if image is not None} == {
        (0, 0), (1, 0), (0, 1), (1, 1), (0, 3), (1, 3)}


def test_samples_grid_takes_raw_uint8_rows():
    X, y, names, shape = make_data("cifar")
    fig = plotting.show_samples_per_class(X.astype(np.uint8), y, names, shape,
                                          samples_per_class=2)
    shown = np.concatenate([np.ravel(image) for image in mosaic_cells(fig, 2, 10, shape).values()])
    assert shown.min() == pytest.approx(0.0) and shown.max() == pytest.approx(1.0)


def test_samples_grid_rejects_bad_input():
    X, y, names, shape = make_data("cifar")
    with pytest.raises(ValueError, match=r"3072 values but image_shape \(8, 8\) needs 64"):
        plotting.show_samples_per_class(X, y, names, (8, 8))
    with pytest.raises(ValueError, match="image_shape must be"):
        plotting.show_samples_per_class(X, y, names, (32, 32, 4))
    with pytest.raises(ValueError, match="80 rows but y"):
        plotting.show_samples_per_class(X, y[:-1], names, shape)
    with pytest.raises(ValueError, match="labels must lie in 0..8"):
        plotting.show_samples_per_class(X, y, names[:-1], shape)
    with pytest.raises(ValueError, match="2-D"):
        plotting.show_samples_per_class(X[0], y[:1], names, shape)
    with pytest.raises(ValueError, match="samples_per_class"):
        plotting.show_samples_per_class(X, y, names, shape, samples_per_class=0)


def test_show_image_grey_has_colour_bar_in_original_units():
    row = np.linspace(-3.0, 5.0, 64)  # e.g. a mean-subtracted image
    fig = plotting.show_image(row, (8, 8), "Mean image")
    ax, cbar = fig.axes
    assert ax.get_title() == "Mean image"
    assert "stretched" in ax.get_xlabel() and "-3" in ax.get_xlabel() and "5" in ax.get_xlabel()
    assert cbar.get_ylabel() == "pixel value"
    assert ax.get_images()[0].get_clim() == (-3.0, 5.0)


def test_show_image_colour_is_rescaled_to_0_1():
    row = np.random.default_rng(0).uniform(-50, 300, 32 * 32 * 3).astype(np.float32)
    fig = plotting.show_image(row, (32, 32, 3), "Mean image")
    assert len(fig.axes) == 1
    shown = np.asarray(fig.axes[0].get_images()[0].get_array())
    assert shown.shape == (32, 32, 3)
    assert shown.min() == pytest.approx(0.0) and shown.max() == pytest.approx(1.0)
    assert "stretched" in fig.axes[0].get_xlabel()


def test_show_image_constant_image_gives_no_warning():
    plotting.show_image(np.zeros(64), (8, 8), "zeros")
    plotting.show_image(np.zeros(3072), (32, 32, 3), "zeros")


def test_show_image_rejects_bad_input():
    with pytest.raises(ValueError, match="image_row has 64 values but image_shape"):
        plotting.show_image(np.zeros(64), (32, 32, 3), "x")
    with pytest.raises(ValueError, match="1-D"):
        plotting.show_image(np.zeros((2, 64)), (8, 8), "x")


@pytest.mark.parametrize("kind", ["digits", "cifar"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_weight_templates_drop_bias_and_rescale_each(kind, with_bias):
    _, _, names, shape = make_data(kind)
    rng = np.random.default_rng(3)
    D = int(np.prod(shape))
    W = rng.normal(size=(D, len(names))) * np.arange(1, len(names) + 1)  # different ranges
    if with_bias:
        W = np.vstack([W, np.full(len(names), 1e6)])  # would dominate if not dropped
    fig = plotting.show_weight_templates(W, shape, names)
    panels = image_axes(fig)
    assert [ax.get_title() for ax in panels] == names
    grey = len(shape) == 2
    assert ("red: positive weight" if grey else "stretched") in fig.get_suptitle()
    for c, ax in enumerate(panels):
        image = ax.get_images()[0]
        shown = np.asarray(image.get_array())
        template = W[:D, c].reshape(shape)
        if grey:   # the weights themselves, on a diverging map centred at 0
            largest = np.abs(template).max()
            np.testing.assert_allclose(shown, template)
            assert image.get_cmap().name == "RdBu_r"
            assert image.get_clim() == pytest.approx((-largest, largest))
        else:
            expected = (template - template.min()) / (template.max() - template.min())
            np.testing.assert_allclose(shown, expected)


def test_weight_templates_with_more_classes_than_a_row():
    W = np.random.default_rng(0).normal(size=(65, 7))
    fig = plotting.show_weight_templates(W, (8, 8), list("abcdefg"))
    assert len(image_axes(fig)) == 7
    assert sum(ax.get_visible() for ax in fig.axes) == 7  # spare grid cells hidden


def test_weight_templates_reject_bad_input():
    W = np.zeros((65, 10))
    with pytest.raises(ValueError, match=r"65 rows but image_shape \(32, 32, 3\) needs 3072"):
        plotting.show_weight_templates(W, (32, 32, 3), CIFAR_NAMES)
    with pytest.raises(ValueError, match="10 classes but class_names has 9"):
        plotting.show_weight_templates(W, (8, 8), DIGIT_NAMES[:9])
    with pytest.raises(ValueError, match="2-D"):
        plotting.show_weight_templates(np.zeros(65), (8, 8), DIGIT_NAMES)


# ---------------------------------------------------------------------------
# Curves
# ---------------------------------------------------------------------------

def test_loss_curve_raw_only():
    fig = plotting.plot_loss_curve([3.0, 2.0, 1.5], title="SVM loss")
    (ax,) = fig.axes
    assert_labelled(ax, legend=False)
    assert ax.get_title() == "SVM loss"
    assert ax.get_xlabel() == "iteration" and ax.get_ylabel() == "loss"
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 2])


def test_loss_curve_with_moving_average():
    losses = np.random.default_rng(0).normal(5, 1, 100)
    fig = plotting.plot_loss_curve(losses, smooth=10, log_y=True)
    (ax,) = fig.axes
    assert_labelled(ax, legend=True)
    assert ax.get_yscale() == "log"
    raw, avg = ax.get_lines()
    assert len(legend_texts(ax)) == 2
    np.testing.assert_array_equal(avg.get_xdata(), np.arange(9, 100))
    np.testing.assert_allclose(avg.get_ydata()[0], losses[:10].mean())
    np.testing.assert_allclose(avg.get_ydata()[-1], losses[-10:].mean())
    # A window longer than the run is capped, not an error.
    fig = plotting.plot_loss_curve(losses[:5], smooth=50)
    assert "5 iterations" in legend_texts(fig.axes[0])[1]


DIVERGED = np.concatenate([np.linspace(9, 3, 50), [1e200, 1e308, np.inf, np.nan]])


@pytest.mark.parametrize("log_y", [False, True])
def test_loss_curve_of_a_diverged_run_marks_where(log_y, tmp_path):
    fig = plotting.plot_loss_curve(DIVERGED, smooth=10, log_y=log_y)
    fig.savefig(tmp_path / "diverged.png")  # huge values would overflow the tick maths
    ax = fig.axes[0]
    assert any(t.startswith("diverged") for t in legend_texts(ax))
    assert ax.get_lines()[-1].get_xdata()[0] == 50
    assert ax.get_ylim()[1] < 100


def test_loss_curves_of_a_diverged_run_say_where(tmp_path):
    fig = plotting.plot_loss_curves({"1e-3": DIVERGED, "1e-6": np.linspace(9, 5, 50)})
    fig.savefig(tmp_path / "diverged.png")
    assert legend_texts(fig.axes[0]) == ["1e-3 (diverged at iteration 50)", "1e-6"]


def test_loss_curve_rejects_bad_input():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plotting.plot_loss_curve([])
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plotting.plot_loss_curve(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="smooth"):
        plotting.plot_loss_curve([1.0, 2.0], smooth=0)
    with pytest.raises(ValueError, match="smooth"):
        plotting.plot_loss_curve([1.0, 2.0], smooth=2.5)


def test_loss_curves_one_line_per_label_with_legend():
    curves = {"1e-07": np.linspace(9, 5, 50), "1e-06": np.linspace(9, 2, 50),
              "1e-05": np.linspace(9, 1, 30)}
    fig = plotting.plot_loss_curves(curves, legend_title="learning rate", log_y=True)
    (ax,) = fig.axes
    assert_labelled(ax, legend=True)
    assert legend_texts(ax) == list(curves)
    assert ax.get_legend().get_title().get_text() == "learning rate"
    assert len(ax.get_lines()) == 3 and ax.get_yscale() == "log"


def test_loss_curves_smoothed_says_so():
    curves = {"a": np.arange(30.0), "b": np.arange(10.0)}
    fig = plotting.plot_loss_curves(curves, smooth=5)
    ax = fig.axes[0]
    assert "moving average over 5" in ax.get_title()
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), np.arange(2.0, 8.0))


def test_loss_curves_reject_bad_input():
    with pytest.raises(ValueError, match="non-empty mapping"):
        plotting.plot_loss_curves({})
    with pytest.raises(ValueError, match="non-empty mapping"):
        plotting.plot_loss_curves([1.0, 2.0])
    with pytest.raises(ValueError, match=r"curves\['b'\]"):
        plotting.plot_loss_curves({"a": [1.0], "b": []})


def test_loss_slice_one_curve_and_several():
    steps = np.linspace(-2, 2, 41)
    fig = plotting.plot_loss_slice(steps, np.maximum(0, 1 - steps))
    (ax,) = fig.axes
    assert_labelled(ax, legend=True)  # the loss and the marker of the current W
    assert len(ax.get_lines()) == 2
    fig = plotting.plot_loss_slice(steps, {"example 1": np.maximum(0, 1 - steps),
                                           "example 2": np.maximum(0, steps),
                                           "mean": np.abs(steps)})
    assert legend_texts(fig.axes[0])[:3] == ["example 1", "example 2", "mean"]
    fig = plotting.plot_loss_slice(np.linspace(1, 2, 5), np.ones(5))  # 0 not in range
    assert_labelled(fig.axes[0], legend=False)


def test_loss_slice_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="4 loss values but there are 5 steps"):
        plotting.plot_loss_slice(np.arange(5.0), np.arange(4.0))
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_loss_slice(np.arange(5.0), {})


# ---------------------------------------------------------------------------
# Sweep heatmap
# ---------------------------------------------------------------------------

LRS = [1e-7, 5e-7, 1e-6]
REGS = [2.5e4, 5e4]


def cell_texts(ax):
    return [t for t in ax.texts]


def test_heatmap_annotates_every_cell_and_highlights_the_best():
    grid = np.array([[0.30, 0.31], [0.35, 0.41], [0.20, 0.33]])
    fig = plotting.plot_sweep_heatmap(grid, LRS, REGS)
    ax, cbar = fig.axes
    assert_labelled(ax)
    assert cbar.get_ylabel() == "validation accuracy"
    texts = cell_texts(ax)
    assert len(texts) == grid.size
    assert sorted(t.get_text() for t in texts) == sorted(f"{v:.3f}" for v in grid.flat)
    bold = [t.get_text() for t in texts if t.get_fontweight() == "bold"]
    assert bold == ["0.410"]
    (box,) = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert box.get_xy() == (1 - 0.5, 1 - 0.5)  # column reg=5e4, row lr=5e-7
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2.5e+04", "5e+04"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1e-07", "5e-07", "1e-06"]
    assert "0.410" in ax.get_title() and "5e-07" in ax.get_title()


def test_heatmap_tick_labels_keep_three_digits():
    fig = plotting.plot_sweep_heatmap(np.zeros((1, 3)), [2.512e-6], [1e2, 3.1623e4, 0.0])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1e+02", "3.16e+04"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2.51e-06"]


def test_heatmap_from_mapping_sorts_axes_and_marks_missing_cells():
    results = {(1e-6, 5e4): 0.25, (1e-7, 2.5e4): 0.30, (5e-7, 5e4): 0.38}
    fig = plotting.plot_sweep_heatmap(results, [1e-6, 1e-7, 5e-7], [5e4, 2.5e4],
                                      metric_name="val acc")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1e-07", "5e-07", "1e-06"]
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in cell_texts(ax)}
    assert len(texts) == 6
    assert texts[(0, 0)] == "0.300" and texts[(1, 1)] == "0.380" and texts[(2, 1)] == "0.250"
    assert texts[(1, 0)] == "n/a"
    assert fig.axes[1].get_ylabel() == "val acc"


def test_heatmap_lower_is_better_and_all_missing():
    grid = np.array([[1.0, 2.0], [0.5, 3.0], [4.0, 5.0]])
    fig = plotting.plot_sweep_heatmap(grid, LRS, REGS, metric_name="loss",
                                      higher_is_better=False, fmt=".2g")
    (box,) = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert box.get_xy() == (-0.5, 0.5)
    fig = plotting.plot_sweep_heatmap(np.full((3, 2), np.nan), LRS, REGS)
    ax = fig.axes[0]
    assert [t.get_text() for t in cell_texts(ax)] == ["n/a"] * 6
    assert not [p for p in ax.patches if isinstance(p, Rectangle)]


def test_heatmap_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) but needs .* \(3, 2\)"):
        plotting.plot_sweep_heatmap(np.zeros((2, 3)), LRS, REGS)
    with pytest.raises(ValueError, match=r"v\[1\]"):
        plotting.plot_sweep_heatmap({(1e-7, 2.5e4): (0.4, 0.3)}, LRS, REGS)
    with pytest.raises(ValueError, match="not in learning_rates x regs"):
        plotting.plot_sweep_heatmap({(1e-3, 2.5e4): 0.3}, LRS, REGS)
    with pytest.raises(ValueError, match="pairs"):
        plotting.plot_sweep_heatmap({1e-7: 0.3}, LRS, REGS)
    with pytest.raises(ValueError, match="repeated"):
        plotting.plot_sweep_heatmap(np.zeros((2, 2)), [1e-7, 1e-7], REGS)


# ---------------------------------------------------------------------------
# Bar charts
# ---------------------------------------------------------------------------

def bar_heights(ax):
    return [p.get_height() for p in ax.patches]


def test_timing_bars():
    fig = plotting.plot_timing_bars(["naive", "vectorized"], [0.25, 0.0025], log_y=True)
    (ax,) = fig.axes
    assert_labelled(ax)
    assert ax.get_ylabel() == "time (s)" and ax.get_yscale() == "log"
    assert bar_heights(ax) == [0.25, 0.0025]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["naive", "vectorized"]
    assert "vectorized is 100x faster than naive" in ax.get_title()
    assert [t.get_text() for t in ax.texts] == ["250 ms", "2.5 ms"]
    plotting.plot_timing_bars(["a", "b"], [0.0, 1.5], log_y=True)  # a zero timing is allowed


def test_timing_bars_reject_bad_input():
    with pytest.raises(ValueError, match="2 labels but 3 seconds"):
        plotting.plot_timing_bars(["a", "b"], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=">= 0"):
        plotting.plot_timing_bars(["a"], [-1.0])


def test_accuracy_bars_with_chance_line():
    fig = plotting.plot_accuracy_bars(["train", "validation", "test"], [0.41, 0.38, 0.37],
                                      chance=0.1)
    (ax,) = fig.axes
    assert_labelled(ax, legend=True)
    assert bar_heights(ax) == [0.41, 0.38, 0.37]
    assert legend_texts(ax) == ["chance (0.1)"]
    fig = plotting.plot_accuracy_bars(["svm", "softmax"], [0.4, 0.39])
    assert_labelled(fig.axes[0], legend=False)


def test_accuracy_bars_reject_bad_input():
    with pytest.raises(ValueError, match="fractions in 0..1"):
        plotting.plot_accuracy_bars(["a"], [38.0])
    with pytest.raises(ValueError, match="1 labels but 2 accuracies"):
        plotting.plot_accuracy_bars(["a"], [0.1, 0.2])


def test_class_probabilities_marks_the_correct_class():
    probs = np.array([0.13, 0.87, 0.0])
    fig = plotting.plot_class_probabilities(probs, ["cat", "car", "frog"], true_class=0)
    (ax,) = fig.axes
    assert_labelled(ax, legend=True)
    assert bar_heights(ax) == list(probs)
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[0] != colours[1] == colours[2]
    assert legend_texts(ax) == ["correct class", "other classes"]
    fig = plotting.plot_class_probabilities(probs, ["cat", "car", "frog"])
    assert_labelled(fig.axes[0], legend=False)


def test_class_probabilities_reject_bad_input():
    with pytest.raises(ValueError, match="Apply the softmax first"):
        plotting.plot_class_probabilities([3.2, 5.1, -1.7], ["cat", "car", "frog"])
    with pytest.raises(ValueError, match="3 classes but class_names has 2"):
        plotting.plot_class_probabilities([0.2, 0.3, 0.5], ["cat", "car"])
    with pytest.raises(ValueError, match="true_class"):
        plotting.plot_class_probabilities([0.2, 0.3, 0.5], ["cat", "car", "frog"], true_class=3)


def test_sweep_and_curves_draw_side_by_side_on_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    lrs, regs = [1e-6, 1e-5], [1e-1, 1e0, 1e1]
    returned = plotting.plot_sweep_heatmap(np.arange(6.0).reshape(2, 3) / 10, lrs, regs, ax=left)
    assert returned is fig
    returned = plotting.plot_loss_curves({"1e-06": [3.0, 2.0, 1.0], "1e-05": [3.0, 1.0, 0.5]},
                                         legend_title="learning rate", ax=right)
    assert returned is fig
    assert len(plt.get_fignums()) == 1  # no extra figure was made
    assert_labelled(left)
    assert_labelled(right, legend=True)
    assert len(left.texts) == 6 and len(right.get_lines()) == 2
