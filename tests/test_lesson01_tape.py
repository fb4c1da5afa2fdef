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
    check_vector_gradient,
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


def test_status_names_what_log_shows_left_of_zero():
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


def test_explorer_status_reports_the_kink_and_leaves_the_why_to_the_prediction():
    explorer = tangent_explorer()
    explorer.set({"f(x) =": "relu", "x": 0.0})
    assert "disagree" in explorer.status.value and "0.5" in explorer.status.value
    assert "convention" not in explorer.status.value and explorer.verdict.value == ""
    prediction = explorer.prediction
    assert prediction.answer == "0 and 0.5"
    explorer.predict.value = prediction.answer
    assert "Your prediction held" in explorer.verdict.value


def test_the_predicted_slopes_are_what_the_tape_and_finite_differences_give():
    (_,), (tape_slope,) = tape_derivative(FUNCTIONS["relu"], [0.0])
    numeric = central_difference("relu", 0.0)
    shown = f"{tape_slope:g} and {numeric:g}"
    assert shown == tangent_explorer().prediction.answer


def vector_gradient_by_tape():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.reduce_sum(x)
    return tape.gradient(y, x)


def test_check_vector_gradient_takes_the_value_and_the_reason():
    gradient = vector_gradient_by_tape()
    assert check_vector_gradient(gradient, "sum")
    assert check_vector_gradient([12.0, 12.0, 12.0], " Sum ")
    assert check_vector_gradient(gradient.numpy().round(4), "sum")  # printed decimals


@pytest.mark.parametrize("reason", ["diagonal", "first output", "", "because", None])
def test_check_vector_gradient_refuses_the_run_value_with_a_wrong_reason(reason):
    feedback = check_vector_gradient(vector_gradient_by_tape(), reason)
    assert not feedback and feedback.hint and "12" not in feedback.hint


@pytest.mark.parametrize(
    "gradient",
    [[7.0, 8.0, 9.0], [6.0, 6.0, 6.0], [6.0, 0.0, 0.0], [12.0, 12.0], [12.0, 12.0, 12.1]],
)
def test_check_vector_gradient_refuses_wrong_values(gradient):
    feedback = check_vector_gradient(gradient, "sum")
    assert not feedback and feedback.hint and "12" not in feedback.hint


def test_check_vector_gradient_wrong_choices_are_really_wrong():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * tf.reduce_sum(x)
        first = y[0]
    jacobian = tape.jacobian(y, x).numpy()
    assert not np.allclose(np.diag(jacobian), 12.0)  # "diagonal" gives [7, 8, 9]
    assert not np.allclose(tape.gradient(first, x), 12.0)  # "first output"
    np.testing.assert_allclose(jacobian.sum(axis=0), 12.0)  # "sum"


def test_a_blank_vector_gradient_says_only_what_to_fill_in():
    for feedback in (
        check_vector_gradient(..., ...),
        check_vector_gradient([12.0, 12.0, 12.0], ...),
    ):
        assert not feedback and "replace the ... with your" in feedback.message
        assert feedback.hint == ""


@pytest.mark.parametrize(
    "typed",
    [
        "tape.watch(x)",
        "tape.watch( x )",
        " tape.watch (x) ",
        "tape.watch(x);",
        "'tape.watch(x)'",
        "`tape.watch(x)`",
        "tape.watch(\tx\n)",
    ],
)
def test_check_none_fix_accepts_the_call_however_it_is_spaced(typed):
    assert check_none_fix(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "persistent=True",
        "persistent = True",
        "x.numpy()",
        "tape.watch(y)",
        "watch",
        None,
        0,
    ],
)
def test_check_none_fix_refuses_the_other_fixes(typed):
    feedback = check_none_fix(typed)
    assert not feedback and feedback.hint and "watch" not in feedback.hint  # the method


def test_a_blank_none_fix_says_only_what_to_fill_in():
    feedback = check_none_fix(...)
    assert not feedback and feedback.hint == ""
    assert "replace the ... with your choice" in feedback.message


def test_check_square_jacobian():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x**2
    jacobian = tape.jacobian(y, x)
    assert check_square_jacobian(jacobian)
    assert check_square_jacobian(jacobian.numpy().tolist())
    diagonal_only = check_square_jacobian([2.0, 4.0, 6.0])
    assert not diagonal_only and diagonal_only.hint
    assert not check_square_jacobian(np.ones((3, 3)))
    assert not check_square_jacobian(np.diag([1.0, 2.0, 3.0]))  # x, not 2x
