"""Zero gradients from operations: per-element gradients and dying ReLUs (lesson 07).

Two pieces of math for lesson 07's explorers:
  elementwise_gradients  an operation on a row of inputs -> values and d value / d input
  train_relu_mlp         a small MLP trained with SGD, recording its dead ReLU units

The trainer is one `tf.function` compiled with XLA whose hyperparameters (initial bias,
learning rate, negative slope) are tensors, so a new value never retraces.
"""

import collections
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

# name -> f(x), each applied element by element
OPERATIONS = {
    "relu": tf.nn.relu,
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    # the NaN trap: log(x) is computed for every x, then where() discards x <= 0
    "where+log naive": lambda x: tf.where(x > 0, tf.math.log(x), 0.0),
    # double where: the inner where makes log's input safe (1) where x <= 0
    "where+log double-where": lambda x: tf.where(
        x > 0, tf.math.log(tf.where(x > 0, x, 1.0)), 0.0
    ),
    "round": tf.round,
}
NUM_POINTS = 9  # inputs scale * [-1, -0.75, ..., 1]: 0 is always one of them


def input_row(scale, num_points=NUM_POINTS):
    """scale * linspace(-1, 1), float32, with exactly 0 in the middle (lesson 07)."""
    return np.float32(scale) * np.linspace(-1.0, 1.0, num_points, dtype=np.float32)


def elementwise_gradients(operation, inputs):
    """(values, grads) of OPERATIONS[operation] at `inputs`; grads is None if no path."""
    if operation not in OPERATIONS:
        raise ValueError(
            f"operation must be one of {list(OPERATIONS)}; got {operation!r}."
        )
    inputs = tf.constant(inputs, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        values = OPERATIONS[operation](inputs)
    # each value depends on its own input only, so the gradient of the sum is the
    # per-element derivative d values_i / d inputs_i
    grads = tape.gradient(values, inputs)
    return values.numpy(), None if grads is None else grads.numpy()


# ---- dying ReLU: a 2 -> HIDDEN -> 2 MLP on two generated rings ----

HIDDEN = 32
MAX_STEPS = 1000
NUM_EXAMPLES = 256
ACTIVATION_SLOPES = {"relu": 0.0, "leaky_relu": 0.1}  # slope for inputs <= 0
trace_counts = collections.Counter()


def make_rings(num_examples=NUM_EXAMPLES, seed=0):
    """Points on an inner ring (class 0) and an outer ring (class 1), with noise.

    Lesson 07's training data: generated, so nothing is downloaded.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(num_examples) % 2
    angles = rng.uniform(0.0, 2.0 * np.pi, num_examples)
    radii = np.where(labels == 0, 0.5, 1.0) + rng.normal(0.0, 0.1, num_examples)
    inputs = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return inputs.astype(np.float32), labels.astype(np.int32)


INPUTS, LABELS = make_rings()


def initial_weights(seed, bias_init):
    """Glorot-uniform kernels, hidden biases all `bias_init`, output bias 0 (eager)."""
    # Glorot: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), the same for both layers
    limit = np.sqrt(6.0 / (2 + HIDDEN))
    return [
        tf.random.stateless_uniform((2, HIDDEN), [seed, 0], -limit, limit),
        tf.fill((HIDDEN,), tf.constant(bias_init, tf.float32)),
        tf.random.stateless_uniform((HIDDEN, 2), [seed, 1], -limit, limit),
        tf.zeros((2,)),
    ]


def hidden_layer(weights, slope):
    """Pre-activations a = x W1 + b1 and leaky(a) = a if a > 0 else slope * a."""
    pre_activations = INPUTS @ weights[0] + weights[1]
    # where(), not relu(): d/da is exactly `slope` for a <= 0 (0 for a ReLU)
    return pre_activations, tf.where(
        pre_activations > 0, pre_activations, slope * pre_activations
    )


def dead_fraction(pre_activations):
    """The fraction of hidden units whose pre-activation is <= 0 for every example."""
    dead = tf.reduce_all(pre_activations <= 0, axis=0)
    return tf.reduce_mean(tf.cast(dead, tf.float32))


def loss_of(weights, slope):
    """Mean softmax cross-entropy of the MLP on the rings, and its pre-activations."""
    pre_activations, hidden = hidden_layer(weights, slope)
    logits = hidden @ weights[2] + weights[3]
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, logits)
    return tf.reduce_mean(losses), pre_activations


def train_loop(weights, steps, learning_rate, slope):
    """Full-batch SGD for `steps` steps; per step: loss, dead fraction, live gradients."""
    trace_counts["relu_mlp"] += 1  # Python side effect: runs only while tracing
    losses = tf.TensorArray(tf.float32, size=MAX_STEPS + 1)
    dead = tf.TensorArray(tf.float32, size=MAX_STEPS + 1)
    moving = tf.TensorArray(tf.float32, size=MAX_STEPS + 1)

    def body(step, weights, losses, dead, moving):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss, pre_activations = loss_of(weights, slope)
        grads = tape.gradient(loss, weights)
        # a hidden unit "moves" when any of its incoming weights gets a non-zero gradient
        unit_moves = tf.reduce_any(grads[0] != 0, axis=0) | (grads[1] != 0)
        losses = losses.write(step, loss)
        dead = dead.write(step, dead_fraction(pre_activations))
        moving = moving.write(step, tf.reduce_mean(tf.cast(unit_moves, tf.float32)))
        weights = [w - learning_rate * g for w, g in zip(weights, grads)]
        return step + 1, weights, losses, dead, moving

    _, weights, losses, dead, moving = tf.while_loop(
        lambda step, *_: step <= steps,
        body,
        (tf.constant(0), weights, losses, dead, moving),
    )
    return losses.stack(), dead.stack(), moving.stack()


_SCALAR = tf.TensorSpec([], tf.float32)
_compiled_train = tf.function(
    train_loop,
    input_signature=[
        [
            tf.TensorSpec((2, HIDDEN)),
            tf.TensorSpec((HIDDEN,)),
            tf.TensorSpec((HIDDEN, 2)),
            tf.TensorSpec((2,)),
        ],
        tf.TensorSpec([], tf.int32),
        _SCALAR,
        _SCALAR,
    ],
    jit_compile=True,
)


@dataclass
class DyingReluRun:
    """Per step (step 0 = before any update) of one run of `train_relu_mlp`."""

    losses: np.ndarray  # shape (steps + 1,)
    dead_fraction: np.ndarray  # units with pre-activation <= 0 on every example
    moving_fraction: np.ndarray  # units whose incoming weights get a non-zero gradient


def train_relu_mlp(
    bias_init=0.0, learning_rate=0.5, activation="relu", steps=300, seed=0
):
    """Train the rings MLP with SGD and record its dead ReLU units (lesson 07).

    bias_init: the hidden layer's initial bias (negative values start units dead);
    learning_rate: the SGD step (large values knock units dead); activation: "relu"
    or "leaky_relu"; steps: in [1, MAX_STEPS].
    """
    if activation not in ACTIVATION_SLOPES:
        raise ValueError(
            f"activation must be one of {list(ACTIVATION_SLOPES)}; got {activation!r}."
        )
    if (
        isinstance(steps, bool)
        or not isinstance(steps, (int, np.integer))
        or not (1 <= steps <= MAX_STEPS)
    ):
        raise ValueError(f"steps must be an int in [1, {MAX_STEPS}]; got {steps!r}.")
    for name, value in (("bias_init", bias_init), ("learning_rate", learning_rate)):
        if isinstance(value, bool) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}.")
    if learning_rate <= 0:
        raise ValueError(f"learning_rate must be > 0 such as 0.5; got {learning_rate}.")
    losses, dead, moving = _compiled_train(
        initial_weights(seed, float(bias_init)),
        tf.constant(int(steps)),
        tf.constant(learning_rate, tf.float32),
        tf.constant(ACTIVATION_SLOPES[activation], tf.float32),
    )
    count = int(steps) + 1
    return DyingReluRun(
        losses.numpy()[:count], dead.numpy()[:count], moving.numpy()[:count]
    )
