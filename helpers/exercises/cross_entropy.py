"""Lesson 04: softmax + cross-entropy, checked."""

import numpy as np

from helpers.feedback import check_array

EXERCISE_LOGITS = [2.0, -1.0, 0.5]
EXERCISE_CLASS = 2


def check_cross_entropy_gradient(answer):
    """dL/dz of cross-entropy at logits [2, -1, 0.5], true class 2 (lesson 04)."""
    logits = np.asarray(EXERCISE_LOGITS, dtype=np.float64)
    probs = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    labels = np.eye(len(logits))[EXERCISE_CLASS]
    return check_array(
        answer,
        probs - labels,
        "dL/dz at logits [2, -1, 0.5], true class 2",
        "dL/dz = p - y: the softmax probabilities minus the one-hot label. "
        "Only the true class's entry is negative, and the entries sum to 0.",
    )


def check_softmax_ceiling(answer):
    """The largest probability softmax can give 4 classes whose inputs lie in [0, 1]."""
    # one input 1 and three inputs 0: e / (e + 3)
    return check_array(
        answer,
        np.e / (np.e + 3.0),
        "the largest softmax probability over inputs in [0, 1], 4 classes",
        "Make one input as large as it can be (1) and the other three as "
        "small (0): then p = e^1 / (e^1 + 3 e^0).",
        rtol=1e-3,
    )
