"""Lesson 08: fix a loss that left TensorFlow; predict None versus zero."""

import numpy as np
import tensorflow as tf

from helpers.feedback import (
    check_array,
    check_kind_predictions,
    function_problem,
    wrong,
)

POINT = (1.0, -2.0, 3.0)

# snippet label -> the function of a whose gradient the learner predicts, at a = -1.5
SNIPPETS = {
    "relu": tf.nn.relu,
    "cast_int": lambda a: tf.cast(tf.cast(a, tf.int32), tf.float32),
    "round": tf.round,
    "sign": tf.sign,
    "stop_half": lambda a: tf.stop_gradient(a) * a,
}
KINDS = ("None", "zero", "number")


def check_sum_of_squares(loss_fn):
    """loss_fn(v) must be sum(v**2) in TensorFlow ops, so d/dv = 2 v (lesson 08)."""
    hint = (
        "Stay inside TensorFlow: tf.reduce_sum(v ** 2) or tf.reduce_sum(tf.square(v))"
        " instead of .numpy(), np.sum or np.square."
    )
    problem = function_problem(loss_fn, "loss_fn")
    if problem:
        return wrong(f"{problem}, e.g. check_sum_of_squares(sum_of_squares).", hint)
    v = tf.Variable(POINT)
    try:
        with tf.GradientTape() as tape:
            loss = loss_fn(v)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(
            f"calling loss_fn on tf.Variable({list(POINT)}) raised "
            f"{type(error).__name__}: {error}",
            hint,
        )
    if loss is Ellipsis:
        return wrong("the function still returns ...: replace it with the loss.", hint)
    if not tf.is_tensor(loss):
        kind = f"{type(loss).__module__}.{type(loss).__name__}"
        return wrong(
            f"the loss is a {kind}, not a tensor: asking for its gradient would "
            "raise AttributeError.",
            hint,
        )
    grad = tape.gradient(loss, v)
    if grad is None:
        return wrong(
            "the loss is a tensor, but the gradient is None: the path from v "
            "was cut (a .numpy() or a NumPy function on the way).",
            hint,
        )
    return check_array(grad.numpy(), 2.0 * np.array(POINT), "the gradient 2 v", hint)


def snippet_gradient_kind(label, a=-1.5):
    """'None', 'zero' or 'number': what the tape gives for SNIPPETS[label] at a."""
    variable = tf.Variable(a)
    with tf.GradientTape() as tape:
        result = SNIPPETS[label](variable)
    grad = tape.gradient(result, variable)
    if grad is None:
        return "None"
    return "zero" if float(grad) == 0.0 else "number"


def check_none_or_zero(predictions):
    """A dict snippet label -> 'None' / 'zero' / 'number', checked against the tape."""
    hint = (
        "None means the tape recorded no path (ask: does this op have a gradient "
        "at all?); zero means a path whose slope is 0 at a = -1.5. Unsure? Run the "
        "snippet under a tape and look."
    )
    return check_kind_predictions(
        predictions, SNIPPETS, KINDS, snippet_gradient_kind, hint
    )
