"""Lesson 07: element-wise gradients, the dying-ReLU trainer, explorers and checks."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers import zero_gradients
from helpers.exercises import (
    check_relu_gradient,
    check_safe_xlogx,
    check_saturation_point,
)
from helpers.plots.zero_gradients import draw_elementwise, update_elementwise
from helpers.widgets import zero_gradients as widgets_07

scales = st.floats(0.1, 100.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(scales)
def test_input_row_is_symmetric_and_holds_exactly_zero(scale):
    inputs = zero_gradients.input_row(scale)
    assert inputs[zero_gradients.NUM_POINTS // 2] == 0.0
    np.testing.assert_array_equal(inputs, -inputs[::-1])


@settings(max_examples=25, deadline=None)
@given(scales)
def test_relu_gradient_is_zero_for_inputs_at_most_zero(scale):
    inputs = zero_gradients.input_row(scale)
    _, grads = zero_gradients.elementwise_gradients("relu", inputs)
    np.testing.assert_array_equal(grads, (inputs > 0).astype(np.float32))


@settings(max_examples=25, deadline=None)
@given(scales)
def test_where_log_is_nan_only_at_zero_and_the_double_where_fixes_it(scale):
    inputs = zero_gradients.input_row(scale)
    _, naive = zero_gradients.elementwise_gradients("where+log naive", inputs)
    _, safe = zero_gradients.elementwise_gradients("where+log double-where", inputs)
    np.testing.assert_array_equal(np.isnan(naive), inputs == 0)
    positive = inputs > 0
    np.testing.assert_allclose(safe[positive], 1.0 / inputs[positive], rtol=1e-6)
    np.testing.assert_allclose(naive[positive], safe[positive])
    np.testing.assert_array_equal(safe[~positive], 0.0)


@settings(max_examples=25, deadline=None)
@given(st.floats(-15.0, 15.0, allow_nan=False))
def test_sigmoid_gradient_is_p_times_one_minus_p(x):
    values, grads = zero_gradients.elementwise_gradients("sigmoid", [x])
    np.testing.assert_allclose(grads, values * (1 - values), rtol=1e-5, atol=1e-12)


def test_saturation_in_float32():
    _, sigmoid = zero_gradients.elementwise_gradients("sigmoid", [-20.0, 20.0])
    _, tanh = zero_gradients.elementwise_gradients("tanh", [-20.0, 20.0])
    assert sigmoid[1] == 0.0 and sigmoid[0] == pytest.approx(2.0611537e-09, rel=1e-6)
    np.testing.assert_array_equal(tanh, [0.0, 0.0])


def test_round_has_no_gradient_and_unknown_operations_are_refused():
    assert zero_gradients.elementwise_gradients("round", [-1.3, 0.4, 2.6])[1] is None
    with pytest.raises(ValueError, match="operation must be one of"):
        zero_gradients.elementwise_gradients("floor", [1.0])


def test_elementwise_plot_labels_none_and_nan():
    value_ax, grad_ax = Figure().subplots(2, 1)
    artists = draw_elementwise(value_ax, grad_ax, 3)
    update_elementwise(artists, np.array([-1.0, 0.0, 1.0]), np.ones(3), None)
    assert [label.get_text() for label in artists["labels"]] == ["None"] * 3
    update_elementwise(
        artists, np.array([-1.0, 0.0, 1.0]), np.ones(3), np.array([0.0, np.nan, 5.0])
    )
    assert [label.get_text() for label in artists["labels"]] == ["0", "NaN", "5"]
    assert [bar.get_height() for bar in artists["bars"]][:2] == [0.0, 0.0]


def test_rings_are_two_balanced_classes_at_two_radii():
    radii = np.linalg.norm(zero_gradients.INPUTS, axis=1)
    labels = zero_gradients.LABELS
    assert labels.mean() == 0.5
    assert radii[labels == 0].mean() < 0.6
    assert radii[labels == 1].mean() > 0.9


def test_negative_bias_kills_every_relu_and_freezes_the_loss():
    run = zero_gradients.train_relu_mlp(bias_init=-1.0, learning_rate=0.5, steps=50)
    assert run.dead_fraction.min() == 1.0 and run.moving_fraction.max() == 0.0
    np.testing.assert_allclose(run.losses, np.log(2), rtol=1e-6)


def test_large_learning_rate_kills_relus_but_not_leaky_relus():
    relu = zero_gradients.train_relu_mlp(0.0, 5.0, "relu")
    leaky = zero_gradients.train_relu_mlp(0.0, 5.0, "leaky_relu")
    healthy = zero_gradients.train_relu_mlp(0.0, 0.5, "relu")
    assert relu.dead_fraction[0] == 0.0 and relu.dead_fraction[-1] == 1.0
    assert leaky.moving_fraction.min() == 1.0
    assert leaky.dead_fraction[-1] < relu.dead_fraction[-1]
    assert healthy.dead_fraction.max() == 0.0 and healthy.losses[-1] < 0.1


@settings(max_examples=8, deadline=None)
@given(st.floats(-3.0, 2.0), st.floats(0.01, 10.0))
def test_dead_relus_never_come_back(bias_init, learning_rate):
    run = zero_gradients.train_relu_mlp(bias_init, learning_rate, steps=100)
    assume(np.all(np.isfinite(run.losses)))
    assert np.all(np.diff(run.dead_fraction) >= 0)
    # a dead unit gets no gradient: at least the dead ones are not moving
    assert np.all(run.moving_fraction <= 1.0 - run.dead_fraction + 1e-6)


def test_new_hyperparameters_do_not_retrace():
    zero_gradients.train_relu_mlp(0.0, 0.5, steps=10)
    traces = zero_gradients.trace_counts["relu_mlp"]
    zero_gradients.train_relu_mlp(-2.0, 3.0, "leaky_relu", steps=200, seed=3)
    assert zero_gradients.trace_counts["relu_mlp"] == traces == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"activation": "gelu"}, "activation"),
        ({"steps": 0}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"bias_init": float("nan")}, "bias_init"),
    ],
)
def test_trainer_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        zero_gradients.train_relu_mlp(**kwargs)


@pytest.fixture(scope="module")
def dying_explorer():
    return widgets_07.dying_relu_explorer()


# (control index, value), in order: bias and learning rate to both ends, each activation
DYING_MOVES = [
    (0, -3.0),
    (0, 2.0),
    (0, 0.0),
    (1, 10.0),
    (1, 0.01),
    (1, 5.0),
    (2, "leaky_relu"),
    (0, 2.0),
    (1, 10.0),
    (0, -3.0),
    (2, "relu"),
]


def test_dying_relu_explorer_moves_without_error(dying_explorer):
    for control, value in DYING_MOVES:
        before = dying_explorer.view.png()
        dying_explorer.controls[control].value = value
        assert dying_explorer.error is None, (control, value)
        assert "raised" not in dying_explorer.status.value
        assert dying_explorer.view.png() != before, (control, value)


def test_dying_relu_explorer_says_training_stopped(dying_explorer):
    dying_explorer.controls[2].value = "relu"
    dying_explorer.controls[0].value = -3.0
    assert "stopped for good" in dying_explorer.status.value


@pytest.fixture(scope="module")
def elementwise_explorer():
    return widgets_07.elementwise_gradient_explorer()


@pytest.mark.parametrize("operation", list(zero_gradients.OPERATIONS))
def test_elementwise_explorer_every_operation_at_both_extremes(
    elementwise_explorer, operation
):
    operation_control, scale = elementwise_explorer.controls
    scale.value = 1.0
    operation_control.value = operation
    for value in (10.0**scale.min, 10.0**scale.max):  # a log slider: min/max exponents
        before = elementwise_explorer.view.png()
        scale.value = value
        assert elementwise_explorer.error is None
        assert "raised" not in elementwise_explorer.status.value
        assert elementwise_explorer.view.png() != before


def test_elementwise_explorer_status_names_none_and_nan(elementwise_explorer):
    operation, _ = elementwise_explorer.controls
    operation.value = "round"
    assert "None" in elementwise_explorer.status.value
    operation.value = "where+log naive"
    assert "NaN" in elementwise_explorer.status.value


def test_check_relu_gradient():
    assert check_relu_gradient([0.0, 0.0, 1.0])
    feedback = check_relu_gradient([0.0, 0.5, 1.0])
    assert not feedback and feedback.hint


def test_check_saturation_point():
    assert check_saturation_point(17)
    feedback = check_saturation_point(18)
    assert not feedback and feedback.hint


def test_check_safe_xlogx():
    def safe(x):
        safe_x = tf.where(x > 0, x, 1.0)
        return tf.where(x > 0, safe_x * tf.math.log(safe_x), 0.0)

    assert check_safe_xlogx(safe)
    feedback = check_safe_xlogx(lambda x: tf.where(x > 0, x * tf.math.log(x), 0.0))
    assert not feedback and "NaN" in feedback.message and feedback.hint
    assert not check_safe_xlogx(...)
