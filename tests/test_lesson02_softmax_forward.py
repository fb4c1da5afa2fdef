"""Lesson 02 (softmax forward): naive beside stable, the explorer, the exercises."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import helpers
from helpers.explorer import RED
from helpers.lessons.l02_softmax_forward import (
    COLD_REASONS,
    REASONS,
    check_gradient_sum,
    check_low_temperature,
    check_my_softmax,
    forward_status,
    naive_and_stable,
    softmax_forward_explorer,
)

FAST = settings(max_examples=25, deadline=None)


def logit_vectors(bound):
    """Four float32-representable logits in [-bound, bound], not all zero."""
    return arrays(np.float64, 4, elements=st.floats(-bound, bound, width=32)).filter(
        lambda logits: np.any(logits != 0.0)
    )


@FAST
@given(logits=logit_vectors(30.0), temperature=st.floats(0.5, 5.0))
def test_naive_equals_stable_while_nothing_overflows(logits, temperature):
    naive, stable, _, _ = naive_and_stable(logits, temperature)
    np.testing.assert_allclose(naive, stable, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(stable.sum(), 1.0, rtol=1e-5)


@FAST
@given(logits=logit_vectors(1000.0), temperature=st.floats(0.01, 100.0))
def test_stable_is_finite_at_any_scale_and_temperature(logits, temperature):
    _, stable, _, _ = naive_and_stable(logits, temperature)
    assert np.all(np.isfinite(stable))
    np.testing.assert_allclose(stable.sum(), 1.0, rtol=1e-5)


@FAST
@given(logits=logit_vectors(10.0), shift=st.floats(-50.0, 50.0))
def test_shift_invariance(logits, shift):
    assume(shift != 0.0)
    logits = tf.constant(logits, dtype=tf.float32)
    np.testing.assert_allclose(
        helpers.softmax_stable(logits + shift),
        helpers.softmax_stable(logits),
        rtol=1e-4,
        atol=1e-6,
    )


def test_temperature_limits():
    logits = [2.0, 1.0, 0.1, -1.0]
    cold = naive_and_stable(logits, 0.01)[1]
    hot = naive_and_stable(logits, 1e4)[1]
    np.testing.assert_allclose(cold, [1.0, 0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(hot, 0.25, atol=1e-3)


def test_naive_breaks_between_88_and_89_in_float32():
    below = naive_and_stable([88.0, 10.0, 1.0, -10.0], 1.0)[0]
    above, stable, exps, _ = naive_and_stable([89.0, 10.0, 1.0, -10.0], 1.0)
    assert np.all(np.isfinite(below)) and np.isnan(above[0])
    assert np.isinf(exps[0]) and np.all(np.isfinite(stable))


@pytest.mark.parametrize("dtype, first_nan", [(tf.float32, 89), (tf.float64, 710)])
def test_first_integer_logit_that_breaks_the_naive_softmax(dtype, first_nan):
    # the explorer's prediction (88 and 89) and the float64 edge the explanation names
    logits = tf.constant([[first_nan - 1, 0, 0], [first_nan, 0, 0]], dtype)
    probs = helpers.softmax_naive(logits).numpy()
    assert np.all(np.isfinite(probs[0])) and np.isnan(probs[1]).any()


def status_of(logits):
    naive, stable, exps, scaled = naive_and_stable(logits, 1.0)
    return forward_status(scaled, naive, stable, exps)


def test_status_names_each_failure():
    assert "overflowed to inf" in status_of([89.0, 0.0, 0.0, 0.0])
    silent_zeros = status_of([88.0] * 4)  # no exp is inf, their sum is: every p is 0
    assert "sum" in silent_zeros and "naive softmax is wrong" in silent_zeros
    assert "underflowed" in status_of([-100.0] * 4)
    assert "<span" not in status_of([2.0, 1.0, 0.1, -1.0])


def test_status_says_what_broke_and_the_prediction_says_why():
    explorer = softmax_forward_explorer()
    explorer.set({"z1": 8.9, "scale": 10.0})  # the notebook's saved state: z1 = 89
    status = explorer.status.value
    assert "NaN" in status and "overflowed" in status and "88.72" not in status
    assert explorer.prediction.answer == "88 and 89"
    assert "88.72" in explorer.prediction.explanation
    naive_ax, stable_ax = explorer.view.figure.axes
    assert naive_ax.patches[0].get_height() == 0.0  # NaN drawn at 0
    assert stable_ax.patches[0].get_height() == 1.0


def test_explorer_draws_nan_as_a_bar_at_zero_with_a_red_label():
    explorer = softmax_forward_explorer()
    first_logit, *_, scale_menu, _ = explorer.controls
    scale_menu.value, first_logit.value = 10.0, 8.9
    naive_ax, stable_ax = explorer.view.figure.axes
    labels = [text for text in naive_ax.texts if text.get_text() == "NaN"]
    assert labels and all(text.get_color() == RED for text in labels)
    assert naive_ax.patches[0].get_height() == 0.0
    assert "sum = NaN" in [text.get_text() for text in naive_ax.texts]
    assert stable_ax.patches[0].get_height() == 1.0


def test_explorer_survives_logits_of_1000_at_the_lowest_temperature():
    explorer = softmax_forward_explorer()
    *logit_sliders, scale_menu, temperature_slider = explorer.controls
    scale_menu.value, temperature_slider.value = 100.0, 0.01
    for slider in logit_sliders:
        for value in (slider.min, slider.max):
            slider.value = value
            assert explorer.error is None, explorer.error
            assert "stable sum = 1." in explorer.status.value, explorer.status.value
    assert "NaN" in explorer.status.value  # all four at +1000: inf / inf


def test_explorer_shows_nan_for_a_large_logit():
    explorer = softmax_forward_explorer()
    first_logit, *_, scale_menu, _ = explorer.controls
    scale_menu.value, first_logit.value = 10.0, 8.9
    assert "NaN" in explorer.status.value and "overflowed" in explorer.status.value
    first_logit.value = 8.8
    assert "NaN" not in explorer.status.value


def test_check_gradient_sum():
    assert check_gradient_sum(0.2, "shift invariance")
    assert check_gradient_sum(0.2000, "shift invariance")  # as the lesson prints it
    for value in (-0.2, 0.0, 0.4):  # the sum of the others, a guess, twice the sum
        wrong_value = check_gradient_sum(value, "shift invariance")
        assert not wrong_value and "chain rule" in wrong_value.hint
    for reason in set(REASONS) - {"shift invariance"}:
        wrong_reason = check_gradient_sum(0.2, reason)
        assert not wrong_reason and wrong_reason.hint and "0.2" not in wrong_reason.hint
    blank = check_gradient_sum(0.2, ...)
    assert not blank and "shift invariance" in blank.message and not blank.hint


@FAST
@given(logits=logit_vectors(30.0), seed=st.integers(0, 2**16))
def test_the_gradient_of_any_loss_of_softmax_sums_to_zero(logits, seed):
    # the fact behind exercise 1: L(z + c) = L(z), so dL/dc = sum_j dL/dz_j = 0
    logits = tf.constant(logits, tf.float32)
    weights = tf.random.stateless_normal([4], seed=[seed, 1])
    label = tf.one_hot(seed % 4, 4)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
        losses = [
            tf.reduce_sum(weights * probs),
            tf.reduce_sum(probs**3),
            helpers.cross_entropy_stable(label, logits),
        ]
    for loss in losses:
        gradient = tape.gradient(loss, logits).numpy()
        assert abs(gradient.sum()) <= 1e-5 * (1 + np.abs(gradient).max())


def test_outputs_summing_to_one_is_not_the_reason():
    # p = z^2 / sum z^2 sums to 1 too, but moving every z by c changes it: dL/dc != 0
    logits = tf.constant([2.0, 1.0, 0.5, -1.0])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        probs = logits**2 / tf.reduce_sum(logits**2)
        loss = probs[0]
    np.testing.assert_allclose(tf.reduce_sum(probs), 1.0, rtol=1e-6)
    assert abs(float(tf.reduce_sum(tape.gradient(loss, logits)))) > 0.1


def test_check_low_temperature():
    why = "gaps of 100 and 200"
    assert check_low_temperature(
        helpers.softmax_stable(tf.constant([2.0, 1.0, 0.0]), temperature=0.01), why
    )
    assert check_low_temperature([1.0000, 0.0000, 0.0000], why)  # as the lesson prints
    uniform = check_low_temperature([1 / 3, 1 / 3, 1 / 3], why)
    assert not uniform and uniform.hint and "one-hot" not in uniform.hint
    for reason in COLD_REASONS[1:]:  # the values by re-running a cell are not enough
        feedback = check_low_temperature([1.0, 0.0, 0.0], reason)
        assert not feedback and "100" not in feedback.hint


def shifted_softmax(logits):
    exps = tf.exp(logits - tf.reduce_max(logits, axis=-1, keepdims=True))
    return exps / tf.reduce_sum(exps, axis=-1, keepdims=True)


def numpy_softmax(logits):
    exps = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    return exps / np.sum(exps, axis=-1, keepdims=True)


def logsumexp_softmax(logits):  # 7e-6 off tf.nn.softmax at [-1000] * 3: still right
    return tf.exp(logits - tf.reduce_logsumexp(logits, axis=-1, keepdims=True))


def float64_softmax(logits):  # computed in float64: the values are right
    return tf.nn.softmax(tf.cast(logits, tf.float64))


def global_max_softmax(logits):  # one max for the whole batch: 0 / 0 in a low row
    exps = tf.exp(logits - tf.reduce_max(logits))
    return exps / tf.reduce_sum(exps, axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "softmax",
    [shifted_softmax, logsumexp_softmax, float64_softmax],
)
def test_check_my_softmax_accepts_a_right_softmax(softmax):
    assert check_my_softmax(softmax)


@pytest.mark.parametrize(
    "softmax, says",
    [
        (helpers.softmax_naive, "NaN"),
        (lambda z: tf.nn.softmax(z, axis=0), "values differ"),  # right on one vector only
        (global_max_softmax, "NaN"),
        (numpy_softmax, "no gradient"),
        (lambda z: tf.constant(numpy_softmax(z.numpy())), "no gradient"),
        (tf.nn.softmax, "yourself"),
        (keras.activations.softmax, "yourself"),
        (helpers.softmax_stable, "yourself"),
    ],
)
def test_check_my_softmax_refuses_a_wrong_softmax(softmax, says):
    feedback = check_my_softmax(softmax)
    assert not feedback and says in feedback.message and "axis=-1" in feedback.hint


def test_check_my_softmax_shows_clean_numbers():
    message = check_my_softmax(lambda z: tf.nn.softmax(z, axis=0)).message
    logits = "[[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0]]"
    assert logits in message
    assert "gives [[0.659, 0.2424, 0.0986], [1.0, 0.0, 0.0], [0.3333" in message
    assert "0000001" not in message and "9999" not in message  # no float32 noise
    blank = check_my_softmax(...)
    assert not blank and "replace the ... with your function" in blank.message
    assert not check_my_softmax(lambda logits: logits.shape.not_there)


@FAST
@given(logits=logit_vectors(5.0), temperature=st.floats(50.0, 500.0))
def test_high_temperature_is_uniform_plus_centred_logits_over_kt(logits, temperature):
    # softmax(z / T)_i = (1 + (z_i - mean z) / T) / K, up to an error of order 1 / T²
    probs = naive_and_stable(logits, temperature)[1]
    centred = logits - logits.mean()
    first_order = (1 + centred / temperature) / len(logits)
    # the second-order term is at most (max |z_i - mean z| / T)² / (2K); float32 adds 1e-7
    assert (
        np.abs(probs - first_order).max()
        <= (np.abs(centred).max() / temperature) ** 2 / 8 + 1e-6
    )


@FAST
@given(logits=logit_vectors(30.0), seed=st.integers(0, 2**16))
def test_stop_gradient_on_the_max_leaves_the_gradient_unchanged(logits, seed):
    logits = tf.constant(logits, tf.float32)
    weights = tf.random.stateless_normal([4], seed=[seed, 0])  # not all equal

    def through_max(z):  # the stable form with the max differentiated
        exps = tf.exp(z - tf.reduce_max(z))
        return exps / tf.reduce_sum(exps)

    grads = []
    for softmax in (helpers.softmax_stable, through_max, tf.nn.softmax):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            weighted = tf.reduce_sum(weights * softmax(logits))
        grads.append(tape.gradient(weighted, logits).numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-6)
    np.testing.assert_allclose(grads[0], grads[2], atol=1e-6)


def test_log_softmax_is_z_minus_logsumexp_and_finite_where_log_of_softmax_is_not():
    logits = tf.constant([1000.0, 0.0, -1000.0])
    assert np.isneginf(tf.math.log(tf.nn.softmax(logits))[1])
    expected = logits - tf.math.reduce_logsumexp(logits)
    np.testing.assert_array_equal(tf.nn.log_softmax(logits), expected)
    np.testing.assert_array_equal(helpers.log_softmax_stable(logits), expected)
