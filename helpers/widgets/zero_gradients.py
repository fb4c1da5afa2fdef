"""Lesson 07: dead ReLUs over a training run, and per-element gradients of an op."""

import html

import ipywidgets as widgets
import numpy as np

from helpers import zero_gradients
from helpers.plots.zero_gradients import (
    draw_dead_units,
    draw_elementwise,
    update_dead_units,
    update_elementwise,
)
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite

EXPLORER_STEPS = 300


def dying_relu_explorer():
    """Initial bias, learning rate, activation -> dead units over training (lesson 07)."""
    view = FigureView(figsize=(9, 3.2))
    fraction_ax, loss_ax = view.figure.subplots(1, 2)
    artists = draw_dead_units(fraction_ax, loss_ax, EXPLORER_STEPS)
    view.figure.tight_layout()
    view.animate(*artists.values())
    bias = widgets.FloatSlider(
        value=0.0,
        min=-3.0,
        max=2.0,
        step=0.1,
        description="initial bias",
        continuous_update=False,
    )
    learning_rate = widgets.FloatLogSlider(
        value=0.5,
        base=10,
        min=-2,
        max=1,
        step=0.05,
        description="learning rate",
        continuous_update=False,
    )
    activation = widgets.Dropdown(
        options=list(zero_gradients.ACTIVATION_SLOPES),
        value="relu",
        description="activation",
    )

    def update():
        run = zero_gradients.train_relu_mlp(
            bias.value, learning_rate.value, activation.value, steps=EXPLORER_STEPS
        )
        update_dead_units(artists, run.dead_fraction, run.moving_fraction, run.losses)
        return _dying_relu_status(run, activation.value)

    return Explorer(
        "Dying ReLUs: dead hidden units over 300 SGD steps",
        [bias, learning_rate, activation],
        view,
        update,
        question="Find the smallest learning rate at which every ReLU dies "
        "and the loss freezes; then switch to leaky_relu.",
    )


def _dying_relu_status(run, activation):
    """What the run shows: dead and gradient-receiving units at the end, the loss."""
    final_loss = run.losses[-1]
    status = (
        f"{activation}: dead units {run.dead_fraction[0]:.0%} at step 0 → "
        f"{run.dead_fraction[-1]:.0%} at the end; units getting a gradient at the "
        f"end: {run.moving_fraction[-1]:.0%}; final loss {number_text(final_loss)}."
    )
    if not np.isfinite(final_loss):
        status = (
            warn_nonfinite("the loss", run.losses)
            + ("The learning rate is so large that the weights overflowed. ")
            + status
        )
    elif run.moving_fraction[-1] == 0:
        status += " No unit gets a gradient: training has stopped for good."
    return status


def elementwise_gradient_explorer():
    """An operation and an input range -> value and gradient per element (lesson 07)."""
    view = FigureView(figsize=(8, 4.2))
    value_ax, grad_ax = view.figure.subplots(2, 1, sharex=True)
    artists = draw_elementwise(value_ax, grad_ax, zero_gradients.NUM_POINTS)
    view.figure.tight_layout()
    view.animate(
        artists["value_line"],
        artists["inputs_text"],
        *artists["bars"],
        *artists["labels"],
    )
    operation = widgets.Dropdown(
        options=list(zero_gradients.OPERATIONS), value="relu", description="operation"
    )
    scale = widgets.FloatLogSlider(
        value=4.0, base=10, min=-1, max=2, step=0.05, description="input range ±"
    )

    def update():
        inputs = zero_gradients.input_row(scale.value)
        values, grads = zero_gradients.elementwise_gradients(operation.value, inputs)
        update_elementwise(artists, inputs, values, grads)
        return _elementwise_status(operation.value, values, grads)

    return Explorer(
        "Per-element gradients: where are they zero, None or NaN?",
        [operation, scale],
        view,
        update,
        question="Find a range where sigmoid's gradient is exactly 0 at one "
        "end but not the other; then compare the two where+log.",
    )


def _elementwise_status(operation, values, grads):
    """Say what the learner sees: None, NaN, or how many gradients are exactly zero."""
    name = html.escape(operation)
    if grads is None:
        return (
            f"{name}: tape.gradient returned <b>None</b>: the op is piecewise "
            "constant, TensorFlow registers no gradient path through it."
        )
    status = warn_nonfinite("the gradient", grads) + warn_nonfinite("f(x)", values)
    if np.isnan(grads).any():
        status += (
            "NaN comes from the branch tf.where did <i>not</i> select: at x = 0 "
            "log'(x) = 1/x = inf, and the 0 sent back to it × inf = NaN. "
        )
    zeros = int(np.sum(grads == 0))
    return status + f"{name}: {zeros} of {grads.size} gradients are exactly 0."
