"""Lesson 09: freeze layers of a small Keras model and see which gradients exist and
which variables the optimiser moves.

The model is Input(2) -> Dense(4, tanh, "first") -> Dense(3, "second"), trained with
Adam on four fixed examples. Every combination of the controls is computed once (a
few Keras models, about a second); moving a control only redraws.
"""

import functools
from typing import NamedTuple

import ipywidgets as widgets
import keras
import numpy as np
import tensorflow as tf

from helpers.plots.trainable import (
    draw_variable_bars,
    update_asked_gradient_bars,
    update_change_bars,
)
from helpers.widgets._core import Explorer, FigureView, fmt

INPUTS = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.2], [2.0, -0.4]])
LABELS = tf.constant([0, 1, 2, 1])
ASK_OPTIONS = {
    "model.trainable_variables": "trainable_variables",
    "model.weights (every variable)": "weights",
}


class FreezeResult(NamedTuple):
    """What one freezing choice gives, per model variable (lesson 09)."""

    names: list  # "first/kernel", ...
    asked: list  # was the variable in the list passed to tape.gradient?
    grad_norms: list  # |gradient| as a float, or None
    frozen: list  # is the variable's layer frozen (variable.trainable False)?
    changes: list  # max |weight after - weight before| over the training steps
    trainable_count: int  # len(model.trainable_variables)


def two_layer_model():
    """Dense(4, tanh) then Dense(3), built, with seeded initial weights (lesson 09)."""
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(
                4,
                activation="tanh",
                name="first",
                kernel_initializer=keras.initializers.GlorotUniform(seed=1),
            ),
            keras.layers.Dense(
                3,
                name="second",
                kernel_initializer=keras.initializers.GlorotUniform(seed=2),
            ),
        ]
    )


def _loss(model):
    # mean cross-entropy of softmax(logits) against LABELS
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, model(INPUTS))
    )


@functools.cache
def freeze_experiment(
    freeze_first, freeze_second, ask="trainable_variables", steps=5, learning_rate=0.05
):
    """Freeze layers, take one gradient of the list `ask` names, train `steps` Adam steps.

    `ask` is "trainable_variables" or "weights". Training always uses
    model.trainable_variables, as a training loop does.
    """
    model = two_layer_model()
    model.get_layer("first").trainable = not freeze_first
    model.get_layer("second").trainable = not freeze_second
    names = [variable.path.split("/", 1)[1] for variable in model.weights]
    asked_list = getattr(model, ask)
    with tf.GradientTape() as tape:
        loss = _loss(model)
    grads = dict(zip((v.path for v in asked_list), tape.gradient(loss, asked_list)))
    before = [variable.numpy() for variable in model.weights]
    _train(model, steps, learning_rate)
    return FreezeResult(
        names=names,
        asked=[variable.path in grads for variable in model.weights],
        grad_norms=[_norm(grads.get(variable.path)) for variable in model.weights],
        frozen=[not variable.trainable for variable in model.weights],
        changes=[
            float(np.max(np.abs(variable.numpy() - start)))
            for variable, start in zip(model.weights, before)
        ],
        trainable_count=len(model.trainable_variables),
    )


def _train(model, steps, learning_rate):
    """Adam on model.trainable_variables; with none, there is nothing to do."""
    variables = model.trainable_variables
    if not variables:
        return
    optimizer = keras.optimizers.Adam(learning_rate)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _loss(model)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))


def _norm(grad):
    return None if grad is None else float(tf.norm(grad))


def freeze_explorer():
    """Freeze layers; bars: which gradients exist, which weights moved (lesson 09)."""
    results = {
        (first, second, ask): freeze_experiment(first, second, ask)
        for first in (False, True)
        for second in (False, True)
        for ask in ASK_OPTIONS.values()
    }
    names = results[False, False, "weights"].names
    tick_names = [name.replace("/", "\n") for name in names]  # "first\nkernel"
    largest_grad = max(g for r in results.values() for g in r.grad_norms if g is not None)
    largest_change = max(max(r.changes) for r in results.values())
    view = FigureView(figsize=(8.4, 3.2))
    grad_ax, change_ax = view.figure.subplots(1, 2)
    grad_bars, grad_labels = draw_variable_bars(
        grad_ax,
        tick_names,
        (0.0, 1.25 * largest_grad),
        "gradients the tape returned",
        "|gradient|",
        note="grey: frozen layer   –: not in the list",
    )
    change_bars, change_labels = draw_variable_bars(
        change_ax,
        tick_names,
        (0.0, 1.25 * largest_change),
        "what 5 Adam steps changed",
        "max |after - before|",
        note="0: unchanged, bit for bit",
    )
    view.figure.tight_layout()
    view.animate(*grad_bars, *grad_labels, *change_bars, *change_labels)
    freeze_first = widgets.ToggleButton(value=True, description="freeze first")
    freeze_second = widgets.ToggleButton(value=False, description="freeze second")
    ask = widgets.Dropdown(
        options=list(ASK_OPTIONS),
        description="gradient of",
        layout=widgets.Layout(width="340px"),
    )

    def update():
        result = results[freeze_first.value, freeze_second.value, ASK_OPTIONS[ask.value]]
        update_asked_gradient_bars(
            grad_bars,
            grad_labels,
            result.grad_norms,
            result.asked,
            result.frozen,
            0.6 * largest_grad,
        )
        update_change_bars(change_bars, change_labels, result.changes)
        return _status(result)

    return Explorer(
        "Trainable or not: freeze layers",
        [freeze_first, freeze_second, ask],
        view,
        update,
        question="Freeze the first layer and ask for "
        "model.weights: does it get a gradient? Does Adam change it?",
    )


def _status(result):
    """What the tape returned and what the optimiser changed, in one or two sentences."""
    moved = sum(change > 0 for change in result.changes)
    if result.trainable_count == 0:
        training = "model.trainable_variables is []: the optimiser has nothing to update."
    else:
        training = (
            f"The optimiser updates model.trainable_variables: {moved} of "
            f"{len(result.names)} variables moved."
        )
    if not any(result.asked):
        return f"tape.gradient(loss, []) returned []. {training}"
    existing = [
        f"{name} {'None' if norm is None else fmt(norm)}"
        for name, norm, asked in zip(result.names, result.grad_norms, result.asked)
        if asked
    ]
    return f"|gradients|: {', '.join(existing)}. {training}"
