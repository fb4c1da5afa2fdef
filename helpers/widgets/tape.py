"""Lesson 01: move x, see f, its tangent and f' (the slope comes from the tape)."""

import ipywidgets as widgets
import numpy as np

from helpers.derivatives import FUNCTIONS, finite_difference_slope, tape_derivative
from helpers.plots.tape import (
    draw_tangent_panels,
    update_tangent_curves,
    update_tangent_point,
)
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

X_RANGE = 6.0
GRID = np.linspace(-X_RANGE, X_RANGE, 241)
NONFINITE_REASONS = {
    "log": "log(x) is NaN for x < 0 and -inf at 0; the tape still returns 1/x there.",
}


def tangent_status(name, x, value, slope, numeric_slope):
    """What the explorer reports: f, both slopes, and why they are odd when they are."""
    status = (
        f"{name} at x = {x:.3f}: f(x) = {number_text(value)}, tape f'(x) = {number_text(slope)}, "
        f"finite differences: {number_text(numeric_slope)}."
    )
    warning = warn_nonfinite("f(x) or f'(x)", [value, slope, numeric_slope])
    if warning:
        return warning + NONFINITE_REASONS.get(name, "") + "<br>" + status
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
    ax_f, ax_df = view.figure.subplots(1, 2)
    artists = draw_tangent_panels(ax_f, ax_df, GRID)
    view.figure.tight_layout()
    view.animate(*artists)
    function_menu = widgets.Dropdown(
        options=list(FUNCTIONS), value="sin", description="f(x) ="
    )
    x_slider = widgets.FloatSlider(
        value=1.0,
        min=-X_RANGE,
        max=X_RANGE,
        step=0.125,
        description="x",
        readout_format=".3f",
    )
    shown = {"name": None}

    def update():
        name = function_menu.value
        function = FUNCTIONS[name]
        if name != shown["name"]:
            update_tangent_curves(artists, *tape_derivative(function, GRID))
            shown["name"] = name
            view.invalidate()  # new y limits: the static background changes
        x = float(x_slider.value)
        (value,), (slope,) = tape_derivative(function, [x])
        update_tangent_point(artists, x, value, slope)
        numeric_slope = finite_difference_slope(function, x)
        return tangent_status(name, x, value, slope, numeric_slope)

    return Explorer(
        "The tangent: f'(x) from the tape",
        [function_menu, x_slider],
        view,
        update,
        question="Pick relu and set x = 0: which slope does the tape "
        "give, and which do finite differences give?",
    )
