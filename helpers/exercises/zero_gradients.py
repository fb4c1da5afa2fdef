"""Lesson 07: checks on ReLU's gradient, saturation, and a NaN-free tf.where."""

import numpy as np
import tensorflow as tf

from helpers.feedback import (
    answer_problem,
    check_array,
    function_problem,
    right,
    wrong,
)

RELU_INPUTS = [-2.0, 0.0, 3.0]
XLOGX_INPUTS = np.array([-1.0, 0.0, 2.0], dtype=np.float32)


def check_relu_gradient(answer):
    """d relu(x) / dx at x = [-2, 0, 3], as the tape computes it (lesson 07)."""
    return check_array(
        answer,
        [0.0, 0.0, 1.0],
        "the ReLU gradient",
        "Watch tf.constant([-2.0, 0.0, 3.0]) in a tape, apply tf.nn.relu "
        "and ask for the gradient; at exactly 0 TensorFlow picks one side.",
    )


def first_saturated_integer(dtype=tf.float32, limit=100):
    """The smallest integer x >= 0 where the tape's sigmoid'(x) is exactly 0."""
    inputs = tf.range(limit, dtype=dtype)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        probs = tf.sigmoid(inputs)
    # sigmoid' = p (1 - p), exactly 0 once p rounds to 1
    grads = tape.gradient(probs, inputs).numpy()
    return int(np.flatnonzero(grads == 0)[0])


def check_saturation_point(answer):
    """The smallest integer x >= 0 with float32 sigmoid'(x) exactly 0 (lesson 07)."""
    hint = (
        "Compute the tape's gradient of tf.sigmoid over tf.range(40, dtype=tf.float32) "
        "and find the first index where it == 0 (np.flatnonzero)."
    )
    expected = first_saturated_integer()
    return check_array(
        answer, expected, "the first integer where sigmoid' is 0", hint, rtol=0, atol=0
    )


def check_safe_xlogx(xlogx):
    """x log x for x > 0, else 0, whose gradient has no NaN at x <= 0 (lesson 07)."""
    hint = (
        "The double where: first an inner tf.where that replaces x <= 0 by a safe "
        "value such as 1.0, then compute x log x on that, then select with the "
        "outer tf.where."
    )
    problem = function_problem(xlogx, "xlogx")
    if problem:
        return wrong(f"{problem}.", hint)
    inputs = tf.constant(XLOGX_INPUTS)
    try:
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            values = xlogx(inputs)
        grads = tape.gradient(values, inputs)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(
            f"calling xlogx on {XLOGX_INPUTS.tolist()} raised "
            f"{type(error).__name__}: {error}",
            hint,
        )
    problem = answer_problem(values)
    if problem:
        problem = problem.replace("your answer", "what xlogx returned")
        return wrong(f"called on {XLOGX_INPUTS.tolist()}: {problem}.", hint)
    expected_values = [0.0, 0.0, 2.0 * np.log(2.0)]
    if np.shape(values) != (len(XLOGX_INPUTS),):
        return wrong(
            f"xlogx returned shape {np.shape(values)}; it must return one value per "
            f"input, shape ({len(XLOGX_INPUTS)},).",
            hint,
        )
    if not np.allclose(np.asarray(values), expected_values, rtol=1e-5):
        return wrong(
            f"xlogx's values are {np.asarray(values).tolist()}, expected "
            f"{[round(v, 4) for v in expected_values]}.",
            hint,
        )
    if grads is None:
        return wrong("the tape returned None for xlogx's gradient.", hint)
    grads = grads.numpy()
    if np.isnan(grads).any():
        return wrong(
            f"the gradient is {grads.tolist()}: NaN flows back from the branch "
            "tf.where did not select.",
            hint,
        )
    # d(x log x)/dx = log x + 1 where x > 0; 0 where the constant branch is selected
    if not np.allclose(grads, [0.0, 0.0, np.log(2.0) + 1.0], rtol=1e-5):
        return wrong(
            f"the gradient is {grads.tolist()}, expected [0, 0, log 2 + 1].", hint
        )
    return right("the values are right and the gradient is finite everywhere.")
