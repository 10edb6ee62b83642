"""An interactive linear classifier on 2-D points: the logic behind notebook 5.

Three classes of points in the plane, a linear classifier with one weight
vector and one bias per class, and the SVM or softmax loss computed with
*your* ``svm_loss_vectorized`` / ``softmax_loss_vectorized``. Move a weight
and watch the decision regions and the loss of every point change; take
gradient steps and watch the loss go down.

Parameters: the controls show ``W`` of shape (2, 3) and ``b`` of shape (3,)
(column ``c`` of ``W`` and entry ``c`` of ``b`` belong to class ``c``, so the
score of class ``c`` at point ``x`` is ``x @ W[:, c] + b[c]``). For the loss
functions they are folded with the kit's bias trick: ``W_full`` of shape
(3, 3) is ``W`` with ``b`` appended as its last row, and every point gets a
third coordinate equal to 1 (see :func:`fold_bias` and :func:`with_ones`).
The regularization ``reg * sum(W_full**2)`` therefore includes the biases,
exactly as it does when the notebooks train on images.

The module has two parts:

- small pure functions (data layouts, folding, evaluating a loss, a gradient
  step, drawing the figure and the loss table) that the tests call directly;
- :class:`LinearClassifierDemo`, which wires them to ipywidgets. The plot is
  a PNG drawn by matplotlib's Agg renderer into an ``ipywidgets.Image``, so
  it works in JupyterLab 4 and Notebook 7 with no extension to install.

Until a loss function is implemented (it raises ``NotImplementedError``) the
demo says so plainly and shows the scores and decision regions only.
"""

import html
import importlib
import io
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = [
    "LAYOUTS",
    "LOSSES",
    "make_points",
    "initial_parameters",
    "fold_bias",
    "unfold_bias",
    "with_ones",
    "class_scores",
    "Evaluation",
    "evaluate",
    "gradient_step",
    "descend",
    "draw_classifier",
    "draw_loss_history",
    "figure_png",
    "total_html",
    "message_html",
    "loss_table_html",
    "LinearClassifierDemo",
]

NUM_CLASSES = 3
#: Half the width of the plotted square; the data lie well inside it.
PLOT_LIMIT = 3.0
#: Weights and biases are kept in [-PARAM_LIMIT, PARAM_LIMIT] (the sliders' range).
PARAM_LIMIT = 5.0
#: The parameter sliders' resolution.
SLIDER_STEP = 0.01

#: Data layouts: key -> label shown in the dropdown.
LAYOUTS = {
    "clusters": "three clusters",
    "overlap": "overlapping clusters",
    "stripes": "parallel stripes",
    "spiral": "spiral (not linearly separable)",
}

#: Losses: key -> (label, module, function name). The functions are looked up
#: when they are called, so an edited and reloaded module is picked up.
LOSSES = {
    "svm": ("multiclass SVM (hinge)", "assignment.classifiers.linear_svm",
            "svm_loss_vectorized"),
    "softmax": ("softmax (cross-entropy)", "assignment.classifiers.softmax",
                "softmax_loss_vectorized"),
}

# Red, green, blue as in the lecture's demo; markers differ too, so the classes
# stay apart for readers who do not tell these colours apart.
CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4")
REGION_COLORS = ("#f7c6c5", "#c8ebc8", "#c6dbf2")
CLASS_MARKERS = ("o", "s", "^")


# --------------------------------------------------------------------------
# Data and parameters
# --------------------------------------------------------------------------

def make_points(layout="clusters", n_per_class=10, seed=0):
    """Toy 2-D data: ``n_per_class`` points of each of the 3 classes.

    Parameters
    ----------
    layout : str
        One of the keys of :data:`LAYOUTS`.
    n_per_class : int
        Points per class (at least 1).
    seed : int
        Seed of the ``numpy.random.RandomState`` that draws the points; the
        same arguments always give the same points.

    Returns
    -------
    X : ndarray of float, shape (3 * n_per_class, 2)
        The points, inside the plotted square ``[-PLOT_LIMIT, PLOT_LIMIT]**2``.
    y : ndarray of int, shape (3 * n_per_class,)
        Their classes, in 0..2, class by class.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose one of {sorted(LAYOUTS)}.")
    if n_per_class < 1:
        raise ValueError(f"n_per_class must be at least 1, got {n_per_class}.")
    rs = np.random.RandomState(seed)
    y = np.repeat(np.arange(NUM_CLASSES), n_per_class)
    if layout in ("clusters", "overlap"):
        # Cluster centres on a circle, 120 degrees apart.
        radius, spread = (1.6, 0.35) if layout == "clusters" else (0.9, 0.6)
        angles = np.deg2rad(90 + 120 * np.arange(NUM_CLASSES))
        centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        X = centres[y] + rs.normal(scale=spread, size=(y.size, 2))
    elif layout == "stripes":
        # Three parallel bands, tilted by 30 degrees: separable by a linear
        # classifier, but the middle class needs its bias.
        across = 1.5 * (y - 1) + rs.uniform(-0.35, 0.35, size=y.size)
        along = rs.uniform(-2.2, 2.2, size=y.size)
        angle = np.deg2rad(30)
        rotation = np.array([[np.cos(angle), -np.sin(angle)],
                             [np.sin(angle), np.cos(angle)]])
        X = np.stack([across, along], axis=1) @ rotation.T
    else:  # spiral: three interleaved arms, as in the CS231n notes
        radius = np.tile(np.linspace(0.25, 2.5, n_per_class), NUM_CLASSES)
        theta = (np.tile(np.linspace(0, 4, n_per_class), NUM_CLASSES) + 4 * y
                 + rs.normal(scale=0.2, size=y.size))
        X = radius[:, None] * np.stack([np.sin(theta), np.cos(theta)], axis=1)
    X = np.clip(X, -0.95 * PLOT_LIMIT, 0.95 * PLOT_LIMIT)
    return X.astype(float), y


def initial_parameters(seed=0):
    """Small random starting parameters: ``W`` (2, 3) and ``b`` (3,).

    Drawn uniformly from [-1, 1] by ``numpy.random.RandomState(seed)``.
    """
    rs = np.random.RandomState(seed)
    W = rs.uniform(-1, 1, size=(2, NUM_CLASSES))
    b = rs.uniform(-1, 1, size=NUM_CLASSES)
    return W, b


def fold_bias(W, b):
    """The bias trick: ``W`` (2, C) and ``b`` (C,) -> ``W_full`` (3, C), b as the last row."""
    return np.vstack([np.asarray(W, dtype=float), np.asarray(b, dtype=float)[None, :]])


def unfold_bias(W_full):
    """Inverse of :func:`fold_bias`: ``W_full`` (3, C) -> (``W`` (2, C), ``b`` (C,)) as copies."""
    W_full = np.asarray(W_full, dtype=float)
    return W_full[:-1].copy(), W_full[-1].copy()


def with_ones(X):
    """``X`` (N, 2) with a column of ones appended: (N, 3), for ``W_full``."""
    X = np.asarray(X, dtype=float)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def class_scores(W, b, X):
    """Scores ``X @ W + b`` of shape (N, C): row i holds point i's score for each class."""
    return np.asarray(X, dtype=float) @ W + b


# --------------------------------------------------------------------------
# Loss and gradient descent
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Evaluation:
    """The loss of one setting of the parameters, or why there is none.

    Attributes
    ----------
    total : float or None
        The full loss, as returned by the loss function: data loss + reg loss.
    data_loss : float or None
        Mean of ``point_losses``.
    reg_loss : float or None
        ``reg * sum(W_full**2)``.
    point_losses : ndarray of shape (N,) or None
        The loss of each point alone (the loss function called on that point
        with ``reg = 0``).
    dW, db : ndarray of shape (2, C) and (C,), or None
        The gradient of ``total`` with respect to ``W`` and ``b``.
    problem : str or None
        A plain sentence saying why there is no loss (the function is not
        implemented yet, raised an error or returned something malformed).
    not_implemented : bool
        True when the loss function raised ``NotImplementedError``.
    """

    total: float | None = None
    data_loss: float | None = None
    reg_loss: float | None = None
    point_losses: np.ndarray | None = None
    dW: np.ndarray | None = None
    db: np.ndarray | None = None
    problem: str | None = None
    not_implemented: bool = False

    @property
    def ok(self):
        """True when the loss and its gradient are available."""
        return self.problem is None


def _describe(loss_fn):
    """``('svm_loss_vectorized', 'assignment/classifiers/linear_svm.py')`` for a loss function."""
    name = getattr(loss_fn, "__name__", repr(loss_fn))
    module = getattr(loss_fn, "__module__", None) or ""
    path = module.replace(".", "/") + ".py" if module.startswith("assignment.") else None
    return name, path


def evaluate(loss_fn, W, b, X, y, reg):
    """Call a loss function the way the kit's classifiers do, on the folded parameters.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(W_full, X_aug, y, reg) -> (loss, dW_full)`` with ``W_full``
        (3, C) and ``X_aug`` (N, 3), e.g. your ``svm_loss_vectorized``.
    W, b : ndarray, shapes (2, C) and (C,)
        The parameters shown by the controls.
    X : ndarray, shape (N, 2)
    y : ndarray of int, shape (N,)
    reg : float

    Returns
    -------
    Evaluation
        Never raises for a faulty ``loss_fn``: a ``NotImplementedError`` or any
        other exception, or a result of the wrong shape, becomes
        ``Evaluation.problem``.
    """
    W_full = fold_bias(W, b)
    X_aug = with_ones(X)
    y = np.asarray(y)
    name, path = _describe(loss_fn)
    try:
        total, dW_full = loss_fn(W_full, X_aug, y, reg)
        # Each point alone, without regularization: its own share of the data loss.
        point_losses = [loss_fn(W_full, X_aug[i:i + 1], y[i:i + 1], 0.0)[0]
                        for i in range(len(y))]
    except NotImplementedError:
        where = f" in {path}" if path else ""
        return Evaluation(
            problem=(f"{name} is not implemented yet, so there is no loss or gradient "
                     f"to show. Write it{where}, then run the cell that makes this "
                     f"demo again. Meanwhile the plot shows the scores and decision "
                     f"regions of the weights you set."),
            not_implemented=True)
    except Exception as error:  # a student's bug must not break the demo
        return Evaluation(problem=f"{name} raised {type(error).__name__}: {error}")
    try:
        total = float(total)
        dW_full = np.asarray(dW_full, dtype=float)
        point_losses = np.array(point_losses, dtype=float)
    except (TypeError, ValueError):
        return Evaluation(problem=f"{name} should return (loss, dW), a number and an array "
                                  f"of numbers; it returned a loss or gradient that is not "
                                  f"numbers ({type(total).__name__}, "
                                  f"{type(dW_full).__name__}).")
    if dW_full.shape != W_full.shape:
        return Evaluation(problem=f"{name} returned a gradient of shape {dW_full.shape}; "
                                  f"expected {W_full.shape}, the shape of W.")
    if not (np.isfinite(total) and np.all(np.isfinite(dW_full))
            and np.all(np.isfinite(point_losses))):
        return Evaluation(problem=f"{name} returned a loss or gradient that is not finite.")
    dW, db = unfold_bias(dW_full)
    return Evaluation(total=total, data_loss=float(point_losses.mean()),
                      reg_loss=float(reg * np.sum(W_full ** 2)),
                      point_losses=point_losses, dW=dW, db=db)


def gradient_step(W, b, dW, db, step_size, limit=PARAM_LIMIT):
    """One step of gradient descent: new ``(W, b)``, each kept in ``[-limit, limit]``.

    The clipping keeps the parameters inside the controls' range; the inputs
    are not modified.
    """
    W_new = np.clip(W - step_size * dW, -limit, limit)
    b_new = np.clip(b - step_size * db, -limit, limit)
    return W_new, b_new


def descend(loss_fn, W, b, X, y, reg, step_size, num_steps):
    """Take ``num_steps`` gradient steps from ``(W, b)``.

    Returns
    -------
    W, b : ndarray
        The parameters after the last step.
    losses : list of float
        The total loss after each step.

    Raises
    ------
    Whatever ``loss_fn`` raises: call :func:`evaluate` first to know that it works.
    """
    X_aug = with_ones(X)
    _, dW_full = loss_fn(fold_bias(W, b), X_aug, y, reg)
    losses = []
    for _ in range(num_steps):
        W, b = gradient_step(W, b, *unfold_bias(dW_full), step_size)
        loss, dW_full = loss_fn(fold_bias(W, b), X_aug, y, reg)
        losses.append(float(loss))
    return W, b, losses


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------

def _score_line(w, bias, limit):
    """Two far-apart points of the line ``w @ x + bias = 0`` and its point nearest 0.

    Returns None when ``w`` is (nearly) zero: then the score is constant and
    there is no line.
    """
    norm = np.linalg.norm(w)
    if norm < 1e-9:
        return None
    nearest = -bias * w / norm ** 2
    direction = np.array([-w[1], w[0]]) / norm
    reach = 4 * limit + abs(bias) / norm
    return nearest - reach * direction, nearest + reach * direction, nearest


def draw_classifier(W, b, X, y, point_losses=None, title=None, resolution=240):
    """The figure of the demo: decision regions, score lines, points.

    Parameters
    ----------
    W, b : ndarray, shapes (2, 3) and (3,)
    X : ndarray, shape (N, 2)
    y : ndarray of int, shape (N,)
    point_losses : ndarray of shape (N,), optional
        When given, points whose loss is above zero get a thick black ring.
    title : str, optional
    resolution : int
        Grid cells per side of the background that shows the regions.

    Returns
    -------
    matplotlib.figure.Figure
        A figure that is not registered with pyplot (nothing is shown or
        needs closing); turn it into PNG bytes with :func:`figure_png`.
    """
    W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
    lim = PLOT_LIMIT
    fig = Figure(figsize=(6.0, 6.3), dpi=100)
    ax = fig.add_axes((0.11, 0.21, 0.85, 0.72))

    # Decision regions: the class with the highest score at each grid point.
    ticks = np.linspace(-lim, lim, resolution)
    grid = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)
    regions = class_scores(W, b, grid).argmax(axis=1).reshape(resolution, resolution)
    ax.imshow(regions, origin="lower", extent=(-lim, lim, -lim, lim),
              cmap=ListedColormap(REGION_COLORS), vmin=-0.5, vmax=NUM_CLASSES - 0.5,
              interpolation="nearest", zorder=0)

    # Score lines: where class c's score is zero, with an arrow along W[:, c]
    # (the direction in which that score grows).
    for c in range(NUM_CLASSES):
        line = _score_line(W[:, c], b[c], lim)
        if line is None:
            continue
        start, end, nearest = line
        ax.plot([start[0], end[0]], [start[1], end[1]], color=CLASS_COLORS[c],
                linewidth=2, zorder=2)
        arrow = 0.6 * W[:, c] / max(1.0, np.linalg.norm(W[:, c]))
        ax.annotate("", xy=nearest + arrow, xytext=nearest, zorder=3,
                    arrowprops=dict(arrowstyle="-|>", color=CLASS_COLORS[c], lw=2,
                                    mutation_scale=16))

    # The points; a thick ring marks those that still have a loss.
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    for c in range(NUM_CLASSES):
        mine = y == c
        ring = np.full(mine.sum(), 0.8)
        if point_losses is not None:
            ring = np.where(np.asarray(point_losses)[mine] > 1e-12, 2.4, 0.8)
        ax.scatter(X[mine, 0], X[mine, 1], s=60, c=CLASS_COLORS[c], marker=CLASS_MARKERS[c],
                   edgecolors="black", linewidths=ring, zorder=4)

    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁ (first coordinate)")
    ax.set_ylabel("x₂ (second coordinate)")
    ax.set_title(title or "Decision regions and score lines")
    ax.grid(True, color="white", linewidth=0.6, alpha=0.7)
    ax.set_axisbelow(False)

    handles = []
    for c in range(NUM_CLASSES):
        handles.append(Line2D([], [], linestyle="none", marker=CLASS_MARKERS[c], markersize=8,
                              markerfacecolor=CLASS_COLORS[c], markeredgecolor="black",
                              label=f"class {c} points"))
    for c in range(NUM_CLASSES):
        handles.append(Line2D([], [], color=CLASS_COLORS[c], linewidth=2,
                              label=f"score{'₀₁₂'[c]} = 0 (arrow: W[:, {c}])"))
    if point_losses is not None:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=8,
                              markerfacecolor="white", markeredgecolor="black",
                              markeredgewidth=2.4, label="point with loss > 0"))
    handles.append(Line2D([], [], linestyle="none", marker="s", markersize=10,
                          markerfacecolor=REGION_COLORS[0], markeredgecolor="none",
                          label="shading: predicted class"))
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8.5, frameon=False,
               bbox_to_anchor=(0.53, 0.0))
    return fig


def draw_loss_history(losses):
    """A small figure of the total loss over the gradient steps taken so far.

    ``losses[0]`` is the loss before the first step.
    """
    fig = Figure(figsize=(4.2, 1.9), dpi=100)
    ax = fig.add_axes((0.17, 0.27, 0.78, 0.6))
    steps = np.arange(len(losses))
    ax.plot(steps, losses, color="#444444", linewidth=1.5,
            marker="o" if len(losses) <= 30 else None, markersize=3)
    ax.set_xlabel("gradient steps", fontsize=8)
    ax.set_ylabel("total loss", fontsize=8)
    ax.set_title("Loss since the last change", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.set_xlim(0, max(1, len(losses) - 1))
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    return fig


def figure_png(fig):
    """A figure rendered as PNG bytes (matplotlib's Agg renderer)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def total_html(evaluation, loss_label):
    """The headline beside the plot: the total loss, or a dash when there is none."""
    if evaluation.ok:
        value = f"{evaluation.total:.4f}"
        detail = (f"= data loss {evaluation.data_loss:.4f} (mean over the points) "
                  f"+ regularization {evaluation.reg_loss:.4f}")
    else:
        value, detail = "—", "not available"
    return (f'<div style="font-size:1.35em;line-height:1.3">Total loss: '
            f'<b class="linear-demo-total-value">{value}</b></div>'
            f'<div style="color:#555;font-size:0.9em;line-height:1.4">{html.escape(loss_label)}; '
            f"{html.escape(detail)}</div>")


def message_html(evaluation):
    """A hint when the loss is there; else the plain reason why it is not, in a box."""
    if evaluation.ok:
        return ('<div style="color:#555;font-size:0.9em;margin:4px 0;line-height:1.4">'
                "Move a slider or take a step: the plot, this table and the total follow. "
                "Ringed points still have a loss.</div>")
    colour = "#fff4ce" if evaluation.not_implemented else "#fde2e1"
    return (f'<div style="background:{colour};border:1px solid #e0c060;padding:6px 8px;'
            f'margin:4px 0;border-radius:4px;line-height:1.4">'
            f"{html.escape(evaluation.problem)}</div>")


def loss_table_html(evaluation, W, b, X, y):
    """An HTML table: every point with its scores, predicted class and loss.

    Rows are sorted by loss, highest first (in input order when there is no
    loss). The correct class's score is in bold.
    """
    S = class_scores(W, b, X)
    predicted = S.argmax(axis=1)
    order = np.arange(len(y))
    if evaluation.ok:
        order = np.argsort(-evaluation.point_losses, kind="stable")
    cell = 'style="padding:1px 6px;text-align:right"'
    head = "".join(f"<th {cell}>s<sub>{c}</sub></th>" for c in range(NUM_CLASSES))
    rows = []
    for i in order:
        swatch = (f'<span style="color:{CLASS_COLORS[y[i]]};font-size:1.1em">&#9679;</span> '
                  f"{y[i]}")
        # The correct class's score in bold.
        scores = "".join(f"<td {cell}><b>{S[i, c]:.2f}</b></td>" if c == y[i]
                         else f"<td {cell}>{S[i, c]:.2f}</td>" for c in range(NUM_CLASSES))
        verdict = "&#10003;" if predicted[i] == y[i] else f"&#10007; {predicted[i]}"
        loss = f"{evaluation.point_losses[i]:.3f}" if evaluation.ok else "—"
        shade = ' style="background:#fff2f2"' if predicted[i] != y[i] else ""
        rows.append(f"<tr{shade}><td {cell}>{i}</td><td {cell}>{swatch}</td>"
                    f"<td {cell}>{X[i, 0]:.2f}</td><td {cell}>{X[i, 1]:.2f}</td>{scores}"
                    f"<td {cell}>{verdict}</td><td {cell}><b>{loss}</b></td></tr>")
    accuracy = np.mean(predicted == y)
    return (f'<div style="font-size:0.9em;margin:2px 0 4px 0;line-height:1.4">'
            f"Accuracy {accuracy:.0%} ({np.sum(predicted == y)} of {len(y)} points); "
            f"{'rows sorted by loss' if evaluation.ok else 'no loss yet'}.</div>"
            f'<div style="max-height:330px;overflow-y:auto;border:1px solid #ddd">'
            f'<table style="border-collapse:collapse;font-size:0.85em;'
            f'font-family:monospace;width:100%">'
            f'<thead style="position:sticky;top:0;background:#f3f3f3"><tr>'
            f"<th {cell}>#</th><th {cell}>class</th><th {cell}>x<sub>1</sub></th>"
            f"<th {cell}>x<sub>2</sub></th>{head}<th {cell}>pred.</th>"
            f"<th {cell}>loss</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


# --------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------

def _lookup_loss(key):
    """The current function for a loss key (looked up now, so reloads are seen)."""
    _, module_name, function_name = LOSSES[key]
    return getattr(importlib.import_module(module_name), function_name)


class LinearClassifierDemo:
    """The interactive demo: controls, a plot and a loss table, kept in sync.

    Display it by making it the last expression of a cell (or ``display(demo)``).
    The parameters are ``W`` (2, 3) and ``b`` (3,) in the controls, folded into
    a (3, 3) matrix for the loss functions (see the module docstring).

    Parameters
    ----------
    loss_functions : dict, optional
        ``{"svm": fn, "softmax": fn}`` to use instead of the kit's
        ``svm_loss_vectorized`` and ``softmax_loss_vectorized`` (which are
        looked up afresh every time, so a reloaded module is used).
    layout : str
        Initial data layout, a key of :data:`LAYOUTS`.
    n_per_class : int
        Points per class.
    seed : int
        Seeds the data, the starting parameters and the sequence of
        re-randomized data sets.
    reg, step_size : float
        Initial regularization strength and step size.

    Attributes
    ----------
    W, b, X, y : ndarray
        The current parameters and data.
    evaluation : Evaluation
        The loss at the current parameters.
    history : list of float
        Total loss after each gradient step since the last manual change.
    widget : ipywidgets.VBox
        The whole demo.
    """

    def __init__(self, loss_functions=None, layout="clusters", n_per_class=10, seed=0,
                 reg=0.01, step_size=0.1):
        import ipywidgets as widgets  # imported here: the pure functions need no widgets

        self._loss_functions = dict(loss_functions or {})
        self._n_per_class = n_per_class
        self._data_seeds = np.random.RandomState(seed)
        self._data_seed = seed
        self._W0, self._b0 = initial_parameters(seed)
        self.W, self.b = self._W0.copy(), self._b0.copy()
        self.X, self.y = make_points(layout, n_per_class, seed)
        self.history = []
        self.evaluation = None
        self._syncing = False  # True while the code (not the user) moves sliders

        # continuous_update=False: the plot redraws when a slider is released. With
        # True, a slider that the code moves (after a gradient step) sends its value,
        # rounded to the slider's step, back to the kernel, sometimes late, which
        # would undo part of the step.
        slider = dict(min=-PARAM_LIMIT, max=PARAM_LIMIT, step=SLIDER_STEP, readout_format=".2f",
                      continuous_update=False, style={"description_width": "30px"},
                      layout=widgets.Layout(width="230px"))
        self.weight_sliders = [[widgets.FloatSlider(value=self.W[r, c], description=f"w{r + 1}",
                                                    **slider)
                                for c in range(NUM_CLASSES)] for r in range(2)]
        self.bias_sliders = [widgets.FloatSlider(value=self.b[c], description="b", **slider)
                             for c in range(NUM_CLASSES)]
        for r in range(2):
            for c in range(NUM_CLASSES):
                self.weight_sliders[r][c].observe(self._on_weight(r, c), names="value")
        for c in range(NUM_CLASSES):
            self.bias_sliders[c].observe(self._on_bias(c), names="value")

        wide = {"description_width": "90px"}
        self.loss_dropdown = widgets.Dropdown(
            options=[(label, key) for key, (label, _, _) in LOSSES.items()], value="svm",
            description="loss", style=wide, layout=widgets.Layout(width="330px"))
        self.reg_slider = widgets.FloatLogSlider(
            value=reg, base=10, min=-4, max=1, step=0.1, description="reg (λ)",
            readout_format=".2g", style=wide, layout=widgets.Layout(width="330px"),
            continuous_update=False)
        self.step_slider = widgets.FloatLogSlider(
            value=step_size, base=10, min=-3, max=0, step=0.1, description="step size",
            readout_format=".2g", style=wide, layout=widgets.Layout(width="330px"),
            continuous_update=False)
        self.layout_dropdown = widgets.Dropdown(
            options=[(label, key) for key, label in LAYOUTS.items()], value=layout,
            description="data", style=wide, layout=widgets.Layout(width="330px"))
        for control in (self.loss_dropdown, self.reg_slider):
            control.observe(self._on_manual_change, names="value")
        self.layout_dropdown.observe(self._on_layout, names="value")

        def button(text, icon, style, handler, css):
            made = widgets.Button(description=text, icon=icon, button_style=style,
                                  layout=widgets.Layout(width="160px"))
            made.add_class(css)
            made.on_click(handler)
            return made

        self.step_button = button("Take 1 step", "step-forward", "primary",
                                  lambda _: self.step(), "linear-demo-step")
        self.run_button = button("Run 100 steps", "forward", "primary",
                                 lambda _: self.run(100), "linear-demo-run")
        self.reset_button = button("Reset W and b", "undo", "",
                                   lambda _: self.reset(), "linear-demo-reset")
        self.randomize_button = button("New random data", "random", "",
                                       lambda _: self.randomize(), "linear-demo-randomize")

        self.plot = widgets.Image(format="png", layout=widgets.Layout(width="600px"))
        self.plot.add_class("linear-demo-plot")
        self.total = widgets.HTML()
        self.total.add_class("linear-demo-total")
        self.message = widgets.HTML()
        self.message.add_class("linear-demo-message")
        self.table = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.table.add_class("linear-demo-table")
        self.history_plot = widgets.Image(format="png", layout=widgets.Layout(width="420px"))

        columns = [widgets.VBox([
            widgets.HTML(f'<b style="color:{CLASS_COLORS[c]}">&#9679; class {c}</b>'),
            self.weight_sliders[0][c], self.weight_sliders[1][c], self.bias_sliders[c]],
            layout=widgets.Layout(margin="0 12px 0 0")) for c in range(NUM_CLASSES)]
        side = widgets.VBox([self.total, self.message, self.table, self.history_plot],
                            layout=widgets.Layout(width="450px", margin="0 0 0 10px"))
        settings = widgets.VBox([self.loss_dropdown, self.reg_slider, self.step_slider,
                                 self.layout_dropdown])
        buttons = widgets.VBox([widgets.HBox([self.step_button, self.run_button]),
                                widgets.HBox([self.reset_button, self.randomize_button])])
        self.widget = widgets.VBox([
            # Side by side where there is room, the table below the plot where there is not.
            widgets.HBox([self.plot, side], layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HTML("<b>Weights and biases</b>, one column per class: the score of "
                         "class c is s<sub>c</sub> = x<sub>1</sub>&middot;w1 + "
                         "x<sub>2</sub>&middot;w2 + b. The plot redraws when you let go "
                         "of a slider."),
            widgets.HBox(columns, layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([settings, buttons], layout=widgets.Layout(
                flex_flow="row wrap", margin="8px 0 0 0")),
        ])
        self.widget.add_class("linear-demo")
        self.refresh()

    # ---- display ---------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # ---- the loss --------------------------------------------------------

    @property
    def loss_key(self):
        """``"svm"`` or ``"softmax"``: the loss chosen in the dropdown."""
        return self.loss_dropdown.value

    def loss_function(self):
        """The function that computes the chosen loss right now."""
        return self._loss_functions.get(self.loss_key) or _lookup_loss(self.loss_key)

    # ---- actions (the buttons call these) -------------------------------

    def step(self):
        """One gradient step with the current step size."""
        if not self.evaluation.ok:
            return
        self._set_parameters(*gradient_step(self.W, self.b, self.evaluation.dW,
                                            self.evaluation.db, self.step_slider.value))
        self.refresh(keep_history=True)

    def run(self, num_steps=100):
        """``num_steps`` gradient steps, then one redraw."""
        if not self.evaluation.ok:
            return
        try:
            W, b, losses = descend(self.loss_function(), self.W, self.b, self.X, self.y,
                                   self.reg_slider.value, self.step_slider.value, num_steps)
        except Exception:  # refresh() below reports what went wrong
            W, b, losses = self.W, self.b, []
        self._set_parameters(W, b)
        self.history.extend(losses[:-1])  # refresh() appends the last one
        self.refresh(keep_history=True)

    def reset(self):
        """Back to the starting parameters (the data stay)."""
        self._set_parameters(self._W0, self._b0)
        self.refresh()

    def randomize(self):
        """New random points in the current layout."""
        self._data_seed = int(self._data_seeds.randint(2 ** 31 - 1))
        self.X, self.y = make_points(self.layout_dropdown.value, self._n_per_class,
                                     self._data_seed)
        self.refresh()

    # ---- keeping everything in sync -------------------------------------

    def refresh(self, keep_history=False):
        """Recompute the loss and redraw the plot, the table and the totals."""
        self.evaluation = evaluate(self.loss_function(), self.W, self.b, self.X, self.y,
                                   self.reg_slider.value)
        ev = self.evaluation
        label = LOSSES[self.loss_key][0]
        if not keep_history:
            self.history = []
        if ev.ok:
            self.history.append(ev.total)
        title = (f"{label} loss: {ev.total:.3f}" if ev.ok
                 else "Scores and decision regions (no loss yet)")
        self.plot.value = figure_png(draw_classifier(self.W, self.b, self.X, self.y,
                                                     ev.point_losses, title))
        self.total.value = total_html(ev, label)
        self.table.value = loss_table_html(ev, self.W, self.b, self.X, self.y)
        self.message.value = message_html(ev)
        self.step_button.disabled = self.run_button.disabled = not ev.ok
        if len(self.history) > 1:
            self.history_plot.value = figure_png(draw_loss_history(self.history))
            self.history_plot.layout.display = None
        else:
            self.history_plot.layout.display = "none"

    def _set_parameters(self, W, b):
        """Set W and b and move the sliders to match, without a redraw per slider."""
        self.W, self.b = np.array(W, dtype=float), np.array(b, dtype=float)
        self._syncing = True
        try:
            for r in range(2):
                for c in range(NUM_CLASSES):
                    self.weight_sliders[r][c].value = float(self.W[r, c])
            for c in range(NUM_CLASSES):
                self.bias_sliders[c].value = float(self.b[c])
        finally:
            self._syncing = False

    def _moved_by_user(self, current, change):
        """True for a slider change that the user made.

        Not when the code itself moves the slider, nor when the browser sends
        back the value the code set, rounded to the slider's step.
        """
        return not self._syncing and abs(change["new"] - current) > SLIDER_STEP / 2 + 1e-9

    def _on_weight(self, r, c):
        def handler(change):
            if self._moved_by_user(self.W[r, c], change):
                self.W[r, c] = change["new"]
                self.refresh()
        return handler

    def _on_bias(self, c):
        def handler(change):
            if self._moved_by_user(self.b[c], change):
                self.b[c] = change["new"]
                self.refresh()
        return handler

    def _on_manual_change(self, _change):
        self.refresh()

    def _on_layout(self, change):
        self.X, self.y = make_points(change["new"], self._n_per_class, self._data_seed)
        self.refresh()
