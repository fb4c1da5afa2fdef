"""Lesson 06: softplus three ways, their tape gradients against a numeric gradient.

The math is in helpers.custom_gradients; the explorer wires it to the plots.
"""

import ipywidgets as widgets
import numpy as np

from helpers.custom_gradients import CURVE_INPUTS, SOFTPLUS_VERSIONS, softplus_gradients
from helpers.plots.custom_gradients import (
    draw_gradient_bars,
    draw_gradient_curves,
    update_gradient_bars,
    update_gradient_curves,
)
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

NAMES = [*SOFTPLUS_VERSIONS, "numeric"]


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
        f"x = {x:g}: numeric gradient {number_text(numeric, 4)}; agreeing with it: "
        f"{', '.join(agree) or 'none'}."
    )
