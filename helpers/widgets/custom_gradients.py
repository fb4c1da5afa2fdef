"""Lesson 06: softplus three ways, their tape gradients against a numeric gradient.

The math (TensorFlow only) comes first, then the explorer that wires it to the plots.
"""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.gradcheck import numeric_gradient
from helpers.plots.custom_gradients import (
    draw_gradient_bars,
    draw_gradient_curves,
    update_gradient_bars,
    update_gradient_curves,
)
from helpers.widgets._core import Explorer, FigureView, fmt, warn_nonfinite


def softplus_naive(x):
    """log(1 + exp(x)) as written: exp overflows past x ~ 88.7 in float32 (lesson 06)."""
    return tf.math.log(1.0 + tf.exp(x))


def softplus_stable(x):
    """max(x, 0) + log(1 + exp(-|x|)): finite values, but relu'(0) = |x|'(0) = 0."""
    return tf.nn.relu(x) + tf.math.log1p(tf.exp(-tf.abs(x)))


@tf.custom_gradient
def softplus_custom(x):
    """The stable value with the gradient written by hand: sigmoid(x) (lesson 06)."""

    def grad(upstream):
        # d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x), finite for every x
        return upstream * tf.sigmoid(x)

    return softplus_stable(x), grad


SOFTPLUS_VERSIONS = {
    "naive": softplus_naive,
    "stable": softplus_stable,
    "custom": softplus_custom,
}
NAMES = [*SOFTPLUS_VERSIONS, "numeric"]


def softplus_gradients(inputs, dtype="float32"):
    """Tape gradients of each softplus version at `inputs`, plus the float64 numeric one.

    Returns name -> NumPy array shaped like `inputs` (softplus acts element by element,
    so the gradient of the sum is the per-element derivative).
    """
    inputs = tf.constant(inputs, dtype)
    grads = {}
    for name, softplus in SOFTPLUS_VERSIONS.items():
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            total = tf.reduce_sum(softplus(inputs))
        grads[name] = tape.gradient(total, inputs).numpy()
    grads["numeric"] = numeric_gradient(
        lambda v: tf.reduce_sum(softplus_stable(v)), tf.cast(inputs, tf.float64)
    )
    return grads


CURVE_INPUTS = np.linspace(-100.0, 100.0, 401)  # step 0.5: x = 0 is on the grid


def softplus_explorer():
    """x and dtype -> the gradients of naive, stable and custom softplus (lesson 06)."""
    view = FigureView(figsize=(9, 3.2))
    curve_ax, bar_ax = view.figure.subplots(1, 2, width_ratios=[2, 1])
    curves = draw_gradient_curves(curve_ax, CURVE_INPUTS, NAMES)
    bars = draw_gradient_bars(bar_ax, NAMES)
    view.figure.tight_layout()
    view.animate(
        *curves["lines"].values(), curves["marker"], *bars["bars"], *bars["labels"]
    )
    curve_grads = {
        dtype: softplus_gradients(CURVE_INPUTS, dtype) for dtype in ("float32", "float64")
    }
    x_slider = widgets.FloatSlider(
        value=1.0, min=-100.0, max=100.0, step=0.5, description="x"
    )
    dtype = widgets.Dropdown(
        options=["float32", "float64"], value="float32", description="dtype"
    )

    def update():
        grads = softplus_gradients([x_slider.value], dtype.value)
        at_x = [float(grads[name][0]) for name in NAMES]
        update_gradient_curves(curves, curve_grads[dtype.value], x_slider.value)
        update_gradient_bars(bars, at_x)
        return _softplus_status(x_slider.value, dtype.value, dict(zip(NAMES, at_x)))

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
    status = warn_nonfinite("the naive gradient", [grads["naive"]])
    if np.isnan(grads["naive"]):
        status += (
            f"In {dtype} exp({x:g}) = inf, and the tape computes "
            "(1 / (1 + inf)) · inf = 0 · inf = NaN. "
        )
    elif not np.isclose(grads["naive"], numeric, atol=1e-4):
        status += (
            f"The naive tape gradient is wrong here: 1 / (1 + exp({x:g})) "
            f"underflows to 0 in {dtype} before exp overflows, so it returns "
            "0 · exp(x) = 0. "
        )
    if not np.isclose(grads["stable"], numeric, atol=1e-4):
        status += (
            "The stable formula's tape gradient is wrong here: at x = 0 the tape "
            "adds relu'(0) = 0 and, through |x|, sign(0) = 0, but "
            "softplus'(0) = 0.5. "
        )
    agree = [
        name for name in SOFTPLUS_VERSIONS if np.isclose(grads[name], numeric, atol=1e-4)
    ]
    return status + (
        f"x = {x:g}: numeric gradient {fmt(numeric, 4)}; agreeing with it: "
        f"{', '.join(agree) or 'none'}."
    )
