"""Helpers for the course on how TensorFlow differentiates softmax: the public math
below; `helpers.widgets` (every explorer) and `helpers.exercises` (every check) gather
what each lesson's file in helpers/lessons/ defines. CONTRIBUTING.md has the layout."""

from helpers import exercises, widgets
from helpers.diagnosis import diagnose
from helpers.environment import environment_report, seed_everything
from helpers.gradcheck import compare, numeric_gradient
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
