"""Lesson 07: element-wise gradients, the dying-ReLU trainer, what the explorers say,
and the exercise checks."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers.lessons import l07_zero_gradients as zero_gradients
from helpers.lessons.l07_zero_gradients import (
    check_dead_bias,
    check_safe_xlogx,
    check_saturation_point,
)

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


def test_round_has_no_gradient():
    assert zero_gradients.elementwise_gradients("round", [-1.3, 0.4, 2.6])[1] is None


def test_rings_are_two_balanced_classes_at_two_radii():
    radii = np.linalg.norm(zero_gradients.INPUTS, axis=1)
    labels = zero_gradients.LABELS
    assert labels.mean() == 0.5
    assert radii[labels == 0].mean() < 0.6
    assert radii[labels == 1].mean() > 0.9


def test_negative_bias_kills_every_relu_and_freezes_the_loss():
    run = zero_gradients.train_relu_mlp(bias_init=-1.0, learning_rate=0.5)
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


def test_units_die_long_before_the_loss_suffers():
    # the explorer's prediction: at lr 10**0.5 most units are dead, the loss still low
    healthy = zero_gradients.train_relu_mlp(0.0, 0.5)
    wounded = zero_gradients.train_relu_mlp(0.0, 10**0.5)
    assert 0.5 < wounded.dead_fraction[-1] < 1.0
    assert wounded.losses[-1] < healthy.losses[-1]


@settings(max_examples=8, deadline=None)
@given(st.floats(-3.0, 2.0), st.floats(0.01, 10.0))
def test_dead_relus_never_come_back(bias_init, learning_rate):
    # under plain full-batch gradient descent (lesson 07's loop): no momentum
    run = zero_gradients.train_relu_mlp(bias_init, learning_rate)
    assume(np.all(np.isfinite(run.losses)))
    assert np.all(np.diff(run.dead_fraction) >= 0)
    # a dead unit gets no gradient: at least the dead ones are not moving
    assert np.all(run.moving_fraction <= 1.0 - run.dead_fraction + 1e-6)


def test_new_hyperparameters_do_not_retrace():
    zero_gradients.train_relu_mlp(0.0, 0.5)
    traces = zero_gradients.train_loop.experimental_get_tracing_count()
    zero_gradients.train_relu_mlp(-2.0, 3.0, "leaky_relu")
    assert zero_gradients.train_loop.experimental_get_tracing_count() == traces == 1


@pytest.fixture(scope="module")
def dying_explorer():
    return zero_gradients.dying_relu_explorer()


def test_dying_relu_explorer_says_training_stopped(dying_explorer):
    dying_explorer.controls[2].value = "relu"
    dying_explorer.controls[0].value = -3.0
    assert "No hidden unit gets a gradient" in dying_explorer.status.value


@pytest.fixture(scope="module")
def elementwise_explorer():
    return zero_gradients.elementwise_gradient_explorer()


def test_elementwise_explorer_shows_and_explains_none_and_nan(elementwise_explorer):
    operation, scale = elementwise_explorer.controls
    scale.value = 4.0
    bar_ax = elementwise_explorer.view.figure.axes[1]
    operation.value = "round"
    assert "None" in elementwise_explorer.status.value
    assert [text.get_text() for text in bar_ax.texts] == ["None"] * 9  # grey, at 0
    assert {bar.get_height() for bar in bar_ax.patches} == {0.0}
    operation.value = "where+log naive"
    assert "NaN" in elementwise_explorer.status.value
    labels = [text.get_text() for text in bar_ax.texts]
    assert labels[4] == "NaN" and bar_ax.patches[4].get_height() == 0.0  # at x = 0
    assert labels[:4] == ["0"] * 4 and labels[5] == "1"  # log'(1) = 1


def unit_gradients(bias, activation):
    """The tape's gradient of exercise 1's unit, summed over its inputs, w.r.t. w and b."""
    weights = tf.constant(zero_gradients.DEAD_WEIGHTS, tf.float32)
    bias = tf.constant(bias, tf.float32)
    inputs = tf.constant(zero_gradients.DEAD_INPUTS, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([weights, bias])
        outputs = activation(tf.linalg.matvec(inputs, weights) + bias)
    return np.concatenate([np.ravel(g) for g in tape.gradient(outputs, [weights, bias])])


def test_exercise_1_answer_is_what_the_tape_says():
    relu, maximum = tf.nn.relu, lambda a: tf.maximum(a, 0.0)
    assert not unit_gradients(-2.0, relu).any()  # dead at b = -2
    assert unit_gradients(-1.99, relu).any()  # alive just above
    assert unit_gradients(-2.0, maximum).any()  # tf.maximum: alive at b = -2


def test_check_dead_bias():
    assert check_dead_bias(-2.0, "alive") and check_dead_bias(-2, "alive")
    assert check_dead_bias(-2.0, " Alive") and not check_dead_bias(-2.0, "DEAD")
    assert not check_dead_bias(-2.0001, "alive")  # dead, but not the largest
    assert not check_dead_bias(-1.9999, "alive")  # alive
    for bias, verdict in [(-2.0, "dead"), (-1.0, "alive"), (2.0, "alive"), (-4, "alive")]:
        feedback = check_dead_bias(bias, verdict)
        assert not feedback and feedback.hint and "-2" not in feedback.hint
    blank = check_dead_bias(-2.0, ...)
    assert not blank and "replace the ... with your" in blank.message


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


@pytest.mark.parametrize("returned", [1.0, np.float32(1.0), [0.0, 0.0, 1.3863]])
def test_check_safe_xlogx_says_to_return_a_tensor(returned):
    feedback = check_safe_xlogx(lambda x: returned)
    assert not feedback and "return a float tensor" in feedback.message


def test_check_safe_xlogx_on_right_values_the_tape_cannot_follow():
    numpy_values = check_safe_xlogx(
        lambda x: np.where(x > 0, x * np.log(abs(x) + 1e-30), 0)
    )
    assert not numpy_values and "return a float tensor" in numpy_values.message
    constant = check_safe_xlogx(lambda x: tf.constant([0.0, 0.0, 2.0 * np.log(2.0)]))
    assert not constant and "no path" in constant.message


def test_sqrt_in_where_is_nan_only_under_xla():
    # TensorFlow's SqrtGrad kernel returns 0 where dy = 0; XLA computes 0.5 dy / y
    y, dy = tf.sqrt(tf.constant([-1.0, 0.0, 4.0])), tf.constant([0.0, 0.0, 1.0])
    kernel = tf.raw_ops.SqrtGrad(y=y, dy=dy).numpy()

    @tf.function(jit_compile=True)
    def sqrt_grad_xla(y, dy):
        return tf.raw_ops.SqrtGrad(y=y, dy=dy)

    xla = sqrt_grad_xla(y, dy).numpy()
    np.testing.assert_array_equal(kernel, [0.0, 0.0, 0.25])
    assert np.isnan(xla[:2]).all() and xla[2] == 0.25
