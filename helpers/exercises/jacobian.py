"""Lesson 03: the softmax Jacobian, checked."""

import numpy as np

from helpers.feedback import check_array

EXERCISE_LOGITS = [1.0, 2.0, 3.0]


def _probs(logits):
    """softmax in float64 NumPy: the reference the checks compare against."""
    exps = np.exp(np.asarray(logits, dtype=np.float64) - np.max(logits))
    return exps / exps.sum()


def check_jacobian_entry(answer):
    """d p_0 / d z_2 at logits [1, 2, 3] (lesson 03)."""
    probs = _probs(EXERCISE_LOGITS)
    # off the diagonal: d p_i / d z_j = -p_i p_j
    return check_array(
        answer,
        -probs[0] * probs[2],
        "d p0 / d z2 at logits [1, 2, 3]",
        "Off the diagonal, d p_i / d z_j = -p_i p_j: a negative number. "
        "Or read entry [0, 2] of tape.jacobian(probs, logits).",
    )


def check_weighted_gradient(answer):
    """The gradient of p0 - p2 at logits [1, 2, 3], via output_gradients (lesson 03)."""
    probs = _probs(EXERCISE_LOGITS)
    jacobian = np.diag(probs) - np.outer(probs, probs)
    # output_gradients = v gives v^T J: row 0 minus row 2
    weights = np.array([1.0, 0.0, -1.0])
    return check_array(
        answer,
        weights @ jacobian,
        "the gradient of p0 - p2 at logits [1, 2, 3]",
        "output_gradients=v makes the tape return v^T J, the gradient of "
        "sum(v * p): here row 0 of the Jacobian minus row 2. It is not "
        "zero, because v is not all ones.",
    )
