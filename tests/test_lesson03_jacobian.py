"""Lesson 03: the softmax Jacobian from the tape, its explorer's claims, the exercises."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import helpers
from helpers.bars import draw_signed_bars, update_signed_bars
from helpers.lessons.l03_softmax_jacobian import (
    CLASS_NAMES,
    EXERCISE_LOGITS,
    JACOBIAN_LIMIT,
    check_jacobian_entry,
    check_weighted_gradient,
    draw_jacobian_heatmap,
    jacobian_state,
    softmax_jacobian_explorer,
    update_jacobian_heatmap,
)

# three logits in the explorer's range, not all zero
LOGITS = st.lists(st.floats(-20.0, 20.0, width=32), min_size=3, max_size=3).filter(
    lambda values: any(value != 0.0 for value in values)
)
SETTINGS = settings(max_examples=25, deadline=None)


def state(logits, k=0):
    result = jacobian_state(tf.constant(logits, tf.float32), tf.constant(k))
    return {name: value.numpy() for name, value in result.items()}


@SETTINGS
@given(LOGITS, st.integers(0, 2))
def test_tape_jacobian_is_diag_p_minus_p_p_transpose(logits, k):
    result = state(logits, k)
    np.testing.assert_allclose(
        result["jacobian"], helpers.softmax_jacobian(logits), atol=1e-6
    )
    np.testing.assert_array_equal(result["grad_output"], result["jacobian"][k])


@SETTINGS
@given(LOGITS)
def test_rows_and_the_gradient_of_all_probs_sum_to_zero(logits):
    result = state(logits)
    np.testing.assert_allclose(result["jacobian"].sum(axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(result["grad_sum"], 0.0, atol=1e-6)
    assert np.all(np.abs(result["jacobian"]) <= JACOBIAN_LIMIT + 1e-6)


def test_jacobian_is_not_zero_where_its_sum_is():
    result = state([2.0, 1.0, 0.0])
    assert np.abs(result["jacobian"]).max() > 0.1
    np.testing.assert_allclose(result["grad_sum"], 0.0, atol=1e-6)


def test_output_gradients_on_a_batch_match_the_formula():
    logits = tf.random.stateless_normal([3, 4], seed=[3, 0])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
    np.testing.assert_allclose(
        tape.batch_jacobian(probs, logits), helpers.softmax_jacobian(logits), atol=1e-6
    )


def test_heatmap_and_bars_show_values_and_nan_plainly():
    heat_ax, bar_ax = Figure().subplots(1, 2)
    image, labels = draw_jacobian_heatmap(heat_ax)
    bars, bar_labels = draw_signed_bars(bar_ax, CLASS_NAMES, 0.25)
    jacobian = np.array([[0.2, np.nan, 0.0], [-0.2, 0.1, 0.0], [0.0, 0.0, 0.0]])
    update_jacobian_heatmap(image, labels, jacobian)
    np.testing.assert_array_equal(image.get_array(), np.nan_to_num(jacobian))
    assert [labels[0].get_text(), labels[1].get_text()] == ["0.2", "NaN"]
    update_signed_bars(bars, bar_labels, [np.nan, -3.0, 0.1], 0.25)
    assert [bar.get_height() for bar in bars] == [0.0, -0.25, 0.1]  # NaN at 0, -3 clipped
    assert [label.get_text() for label in bar_labels] == ["NaN", "-3", "0.1"]


def test_explorer_outlines_and_names_the_chosen_row():
    explorer = softmax_jacobian_explorer()
    *_, dropdown = explorer.controls
    row_marker = explorer.view.figure.axes[0].patches[0]
    for k in (1, 2, 0):
        dropdown.value = k
        assert f"row p{k}" in explorer.status.value
        assert row_marker.get_y() == k - 0.5


def test_explorer_says_when_softmax_saturates():
    explorer = softmax_jacobian_explorer()
    sliders = explorer.controls[:3]
    for slider, value in zip(sliders, (20.0, -20.0, -20.0)):
        slider.value = value
    assert "Saturated" in explorer.status.value
    assert explorer.error is None


@pytest.mark.parametrize(
    "check, wrong_answer",
    [
        (check_jacobian_entry, 0.09),  # the sign flipped
        (check_weighted_gradient, [0.0, 0.0, 0.0]),  # the gradient of sum(p)
    ],
)
def test_checks_accept_the_right_answer_and_hint_on_a_wrong_one(check, wrong_answer):
    logits = tf.constant(EXERCISE_LOGITS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
    answers = {
        check_jacobian_entry: tape.jacobian(probs, logits)[0, 2],
        check_weighted_gradient: tape.gradient(
            probs, logits, output_gradients=tf.constant([1.0, 0.0, -1.0])
        ),
    }
    assert check(answers[check])
    feedback = check(wrong_answer)
    assert not feedback and feedback.hint
    assert not check(...)
