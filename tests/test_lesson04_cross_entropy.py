"""Lesson 04: the cross-entropy gradient p - y, its explorer's claims, the exercises."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers.lessons.l04_cross_entropy import (
    check_cross_entropy_gradient,
    check_softmax_ceiling,
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
        ([1000.0, 0.0, -1000.0], "overflows"),
        ([50.0, 0.0, -50.0], "underflowed"),
        ([-1000.0, -1000.0, -1000.0], "0 / 0 = NaN"),  # every exp(z) underflows
    ],
)
def test_naive_failure_names_the_cause(logits, words):
    result = state(logits, 1)
    assert words in naive_failure(np.array(logits), result["probs_naive"])
    assert (
        naive_failure(
            np.array([2.0, 1.0, -1.0]), state([2.0, 1.0, -1.0], 1)["probs_naive"]
        )
        == ""
    )


@SETTINGS
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6).filter(any))
def test_softmax_of_probabilities_stays_below_e_over_e_plus_n_minus_1(inputs):
    ceiling = np.e / (np.e + len(inputs) - 1)
    probs = helpers.softmax_stable(np.array(inputs)).numpy()
    assert probs.max() <= ceiling + 1e-12


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


def test_explorer_says_why_the_naive_gradient_is_nan_at_1000():
    explorer = cross_entropy_explorer()
    *sliders, scale, _ = explorer.controls
    for slider, value in zip(sliders, (10.0, 0.0, -10.0)):
        slider.value = value
    scale.value = 100.0
    assert "contains NaN" in explorer.status.value
    assert "overflows" in explorer.status.value
    assert "equals p − y" in explorer.status.value
    assert explorer.error is None


@pytest.mark.parametrize(
    "check, right_answer, wrong_answer",
    [
        (
            check_cross_entropy_gradient,
            lambda: tf.nn.softmax([2.0, -1.0, 0.5]) - tf.one_hot(2, 3),
            lambda: tf.one_hot(2, 3) - tf.nn.softmax([2.0, -1.0, 0.5]),
        ),  # y - p
        (
            check_softmax_ceiling,
            lambda: float(tf.reduce_max(tf.nn.softmax([1.0, 0.0, 0.0, 0.0]))),
            lambda: np.e / (np.e + 2),
        ),  # the 3-class ceiling
    ],
)
def test_checks_accept_the_right_answer_and_hint_on_a_wrong_one(
    check, right_answer, wrong_answer
):
    assert check(right_answer())
    feedback = check(wrong_answer())
    assert not feedback and feedback.hint
    assert not check(...)
