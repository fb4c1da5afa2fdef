"""Lesson 06: softplus(x) = log(1 + e^x) three ways, their tape gradients against a
numeric gradient, the softplus explorer and the checks for hand-written gradients."""

import numpy as np
import tensorflow as tf
from ipywidgets import Dropdown, FloatSlider

from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite
from helpers.feedback import function_problem, right, wrong

CURVE_INPUTS = np.linspace(-100.0, 100.0, 401)  # step 0.5: x = 0 is on the grid
COLOURS = ("#C44E52", "#DD8452", "#4C72B0", "#55A868")  # naive, stable, custom, numeric
GRAD_LIMITS = (-0.05, 1.2)  # softplus'(x) = sigmoid(x) lies in [0, 1]
CHECK_INPUTS = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
UPSTREAM = 2.0  # the checks differentiate 2 * f(x): a gradient must scale with upstream
NUMERIC_EPS = 1e-6  # numeric_gradient's step


def softplus_naive(x):
    """log(1 + exp(x)) as written: exp overflows past x ~ 88.7 in float32 (lesson 06)."""
    return tf.math.log(1.0 + tf.exp(x))


def softplus_stable(x):
    """max(x, 0) + log1p(exp(-|x|)): finite, but relu'(0) = |x|'(0) = 0 (lesson 06)."""
    return tf.nn.relu(x) + tf.math.log1p(tf.exp(-tf.abs(x)))


@tf.custom_gradient
def softplus_custom(x):
    """The stable value with the gradient written by hand: sigmoid(x) (lesson 06)."""
    # d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x), finite for every x
    return softplus_stable(x), lambda upstream: upstream * tf.sigmoid(x)


VERSIONS = {"naive": softplus_naive, "stable": softplus_stable, "custom": softplus_custom}
NAMES = [*VERSIONS, "numeric"]  # the explorer's curves and bars


def tape_gradient(f, inputs, upstream=1.0):
    """f(inputs) and the tape's d sum(upstream * f(inputs)) / d inputs, None if no path:
    for an element-wise f, each input's own derivative times upstream (lesson 06)."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        values = f(inputs)
        if not tf.is_tensor(values):  # a learner's function may return anything
            return values, None
        total = tf.reduce_sum(upstream * values)
    return values, tape.gradient(total, inputs)


def softplus_gradients(inputs, dtype="float32"):
    """Tape gradients of each softplus version at `inputs`, and the float64 numeric one:
    name -> NumPy array shaped like `inputs` (lesson 06)."""
    inputs = tf.constant(inputs, dtype)
    grads = {name: tape_gradient(f, inputs)[1].numpy() for name, f in VERSIONS.items()}
    # softplus acts element by element, so d sum(f) / dx_i = f'(x_i): numeric_gradient's
    # central difference (f(x + eps) - f(x - eps)) / 2 eps, for every element at once
    x = tf.cast(inputs, tf.float64)
    upper, lower = softplus_stable(x + NUMERIC_EPS), softplus_stable(x - NUMERIC_EPS)
    grads["numeric"] = ((upper - lower) / (2 * NUMERIC_EPS)).numpy()
    return grads


def softplus_explorer():
    """x and dtype -> the gradients of naive, stable and custom softplus (lesson 06)."""
    x_slider = FloatSlider(1.0, min=-100.0, max=100.0, step=0.5, description="x")
    dtype = Dropdown(options=["float32", "float64"], description="dtype")
    curve_grads = {name: softplus_gradients(CURVE_INPUTS, name) for name in dtype.options}
    view = FigureView(figsize=(9, 3.2))
    curve_ax, bar_ax = view.figure.subplots(1, 2, width_ratios=[2, 1])
    # left: the gradients over x, in distinct styles (curves may lie on top of each other)
    curves = [
        curve_ax.plot(CURVE_INPUTS, 0 * CURVE_INPUTS, style, color=colour, label=name)[0]
        for name, colour, style in zip(NAMES, COLOURS, ["-", "--", ":", "-."])
    ]
    marker = curve_ax.axvline(0.0, color="black", linewidth=0.8)
    curve_ax.set(xlim=(-100, 100), ylim=GRAD_LIMITS, xlabel="x", ylabel="d softplus / dx")
    curve_ax.legend(loc="upper left", fontsize=8)
    # right: one bar per gradient at x, labelled with its value
    bars = bar_ax.bar(NAMES, np.zeros(len(NAMES)), color=COLOURS)
    labels = [bar_ax.text(x, 0, "", ha="center", va="bottom", size=9) for x in range(4)]
    bar_ax.set(ylim=GRAD_LIMITS, title="gradient at x")
    bar_ax.axhline(0.0, color="black", linewidth=0.5)
    view.figure.tight_layout()
    view.animate(*curves, marker, *bars, *labels)

    def update():
        grads = softplus_gradients([x_slider.value], dtype.value)
        at_x = {name: float(grads[name][0]) for name in NAMES}
        for name, line in zip(NAMES, curves):
            line.set_ydata(curve_grads[dtype.value][name])  # NaN leaves a gap
        marker.set_xdata([x_slider.value, x_slider.value])
        for bar, label, grad in zip(bars, labels, at_x.values()):
            height = grad if np.isfinite(grad) else 0.0  # NaN and inf: a bar at 0
            bar.set_height(height)
            label.set_y(max(height, 0.0) + 0.02)
            label.set_text(number_text(grad, 4))
        return _softplus_status(x_slider.value, dtype.value, at_x)

    return Explorer(
        "Softplus: naive, stable and custom gradients",
        [x_slider, dtype],
        view,
        update,
        question="Find where the naive gradient turns NaN, and the one x "
        "where the stable formula's tape gradient is wrong.",
    )


def _softplus_status(x, dtype, grads):
    """Name each disagreement with the numeric gradient and say why it happens."""
    numeric = grads["numeric"]
    agree = [name for name in VERSIONS if np.isclose(grads[name], numeric, atol=1e-4)]
    status = warn_nonfinite("the naive gradient", [grads["naive"]])
    if np.isnan(grads["naive"]):
        status += (
            f"In {dtype} exp({x:g}) = inf, and the tape computes "
            "(1 / (1 + inf)) · inf = 0 · inf = NaN. "
        )
    elif "naive" not in agree:
        status += (
            f"The naive tape gradient is wrong here: 1 / (1 + exp({x:g})) underflows "
            f"to 0 in {dtype} before exp overflows, so it returns 0 · exp(x) = 0. "
        )
    if "stable" not in agree:
        status += (
            "The stable formula's tape gradient is wrong here: at x = 0 the tape adds "
            "relu'(0) = 0 and, through |x|, sign(0) = 0, but softplus'(0) = 0.5. "
        )
    return status + (
        f"x = {x:g}: numeric gradient {number_text(numeric, 4)}; agreeing with it: "
        f"{', '.join(agree) or 'none'}."
    )


def _check_gradient(fn, what, hint, values, grads, mistake_grads, mistake):
    """Feedback on fn's values at CHECK_INPUTS and the tape's gradient of sum(UPSTREAM *
    fn(x)): against the expected ones, and the gradient a known `mistake` gives."""
    problem = function_problem(fn, what)
    if problem:
        return wrong(f"{problem}.", hint)
    try:
        got_values, got_grads = tape_gradient(fn, tf.constant(CHECK_INPUTS), UPSTREAM)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(
            f"{what}: calling it on {CHECK_INPUTS.tolist()} raised "
            f"{type(error).__name__}: {error}",
            hint,
        )
    if not tf.is_tensor(got_values) or got_values.shape != values.shape:
        return wrong(
            f"{what} must return a tensor shaped like x, {values.shape} here (and under "
            f"@tf.custom_gradient a grad function too); it returned {got_values!r}.",
            hint,
        )
    if not np.allclose(got_values, values, rtol=1e-5):
        return wrong(f"{what}(x) is {got_values.numpy()}, expected {values}.", hint)
    if got_grads is None:
        return wrong(f"the tape returned None for {what}'s gradient.", hint)
    got_grads = got_grads.numpy()
    if np.allclose(got_grads, mistake_grads, rtol=1e-5):
        return wrong(f"{mistake}.", hint)
    if not np.allclose(got_grads, grads, rtol=1e-5):
        return wrong(f"d(2 {what}(x))/dx is {got_grads}, expected {grads}.", hint)
    return right(f"{what}'s values and gradient match at x = {CHECK_INPUTS.tolist()}.")


def check_cube(cube):
    """A @tf.custom_gradient cube: value x**3, gradient upstream * 3 x**2 (lesson 06)."""
    hint = (
        "Return x * x * x and a grad(upstream) that returns upstream times "
        "d(x**3)/dx: the chain rule multiplies by the upstream gradient."
    )
    grads = 3 * CHECK_INPUTS**2  # d(x**3)/dx, without the upstream gradient
    mistake = "the gradient ignores upstream: d(2 x**3)/dx came out as 3 x**2"
    values = CHECK_INPUTS**3
    return _check_gradient(cube, "cube", hint, values, UPSTREAM * grads, grads, mistake)


def check_clip_ste(clip_ste):
    """clip to [-1, 1] forward, identity backward: a straight-through clip (lesson 06)."""
    hint = (
        "Return tf.clip_by_value(x, -1.0, 1.0) and a grad(upstream) that treats "
        "the op as the identity: what is d(x)/dx times upstream?"
    )
    values, grads = np.clip(CHECK_INPUTS, -1.0, 1.0), np.full(3, UPSTREAM)
    own_grads = UPSTREAM * (np.abs(CHECK_INPUTS) <= 1)  # tf.clip_by_value's gradient
    mistake = "this is tf.clip_by_value's own gradient: 0 outside [-1, 1], no signal"
    return _check_gradient(clip_ste, "clip_ste", hint, values, grads, own_grads, mistake)
