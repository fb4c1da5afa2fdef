"""Lesson 09's helpers: the freezing experiment, its bars, the explorer and the checks."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers.exercises import check_none_or_gradient, check_only_second_trainable
from helpers.exercises.trainable import case_gradient_kind
from helpers.freezing import freeze_experiment, two_layer_model
from helpers.plots.trainable import (
    FROZEN_COLOUR,
    draw_variable_bars,
    update_asked_gradient_bars,
    update_change_bars,
)
from helpers.widgets import freeze_explorer

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
    assert listed.frozen == frozen
    # the optimiser moves exactly the unfrozen variables
    assert [change > 0 for change in every.changes] == [not f for f in frozen]
    assert listed.trainable_count == frozen.count(False)


def test_frozen_gradients_equal_the_unfrozen_ones():
    free = freeze_experiment(False, False, "weights")
    frozen = freeze_experiment(True, True, "weights")
    np.testing.assert_allclose(frozen.grad_norms, free.grad_norms, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.01, 1.0), st.booleans(), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_gradient_bars_hide_unasked_and_grey_frozen(rows):
    norms, asked, frozen = (list(column) for column in zip(*rows))
    ax = Figure().subplots()
    bars, labels = draw_variable_bars(
        ax, [f"v{i}" for i in range(len(rows))], (0, 1.2), "gradients", "|gradient|"
    )
    update_asked_gradient_bars(bars, labels, norms, asked, frozen, none_height=0.6)
    for bar, label, norm, was_asked, is_frozen in zip(bars, labels, norms, asked, frozen):
        assert bar.get_visible() == was_asked
        if was_asked:
            assert bar.get_height() == pytest.approx(norm)
            grey = bar.get_facecolor()[:3] == pytest.approx(_rgb(FROZEN_COLOUR))
            assert grey == is_frozen
        else:
            assert label.get_text() == "–"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1.0)), min_size=1, max_size=6))
def test_change_bars_say_0_only_for_exact_zero(changes):
    ax = Figure().subplots()
    bars, labels = draw_variable_bars(
        ax,
        [f"v{i}" for i in range(len(changes))],
        (0, 1.2),
        "changes",
        "max |after - before|",
    )
    update_change_bars(bars, labels, changes)
    for bar, label, change in zip(bars, labels, changes):
        assert bar.get_height() == pytest.approx(change)
        assert (label.get_text() == "0") == (change == 0.0)


def _rgb(hex_colour):
    return [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]


def test_explorer_every_combination_without_error_and_fast_updates():
    explorer = freeze_explorer()
    freeze_first, freeze_second, ask = explorer.controls
    images = set()
    for first, second in FREEZES:
        for option in ask.options:
            freeze_first.value, freeze_second.value, ask.value = first, second, option
            assert explorer.error is None, (first, second, option)
            images.add(explorer.view.image.value)
    assert len(images) >= 6
    freeze_first.value, freeze_second.value = True, True
    ask.value = "model.trainable_variables"
    assert "tape.gradient(loss, []) returned []" in explorer.status.value
    ask.value = "model.weights (every variable)"
    assert "nothing to update" in explorer.status.value


def test_explorer_bars_follow_the_toggles():
    explorer = freeze_explorer()
    freeze_first, freeze_second, ask = explorer.controls
    freeze_first.value, freeze_second.value = True, False
    ask.value = "model.trainable_variables"
    grad_bars = explorer.view.figure.axes[0].patches
    change_bars = explorer.view.figure.axes[1].patches
    assert [bar.get_visible() for bar in grad_bars] == [False, False, True, True]
    assert [bar.get_height() == 0 for bar in change_bars] == [True, True, False, False]
    freeze_first.value = False
    assert all(bar.get_visible() for bar in grad_bars)
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
