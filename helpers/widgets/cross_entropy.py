"""Lesson 04: logits and a true class -> cross-entropy gradients, naive beside stable."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.plots.cross_entropy import (
    draw_gradient_comparison,
    update_gradient_comparison,
)
from helpers.softmax_gradients import NUM_LOGITS, cross_entropy_state
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
# float32 exp(z) overflows to inf once z > log(3.4e38) ~ 88.72
EXP_OVERFLOW = 88.72


def naive_failure(logits, probs_naive):
    """Why the naive loss is NaN or inf, in one sentence ('' when it is finite)."""
    if np.max(logits) > EXP_OVERFLOW:
        return (
            f"exp({number_text(np.max(logits), 6)}) overflows float32 to inf, and "
            "inf / inf = NaN."
        )
    if np.min(probs_naive) == 0.0:
        return (
            "a probability underflowed to 0, and log(0) = −inf: the loss term "
            "y · log p is 0 · (−inf) = NaN, or +inf if it is the true class."
        )
    return ""


def cross_entropy_explorer():
    """Logits (times a scale up to 100) and a true class -> gradient bars (lesson 04)."""
    view = FigureView(figsize=(9, 3.6))
    ax = view.figure.subplots()
    artists = draw_gradient_comparison(ax, CLASS_NAMES)
    view.figure.tight_layout()
    view.animate(
        *artists["naive"][0],
        *artists["naive"][1],
        *artists["stable"][0],
        *artists["stable"][1],
        artists["target"],
        *artists["losses"],
    )
    sliders = [
        widgets.FloatSlider(
            value=value, min=-10.0, max=10.0, step=0.1, description=f"logit {name}"
        )
        for value, name in zip([2.0, 1.0, -1.0], CLASS_NAMES)
    ]
    # the logits are scale * slider values: up to +-1000 at the extremes
    scale = widgets.FloatLogSlider(
        value=1.0, base=10, min=0, max=2, step=0.05, description="scale ×"
    )
    true_class = widgets.Dropdown(
        options=[(name, k) for k, name in enumerate(CLASS_NAMES)],
        value=1,
        description="true class",
    )

    def update():
        logits = np.array([s.value for s in sliders], dtype=np.float32) * scale.value
        state = {
            name: value.numpy()
            for name, value in cross_entropy_state(
                tf.constant(logits), tf.constant(true_class.value)
            ).items()
        }
        update_gradient_comparison(
            artists,
            state["grad_naive"],
            state["grad_stable"],
            state["expected"],
            state["loss_naive"],
            state["loss_stable"],
        )
        failure = naive_failure(logits, state["probs_naive"])
        matches = np.array_equal(state["grad_stable"], state["expected"])
        return (
            warn_nonfinite("The naive gradient", state["grad_naive"])
            + (f"Naive: {failure} " if failure else "")
            + f"logits = [{', '.join(number_text(z, 4) for z in logits)}]; stable loss "
            f"{number_text(state['loss_stable'] + 0.0, 4)}, its gradient "
            f"{'equals' if matches else 'is within rounding of'} p − y = "
            f"[{', '.join(number_text(g) for g in state['expected'])}]."
        )

    return Explorer(
        "Cross-entropy gradient: naive beside stable",
        [*sliders, scale, true_class],
        view,
        update,
        question="With logits [10, 0, -10], raise the scale: at what scale "
        "does the naive gradient turn NaN, and does the stable one "
        "ever leave p − y?",
    )
