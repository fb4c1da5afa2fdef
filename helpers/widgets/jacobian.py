"""Lesson 03: logits -> the softmax Jacobian and the gradient of one chosen output."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.plots.jacobian import (
    JACOBIAN_LIMIT,
    draw_jacobian_heatmap,
    draw_row_marker,
    draw_signed_bars,
    update_jacobian_heatmap,
    update_row_marker,
    update_signed_bars,
)
from helpers.softmax_gradients import NUM_LOGITS, jacobian_state
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
LOGIT_RANGE = 20.0


def softmax_jacobian_explorer():
    """Three logit sliders: the Jacobian heatmap and the gradient of p_k (lesson 03)."""
    view = FigureView(figsize=(9, 3.4))
    heat_ax, bar_ax = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    image, cell_labels = draw_jacobian_heatmap(heat_ax, CLASS_NAMES)
    row_marker = draw_row_marker(heat_ax, len(CLASS_NAMES))
    bars, bar_labels = draw_signed_bars(
        bar_ax, CLASS_NAMES, JACOBIAN_LIMIT, "outlined row k: gradient of p_k"
    )
    view.figure.tight_layout()
    view.animate(
        image,
        *(label for row in cell_labels for label in row),
        row_marker,
        *bars,
        *bar_labels,
    )
    sliders = [
        widgets.FloatSlider(
            value=value,
            min=-LOGIT_RANGE,
            max=LOGIT_RANGE,
            step=0.1,
            description=f"logit {name}",
        )
        for value, name in zip([2.0, 1.0, 0.0], CLASS_NAMES)
    ]
    output_choice = widgets.Dropdown(
        options=[(f"p{k}", k) for k in range(3)], value=0, description="output k"
    )

    def update():
        state = {
            name: value.numpy()
            for name, value in jacobian_state(
                tf.constant([s.value for s in sliders], tf.float32),
                tf.constant(output_choice.value),
            ).items()
        }
        update_jacobian_heatmap(image, cell_labels, state["jacobian"])
        update_row_marker(row_marker, output_choice.value)
        update_signed_bars(bars, bar_labels, state["grad_output"], JACOBIAN_LIMIT)
        probs, row_sum = state["probs"], float(np.sum(state["grad_output"]))
        saturated = np.max(np.abs(state["jacobian"])) < 1e-6
        note = (
            " <b>Saturated:</b> one probability is (almost) 1, so every entry of "
            "diag(p) − p pᵀ is (almost) 0."
            if saturated
            else ""
        )
        return (
            warn_nonfinite("the Jacobian", state["jacobian"])
            + f"p = [{', '.join(number_text(p) for p in probs)}]; row p{output_choice.value}"
            f" sums to {number_text(row_sum, 2)}; tape.gradient(p, z) = "
            f"[{', '.join(number_text(g, 2) for g in state['grad_sum'])}] "
            "(the gradient of sum(p) = 1)." + note
        )

    return Explorer(
        "The softmax Jacobian, live",
        [*sliders, output_choice],
        view,
        update,
        question="Make d p0 / d z1 as negative as you can: which logits do "
        "it, and what value can it not go below?",
    )
