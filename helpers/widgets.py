"""The explorers, one import line per lesson: `helpers.widgets.<name>_explorer()`
launches one with no arguments. Each is defined in its lesson's file."""

from helpers.lessons.l00_start import first_slider_explorer
from helpers.lessons.l01_gradient_tape import tangent_explorer
from helpers.lessons.l02_softmax_forward import softmax_forward_explorer
from helpers.lessons.l03_softmax_jacobian import softmax_jacobian_explorer
from helpers.lessons.l04_cross_entropy import cross_entropy_explorer
from helpers.lessons.l05_training import training_explorer
from helpers.lessons.l06_custom_gradients import softplus_explorer
from helpers.lessons.l07_zero_gradients import (
    dying_relu_explorer,
    elementwise_gradient_explorer,
)
from helpers.lessons.l08_none_gradients import none_gradient_explorer
from helpers.lessons.l09_trainable import freeze_explorer
from helpers.lessons.l10_gradient_clinic import clinic_explorer
from helpers.lessons.l11_deep_network import deep_network_explorer
from helpers.lessons.l12_low_precision import precision_explorer
