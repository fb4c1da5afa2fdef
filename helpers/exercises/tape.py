"""Lesson 01: exercises on recording, watching and the Jacobian."""

import numpy as np
import tensorflow as tf

from helpers.feedback import as_array, check_array, check_choice, wrong

NONE_FIXES = ("tape.watch(x)", "persistent=True", "tape.jacobian(y, x)", "x.numpy()")


def two_gradients_reference():
    """[df/dw, df/db] of f = (3 w + b - 1)^2 at w = 2, b = 0.5, from the tape."""
    w, b = tf.Variable(2.0), tf.Variable(0.5)
    with tf.GradientTape() as tape:
        loss = (3.0 * w + b - 1.0) ** 2
    return np.array([grad.numpy() for grad in tape.gradient(loss, [w, b])])


def check_two_gradients(answer):
    """[df/dw, df/db] for f(w, b) = (3 w + b - 1)^2 at w = 2, b = 0.5 (lesson 01)."""
    reference = two_gradients_reference()
    got = as_array(answer)
    if got is not None and got.shape == (2,) and np.allclose(got, reference[::-1]):
        return check_array(
            answer,
            reference,
            "[df/dw, df/db]",
            "Your two numbers are swapped: tape.gradient(f, [w, b]) returns "
            "the gradients in the order of the list you pass.",
        )
    return check_array(
        answer,
        reference,
        "[df/dw, df/db]",
        "Make w and b tf.Variable, compute f inside `with "
        "tf.GradientTape() as tape:`, then tape.gradient(f, [w, b]). By the "
        "chain rule df/dw = 2 (3w + b - 1) * 3 and df/db = 2 (3w + b - 1).",
    )


def check_none_fix(answer):
    """Which call turns the None gradient of a tf.constant into a number (lesson 01)."""
    if answer is Ellipsis:
        return wrong(
            f"replace the ... with one of {list(NONE_FIXES)}.",
            "Which call tells the tape to record a plain tensor?",
        )
    return check_choice(
        answer,
        "tape.watch(x)",
        "the fix for a None gradient of a constant",
        "The tape records operations on variables by itself; a plain "
        "tensor must be watched before it is used.",
        NONE_FIXES,
    )


def check_square_jacobian(answer):
    """The Jacobian of y = x**2 at x = [1, 2, 3], a 3 x 3 array (lesson 01)."""
    return check_array(
        answer,
        np.diag([2.0, 4.0, 6.0]),
        "the Jacobian of x**2",
        "Entry (i, j) is dy_i / dx_j. y_i depends only on x_i, so the "
        "off-diagonal entries are 0 and the diagonal is 2 x_i. "
        "tape.jacobian(y, x) computes it.",
    )
