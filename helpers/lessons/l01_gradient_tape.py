"""Lesson 01: the gradient tape: its slopes beside finite differences, and its checks."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers import explorer
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import as_array, check_array, check_choice, right

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
LOG_VALUES = "log(x) is NaN for x < 0 and -inf at 0; the tape's slope there is 1/x."
KINK = Prediction(
    ("0 and 0", "0 and 0.5", "0.5 and 0.5", "1 and 0.5"),  # tape, finite differences
    "0 and 0.5",
    "relu has no derivative at 0. TensorFlow's gradient rule for relu picks 0 there (the "
    "slope on the left); the central difference (relu(ε) − relu(−ε)) / 2ε averages the "
    "slopes of both sides, (0 + 1) / 2. Check gradients away from kinks.",
)
NONE_FIXES = ("tape.watch(x)", "persistent=True", "tape.jacobian(y, x)", "x.numpy()")
VECTOR_REASONS = ("first output", "sum", "diagonal")


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
        "f": ax_f.plot(GRID, zeros, color=explorer.PALETTE[5], lw=2)[0],
        "tangent": ax_f.plot(GRID, zeros, color=explorer.PALETTE[1], ls="--")[0],
        "f_point": ax_f.plot([0.0], [0.0], "o", color=explorer.PALETTE[1], ms=8)[0],
        "df": ax_df.plot(GRID, zeros, color=explorer.PALETTE[3], lw=2)[0],
        "df_point": ax_df.plot([0.0], [0.0], "o", color=explorer.PALETTE[1], ms=8)[0],
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
    """The status: f, both slopes, and whether they are finite and agree (lesson 01)."""
    status = (
        f"{name} at x = {x:.3f}: f(x) = {number_text(value)}, tape f'(x) = "
        f"{number_text(slope)}, finite differences: {number_text(numeric_slope)}."
    )
    warning = warn_nonfinite("f(x) or f'(x)", [value, slope, numeric_slope])
    if warning:
        return warning + (LOG_VALUES if name == "log" else "") + "<br>" + status
    if not np.isclose(slope, numeric_slope, rtol=1e-4, atol=1e-4):
        return status + "<br><b>The tape and finite differences disagree.</b>"
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
    controls = [menu, x_slider]
    return Explorer(title, controls, view, update, question=question, prediction=KINK)


def check_vector_gradient(gradient, reason):
    """tape.gradient(y, x) for y = x * sum(x) at x = [1, 2, 3], and why (lesson 01)."""
    hint = (
        "tape.gradient of a vector y differentiates one scalar made from y: which one? "
        "Write that scalar with s = x0 + x1 + x2, then differentiate it by each x_j."
    )
    got = as_array(gradient)
    if got is not None and got.shape == (3,) and np.allclose(got, [7.0, 8.0, 9.0]):
        hint = "That is dy_i / dx_i for each i: is it what tape.gradient gives?"
    # y_0 + y_1 + y_2 = s * s, so every entry is d(s**2)/dx_j = 2 s = 12
    value = check_array(gradient, [12.0, 12.0, 12.0], "tape.gradient(y, x)", hint)
    if not value:
        return value
    hint = (
        "Check each reason against your numbers: what are y_0's own gradient and the "
        "Jacobian's diagonal, dy_i / dx_i, for this y?"
    )
    reason = reason.strip().lower() if isinstance(reason, str) else reason
    why = check_choice(reason, "sum", "the reason", hint, VECTOR_REASONS)
    if not why:
        return why
    return right("[12, 12, 12]: the gradient of y_0 + y_1 + y_2 = s², 2 s for every x_j.")


def check_none_fix(answer):
    """Which call turns the None gradient of a tf.constant into a number (lesson 01)."""
    hint = (
        "What does the tape record by itself, and what must it be told? Reread the "
        "section on variables and tensors."
    )
    if isinstance(answer, str):  # 'tape.watch( x )' is 'tape.watch(x)'; quotes too
        typed = "".join(answer.split()).strip("`'\";")
        answer = next((f for f in NONE_FIXES if f.replace(" ", "") == typed), answer)
    what = "the fix for a None gradient of a constant"
    return check_choice(answer, "tape.watch(x)", what, hint, NONE_FIXES)


def check_square_jacobian(answer):
    """The Jacobian of y = x**2 at x = [1, 2, 3], a 3 x 3 array (lesson 01)."""
    hint = (
        "Entry (i, j) is dy_i / dx_j: on which x_j does each y_i depend? "
        "tape.jacobian(y, x) on a watched tf.constant([1.0, 2.0, 3.0]) computes it."
    )
    return check_array(answer, np.diag([2.0, 4.0, 6.0]), "the Jacobian of x**2", hint)
