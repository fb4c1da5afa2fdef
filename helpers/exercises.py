"""The exercise checks, one import line per lesson: each `check_…(answer)` returns
Feedback, truthy when right, with a hint when not. Each is defined in its lesson's file."""

from helpers.feedback import Feedback
from helpers.lessons.l00_start import check_half_logit, check_probs_sum
from helpers.lessons.l01_gradient_tape import (
    check_none_fix,
    check_square_jacobian,
    check_vector_gradient,
)
from helpers.lessons.l02_softmax_forward import (
    check_gradient_sum,
    check_low_temperature,
    check_my_softmax,
)
from helpers.lessons.l03_softmax_jacobian import (
    check_jacobian_entry,
    check_logsumexp_hessian,
    check_weighted_gradient,
)
from helpers.lessons.l04_cross_entropy import (
    check_cross_entropy_gradient,
    check_smoothing_floor,
    check_twice_gradient,
)
from helpers.lessons.l05_training import (
    check_adam_first_step,
    check_adam_half_step,
    check_nan_learning_rate,
)
from helpers.lessons.l06_custom_gradients import check_clip_ste, check_cube
from helpers.lessons.l07_zero_gradients import (
    check_dead_bias,
    check_safe_xlogx,
    check_saturation_point,
)
from helpers.lessons.l08_none_gradients import check_mean_of_cubes, check_none_or_zero
from helpers.lessons.l09_trainable import (
    check_none_or_gradient,
    check_only_second_trainable,
    check_weights_to_adam,
)
from helpers.lessons.l10_gradient_clinic import (
    check_accuracy_bug_fixed,
    check_clipped_scores,
    check_group_means_fixed,
    check_regression_bugs_fixed,
)
from helpers.lessons.l11_deep_network import (
    check_rescue_clip,
    check_subset_initial_loss,
    check_tanh_init_scale,
)
from helpers.lessons.l12_low_precision import (
    check_largest_float16_logit,
    check_largest_lost_learning_rate,
    check_smallest_loss_scale,
)
