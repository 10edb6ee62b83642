"""The interactive demo's logic, without a browser: the functions behind the controls."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from assignment import demo
from assignment.classifiers import softmax_loss_vectorized, svm_loss_vectorized

LOSS_FUNCTIONS = {"svm": svm_loss_vectorized, "softmax": softmax_loss_vectorized}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def not_implemented_svm(W, X, y, reg):
    raise NotImplementedError("svm_loss_vectorized: fill in assignment/classifiers/linear_svm.py")


# What the student kit's stub looks like from the outside: same name and module.
not_implemented_svm.__name__ = "svm_loss_vectorized"
not_implemented_svm.__module__ = "assignment.classifiers.linear_svm"


@pytest.fixture
def data():
    X, y = demo.make_points("clusters", n_per_class=6, seed=3)
    W, b = demo.initial_parameters(seed=3)
    return W, b, X, y


# ---- data and parameters --------------------------------------------------

@pytest.mark.parametrize("layout", list(demo.LAYOUTS))
def test_make_points_gives_balanced_classes_inside_the_plot(layout):
    X, y = demo.make_points(layout, n_per_class=7, seed=1)
    assert X.shape == (21, 2) and y.shape == (21,)
    assert np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == [7, 7, 7]
    assert np.all(np.abs(X) < demo.PLOT_LIMIT)
    assert np.all(np.isfinite(X))


def test_make_points_is_reproducible_and_seeds_differ():
    X1, y1 = demo.make_points("overlap", seed=5)
    X2, y2 = demo.make_points("overlap", seed=5)
    X3, _ = demo.make_points("overlap", seed=6)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_make_points_rejects_unknown_layout_and_empty_classes():
    with pytest.raises(ValueError, match="layout"):
        demo.make_points("moons")
    with pytest.raises(ValueError, match="n_per_class"):
        demo.make_points("clusters", n_per_class=0)


def test_bias_trick_gives_the_same_scores(data):
    W, b, X, _ = data
    W_full = demo.fold_bias(W, b)
    assert W_full.shape == (3, 3)
    np.testing.assert_allclose(demo.with_ones(X) @ W_full, demo.class_scores(W, b, X))
    W_back, b_back = demo.unfold_bias(W_full)
    np.testing.assert_array_equal(W_back, W)
    np.testing.assert_array_equal(b_back, b)


# ---- loss and gradient descent ----------------------------------------------

@pytest.mark.parametrize("key", ["svm", "softmax"])
def test_evaluate_uses_the_loss_function_on_the_folded_parameters(data, key):
    W, b, X, y = data
    reg = 0.3  # large enough that a missing regularization term would show
    loss_fn = LOSS_FUNCTIONS[key]
    result = demo.evaluate(loss_fn, W, b, X, y, reg)
    assert result.ok and result.problem is None
    expected_loss, expected_grad = loss_fn(demo.fold_bias(W, b), demo.with_ones(X), y, reg)
    assert result.total == pytest.approx(expected_loss)
    np.testing.assert_allclose(demo.fold_bias(result.dW, result.db), expected_grad)
    assert result.reg_loss == pytest.approx(reg * np.sum(demo.fold_bias(W, b) ** 2))
    assert result.data_loss + result.reg_loss == pytest.approx(result.total)
    assert result.point_losses.shape == (len(y),)
    assert np.all(result.point_losses >= 0)


def test_point_losses_are_each_points_own_loss(data):
    W, b, X, y = data
    result = demo.evaluate(svm_loss_vectorized, W, b, X, y, reg=0.1)
    scores = demo.class_scores(W, b, X)
    margins = np.maximum(0, scores - scores[np.arange(len(y)), y][:, None] + 1)
    margins[np.arange(len(y)), y] = 0
    np.testing.assert_allclose(result.point_losses, margins.sum(axis=1))


def test_evaluate_says_plainly_when_the_loss_is_not_implemented(data):
    W, b, X, y = data
    result = demo.evaluate(not_implemented_svm, W, b, X, y, reg=0.1)
    assert not result.ok and result.not_implemented
    assert result.total is None and result.dW is None and result.point_losses is None
    assert "svm_loss_vectorized is not implemented yet" in result.problem
    assert "assignment/classifiers/linear_svm.py" in result.problem


def test_evaluate_reports_a_broken_loss_instead_of_raising(data):
    W, b, X, y = data

    def raises(W, X, y, reg):
        raise ValueError("shapes do not match")

    def wrong_shape(W, X, y, reg):
        return 1.0, np.zeros((2, 3))

    def not_finite(W, X, y, reg):
        return float("nan"), np.zeros_like(W)

    def not_numbers(W, X, y, reg):
        return "a loss", None

    assert "ValueError: shapes do not match" in demo.evaluate(raises, W, b, X, y, 0.1).problem
    assert "(2, 3)" in demo.evaluate(wrong_shape, W, b, X, y, 0.1).problem
    assert "not finite" in demo.evaluate(not_finite, W, b, X, y, 0.1).problem
    assert "not numbers" in demo.evaluate(not_numbers, W, b, X, y, 0.1).problem
    assert not demo.evaluate(raises, W, b, X, y, 0.1).not_implemented


@pytest.mark.parametrize("key", ["svm", "softmax"])
def test_a_small_gradient_step_lowers_the_loss(data, key):
    W, b, X, y = data
    W_before, b_before = W.copy(), b.copy()
    before = demo.evaluate(LOSS_FUNCTIONS[key], W, b, X, y, reg=0.05)
    W2, b2 = demo.gradient_step(W, b, before.dW, before.db, step_size=0.05)
    after = demo.evaluate(LOSS_FUNCTIONS[key], W2, b2, X, y, reg=0.05)
    assert after.total < before.total
    np.testing.assert_array_equal(W, W_before)  # inputs untouched
    np.testing.assert_array_equal(b, b_before)


def test_gradient_step_keeps_parameters_in_the_sliders_range():
    W, b = np.zeros((2, 3)), np.zeros(3)
    W2, b2 = demo.gradient_step(W, b, np.full((2, 3), -100.0), np.full(3, 100.0), 1.0)
    assert np.all(W2 == demo.PARAM_LIMIT) and np.all(b2 == -demo.PARAM_LIMIT)


def test_descend_equals_repeated_gradient_steps(data):
    W, b, X, y = data
    W_run, b_run, losses = demo.descend(softmax_loss_vectorized, W, b, X, y, 0.01, 0.2, 5)
    for _ in range(5):
        result = demo.evaluate(softmax_loss_vectorized, W, b, X, y, 0.01)
        W, b = demo.gradient_step(W, b, result.dW, result.db, 0.2)
    np.testing.assert_allclose(W_run, W)
    np.testing.assert_allclose(b_run, b)
    assert len(losses) == 5
    assert losses[-1] == pytest.approx(demo.evaluate(softmax_loss_vectorized, W, b, X, y,
                                                     0.01).total)
    assert losses[-1] < losses[0]


# ---- drawing -----------------------------------------------------------------

def test_the_figure_has_title_axis_labels_and_legend(data):
    W, b, X, y = data
    result = demo.evaluate(svm_loss_vectorized, W, b, X, y, reg=0.1)
    fig = demo.draw_classifier(W, b, X, y, result.point_losses, title="SVM loss: 1.000")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "SVM loss: 1.000"
    assert ax.get_xlabel() and ax.get_ylabel()
    labels = [text.get_text() for text in fig.legends[0].get_texts()]
    assert any("class 2" in label for label in labels)
    assert any("score" in label for label in labels)
    assert demo.figure_png(fig).startswith(PNG_MAGIC)


def test_the_figure_copes_with_a_zero_weight_vector_and_no_losses(data):
    _, _, X, y = data
    fig = demo.draw_classifier(np.zeros((2, 3)), np.array([1.0, 0.0, -1.0]), X, y)
    assert demo.figure_png(fig).startswith(PNG_MAGIC)
    assert demo.figure_png(demo.draw_loss_history([2.0, 1.5, 1.2])).startswith(PNG_MAGIC)


def test_total_and_table_show_the_losses(data):
    W, b, X, y = data
    result = demo.evaluate(svm_loss_vectorized, W, b, X, y, reg=0.1)
    head = demo.total_html(result, "multiclass SVM")
    assert f"{result.total:.4f}" in head and f"{result.reg_loss:.4f}" in head
    table = demo.loss_table_html(result, W, b, X, y)
    assert table.count("<tr") == len(y) + 1  # a header row and one row per point
    # Highest loss first.
    worst = int(np.argmax(result.point_losses))
    first_row = table.split("<tbody>")[1].split("</tr>")[0]
    assert f">{worst}</td>" in first_row
    assert f"{result.point_losses[worst]:.3f}" in first_row


def test_total_and_table_without_a_loss_show_scores_only(data):
    W, b, X, y = data
    result = demo.evaluate(not_implemented_svm, W, b, X, y, reg=0.1)
    assert "—" in demo.total_html(result, "multiclass SVM")
    table = demo.loss_table_html(result, W, b, X, y)
    assert table.count("<tr") == len(y) + 1
    assert f"{demo.class_scores(W, b, X)[0, 0]:.2f}" in table


# ---- the widget ----------------------------------------------------------------

def slider_values(app):
    W = np.array([[s.value for s in row] for row in app.weight_sliders])
    b = np.array([s.value for s in app.bias_sliders])
    return W, b


@pytest.mark.slow
def test_the_step_button_lowers_the_loss_and_moves_the_sliders():
    app = demo.LinearClassifierDemo(n_per_class=5, seed=2)
    assert app.evaluation.ok and not app.step_button.disabled
    before = app.evaluation.total
    first_picture = app.plot.value
    app.step_button.click()
    assert app.evaluation.total < before
    assert f"{app.evaluation.total:.4f}" in app.total.value
    assert bytes(app.plot.value) != bytes(first_picture)
    assert bytes(app.plot.value).startswith(PNG_MAGIC)
    W, b = slider_values(app)
    np.testing.assert_allclose(W, app.W)
    np.testing.assert_allclose(b, app.b)
    assert app.history == [pytest.approx(before), pytest.approx(app.evaluation.total)]

    after_one = app.evaluation.total
    app.run_button.click()
    assert app.evaluation.total < after_one
    assert len(app.history) == 102
    np.testing.assert_allclose(slider_values(app)[0], app.W)


@pytest.mark.slow
def test_reset_randomize_and_the_other_controls():
    app = demo.LinearClassifierDemo(n_per_class=5, seed=2)
    W0, b0, X0 = app.W.copy(), app.b.copy(), app.X.copy()
    app.run(20)
    app.reset_button.click()
    np.testing.assert_array_equal(app.W, W0)
    np.testing.assert_array_equal(app.b, b0)
    assert len(app.history) == 1

    app.randomize_button.click()
    assert app.X.shape == X0.shape and not np.allclose(app.X, X0)
    app.layout_dropdown.value = "stripes"
    np.testing.assert_array_equal(app.X, demo.make_points("stripes", 5, app._data_seed)[0])

    svm_total = app.evaluation.total
    app.loss_dropdown.value = "softmax"
    assert app.evaluation.total != pytest.approx(svm_total)
    assert "softmax" in app.total.value

    before = app.evaluation.total
    app.reg_slider.value = 1.0
    assert app.evaluation.total > before


def test_a_slider_the_user_moves_changes_the_parameter():
    app = demo.LinearClassifierDemo(n_per_class=5, seed=2)
    app.weight_sliders[1][2].value = 1.25
    assert app.W[1, 2] == 1.25
    app.bias_sliders[0].value = -2.5
    assert app.b[0] == -2.5
    assert app.evaluation.total == pytest.approx(
        demo.evaluate(svm_loss_vectorized, app.W, app.b, app.X, app.y, app.reg_slider.value).total)


def test_the_browser_echoing_a_rounded_slider_value_changes_nothing():
    app = demo.LinearClassifierDemo(n_per_class=5, seed=2)
    app.step()
    W = app.W.copy()
    # A browser sends back the value the code set, rounded to the slider's step.
    app.weight_sliders[0][0].value = round(W[0, 0], 2)
    np.testing.assert_array_equal(app.W, W)


def test_until_the_loss_is_implemented_the_demo_says_so_and_still_draws():
    app = demo.LinearClassifierDemo(loss_functions={"svm": not_implemented_svm}, n_per_class=5)
    assert not app.evaluation.ok
    assert "not implemented yet" in app.message.value
    assert "assignment/classifiers/linear_svm.py" in app.message.value
    assert app.step_button.disabled and app.run_button.disabled
    assert bytes(app.plot.value).startswith(PNG_MAGIC)
    assert "—" in app.total.value
    W = app.W.copy()
    app.step()
    app.run(10)
    np.testing.assert_array_equal(app.W, W)
    # The scores still follow the sliders.
    app.weight_sliders[0][0].value = 2.0
    assert app.W[0, 0] == 2.0
    assert f"{demo.class_scores(app.W, app.b, app.X)[0, 0]:.2f}" in app.table.value
    # The other loss works, and the step buttons come back.
    app.loss_dropdown.value = "softmax"
    assert app.evaluation.ok and not app.step_button.disabled


def test_the_demo_displays_as_its_widget():
    app = demo.LinearClassifierDemo(n_per_class=3)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.widget.model_id
