"""Helpers for the course on how TensorFlow differentiates softmax.

The math (softmax, gradcheck, training, doctor and one module per lesson topic)
imports only TensorFlow, Keras and NumPy;
drawing lives in `helpers.plots`, controls in `helpers.widgets`.
"""

import os

# TensorFlow's C++ INFO and WARNING lines are noise in a lesson; errors still show.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from helpers.doctor import diagnose
from helpers.gradcheck import compare, numeric_gradient
from helpers.environment import environment_report, seed_everything
from helpers.softmax import (
    cross_entropy_naive,
    cross_entropy_stable,
    log_softmax_naive,
    log_softmax_stable,
    softmax_jacobian,
    softmax_naive,
    softmax_stable,
)
from helpers.training import train

__all__ = [
    "compare",
    "cross_entropy_naive",
    "cross_entropy_stable",
    "diagnose",
    "environment_report",
    "log_softmax_naive",
    "log_softmax_stable",
    "numeric_gradient",
    "seed_everything",
    "softmax_jacobian",
    "softmax_naive",
    "softmax_stable",
    "train",
]

# The drawing and teaching subpackages load after the math they use.
from helpers import exercises, plots, widgets  # noqa: F401
