"""Helpers for the course on how TensorFlow differentiates softmax.

`import helpers` gives the public math below; `helpers.widgets` holds every explorer and
`helpers.exercises` every exercise check, each defined in its lesson's file in
helpers/lessons/. CONTRIBUTING.md has the layout.
"""

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
