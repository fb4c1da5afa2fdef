"""Derivatives of elementwise functions two ways: the tape and finite differences
(lesson 01).

For f acting element by element, d sum_j f(x_j) / d x_i = f'(x_i), so one tape.gradient
of f(xs) gives the slope at every point; the central difference
(f(x + eps) - f(x - eps)) / 2 eps approximates the same slope without any gradient rule.
"""

import tensorflow as tf

from helpers.gradcheck import numeric_gradient

# elementwise functions of a float64 tensor; no derivative is written by hand
FUNCTIONS = {
    "x**2": tf.square,
    "x**3": lambda x: x**3,
    "sin": tf.sin,
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
    "log": tf.math.log,
}


def tape_derivative(function, xs):
    """f(xs) and f'(xs) as float64 arrays, the slopes from a GradientTape (lesson 01)."""
    xs = tf.constant(xs, dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(xs)  # a constant is not recorded unless watched
        values = function(xs)
    # f acts elementwise, so d sum_j f(x_j) / d x_i = f'(x_i)
    slopes = tape.gradient(values, xs)
    return values.numpy(), slopes.numpy()


def finite_difference_slope(function, x):
    """(f(x + eps) - f(x - eps)) / 2 eps in float64, eps = 1e-6 (lesson 01)."""
    return float(numeric_gradient(function, [x])[0])
