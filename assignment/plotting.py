"""Figures for the notebooks.

Every helper is a small pure function: it takes plain numpy arrays (images are
rows of shape ``(N, prod(image_shape))``), draws one new figure and returns it
as a :class:`matplotlib.figure.Figure`. Nothing global is changed (no
``rcParams``, no style), and nothing is closed.

The same calls work for the embedded digits (``image_shape == (8, 8)``, grey
values 0..16) and for CIFAR-10 (``image_shape == (32, 32, 3)``, colour values
0..255); pass the ``image_shape`` and ``class_names`` that the data loader
returns.

In Jupyter (inline backend) a figure made here is shown once, at the end of
the cell that made it, whether or not the cell returns it. End the line with
``;`` or assign the result (``fig = plot_loss_curve(losses)``) when the call is
the cell's last line, or the figure is shown twice. Outside Jupyter, call
``fig.savefig(path)`` or ``matplotlib.pyplot.show()``.
"""

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogFormatter

__all__ = [
    "show_samples_per_class",
    "show_image",
    "show_weight_templates",
    "plot_loss_curve",
    "plot_loss_curves",
    "plot_loss_slice",
    "plot_sweep_heatmap",
    "plot_timing_bars",
    "plot_accuracy_bars",
    "plot_class_probabilities",
]


# ---------------------------------------------------------------------------
# Input checks and conversions (private)
# ---------------------------------------------------------------------------

def _check_image_shape(image_shape):
    """Return ``image_shape`` as a tuple of ints: (H, W) grey or (H, W, 3) colour."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2 or (len(shape) == 3 and shape[2] == 3):
        if all(s > 0 for s in shape):
            return shape
    raise ValueError(
        f"image_shape must be (H, W) for grey or (H, W, 3) for colour images, "
        f"got {tuple(image_shape)}"
    )


def _rows_to_images(X, image_shape, what="X"):
    """Reshape image rows (N, D) to (N, *image_shape), checking that D fits.

    No float copy is made here: ``X`` may be a whole training set (CIFAR-10:
    50,000 x 3,072); callers convert only the images they show.
    """
    shape = _check_image_shape(image_shape)
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{what} must be 2-D (one image per row), got shape {X.shape}")
    size = int(np.prod(shape))
    if X.shape[1] != size:
        has = f"{what} has" if what == "image_row" else f"{what} rows have"
        raise ValueError(
            f"{has} {X.shape[1]} values but image_shape {shape} needs {size}; "
            f"pass the image_shape that the data loader returned (and images "
            f"without the bias column)"
        )
    return X.reshape((X.shape[0],) + shape)


def _rescale01(a):
    """Stretch ``a`` linearly to 0..1 for display (a constant array becomes 0.5)."""
    lo, hi = float(np.min(a)), float(np.max(a))
    if hi == lo:
        return np.full(np.shape(a), 0.5)
    return (a - lo) / (hi - lo)


def _imshow(ax, image):
    """Show one image already scaled to 0..1, grey or RGB, without ticks."""
    if image.ndim == 2:
        ax.imshow(image, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _legend_beside(ax, **options):
    """The legend to the right of the axes, where it can cover no curve, bar or label."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **options)


def _figure_and_axes(ax, figsize):
    """The axes to draw on and its figure: `ax` if given, else a new figure."""
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def _check_class_names(class_names, num_classes, what):
    names = [str(n) for n in class_names]
    if len(names) != num_classes:
        raise ValueError(
            f"{what} has {num_classes} classes but class_names has {len(names)} names"
        )
    return names


def _as_1d(values, what):
    a = np.asarray(values, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{what} must be a non-empty 1-D sequence, got shape {a.shape}")
    return a


def _set_log_y(ax):
    """Logarithmic y axis with plain tick labels (``2``, ``10``, ``1e+08``, not ``2x10^0``)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(LogFormatter())  # labels minor ticks only over few decades


def _format_log_tick(value):
    """Format a hyper-parameter value as in ``1e-07`` or ``2.5e+04``."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def _format_seconds(seconds):
    """A readable duration: ``850 µs``, ``12.3 ms``, ``4.56 s``."""
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

def show_samples_per_class(X, y, class_names, image_shape, samples_per_class=4,
                           seed=0, title="Random training images per class"):
    """Show a grid of random images: one column per class, one row per sample.

    Parameters
    ----------
    X : array_like, shape (N, prod(image_shape))
        Images as rows (raw pixel values, any range).
    y : array_like of int, shape (N,)
        Labels, ``0 <= y[i] < len(class_names)``.
    class_names : sequence of str, length C
        Column headings.
    image_shape : tuple
        ``(H, W)`` for grey or ``(H, W, 3)`` for colour images.
    samples_per_class : int
        Rows of the grid. A class with fewer images leaves its extra cells empty.
    seed : int
        Seed for ``np.random.default_rng``: which images are drawn.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes showing the grid as a single image (a mosaic), with the class
        names above their columns; empty cells are blank. The whole grid
        shares one display scale (the min..max of the images shown), so
        brightness compares across images.
    """
    images = _rows_to_images(X, image_shape)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != images.shape[0]:
        raise ValueError(
            f"X has {images.shape[0]} rows but y has shape {y.shape}; "
            f"need one label per row"
        )
    names = [str(n) for n in class_names]
    if len(names) == 0:
        raise ValueError("class_names is empty")
    if y.size and (y.min() < 0 or y.max() >= len(names)):
        raise ValueError(
            f"labels must lie in 0..{len(names) - 1} (one per class name), "
            f"got {y.min()}..{y.max()}"
        )
    if int(samples_per_class) < 1:
        raise ValueError(f"samples_per_class must be at least 1, got {samples_per_class}")
    rows = int(samples_per_class)

    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(len(names)):
        idx = np.flatnonzero(y == c)
        chosen.append(rng.choice(idx, size=min(rows, idx.size), replace=False))
    all_idx = np.concatenate(chosen)
    shown = _rescale01(images[all_idx].astype(float)) if all_idx.size else images[:0]

    columns = np.split(shown, np.cumsum([idx.size for idx in chosen])[:-1])
    mosaic, centres = _mosaic(columns, rows, images.shape[1:])

    # One image for the whole grid, not one Axes per sample: 70 Axes take
    # matplotlib over a second to lay out and draw, one takes a tenth of that.
    cols = len(names)
    fig, ax = plt.subplots(figsize=(0.8 * cols + 0.4, 0.8 * rows + 0.8), layout="constrained")
    ax.imshow(mosaic, interpolation="nearest")
    ax.set_xticks(centres, names, fontsize=10)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_yticks([])
    ax.set_frame_on(False)
    fig.suptitle(title)
    return fig


def _mosaic(columns, rows, image_shape):
    """Lay out columns of images, top down, as one RGBA image.

    Parameters
    ----------
    columns : list of ndarray, each of shape (K_c, *image_shape), K_c <= rows
        The images of each column, already scaled to 0..1.
    rows : int
        Cells per column; a column with fewer images leaves its last cells empty.
    image_shape : tuple
        ``(H, W)`` or ``(H, W, 3)``.

    Returns
    -------
    mosaic : ndarray, shape (rows * (H + gap) - gap, len(columns) * (W + gap) - gap, 4)
        Opaque where an image is; the gaps and the empty cells are transparent.
    centres : ndarray, shape (len(columns),)
        The x coordinate of each column's middle, for its label.
    """
    height, width = image_shape[:2]
    gap = max(1, height // 8)
    step_y, step_x = height + gap, width + gap
    mosaic = np.zeros((rows * step_y - gap, len(columns) * step_x - gap, 4))
    for c, images in enumerate(columns):
        for r, image in enumerate(images):
            cell = mosaic[r * step_y:r * step_y + height, c * step_x:c * step_x + width]
            cell[..., :3] = image[..., np.newaxis] if image.ndim == 2 else image
            cell[..., 3] = 1.0
    centres = np.arange(len(columns)) * step_x + (width - 1) / 2
    return mosaic, centres


def show_image(image_row, image_shape, title, value_label="pixel value"):
    """Show one image given as a row, e.g. the mean training image.

    Parameters
    ----------
    image_row : array_like, shape (prod(image_shape),)
        One image as a row; any float range (a mean image, a gradient...).
    image_shape : tuple
        ``(H, W)`` for grey or ``(H, W, 3)`` for colour images.
    title : str
        Axes title.
    value_label : str
        What the values are, for the colour bar of a grey image.

    Returns
    -------
    matplotlib.figure.Figure
        The values are stretched from their min..max to the full display
        range (the x label says so); a grey image also gets a colour bar in the
        original units.
    """
    row = np.asarray(image_row, dtype=float)
    if row.ndim != 1:
        raise ValueError(f"image_row must be 1-D (one image as a row), got shape {row.shape}")
    image = _rows_to_images(row[None, :], image_shape, what="image_row")[0]
    lo, hi = float(image.min()), float(image.max())

    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    if image.ndim == 2:
        shown = ax.imshow(image, cmap="gray", vmin=lo, vmax=hi if hi > lo else lo + 1,
                          interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(shown, ax=ax, label=value_label)
    else:
        _imshow(ax, _rescale01(image))
    ax.set_title(title)
    ax.set_xlabel(f"display stretched from [{lo:.3g}, {hi:.3g}]")
    fig.tight_layout()
    return fig


def show_weight_templates(W, image_shape, class_names,
                          title="Learned weights as class templates"):
    """Show each class's column of ``W`` as an image ("template").

    Parameters
    ----------
    W : array_like, shape (D, C)
        Weights; ``D == prod(image_shape)``, or ``prod(image_shape) + 1`` when
        the last row is the bias (the bias trick); the bias row is dropped.
    image_shape : tuple
        ``(H, W)`` for grey or ``(H, W, 3)`` for colour images.
    class_names : sequence of str, length C
        Panel titles.
    title : str
        Figure title (a note on the rescaling is appended).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per class, at most five per row. A grey template is drawn
        with a diverging colour map centred at 0 and scaled to its own largest
        |weight|; a colour one is stretched to its own min..max. Either way
        colours compare within a panel, not across.
    """
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"W must be 2-D with shape (D, C), got shape {W.shape}")
    shape = _check_image_shape(image_shape)
    size = int(np.prod(shape))
    if W.shape[0] == size + 1:
        W = W[:-1]  # the bias row is no image
    elif W.shape[0] != size:
        raise ValueError(
            f"W has {W.shape[0]} rows but image_shape {shape} needs {size} "
            f"(or {size + 1} with the bias row)"
        )
    names = _check_class_names(class_names, W.shape[1], "W")
    templates = _rows_to_images(W.T, shape, what="W.T")

    cols = min(len(names), 5)
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.1 * rows + 0.7),
                             squeeze=False, layout="constrained")
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    grey = templates.ndim == 3
    for ax, name, template in zip(axes.flat, names, templates):
        if grey:
            # A diverging map centred at 0 tells positive weights from negative ones.
            largest = float(np.max(np.abs(template))) or 1.0
            ax.imshow(template, cmap="RdBu_r", vmin=-largest, vmax=largest,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            _imshow(ax, _rescale01(template))
        ax.set_title(name)
    note = ("red: positive weight, blue: negative, white: 0; each panel scaled to its own "
            "largest |weight|" if grey else "each template stretched to its own min..max")
    fig.suptitle(f"{title}\n({note})")
    return fig


# ---------------------------------------------------------------------------
# Curves
# ---------------------------------------------------------------------------

def _moving_average(values, window):
    """Trailing mean over ``window`` values, defined from index ``window - 1`` on."""
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


# Losses beyond this (or not finite) count as diverged; they are not drawn, since
# matplotlib's tick arithmetic overflows near the float64 limit.
_DIVERGED = 1e100


def _split_diverged(losses):
    """Return (losses with diverged values as NaN, first diverged iteration or None)."""
    bad = ~np.isfinite(losses)
    bad[~bad] = np.abs(losses[~bad]) > _DIVERGED
    first = int(np.argmax(bad)) if bad.any() else None
    return np.where(bad, np.nan, losses), first


def _check_window(smooth, length):
    if smooth is None:
        return None
    if int(smooth) != smooth or smooth < 1:
        raise ValueError(f"smooth must be None or a window of >= 1 iterations, got {smooth!r}")
    return min(int(smooth), length)


def plot_loss_curve(losses, title="Training loss", smooth=None, log_y=False,
                    ylabel="loss"):
    """Plot the loss at every iteration, optionally with a moving average.

    Parameters
    ----------
    losses : array_like, shape (T,)
        One loss per iteration, e.g. the list ``LinearClassifier.train`` returns.
    title : str
        Axes title.
    smooth : int or None
        Window (in iterations) of a trailing moving average drawn over the
        faint raw curve; ``None`` draws the raw curve only. Capped at ``T``.
        Losses that are not finite or above 1e100 (a diverged run) are not
        drawn; a dashed line marks the first such iteration.
    log_y : bool
        Logarithmic loss axis.
    ylabel : str
        Label of the loss axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    losses, diverged = _split_diverged(_as_1d(losses, "losses"))
    window = _check_window(smooth, losses.size)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    iters = np.arange(losses.size)
    if window is None or window == 1:
        ax.plot(iters, losses, color="C0", linewidth=1.2, label="per iteration")
    else:
        ax.plot(iters, losses, color="C0", alpha=0.3, linewidth=1.0, label="per iteration")
        ax.plot(iters[window - 1:], _moving_average(losses, window), color="C0",
                linewidth=2.0, label=f"moving average ({window} iterations)")
    if diverged is not None:
        ax.axvline(diverged, color="C3", linestyle="--", linewidth=1.2,
                   label=f"diverged (loss > {_DIVERGED:g} or not finite)")
    if len(ax.get_lines()) > 1:
        ax.legend()
    if log_y:
        _set_log_y(ax)
    ax.set_title(title)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def plot_loss_curves(curves, title="Training loss", smooth=None, log_y=False,
                     legend_title=None, ylabel="loss", ax=None):
    """Plot several loss-per-iteration curves on one axes, e.g. one per learning rate.

    Parameters
    ----------
    curves : Mapping[str, array_like]
        Legend label -> losses (shape (T_k,); lengths may differ). Insertion
        order is kept. Losses that are not finite or above 1e100 are not
        drawn, and the label says where that curve diverged.
    title : str
        Axes title.
    smooth : int or None
        If given, draw the trailing moving average over this many iterations
        instead of the raw curves (several raw noisy curves are unreadable).
    log_y : bool
        Logarithmic loss axis (useful when a too-large step size diverges).
    legend_title : str or None
        E.g. ``"learning rate"``.
    ylabel : str
        Label of the loss axis.
    ax : matplotlib Axes or None
        Draw on this axes (e.g. one panel of a figure with several) instead
        of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(curves, Mapping) or len(curves) == 0:
        raise ValueError("curves must be a non-empty mapping: label -> losses")
    fig, ax = _figure_and_axes(ax, figsize=(6.4, 4.0))
    for label, losses in curves.items():
        losses, diverged = _split_diverged(_as_1d(losses, f"curves[{label!r}]"))
        window = _check_window(smooth, losses.size) or 1
        note = "" if diverged is None else f" (diverged at iteration {diverged})"
        ax.plot(np.arange(window - 1, losses.size), _moving_average(losses, window),
                linewidth=1.5, label=f"{label}{note}")
    if log_y:
        _set_log_y(ax)
    window_note = f" (moving average over {smooth} iterations)" if smooth not in (None, 1) else ""
    ax.set_title(title + window_note)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    _legend_beside(ax, title=legend_title)
    fig.tight_layout()
    return fig


def plot_loss_slice(steps, losses, title="Loss along one direction in weight space",
                    xlabel="step size a along the direction", ylabel="loss"):
    """Plot the loss along a 1-D slice ``W + a * direction`` of weight space.

    Parameters
    ----------
    steps : array_like, shape (K,)
        The step sizes ``a`` (0 is the current ``W``, marked when in range).
    losses : array_like of shape (K,), or Mapping[str, array_like of shape (K,)]
        One curve, or several (label -> losses), e.g. the SVM loss of each
        example and their mean, which shows the kinks of the hinge.
    title, xlabel, ylabel : str
        Axes title and labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = _as_1d(steps, "steps")
    curves = dict(losses) if isinstance(losses, Mapping) else {"loss": losses}
    if not curves:
        raise ValueError("losses is an empty mapping")
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, values in curves.items():
        values = _as_1d(values, f"losses[{label!r}]" if len(curves) > 1 else "losses")
        if values.size != steps.size:
            raise ValueError(
                f"{label!r} has {values.size} loss values but there are {steps.size} steps"
            )
        ax.plot(steps, values, linewidth=1.5, label=str(label))
    if steps.min() <= 0 <= steps.max():
        ax.axvline(0.0, color="0.5", linestyle="--", linewidth=1.0, label="current W (a = 0)")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if len(ax.get_lines()) > 1:
        ax.legend()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Hyper-parameter sweep
# ---------------------------------------------------------------------------

def _sweep_grid(results, learning_rates, regs):
    """Return (sorted lrs, sorted regs, grid[i_lr, j_reg]) from an array or a mapping."""
    lrs = _as_1d(learning_rates, "learning_rates")
    regs = _as_1d(regs, "regs")
    for name, values in (("learning_rates", lrs), ("regs", regs)):
        if np.unique(values).size != values.size:
            raise ValueError(f"{name} has repeated values: {values.tolist()}")
    if isinstance(results, Mapping):
        grid = np.full((lrs.size, regs.size), np.nan)
        lr_pos = {float(v): i for i, v in enumerate(lrs)}
        reg_pos = {float(v): j for j, v in enumerate(regs)}
        for key, value in results.items():
            try:
                lr, reg = key
            except (TypeError, ValueError):
                raise ValueError(f"results keys must be (learning_rate, reg) pairs, got {key!r}")
            if np.ndim(value) != 0:
                raise ValueError(
                    f"results[{key!r}] is {value!r}, not one number; for "
                    f"(train_acc, val_acc) tuples pass "
                    f"{{k: v[1] for k, v in results.items()}}"
                )
            if float(lr) not in lr_pos or float(reg) not in reg_pos:
                raise ValueError(f"results key {key!r} is not in learning_rates x regs")
            grid[lr_pos[float(lr)], reg_pos[float(reg)]] = float(value)
    else:
        grid = np.asarray(results, dtype=float)
        if grid.shape != (lrs.size, regs.size):
            raise ValueError(
                f"results has shape {grid.shape} but needs (len(learning_rates), "
                f"len(regs)) = {(lrs.size, regs.size)}"
            )
    lr_order, reg_order = np.argsort(lrs), np.argsort(regs)
    return lrs[lr_order], regs[reg_order], grid[np.ix_(lr_order, reg_order)]


def plot_sweep_heatmap(results, learning_rates, regs, metric_name="validation accuracy",
                       title=None, higher_is_better=True, fmt=".3f", ax=None):
    """Show a metric over a learning-rate x regularization grid as a heatmap.

    Parameters
    ----------
    results : array_like of shape (len(learning_rates), len(regs)), or Mapping
        The metric per cell: an array indexed ``[i_lr, j_reg]``, or a mapping
        ``(learning_rate, reg) -> value``. Cells without a value are shown
        empty ("n/a").
    learning_rates : array_like, shape (L,)
        Learning rates tried (rows, sorted ascending in the figure).
    regs : array_like, shape (R,)
        Regularization strengths tried (columns, sorted ascending).
    metric_name : str
        Colour-bar label and part of the default title.
    title : str or None
        Axes title; by default names the metric and the best cell.
    higher_is_better : bool
        Whether the highest (else the lowest) value is outlined as the best.
    fmt : str
        Format spec of the number written in each cell.
    ax : matplotlib Axes or None
        Draw on this axes (e.g. one panel of a figure with several) instead
        of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Every cell carries its value; the best one is outlined in red and
        its value is bold.
    """
    lrs, regs, grid = _sweep_grid(results, learning_rates, regs)
    finite = np.isfinite(grid)

    fig, ax = _figure_and_axes(ax, figsize=(1.1 * regs.size + 3.2, 0.7 * lrs.size + 2.0))
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", origin="lower",
                      aspect="auto")
    fig.colorbar(image, ax=ax, label=metric_name)

    best = None
    if finite.any():
        masked = np.where(finite, grid, -np.inf if higher_is_better else np.inf)
        flat = np.argmax(masked) if higher_is_better else np.argmin(masked)
        best = np.unravel_index(flat, grid.shape)
        lo, hi = grid[finite].min(), grid[finite].max()
    fontsize = 9 if regs.size <= 8 else 7
    for i in range(lrs.size):
        for j in range(regs.size):
            if not finite[i, j]:
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=fontsize, color="0.4")
                continue
            # Dark text on the bright (yellow) end of viridis, white on the dark end.
            level = (grid[i, j] - lo) / (hi - lo) if hi > lo else 0.5
            ax.text(j, i, format(grid[i, j], fmt), ha="center", va="center",
                    fontsize=fontsize, color="black" if level > 0.6 else "white",
                    fontweight="bold" if (i, j) == best else "normal")
    if best is not None:
        i, j = best
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red",
                               linewidth=2.5))

    ax.set_xticks(np.arange(regs.size), [_format_log_tick(v) for v in regs])
    ax.set_yticks(np.arange(lrs.size), [_format_log_tick(v) for v in lrs])
    ax.set_xlabel("regularization strength (reg)")
    ax.set_ylabel("learning rate")
    if title is None:
        title = f"{metric_name[:1].upper()}{metric_name[1:]} per hyper-parameter pair"
        if best is not None:
            i, j = best
            title += (f"\nbest (red): {format(grid[i, j], fmt)} at learning rate "
                      f"{_format_log_tick(lrs[i])}, reg {_format_log_tick(regs[j])}")
    ax.set_title(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Bar charts
# ---------------------------------------------------------------------------

def _bar_chart(labels, values, what, texts, title, ylabel, colors=None):
    labels = [str(label) for label in labels]
    values = _as_1d(values, what)
    if len(labels) != values.size:
        raise ValueError(f"got {len(labels)} labels but {values.size} {what}")
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(labels) + 2.0), 4.0))
    x = np.arange(len(labels))
    bars = ax.bar(x, values, color=colors if colors is not None else "C0", width=0.6)
    ax.bar_label(bars, labels=texts(values), padding=2, fontsize=9)
    ax.set_xticks(x, labels, rotation=30 if max(map(len, labels)) > 10 else 0,
                  ha="right" if max(map(len, labels)) > 10 else "center")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return fig, ax, bars


def plot_timing_bars(labels, seconds, title="Run time", log_y=False,
                     xlabel="implementation"):
    """Compare run times, e.g. naive vs vectorized loss, as bars.

    Parameters
    ----------
    labels : sequence of str, length K
        One per bar.
    seconds : array_like, shape (K,)
        Run times in seconds (>= 0).
    title : str
        Axes title; the speed-up of the fastest bar over the slowest is appended.
    log_y : bool
        Logarithmic time axis (for times that differ by orders of magnitude).
    xlabel : str
        Label of the category axis.

    Returns
    -------
    matplotlib.figure.Figure
        Each bar is labelled with its time in readable units.
    """
    seconds = _as_1d(seconds, "seconds")
    if (seconds < 0).any() or not np.isfinite(seconds).all():
        raise ValueError(f"seconds must be finite and >= 0, got {seconds.tolist()}")
    fig, ax, _ = _bar_chart(labels, seconds, "seconds",
                            lambda v: [_format_seconds(s) for s in v],
                            title, "time (s)")
    if seconds.size > 1 and seconds.min() > 0:
        fast, slow = int(np.argmin(seconds)), int(np.argmax(seconds))
        names = [str(label) for label in labels]
        ax.set_title(f"{title}\n({names[fast]} is {seconds[slow] / seconds[fast]:.3g}x "
                     f"faster than {names[slow]})")
    if log_y:
        _set_log_y(ax)
        positive = seconds[seconds > 0]
        if positive.size:  # headroom for the bar labels (a factor: the axis is logarithmic)
            ax.set_ylim(positive.min() / 2, positive.max() * 3)
    else:
        ax.set_ylim(0, seconds.max() * 1.15 if seconds.max() > 0 else 1)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def plot_accuracy_bars(labels, accuracies, title="Accuracy", chance=None,
                       xlabel="model / split"):
    """Compare accuracies (fractions in 0..1) as bars, e.g. train/val/test or SVM/softmax.

    Parameters
    ----------
    labels : sequence of str, length K
        One per bar.
    accuracies : array_like, shape (K,)
        Fractions correct, in 0..1.
    title : str
        Axes title.
    chance : float or None
        If given (e.g. ``1 / num_classes``), a dashed line marks chance level.
    xlabel : str
        Label of the category axis.

    Returns
    -------
    matplotlib.figure.Figure
        Each bar is labelled with its accuracy.
    """
    accuracies = _as_1d(accuracies, "accuracies")
    if not ((accuracies >= 0) & (accuracies <= 1)).all():
        raise ValueError(
            f"accuracies must be fractions in 0..1, got {accuracies.tolist()}"
        )
    fig, ax, _ = _bar_chart(labels, accuracies, "accuracies",
                            lambda v: [f"{a:.3f}" for a in v],
                            title, "accuracy (fraction correct)")
    if chance is not None:
        ax.axhline(chance, color="0.3", linestyle="--", linewidth=1.2,
                   label=f"chance ({chance:.3g})")
        _legend_beside(ax)
    ax.set_ylim(0, 1.12)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def plot_class_probabilities(probs, class_names, title="Predicted class probabilities",
                             true_class=None):
    """Show one example's predicted probabilities (e.g. softmax output) per class.

    Parameters
    ----------
    probs : array_like, shape (C,)
        Non-negative, summing to 1 (apply the softmax to raw scores first).
    class_names : sequence of str, length C
        Bar labels.
    title : str
        Axes title.
    true_class : int or None
        Index of the correct class; its bar is drawn in another colour.

    Returns
    -------
    matplotlib.figure.Figure
        Each bar is labelled with its probability.
    """
    probs = _as_1d(probs, "probs")
    names = _check_class_names(class_names, probs.size, "probs")
    total = probs.sum()
    if (probs < 0).any() or not np.isclose(total, 1.0, atol=1e-3):
        raise ValueError(
            f"probs must be non-negative and sum to 1 (sum is {total:.4g}); "
            f"are these raw scores? Apply the softmax first"
        )
    colors = None
    if true_class is not None:
        if not 0 <= int(true_class) < probs.size:
            raise ValueError(f"true_class must be in 0..{probs.size - 1}, got {true_class}")
        colors = ["C2" if c == int(true_class) else "C0" for c in range(probs.size)]
    fig, ax, bars = _bar_chart(names, probs, "probabilities",
                               lambda v: [f"{p:.2f}" for p in v],
                               title, "probability", colors=colors)
    if true_class is not None:
        c = int(true_class)
        other = next((b for k, b in enumerate(bars) if k != c), None)
        handles = [bars[c]] + ([other] if other is not None else [])
        ax.legend(handles, ["correct class", "other classes"][:len(handles)],
                  loc="upper right")
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("class")
    fig.tight_layout()
    return fig
