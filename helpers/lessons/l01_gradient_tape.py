"""Lesson 01: the gradient tape: its slopes beside finite differences, and its checks."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite
from helpers.feedback import as_array, check_array, check_choice, wrong

# elementwise functions of a float64 tensor; no derivative is written by hand
FUNCTIONS = {
    "x**2": tf.square,
    "x**3": lambda x: x**3,
    "sin": tf.sin,
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
    "log": tf.math.log,
}
X_RANGE = 6.0
GRID = np.linspace(-X_RANGE, X_RANGE, 241)
LOG_REASON = "log(x) is NaN for x < 0 and -inf at 0; the tape still returns 1/x there."
NONE_FIXES = ("tape.watch(x)", "persistent=True", "tape.jacobian(y, x)", "x.numpy()")


def tape_derivative(function, xs):
    """f(xs) and f'(xs) as float64 arrays, the slopes from a GradientTape (lesson 01)."""
    xs = tf.constant(xs, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(xs)  # a constant is not recorded unless watched
        values = function(xs)
    # f acts elementwise, so d sum_j f(x_j) / d x_i = f'(x_i): one gradient, every slope
    return values.numpy(), tape.gradient(values, xs).numpy()


def draw_tangent_panels(ax_f, ax_df):
    """Empty lines: f, tangent and point (left); f' and its point (right) (lesson 01)."""
    zeros = np.zeros_like(GRID)
    lines = {
        "f": ax_f.plot(GRID, zeros, color="#4C72B0", lw=2)[0],
        "tangent": ax_f.plot(GRID, zeros, color="#DD8452", ls="--")[0],
        "f_point": ax_f.plot([0.0], [0.0], "o", color="#DD8452", ms=8)[0],
        "df": ax_df.plot(GRID, zeros, color="#55A868", lw=2)[0],
        "df_point": ax_df.plot([0.0], [0.0], "o", color="#DD8452", ms=8)[0],
    }
    titles = ("f(x), and its tangent at x (dashed)", "f'(x) from the tape")
    for ax, title in zip((ax_f, ax_df), titles):
        ax.set(xlim=(-X_RANGE, X_RANGE), xlabel="x", title=title)
        ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
        # few ticks and no legend: a new function redraws the axes, text is the slow part
        ax.set_xticks(np.linspace(-X_RANGE, X_RANGE, 5))
        ax.locator_params(axis="y", nbins=5)
    return lines


def update_tangent_point(lines, x, value, slope):
    """Move both points to x; draw the tangent f(x) + f'(x) (t - x) (lesson 01)."""
    if np.isfinite(value) and np.isfinite(slope):
        # the tangent line at x: t -> f(x) + f'(x) (t - x)
        lines["tangent"].set_ydata(value + slope * (GRID - x))
    else:  # no tangent without numbers
        lines["tangent"].set_ydata(np.full_like(GRID, np.nan))
    lines["f_point"].set_data([x], [value])
    lines["df_point"].set_data([x], [slope])


def tangent_status(name, x, value, slope, numeric_slope):
    """The status: f, both slopes, and why they are odd when they are (lesson 01)."""
    status = (
        f"{name} at x = {x:.3f}: f(x) = {number_text(value)}, tape f'(x) = "
        f"{number_text(slope)}, finite differences: {number_text(numeric_slope)}."
    )
    warning = warn_nonfinite("f(x) or f'(x)", [value, slope, numeric_slope])
    if warning:
        return warning + (LOG_REASON if name == "log" else "") + "<br>" + status
    if not np.isclose(slope, numeric_slope, rtol=1e-4, atol=1e-4):
        return (
            status + "<br><b>The tape and finite differences disagree:</b> f has a "
            "kink here. The tape uses TensorFlow's convention (relu'(0) = 0); the "
            "central difference averages the slopes on both sides."
        )
    return status


def tangent_explorer():
    """Pick f, move x: the tangent at x has the slope the tape computes (lesson 01)."""
    view = FigureView(figsize=(9, 3.2))
    lines = draw_tangent_panels(*view.figure.subplots(1, 2))
    view.figure.tight_layout()
    view.animate(*lines.values())
    menu = widgets.Dropdown(options=list(FUNCTIONS), value="sin", description="f(x) =")
    x_slider = widgets.FloatSlider(
        1.0, min=-X_RANGE, max=X_RANGE, step=0.125, description="x", readout_format=".3f"
    )
    shown = {"name": None}

    def update():
        function = FUNCTIONS[menu.value]
        if menu.value != shown["name"]:  # a new function: new curves, y limits to fit
            for curve, values in zip(("f", "df"), tape_derivative(function, GRID)):
                lines[curve].set_ydata(values)
                finite = values[np.isfinite(values)]  # log: NaN below 0, -inf at 0
                pad = 0.1 * max(finite.max() - finite.min(), 1.0)
                lines[curve].axes.set_ylim(finite.min() - pad, finite.max() + pad)
            shown["name"] = menu.value
            view.invalidate()  # new y limits: the static background changes
        x = x_slider.value
        (value,), (slope,) = tape_derivative(function, [x])
        update_tangent_point(lines, x, value, slope)
        # the central difference (f(x + eps) - f(x - eps)) / 2 eps: no gradient rule
        upper, lower = function(tf.constant([x + 1e-6, x - 1e-6], tf.float64)).numpy()
        numeric_slope = (upper - lower) / 2e-6
        return tangent_status(menu.value, x, value, slope, numeric_slope)

    title = "The tangent: f'(x) from the tape"
    question = (
        "Pick relu and set x = 0: which slope does the tape give, and which do "
        "finite differences give?"
    )
    return Explorer(title, [menu, x_slider], view, update, question=question)


def check_two_gradients(answer):
    """[df/dw, df/db] for f(w, b) = (3 w + b - 1)^2 at w = 2, b = 0.5 (lesson 01)."""
    reference = np.array([33.0, 11.0])  # 2 (3w + b - 1) * [3, 1] = 11 * [3, 1]
    hint = (
        "Make w and b tf.Variable, compute f inside `with tf.GradientTape() as tape:`, "
        "then tape.gradient(f, [w, b]). By the chain rule df/dw = 2 (3w + b - 1) * 3 "
        "and df/db = 2 (3w + b - 1)."
    )
    got = as_array(answer)
    if np.shape(got) == (2,) and np.allclose(got, reference[::-1]):
        hint = (
            "Your two numbers are swapped: tape.gradient(f, [w, b]) returns the "
            "gradients in the order of the list you pass."
        )
    return check_array(answer, reference, "[df/dw, df/db]", hint)


def check_none_fix(answer):
    """Which call turns the None gradient of a tf.constant into a number (lesson 01)."""
    if answer is Ellipsis:
        hint = "Which call tells the tape to record a plain tensor?"
        return wrong(f"replace the ... with one of {list(NONE_FIXES)}.", hint)
    hint = (
        "The tape records operations on variables by itself; a plain tensor must be "
        "watched before it is used."
    )
    what = "the fix for a None gradient of a constant"
    return check_choice(answer, "tape.watch(x)", what, hint, NONE_FIXES)


def check_square_jacobian(answer):
    """The Jacobian of y = x**2 at x = [1, 2, 3], a 3 x 3 array (lesson 01)."""
    hint = (
        "Entry (i, j) is dy_i / dx_j. y_i depends only on x_i, so the off-diagonal "
        "entries are 0 and the diagonal is 2 x_i. tape.jacobian(y, x) computes it."
    )
    return check_array(answer, np.diag([2.0, 4.0, 6.0]), "the Jacobian of x**2", hint)
