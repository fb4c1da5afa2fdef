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
    DISPLAY_LIMIT,
    EXERCISE_LOGITS,
    HESSIAN_CHOICES,
    check_jacobian_entry,
    check_logsumexp_hessian,
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
    assert np.all(np.abs(result["jacobian"]) <= 0.25 + 1e-6)


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


def test_a_python_list_as_output_gradients_weights_every_output_by_its_first_element():
    # output_gradients follows the target's structure: one entry per target
    logits = tf.constant([1.0, -2.0, 0.5])
    weights = [3.0, 0.0, -1.0]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        squares, probs = logits**2, tf.nn.softmax(logits)
    from_list = tape.gradient(squares, logits, output_gradients=weights)
    np.testing.assert_allclose(from_list, 3.0 * 2.0 * logits.numpy())
    from_tensor = tape.gradient(probs, logits, output_gradients=tf.constant(weights))
    np.testing.assert_allclose(
        from_tensor,
        np.array(weights) @ helpers.softmax_jacobian(logits).numpy(),
        atol=1e-6,
    )
    assert np.abs(tape.gradient(probs, logits, output_gradients=weights)).max() < 1e-6


@SETTINGS
@given(LOGITS)
def test_the_hessian_of_logsumexp_is_the_softmax_jacobian(logits):
    logits = tf.constant(logits, tf.float32)
    with tf.GradientTape() as outer:
        outer.watch(logits)
        with tf.GradientTape() as inner:
            inner.watch(logits)
            lse = tf.reduce_logsumexp(logits)
        gradient = inner.gradient(lse, logits)
    hessian = outer.jacobian(gradient, logits)
    np.testing.assert_allclose(hessian, helpers.softmax_jacobian(logits), atol=1e-6)


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


def test_explorer_set_to_two_equal_logits_shows_the_bound():
    explorer = softmax_jacobian_explorer()
    explorer.set({"logit z0": 3.0, "logit z1": 3.0, "logit z2": -20.0})
    assert "d p0 / d z1 = -0.25;" in explorer.status.value
    assert explorer.prediction.answer == "-1/4"


def test_explorer_gives_away_neither_the_bound_nor_the_exercises():
    explorer = softmax_jacobian_explorer()
    heat_ax, bar_ax = explorer.view.figure.axes[:2]
    assert (
        heat_ax.images[0].get_clim() == (-DISPLAY_LIMIT, DISPLAY_LIMIT) != (-0.25, 0.25)
    )
    assert max(abs(limit) for limit in bar_ax.get_ylim()) > 0.25
    # the starting logits are no shift of a permutation of the exercises' [1, 2, 3]
    start = sorted(slider.value for slider in explorer.controls[:3])
    assert not np.allclose(np.diff(start), np.diff(EXERCISE_LOGITS))


def test_explorer_says_when_softmax_saturates():
    explorer = softmax_jacobian_explorer()
    sliders = explorer.controls[:3]
    for slider, value in zip(sliders, (20.0, -20.0, -20.0)):
        slider.value = value
    assert "Saturated" in explorer.status.value
    assert explorer.error is None


def exercise_tape_answers():
    logits = tf.constant(EXERCISE_LOGITS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
    jacobian = tape.jacobian(probs, logits)
    weighted = tape.gradient(
        probs, logits, output_gradients=tf.constant([1.0, 0.0, -1.0])
    )
    return jacobian.numpy(), weighted.numpy()


def test_checks_accept_the_tape_and_the_printed_four_decimals():
    jacobian, weighted = exercise_tape_answers()
    assert check_jacobian_entry(jacobian[0, 2]) and check_jacobian_entry(-0.0599)
    assert check_weighted_gradient(tf.constant(weighted))
    assert check_weighted_gradient([0.1418, 0.1408, -0.2826])
    matrix = "diag(p) - p p^T"
    assert check_logsumexp_hessian(jacobian, matrix)
    assert check_logsumexp_hessian(np.round(jacobian, 4), matrix)


@pytest.mark.parametrize(
    "answer",
    [
        0.0599,  # the sign flipped
        -0.06,  # two decimals
        -0.0243,  # -p0 p1, the wrong pair
    ],
)
def test_jacobian_entry_refuses_wrong_values_with_a_hint(answer):
    feedback = check_jacobian_entry(answer)
    assert not feedback and feedback.hint and "0.0599" not in repr(feedback)


def test_weighted_gradient_refuses_the_python_list_result_and_hints_the_method():
    zeros = check_weighted_gradient(
        [0.0, 0.0, 0.0]
    )  # what output_gradients=[1, 0, -1] gives
    assert not zeros and "tensor" in zeros.hint
    _, weighted = exercise_tape_answers()
    assert not check_weighted_gradient(-weighted)  # p2 - p0
    assert "0.14" not in zeros.hint and "[1" not in zeros.hint


def test_hessian_check_wants_the_values_and_the_matrix():
    jacobian, _ = exercise_tape_answers()
    for matrix in set(HESSIAN_CHOICES) - {"diag(p) - p p^T"}:
        feedback = check_logsumexp_hessian(jacobian, matrix)
        assert not feedback and feedback.hint
    wrong_values = check_logsumexp_hessian(np.diag(np.diag(jacobian)), "diag(p) - p p^T")
    assert not wrong_values and "values differ" in wrong_values.message
    blank_choice = check_logsumexp_hessian(jacobian, ...)
    assert not blank_choice and "replace the ... with your choice" in blank_choice.message
    assert "diag(p) - p p^T" not in check_logsumexp_hessian(jacobian, "p p^T").hint


@pytest.mark.parametrize("check", [check_jacobian_entry, check_weighted_gradient])
def test_a_blank_answer_only_says_what_to_fill_in(check):
    feedback = check(...)
    assert not feedback and "replace the ... with your" in feedback.message
    assert feedback.hint == ""
