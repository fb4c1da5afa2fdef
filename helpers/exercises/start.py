"""Lesson 00: warm-up checks."""

import numpy as np

from helpers.feedback import check_array


def check_equal_logit(answer):
    """The logit of cat at which softmax([z, 1, 0]) gives cat and dog the same probability."""
    return check_array(answer, 1.0, "the logit of cat", "Equal probabilities need equal "
                       "logits: exp(z) = exp(1).", atol=0.05)


def check_probs_sum(answer):
    """The sum of softmax probabilities, whatever the logits."""
    return check_array(answer, np.float64(1.0), "the sum of the probabilities",
                       "Softmax divides each exp(z_i) by their sum.")
