"""Lesson 02: exercises on overflow, temperature and the stable softmax."""

import numpy as np
import tensorflow as tf

from helpers.feedback import (
    answer_problem,
    as_array,
    check_array,
    function_problem,
    right,
    wrong,
)
from helpers.softmax import softmax_naive

# logits that break a naive softmax in float32, and an everyday one
STRESS_LOGITS = (
    [1000.0, 0.0, -1000.0],
    [-1000.0, -1000.0, -1000.0],
    [88.0, 88.0, 88.0],
    [2.0, 1.0, 0.1, -1.0],
)
STABLE_HINT = (
    "Subtract the largest logit first: softmax(z) = softmax(z - max z), so "
    "every exp is at most 1 and the largest is exactly 1. Use tf.reduce_max "
    "with keepdims=True."
)


def first_nan_logit(dtype=tf.float32):
    """The smallest integer z in 1..1000 for which naive softmax([z, 0, 0]) holds NaN."""
    candidates = np.arange(1, 1001)
    logits = np.zeros((candidates.size, 3))
    logits[:, 0] = candidates  # one row [z, 0, 0] per candidate z
    probs = softmax_naive(tf.constant(logits, dtype=dtype)).numpy()
    return int(candidates[np.isnan(probs).any(axis=-1)][0])


def check_first_nan_logit(answer):
    """The first integer z where float32 naive softmax([z, 0, 0]) is NaN (lesson 02)."""
    got = as_array(answer)
    if got is not None and got.shape == () and got == first_nan_logit(tf.float64):
        return wrong(
            "that is the float64 answer (exp overflows above 709.78 there).",
            "Python lists and NumPy float64 arrays stay float64 in the helpers: "
            "pass tf.constant([z, 0.0, 0.0]), which is float32.",
        )
    return check_array(
        answer,
        first_nan_logit(),
        "the first integer logit giving NaN",
        "float32 exp overflows to inf above log(3.4e38) = 88.72, and "
        "inf / inf = NaN. Try tf.exp(tf.constant(88.0)) and 89.0.",
    )


def check_low_temperature(answer):
    """softmax([2, 1, 0] / T) at T = 0.01, three probabilities (lesson 02)."""
    return check_array(
        answer,
        [1.0, 0.0, 0.0],
        "softmax([2, 1, 0]) at T = 0.01",
        "Dividing by a small T stretches the gaps between logits: "
        "exp(-1 / 0.01) = exp(-100) is 0 in float32, so the largest logit "
        "takes all the probability (a one-hot at the argmax).",
        atol=1e-6,
    )


def check_my_softmax(softmax_fn):
    """A learner's softmax: right even on logits that break the naive one (lesson 02)."""
    if softmax_fn is Ellipsis:
        return wrong(
            "replace the ... with a function that takes logits and returns "
            "probabilities.",
            STABLE_HINT,
        )
    problem = function_problem(softmax_fn, "softmax_fn")
    if problem:
        return wrong(f"{problem}.", STABLE_HINT)
    for logits in STRESS_LOGITS:
        logits = tf.constant(logits)
        expected = tf.nn.softmax(logits).numpy()
        try:
            result = softmax_fn(logits)
        except Exception as error:  # noqa: BLE001 (a learner's function may raise any)
            return wrong(
                f"your function raised {type(error).__name__}: {error}", STABLE_HINT
            )
        problem = answer_problem(result)
        if problem:
            problem = problem.replace("your answer", "what your function returned")
            return wrong(f"at logits {logits.numpy().tolist()}: {problem}.", STABLE_HINT)
        got = as_array(result)
        if got.shape != expected.shape or not np.allclose(got, expected, atol=1e-6):
            return wrong(
                f"at logits {logits.numpy().tolist()} it returned "
                f"{np.round(got, 4).tolist()}, expected "
                f"{np.round(expected, 4).tolist()}.",
                STABLE_HINT,
            )
    return right("your softmax matches tf.nn.softmax, even at logits of ±1000.")
