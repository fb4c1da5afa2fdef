"""Lesson 06: softplus three ways, what the explorer shows and the exercise checks."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers.lessons import l06_custom_gradients as lesson
from helpers.lessons.l06_custom_gradients import (
    check_clip_ste,
    check_cube,
    softplus_explorer,
)

finite_x = st.floats(-80.0, 80.0, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


@settings(max_examples=25, deadline=None)
@given(finite_x)
def test_custom_softplus_matches_tensorflow_value_and_sigmoid_gradient(x):
    grads = lesson.softplus_gradients([x])
    value = lesson.softplus_custom(tf.constant([x])).numpy()
    np.testing.assert_allclose(value, tf.nn.softplus([x]).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads["custom"], tf.sigmoid([x]).numpy(), rtol=1e-6)
    np.testing.assert_allclose(grads["custom"], grads["numeric"], rtol=1e-4, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(finite_x)
def test_stable_formula_gradient_is_right_away_from_zero(x):
    grads = lesson.softplus_gradients([x])
    np.testing.assert_allclose(grads["stable"], grads["numeric"], rtol=1e-4, atol=1e-6)


def test_stable_formula_gradient_is_wrong_at_exactly_zero():
    grads = lesson.softplus_gradients([0.0])
    assert grads["stable"][0] == 0.0
    assert grads["custom"][0] == 0.5
    np.testing.assert_allclose(grads["numeric"], [0.5], rtol=1e-6)


def test_naive_gradient_underflows_to_zero_then_overflows_to_nan_in_float32():
    grads = lesson.softplus_gradients([10.0, 88.0, 100.0])["naive"]
    np.testing.assert_allclose(grads[0], 1.0, rtol=1e-4)
    assert grads[1] == 0.0 and np.isnan(grads[2])
    np.testing.assert_allclose(
        lesson.softplus_gradients([88.0, 100.0], "float64")["naive"], 1.0
    )


def test_numeric_gradient_agrees_with_the_public_helper():
    # all elements at once (softplus acts element by element) vs one at a time
    inputs = np.array([-100.0, -3.0, 0.0, 0.5, 2.0, 88.0, 100.0])
    expected = helpers.numeric_gradient(
        lambda v: tf.reduce_sum(lesson.softplus_stable(v)), inputs
    )
    got = lesson.softplus_gradients(inputs)["numeric"]
    assert got.dtype == np.float64 and got.shape == inputs.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def explorer():
    return softplus_explorer()


def test_explorer_says_why_the_naive_gradient_is_nan(explorer):
    explorer.controls[1].value = "float32"
    explorer.controls[0].value = 100.0
    assert "NaN" in explorer.status.value and "0 · inf" in explorer.status.value
    explorer.controls[0].value = 0.0
    assert "softplus'(0) = 0.5" in explorer.status.value


def test_explorer_draws_a_nan_gradient_as_a_bar_at_zero_labelled_nan(explorer):
    explorer.controls[1].value = "float32"
    explorer.controls[0].value = 100.0
    bar_ax = explorer.view.figure.axes[1]
    names = [tick.get_text() for tick in bar_ax.get_xticklabels()]
    labels = [text.get_text() for text in bar_ax.texts]
    heights = [bar.get_height() for bar in bar_ax.patches]
    assert names == ["naive", "stable", "custom", "numeric"]
    assert labels[0] == "NaN" and heights[0] == 0.0  # the naive gradient
    assert labels[2] == "1" and heights[2] == 1.0  # the custom one, sigmoid(100)


def test_check_cube():
    @tf.custom_gradient
    def cube(x):
        return x * x * x, lambda upstream: upstream * 3.0 * x * x

    @tf.custom_gradient
    def cube_without_upstream(x):
        return x * x * x, lambda upstream: 3.0 * x * x

    assert check_cube(cube)
    feedback = check_cube(cube_without_upstream)
    assert not feedback and "upstream" in feedback.message and feedback.hint
    assert not check_cube(...)
    assert not check_cube(tf.square).correct


def test_check_clip_ste():
    @tf.custom_gradient
    def clip_ste(x):
        return tf.clip_by_value(x, -1.0, 1.0), lambda upstream: upstream

    assert check_clip_ste(clip_ste)
    feedback = check_clip_ste(lambda x: tf.clip_by_value(x, -1.0, 1.0))
    assert not feedback and "own gradient" in feedback.message and feedback.hint
    assert not check_clip_ste(...)
