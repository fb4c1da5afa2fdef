"""Lesson 09's helpers: the freezing experiment, the explorer and the checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers.exercises import (
    check_none_or_gradient,
    check_only_second_trainable,
    check_weights_to_adam,
)
from helpers.lessons.l09_trainable import (
    MOVED,
    REASONS,
    _gradients,
    case_gradient_kind,
    freeze_experiment,
    two_layer_model,
)
from helpers.widgets import freeze_explorer

GREY = (0.6, 0.6, 0.6)  # #999999, a frozen layer's bar
NAMES = ["first/kernel", "first/bias", "second/kernel", "second/bias"]
FREEZES = [(False, False), (False, True), (True, False), (True, True)]


@pytest.mark.parametrize("freeze_first, freeze_second", FREEZES)
def test_frozen_layers_leave_the_list_but_keep_their_gradients(
    freeze_first, freeze_second
):
    frozen = [freeze_first] * 2 + [freeze_second] * 2
    listed = freeze_experiment(freeze_first, freeze_second, "trainable_variables")
    every = freeze_experiment(freeze_first, freeze_second, "weights")
    assert listed.names == every.names == NAMES
    assert listed.asked == [not f for f in frozen] and all(every.asked)
    assert all(g is not None and g > 0 for g in every.grad_norms)
    assert [g is None for g in listed.grad_norms] == frozen
    # the optimiser moves exactly the unfrozen variables, and the same with either list
    assert [change > 0 for change in every.changes] == [not f for f in frozen]
    assert listed.changes == every.changes
    # all frozen: Adam's apply_gradients(zip([], [])) raises, and the explorer says so
    assert (every.raised is not None) == (freeze_first and freeze_second)


def test_frozen_gradients_equal_the_unfrozen_ones():
    free = freeze_experiment(False, False, "weights")
    frozen = freeze_experiment(True, True, "weights")
    np.testing.assert_allclose(frozen.grad_norms, free.grad_norms, rtol=1e-6)


def test_explorer_status_says_what_the_tape_and_adam_did():
    explorer = freeze_explorer()
    freeze_first, freeze_second, ask = explorer.controls
    freeze_first.value, freeze_second.value = True, True
    ask.value = "trainable_variables"
    assert "tape.gradient(loss, []) returned []" in explorer.status.value
    ask.value = "weights"
    assert "raised ValueError: not enough values to unpack" in explorer.status.value
    freeze_second.value = False
    assert "moved 2 of 4 variables" in explorer.status.value


def test_explorer_bars_follow_the_toggles():
    explorer = freeze_explorer()
    freeze_first, freeze_second, ask = explorer.controls
    freeze_first.value, freeze_second.value = True, False
    ask.value = "trainable_variables"
    grad_bars = explorer.view.figure.axes[0].patches
    change_bars = explorer.view.figure.axes[1].patches
    assert [bar.get_visible() for bar in grad_bars] == [False, False, True, True]
    assert [text.get_text() for text in explorer.view.figure.axes[0].texts][:2] == [
        "–"
    ] * 2
    assert [bar.get_height() == 0 for bar in change_bars] == [True, True, False, False]
    ask.value = "weights"  # the frozen layer's variables: a gradient, drawn grey
    assert all(bar.get_visible() and bar.get_height() > 0 for bar in grad_bars)
    grey = [bar.get_facecolor()[:3] == pytest.approx(GREY) for bar in grad_bars]
    assert grey == [True, True, False, False]
    change_labels = [text.get_text() for text in explorer.view.figure.axes[1].texts]
    assert change_labels[:2] == ["0", "0"] and "0" not in change_labels[2:]
    freeze_first.value = False
    assert all(bar.get_height() > 0 for bar in change_bars)


TRUE_CASES = {
    "tf_variable_not_trainable": "None",
    "keras_variable_frozen_later": "gradient",
    "frozen_dense_kernel_passed_explicitly": "gradient",
    "tf_variable_not_trainable_watched": "gradient",
}


def test_case_kinds_match_the_lesson():
    assert {label: case_gradient_kind(label) for label in TRUE_CASES} == TRUE_CASES


def test_none_or_gradient_check_right_and_wrong():
    assert check_none_or_gradient(dict(TRUE_CASES))
    myth = check_none_or_gradient(
        {**TRUE_CASES, "frozen_dense_kernel_passed_explicitly": "None"}
    )
    assert not myth and "frozen_dense_kernel_passed_explicitly" in myth.message
    assert myth.hint
    assert not check_none_or_gradient({**TRUE_CASES, "tf_variable_not_trainable": 0})
    assert not check_none_or_gradient(...)


def test_none_or_gradient_check_accepts_none_case_and_lesson_08s_word():
    assert check_none_or_gradient(
        {
            "tf_variable_not_trainable": None,
            "keras_variable_frozen_later": "Gradient",
            "frozen_dense_kernel_passed_explicitly": "Number",  # lesson 08's word
            "tf_variable_not_trainable_watched": " GRADIENT",
        }
    )


def test_only_second_trainable_check():
    model = two_layer_model()
    untouched = check_only_second_trainable(model)  # the exercise as stored: blank
    assert not untouched and "replace the ... with your" in untouched.message
    assert not untouched.hint
    model.layers[1].trainable = False
    wrong_layer = check_only_second_trainable(model)
    assert not wrong_layer and "holds 2 variables (first/kernel" in wrong_layer.message
    assert "trainable = False" not in wrong_layer.hint  # a hint, not the answer line
    model.layers[0].trainable = False
    assert not check_only_second_trainable(model)  # froze both
    model.layers[1].trainable = True
    assert check_only_second_trainable(model)
    assert not check_only_second_trainable(...)
    assert not check_only_second_trainable(keras.Sequential([keras.Input((2,))]))


def test_only_second_trainable_judges_the_effect_not_the_spelling():
    one_by_one = two_layer_model()
    for variable in one_by_one.layers[0].weights:
        variable.trainable = False
    assert check_only_second_trainable(one_by_one)
    only_kernel = two_layer_model()
    only_kernel.layers[0].kernel.trainable = False
    assert not check_only_second_trainable(only_kernel)  # the bias would still train


def test_keras_optimiser_raises_on_an_empty_list_of_pairs():
    with pytest.raises(ValueError, match="not enough values to unpack"):
        keras.optimizers.Adam(0.05).apply_gradients(zip([], []))


def test_adam_moves_every_weight_it_is_given_frozen_or_not():
    # exercise 3's answer, proved: the first layer frozen, model.weights to Adam
    model = two_layer_model()
    model.get_layer("first").trainable = False
    before = [variable.numpy() for variable in model.weights]
    optimizer = keras.optimizers.Adam(0.05)
    for _ in range(3):
        optimizer.apply_gradients(zip(_gradients(model, model.weights), model.weights))
    moved = [not np.array_equal(b, v.numpy()) for b, v in zip(before, model.weights)]
    assert moved == [True] * 4 and MOVED[0] == "all four"
    assert [v.value.trainable for v in model.weights] == [True] * 4  # tape's flag
    assert isinstance(model.weights[0].value, tf.Variable)


def test_weights_to_adam_check():
    assert check_weights_to_adam("all four", REASONS[2])
    wrong_reason = check_weights_to_adam("all four", REASONS[0])
    assert not wrong_reason and "reason" in wrong_reason.message and wrong_reason.hint
    myth = check_weights_to_adam("only the second layer's", REASONS[0])
    assert not myth and "moved" in myth.message and "reason" in myth.message
    blank = check_weights_to_adam(..., ...)
    assert not blank and "replace the ... with your" in blank.message and not blank.hint
    assert not check_weights_to_adam("All four", 3)
