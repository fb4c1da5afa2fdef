"""Softplus three ways and their tape gradients against a numeric gradient (lesson 06).

softplus(x) = log(1 + e^x), softplus'(x) = e^x / (1 + e^x) = sigmoid(x).
"""

import numpy as np
import tensorflow as tf

from helpers.gradcheck import numeric_gradient


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
