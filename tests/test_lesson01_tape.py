"""Lesson 01 (the gradient tape): the tangent explorer, its plots and the exercises."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import helpers
from helpers.derivatives import FUNCTIONS, finite_difference_slope, tape_derivative
from helpers.exercises import tape as exercises
from helpers.plots.tape import draw_tangent_panels, finite_limits, update_tangent_point
from helpers.widgets.tape import X_RANGE, tangent_explorer, tangent_status

SMOOTH = ("x**2", "x**3", "sin", "tanh", "sigmoid")
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(name=st.sampled_from(SMOOTH), x=st.floats(-5.0, 5.0).filter(lambda x: x != 0.0))
def test_tape_slope_matches_finite_differences(name, x):
    (_,), (slope,) = tape_derivative(FUNCTIONS[name], [x])
    numeric = finite_difference_slope(FUNCTIONS[name], x)
    np.testing.assert_allclose(slope, numeric, rtol=1e-6, atol=1e-7)


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
    assert finite_difference_slope(FUNCTIONS["relu"], 0.0) == pytest.approx(0.5)
    assert "disagree" in tangent_status("relu", 0.0, 0.0, slope, 0.5)


def test_status_explains_log_left_of_zero():
    (value,), (slope,) = tape_derivative(FUNCTIONS["log"], [-2.0])
    status = tangent_status("log", -2.0, value, slope, np.nan)
    assert np.isnan(value) and slope == pytest.approx(-0.5)
    assert "NaN" in status and "1/x" in status


def test_status_is_plain_when_slopes_agree():
    status = tangent_status("sin", 1.0, np.sin(1.0), np.cos(1.0), np.cos(1.0))
    assert "disagree" not in status and "NaN" not in status and "sin at x" in status


def test_finite_limits_skip_nonfinite_values():
    assert finite_limits([1.0, 3.0, np.nan, -np.inf]) == pytest.approx((0.8, 3.2))
    assert finite_limits([np.nan, np.inf]) == (-1.0, 1.0)


def _tangent_artists():
    figure = Figure()
    ax_f, ax_df = figure.subplots(1, 2)
    return draw_tangent_panels(ax_f, ax_df, np.linspace(-2.0, 2.0, 5))


def test_tangent_line_passes_through_the_point_with_the_slope():
    artists = _tangent_artists()
    update_tangent_point(artists, 1.0, 3.0, 2.0)
    np.testing.assert_allclose(
        artists.tangent.get_ydata(), 3.0 + 2.0 * (np.linspace(-2.0, 2.0, 5) - 1.0)
    )
    assert artists.df_point.get_ydata()[0] == 2.0


def test_tangent_is_hidden_when_the_value_is_not_finite():
    artists = _tangent_artists()
    update_tangent_point(artists, 0.0, -np.inf, np.inf)
    assert np.all(np.isnan(artists.tangent.get_ydata()))


def _moves():
    """Every function, each with x at both extremes, at 0 and inside the range."""
    for name in FUNCTIONS:
        for x in (-X_RANGE, 0.0, 1.5, X_RANGE):
            yield name, x


def test_explorer_survives_every_control_at_every_extreme():
    explorer = tangent_explorer()
    function_menu, x_slider = explorer.controls
    assert (x_slider.min, x_slider.max) == (-X_RANGE, X_RANGE)
    previous = explorer.view.png()
    for name, x in _moves():
        function_menu.value, x_slider.value = name, x
        image = explorer.view.png()
        assert image != previous, (name, x)
        assert explorer.error is None, explorer.error
        assert "raised" not in explorer.status.value
        previous = image


def test_explorer_status_reports_the_kink():
    explorer = tangent_explorer()
    function_menu, x_slider = explorer.controls
    function_menu.value, x_slider.value = "relu", 0.0
    assert "disagree" in explorer.status.value
    assert "tangent_explorer" in helpers.widgets.__all__


def test_check_two_gradients():
    assert exercises.check_two_gradients([33.0, 11.0])
    swapped = exercises.check_two_gradients([11.0, 33.0])
    assert not swapped and "swapped" in swapped.hint
    assert not exercises.check_two_gradients(...).correct
    assert exercises.check_two_gradients([30.0, 11.0]).hint


def test_check_none_fix():
    assert exercises.check_none_fix("tape.watch(x)")
    wrong = exercises.check_none_fix("persistent=True")
    assert not wrong and wrong.hint
    assert not exercises.check_none_fix(...)


def test_check_square_jacobian():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x**2
    assert exercises.check_square_jacobian(tape.jacobian(y, x))
    diagonal_only = exercises.check_square_jacobian([2.0, 4.0, 6.0])
    assert not diagonal_only and diagonal_only.hint
    assert not exercises.check_square_jacobian(np.ones((3, 3)))
