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


def test_explorer_status_says_what_is_shown_not_why(explorer):
    explorer.set({"x": 100.0, "dtype": "float32"})
    status = explorer.status.value
    assert "NaN" in status and "exp(100) overflows to inf" in status
    assert "differing: naive (NaN)" in status
    explorer.set({"x": 88.0})
    assert "differing: naive (0)" in explorer.status.value
    explorer.set({"x": 0.0})
    assert "differing: stable (0)" in explorer.status.value
    assert "flush" not in explorer.status.value  # the why is in the prediction
    explorer.set({"x": 100.0, "dtype": "float64"})
    assert "differing: none" in explorer.status.value


def test_prediction_answer_is_what_the_naive_curve_does():
    # in float32, going up from 0 the naive gradient first leaves the numeric one at 0,
    # then turns NaN: the answer the explorer's prediction reveals
    positive = lesson.CURVE_INPUTS[lesson.CURVE_INPUTS > 0]
    grads = lesson.softplus_gradients(positive)
    # (from x = 79 float32 rounding leaves it off by up to 2e-4: not a failure)
    wrong = ~np.isclose(grads["naive"], grads["numeric"], atol=0.01)
    first_wrong = grads["naive"][wrong]
    assert first_wrong[0] == 0.0 and np.isnan(first_wrong[-1])
    assert positive[wrong][0] == 87.5
    assert softplus_explorer().prediction.answer == "it drops to 0 first, then turns NaN"


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

    @tf.custom_gradient
    def cube_in_numpy(x):
        return x * x * x, lambda upstream: upstream.numpy() * 3.0 * x.numpy() ** 2

    assert check_cube(cube)
    assert check_cube(tf.function(cube))  # still a custom gradient inside
    assert check_cube(tf.custom_gradient(lambda x: (x**3, lambda u: u * 3.0 * x**2)))
    feedback = check_cube(cube_without_upstream)
    assert not feedback and "upstream" in feedback.message and feedback.hint
    autodiff = check_cube(lambda x: x**3)  # right values and gradient, not written
    assert not autodiff and "not a @tf.custom_gradient" in autodiff.message
    in_numpy = check_cube(cube_in_numpy)  # reported as what it is, not AttributeError
    assert not in_numpy and "ndarray value, not a tensor" in in_numpy.message
    assert "AttributeError" not in in_numpy.message
    blank = check_cube(...)
    assert not blank and "replace the ... with your" in blank.message
    assert not check_cube(tf.square).correct


def test_check_clip_ste():
    @tf.custom_gradient
    def clip_ste(x):
        return tf.clip_by_value(x, -1.0, 1.0), lambda upstream: upstream

    assert check_clip_ste(clip_ste)
    feedback = check_clip_ste(lambda x: tf.clip_by_value(x, -1.0, 1.0))
    assert not feedback and "own gradient" in feedback.message and feedback.hint
    assert "clip_by_value" not in feedback.hint and "upstream" not in feedback.hint
    assert not check_clip_ste(...)
