"""Lesson 01 (the gradient tape): its slopes, the tangent explorer, the exercises."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import helpers
from helpers.lessons.l01_gradient_tape import (
    FUNCTIONS,
    GRID,
    check_none_fix,
    check_square_jacobian,
    check_two_gradients,
    draw_tangent_panels,
    tangent_explorer,
    tangent_status,
    tape_derivative,
    update_tangent_point,
)

SMOOTH = ("x**2", "x**3", "sin", "tanh", "sigmoid")
FAST = settings(max_examples=25, deadline=None)


def central_difference(name, x):
    return float(helpers.numeric_gradient(FUNCTIONS[name], [x])[0])


@FAST
@given(name=st.sampled_from(SMOOTH), x=st.floats(-5.0, 5.0).filter(lambda x: x != 0.0))
def test_tape_slope_matches_finite_differences(name, x):
    (_,), (slope,) = tape_derivative(FUNCTIONS[name], [x])
    np.testing.assert_allclose(slope, central_difference(name, x), rtol=1e-6, atol=1e-7)


@FAST
@given(x=st.floats(0.05, 6.0))
def test_log_slope_is_one_over_x(x):
    (value,), (slope,) = tape_derivative(FUNCTIONS["log"], [x])
    np.testing.assert_allclose([value, slope], [np.log(x), 1.0 / x], rtol=1e-12)


def test_curve_slopes_are_elementwise_derivatives():
    xs = np.linspace(-3.0, 3.0, 13)
    values, slopes = tape_derivative(FUNCTIONS["sigmoid"], xs)
    np.testing.assert_allclose(slopes, values * (1.0 - values), rtol=1e-12)


def test_relu_kink_tape_and_finite_differences_disagree():
    (_,), (slope,) = tape_derivative(FUNCTIONS["relu"], [0.0])
    assert slope == 0.0
    assert central_difference("relu", 0.0) == pytest.approx(0.5)
    assert "disagree" in tangent_status("relu", 0.0, 0.0, slope, 0.5)


def test_status_explains_log_left_of_zero():
    (value,), (slope,) = tape_derivative(FUNCTIONS["log"], [-2.0])
    status = tangent_status("log", -2.0, value, slope, np.nan)
    assert np.isnan(value) and slope == pytest.approx(-0.5)
    assert "NaN" in status and "1/x" in status


def test_status_is_plain_when_slopes_agree():
    status = tangent_status("sin", 1.0, np.sin(1.0), np.cos(1.0), np.cos(1.0))
    assert "disagree" not in status and "NaN" not in status and "sin at x" in status


def test_tangent_line_passes_through_the_point_with_the_slope():
    lines = draw_tangent_panels(*Figure().subplots(1, 2))
    update_tangent_point(lines, 1.0, 3.0, 2.0)
    np.testing.assert_allclose(lines["tangent"].get_ydata(), 3.0 + 2.0 * (GRID - 1.0))
    assert lines["df_point"].get_ydata()[0] == 2.0


def test_tangent_is_hidden_when_the_value_is_not_finite():
    lines = draw_tangent_panels(*Figure().subplots(1, 2))
    update_tangent_point(lines, 0.0, -np.inf, np.inf)
    assert np.all(np.isnan(lines["tangent"].get_ydata()))


def test_explorer_status_reports_the_kink():
    explorer = tangent_explorer()
    function_menu, x_slider = explorer.controls
    function_menu.value, x_slider.value = "relu", 0.0
    assert "disagree" in explorer.status.value


def test_check_two_gradients():
    assert check_two_gradients([33.0, 11.0])
    swapped = check_two_gradients([11.0, 33.0])
    assert not swapped and "swapped" in swapped.hint
    assert not check_two_gradients(...).correct
    assert check_two_gradients([30.0, 11.0]).hint


def test_check_two_gradients_reference_is_what_the_tape_gives():
    w, b = tf.Variable(2.0), tf.Variable(0.5)
    with tf.GradientTape() as tape:
        loss = (3.0 * w + b - 1.0) ** 2
    assert check_two_gradients(tape.gradient(loss, [w, b]))


def test_check_none_fix():
    assert check_none_fix("tape.watch(x)")
    wrong = check_none_fix("persistent=True")
    assert not wrong and wrong.hint
    assert not check_none_fix(...)


def test_check_square_jacobian():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x**2
    assert check_square_jacobian(tape.jacobian(y, x))
    diagonal_only = check_square_jacobian([2.0, 4.0, 6.0])
    assert not diagonal_only and diagonal_only.hint
    assert not check_square_jacobian(np.ones((3, 3)))
