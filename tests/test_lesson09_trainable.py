"""Lesson 09's helpers: the freezing experiment, the explorer and the checks."""

import keras
import numpy as np
import pytest

from helpers.exercises import check_none_or_gradient, check_only_second_trainable
from helpers.lessons.l09_trainable import (
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
    assert "nothing to update" in explorer.status.value
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
    "keras_variable_not_trainable": "None",
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


def test_only_second_trainable_check():
    model = two_layer_model()
    untouched = check_only_second_trainable(model)
    assert not untouched and "holds 4 variables" in untouched.message and untouched.hint
    model.layers[1].trainable = False
    assert not check_only_second_trainable(model)  # froze the wrong layer
    model.layers[0].trainable = False
    assert not check_only_second_trainable(model)  # froze both
    model.layers[1].trainable = True
    assert check_only_second_trainable(model)
    assert not check_only_second_trainable(...)
    assert not check_only_second_trainable(keras.Sequential([keras.Input((2,))]))
