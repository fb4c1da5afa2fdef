"""Lesson 02: logits, scale and temperature -> naive and stable softmax side by side."""

import ipywidgets as widgets
import numpy as np

from helpers.plots.softmax_forward import (
    draw_naive_and_stable,
    panel_artists,
    update_naive_and_stable,
)
from helpers.softmax import naive_and_stable
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

CLASS_NAMES = ("z1", "z2", "z3", "z4")
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0)
SCALES = (("× 1", 1.0), ("× 10", 10.0), ("× 100", 100.0))


def overflow_reason(exps):
    """Why the naive form broke, read off the float32 exps, or '' when it did not."""
    exps_sum = np.sum(exps, dtype=np.float64)  # exact enough to see float32 overflow
    if np.isinf(exps).any():
        return (
            "exp(z/T) overflowed to inf (float32 exp overflows above 88.72): "
            "inf / inf = NaN."
        )
    if exps_sum > np.finfo(np.float32).max:  # the float32 sum would be inf
        return (
            "no exp(z/T) is inf, but their float32 sum is: every naive "
            "probability is finite / inf = 0, and they no longer sum to 1."
        )
    if exps_sum == 0:
        return "every exp(z/T) underflowed to 0 (all z/T below about -87.3): 0/0 = NaN."
    return ""


def forward_status(scaled_logits, naive, stable, exps):
    """The status sentence: z/T, both sums, and why the naive form broke if it did."""
    shown = ", ".join(number_text(value, 4) for value in scaled_logits)
    status = (
        f"z / T = [{shown}]; naive sum = {number_text(np.sum(naive), 4)}, "
        f"stable sum = {number_text(np.sum(stable), 4)}."
    )
    reason = overflow_reason(exps)
    if not reason:
        return status
    warning = warn_nonfinite("The naive softmax", naive) or (
        "<span style='color:#b00'>The naive softmax is wrong.</span> "
    )
    return warning + reason + "<br>" + status


def softmax_forward_explorer():
    """Four logits, a scale and a temperature; naive bars break where stable do not."""
    view = FigureView(figsize=(9, 3.2))
    ax_naive, ax_stable = view.figure.subplots(1, 2)
    panels = draw_naive_and_stable(ax_naive, ax_stable, CLASS_NAMES)
    view.figure.tight_layout()
    view.animate(*panel_artists(panels))
    logit_sliders = [
        widgets.FloatSlider(value=value, min=-10.0, max=10.0, step=0.1, description=name)
        for name, value in zip(CLASS_NAMES, DEFAULT_LOGITS)
    ]
    scale_menu = widgets.Dropdown(options=SCALES, value=1.0, description="scale")
    temperature_slider = widgets.FloatLogSlider(
        value=1.0, base=10, min=-2, max=2, step=0.05, description="T"
    )

    def update():
        logits = np.array([s.value for s in logit_sliders]) * scale_menu.value
        temperature = float(temperature_slider.value)
        naive, stable, exps = naive_and_stable(logits, temperature)
        update_naive_and_stable(panels, naive, stable)
        scaled = logits.astype(np.float32) / np.float32(temperature)  # as TF computes it
        return forward_status(scaled, naive, stable, exps)

    return Explorer(
        "Softmax forward: naive beside stable",
        [*logit_sliders, scale_menu, temperature_slider],
        view,
        update,
        question="Set scale × 10 and raise z1 until the naive bars turn NaN: "
        "what is the smallest logit that breaks the naive softmax?",
    )
