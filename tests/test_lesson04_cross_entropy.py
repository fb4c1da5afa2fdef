"""Lesson 04: the cross-entropy gradient p - y, its explorer's claims and prediction,
softmax twice (its floor for K classes, its gradient, Adam), the loss variants (label
smoothing, temperature), the exercises."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers.lessons.l04_cross_entropy import (
    FIRST_NAN,
    FLOOR_REASONS,
    TWICE_LOGITS,
    _adam_loop,
    adam_on_logits,
    check_cross_entropy_gradient,
    check_smoothing_floor,
    check_twice_gradient,
    cross_entropy_explorer,
    cross_entropy_state,
    naive_failure,
)

# three logits anywhere in the explorer's range (up to +-1000), not all zero
LOGITS = st.lists(st.floats(-1000.0, 1000.0, width=32), min_size=3, max_size=3).filter(
    lambda values: any(value != 0.0 for value in values)
)
SETTINGS = settings(max_examples=25, deadline=None)


def state(logits, true_class):
    logits = tf.constant(logits, tf.float32)
    result = cross_entropy_state(logits, tf.constant(true_class))
    return {name: value.numpy() for name, value in result.items()}


@SETTINGS
@given(LOGITS, st.integers(0, 2))
def test_stable_gradient_is_p_minus_y_and_finite_everywhere(logits, true_class):
    result = state(logits, true_class)
    assert np.isfinite(result["loss_stable"])
    np.testing.assert_allclose(result["grad_stable"], result["expected"], atol=1e-6)
    np.testing.assert_allclose(result["expected"].sum(), 0.0, atol=1e-6)


@SETTINGS
@given(
    st.lists(st.floats(-5.0, 5.0, width=32), min_size=3, max_size=3).filter(any),
    st.integers(0, 2),
)
def test_naive_equals_stable_at_moderate_logits(logits, true_class):
    result = state(logits, true_class)
    # float32 log(p) near p = 1 is off by ~1e-7 absolute, which is a large relative
    # error when the loss itself is ~0.007: compare with an absolute floor too
    np.testing.assert_allclose(
        result["loss_naive"], result["loss_stable"], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(result["grad_naive"], result["grad_stable"], atol=1e-6)


@pytest.mark.parametrize("true_class", [0, 1, 2])
def test_naive_is_nan_at_extreme_logits_where_stable_is_exactly_p_minus_y(true_class):
    result = state([1000.0, 0.0, -1000.0], true_class)
    assert np.all(np.isnan(result["grad_naive"]))
    np.testing.assert_array_equal(result["grad_stable"], result["expected"])


@pytest.mark.parametrize(
    "logits, words",
    [
        ([1000.0, 0.0, -1000.0], "exp(1000) = inf"),
        ([50.0, 0.0, -50.0], "p2 = 0, log(p2) = −inf"),
        ([-1000.0, -1000.0, -1000.0], "every exp(z) = 0"),
    ],
)
def test_naive_failure_states_the_values_not_the_cause(logits, words):
    result = state(logits, 1)
    status = naive_failure(np.array(logits), result["probs_naive"])
    assert words in status and "flow" not in status  # the prediction's words
    assert (
        naive_failure(
            np.array([2.0, 1.0, -1.0]), state([2.0, 1.0, -1.0], 1)["probs_naive"]
        )
        == ""
    )


@SETTINGS
@given(
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6).filter(any),
    st.lists(st.floats(0.01, 1.0), min_size=6, max_size=6),
)
def test_softmax_twice_never_goes_below_log_e_plus_k_minus_1_minus_1(inputs, weights):
    # any label distribution y: -sum(y log q) >= -log max q >= log(e + K - 1) - 1
    num_classes = len(inputs)
    labels = np.array(weights[:num_classes]) / sum(weights[:num_classes])
    probs = helpers.softmax_stable(np.array(inputs)).numpy()
    floor = np.log(np.e + num_classes - 1) - 1
    assert probs.max() <= np.e / (np.e + num_classes - 1) + 1e-12
    assert -np.sum(labels * np.log(probs)) >= floor - 1e-12


def test_the_floor_is_below_0_55_for_two_classes_and_reached_at_one_hot():
    for num_classes, floor in ((2, 0.3133), (3, 0.5514)):
        one_hot = tf.one_hot(0, num_classes, dtype=tf.float64)
        loss = tf.nn.softmax_cross_entropy_with_logits(one_hot, one_hot)
        assert float(loss) == pytest.approx(floor, abs=1e-4)


def test_explorer_draws_the_nan_gradient_as_zero_and_says_nan():
    explorer = cross_entropy_explorer()
    *sliders, scale, _ = explorer.controls
    for slider, value in zip(sliders, (10.0, 0.0, -10.0)):
        slider.value = value
    scale.value = 100.0  # logits [1000, 0, -1000]
    ax = explorer.view.figure.axes[0]
    naive_bars, stable_bars = ax.patches[:3], ax.patches[3:6]
    texts = [text.get_text() for text in ax.texts]
    assert [bar.get_height() for bar in naive_bars] == [0.0, 0.0, 0.0]
    assert texts[:3] == ["NaN"] * 3
    assert [bar.get_height() for bar in stable_bars] == [1.0, -1.0, 0.0]  # p - y
    assert texts[-2:] == ["naive loss = NaN", "stable loss = 1000"]


@pytest.mark.parametrize("scale, broke", [(100.0, "exp(1000) = inf"), (4.5, "p2 = 0")])
def test_explorer_status_says_what_broke_and_leaves_the_why_to_the_prediction(
    scale, broke
):
    explorer = cross_entropy_explorer()
    explorer.set({"logit z0": 10.0, "logit z1": 0.0, "logit z2": -10.0, "scale ×": scale})
    status = explorer.status.value
    assert "contains NaN" in status and broke in status and "equals p − y" in status
    assert "0 · (−inf)" not in status and "inf / inf" not in status  # the why
    assert not any(choice in status for choice in FIRST_NAN.choices)
    assert explorer.error is None


def test_the_prediction_is_underflow_and_the_grid_agrees():
    # the first NaN along scale * [10, 0, -10] comes from p2 = 0, not from exp = inf
    assert FIRST_NAN.answer == "p2 underflows to 0" and "4.5" in FIRST_NAN.explanation
    for scale, nan in ((4.0, False), (4.5, True)):
        result = state([10.0 * scale, 0.0, -10.0 * scale], 1)
        assert np.isnan(result["grad_naive"]).all() == nan
        assert (result["probs_naive"][2] == 0.0) == nan
        assert np.isfinite(np.exp(np.float32(10.0 * scale)))  # no overflow yet


@pytest.mark.parametrize(
    "check, right_answer, wrong_answer",
    [
        (
            check_cross_entropy_gradient,
            lambda: tf.nn.softmax([2.0, -1.0, 0.5]) - tf.one_hot(2, 3),
            lambda: tf.one_hot(2, 3) - tf.nn.softmax([2.0, -1.0, 0.5]),
        ),  # y - p
        (
            lambda floor: check_smoothing_floor(floor, FLOOR_REASONS[0]),
            lambda: smoothed_loss_at_its_best(0.1, 10),
            lambda: smoothed_loss_at_its_best(0.1, 3),
        ),  # the lesson's 3-class floor
    ],
)
def test_checks_accept_the_right_answer_and_hint_on_a_wrong_one(
    check, right_answer, wrong_answer
):
    assert check(right_answer())
    feedback = check(wrong_answer())
    assert not feedback and feedback.hint
    assert not check(...)


def smoothed_loss_at_its_best(epsilon, num_classes):
    """Keras' smoothed loss at logits log(y_s), where p = y_s: its lowest value."""
    labels = tf.one_hot([0], num_classes)
    smoothed = (1 - epsilon) * labels + epsilon / num_classes
    loss = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=epsilon)
    return float(loss(labels, tf.math.log(smoothed)))


def twice_gradient_by_tape():
    logits, labels = tf.constant(TWICE_LOGITS), tf.one_hot(1, 3)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, probs)
    twice = tf.nn.softmax(probs)
    return loss.numpy(), tape.gradient(loss, logits).numpy(), probs.numpy(), twice.numpy()


def test_twice_gradient_check_wants_the_value_and_the_reason():
    loss, grad, probs, twice = twice_gradient_by_tape()
    # the exercise's facts: the loss is about 0.59, q1 about 0.56, p nearly one-hot
    assert round(float(loss), 2) == 0.59 and round(float(twice[1]), 2) == 0.56
    jacobian = np.diag(probs) - np.outer(probs, probs)
    assert np.abs(jacobian).max() < 0.06 < np.abs(twice - [0, 1, 0]).min()
    assert check_twice_gradient(grad, "dp/dz")
    assert check_twice_gradient(np.round(grad, 4), "dp/dz")  # as the course prints it
    for factor in ("q - y", "dq/dp", "float32 rounding", "DP/DZ", None):
        feedback = check_twice_gradient(grad, factor)
        assert not feedback and feedback.hint
    blank = check_twice_gradient(grad, ...)
    assert not blank and not blank.hint and "replace the ... with your" in blank.message


# likely slips: dL/dp = q - y without the Jacobian, p - y (softmax once), -(q - y)
@pytest.mark.parametrize("slip", ["q_minus_y", "p_minus_y", "negated"])
def test_twice_gradient_check_refuses_the_likely_slips_with_a_method_hint(slip):
    _, grad, probs, twice = twice_gradient_by_tape()
    labels = np.eye(3)[1]
    wrong = {"q_minus_y": twice - labels, "p_minus_y": probs - labels, "negated": -grad}
    feedback = check_twice_gradient(wrong[slip], "dp/dz")
    assert not feedback and "chain rule" in feedback.hint
    assert "diag" not in feedback.hint  # the method, not the formula


def test_smoothing_floor_check_accepts_the_four_decimals_the_course_prints():
    floor = round(smoothed_loss_at_its_best(0.1, 10), 4)
    assert check_smoothing_floor(floor, "entropy of y_s")
    for reason in FLOOR_REASONS[1:]:  # the value by brute force is not enough
        feedback = check_smoothing_floor(floor, reason)
        assert not feedback and "entropy" not in feedback.hint


def test_cross_entropy_gradient_check_accepts_the_printed_vector():
    printed = np.round(tf.nn.softmax([2.0, -1.0, 0.5]).numpy() - [0, 0, 1], 4)
    assert check_cross_entropy_gradient(printed)


# likely slips: no floor at all, the true class's term alone, the lesson's 3 classes
@pytest.mark.parametrize("wrong_answer", [0.0, -np.log(0.91), 0.2911])
def test_smoothing_floor_check_refuses_the_likely_slips_with_a_hint(wrong_answer):
    feedback = check_smoothing_floor(wrong_answer, FLOOR_REASONS[0])
    assert not feedback and feedback.hint
    assert "0.50" not in feedback.message + feedback.hint  # the hint never gives it away
    assert "log y_s" not in feedback.hint  # nor the formula: -sum(y_s log y_s)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-20.0, 20.0, width=32), min_size=4, max_size=4).filter(any),
    st.floats(0.01, 0.5),
)
def test_no_logits_go_below_the_smoothing_floor_and_p_minus_y_s_is_the_gradient(
    logits, epsilon
):
    logits, labels = tf.constant([logits]), tf.one_hot([2], 4)
    smooth = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=epsilon
    )
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = smooth(labels, logits)
    smoothed = (1 - epsilon) * labels + epsilon / 4
    floor = -float(tf.reduce_sum(smoothed * tf.math.log(smoothed)))  # entropy of y_s
    assert float(loss) >= floor - 1e-5
    np.testing.assert_allclose(
        tape.gradient(loss, logits), tf.nn.softmax(logits) - smoothed, atol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-10.0, 10.0, width=32), min_size=3, max_size=3).filter(any),
    st.floats(0.1, 100.0),
)
def test_temperature_divides_the_gradient_by_t(logits, temperature):
    logits, labels = tf.constant(logits), tf.one_hot(0, 3)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = tf.nn.softmax_cross_entropy_with_logits(labels, logits / temperature)
    expected = (tf.nn.softmax(logits / temperature) - labels) / temperature
    np.testing.assert_allclose(
        tape.gradient(loss, logits), expected, rtol=1e-5, atol=1e-6
    )


def test_adam_on_logits_twice_is_stuck_above_its_floor_and_never_retraces():
    floor = -np.log(np.e / (np.e + 2))  # softmax twice, 3 classes
    stable, twice = adam_on_logits(twice=False), adam_on_logits(twice=True)
    assert stable.losses.shape == twice.losses.shape == (1000,)
    assert stable.losses[-1] < 0.01 and twice.losses.min() > floor
    assert twice.final_probs[1] > 0.99  # the model fits all the same
    assert twice.grad_norms[0] < stable.grad_norms[0] / 4
    short = adam_on_logits(twice=True, steps=5, learning_rate=0.5)
    assert short.losses.shape == (5,)
    assert _adam_loop.experimental_get_tracing_count() == 1
