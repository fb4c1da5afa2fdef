"""Frozen Keras layers: which variables get a gradient, which ones training moves
(lesson 09).

The model is Input(2) -> Dense(4, tanh, "first") -> Dense(3, "second") on four fixed
examples, with loss = mean cross-entropy of softmax(logits) against LABELS. A frozen
layer's variables leave model.trainable_variables, so Adam never moves them, yet the
tape still differentiates them when they are passed to tape.gradient explicitly.
"""

import functools
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

INPUTS = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.2], [2.0, -0.4]])
LABELS = tf.constant([0, 1, 2, 1])


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
    """mean_i -log softmax(model(x_i))[y_i] over INPUTS, LABELS."""
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
    """sqrt(sum g²) of a gradient as a float, or None when the tape returned None."""
    return None if grad is None else float(tf.norm(grad))
