"""Lesson 08's helpers: broken programs, None-aware bars, the explorer, the checks."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from helpers.exercises import check_none_or_zero, check_sum_of_squares
from helpers.exercises.none_gradients import snippet_gradient_kind
from helpers.plots.none_gradients import draw_gradient_bars, update_gradient_bars
from helpers.tape_breaks import PROGRAMS, program_gradients
from helpers.widgets import none_gradient_explorer

# d(a^2 + b^2)/d[a, b] at a = 2, b = 3; the assign program uses (b + 1)^2
FIXED_GRADIENTS = {name: [4.0, 6.0] for name in PROGRAMS}
FIXED_GRADIENTS["assign inside the tape"] = [4.0, 8.0]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_broken_program_gives_none_for_b_and_the_fix_restores_it(name):
    assert program_gradients(name, fixed=False)[1] is None
    assert program_gradients(name, fixed=True) == FIXED_GRADIENTS[name]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_unconnected_zero_turns_every_none_into_zero(name):
    default = program_gradients(name, False)
    zero_filled = program_gradients(name, False, tf.UnconnectedGradients.ZERO)
    for plain, filled in zip(default, zero_filled):
        assert filled == (0.0 if plain is None else plain)


def test_only_the_outside_the_tape_program_loses_a_too():
    lost_a = [name for name in PROGRAMS if program_gradients(name, False)[0] is None]
    assert lost_a == ["loss finished outside the tape"]


grads_strategy = st.lists(
    st.one_of(
        st.none(),
        st.floats(-50, 50, allow_nan=False).filter(lambda g: g != 0),
        st.sampled_from([float("nan"), float("inf"), 0.0]),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(grads_strategy)
def test_bars_draw_none_apart_from_numbers(grads):
    ax = Figure().subplots()
    bars, labels = draw_gradient_bars(ax, [f"s{i}" for i in range(len(grads))], (-60, 60))
    update_gradient_bars(bars, labels, grads, none_height=7.0)
    for bar, label, grad in zip(bars, labels, grads):
        if grad is None:
            assert not bar.get_fill() and bar.get_hatch() and bar.get_height() == 7.0
            assert label.get_text() == "None"
        elif np.isfinite(grad):
            assert bar.get_fill() and bar.get_height() == pytest.approx(grad)
            assert label.get_text() == ("0" if grad == 0 else f"{grad:.3g}")
        else:
            assert bar.get_height() == 0.0 and label.get_text() in ("NaN", "+inf")


def test_a_bar_that_was_none_is_filled_again_by_a_number():
    ax = Figure().subplots()
    bars, labels = draw_gradient_bars(ax, ["a"], (0, 10))
    update_gradient_bars(bars, labels, [None], none_height=5.0)
    update_gradient_bars(bars, labels, [3.0], none_height=5.0)
    assert bars[0].get_fill() and not bars[0].get_hatch() and bars[0].get_height() == 3.0


def test_explorer_moves_through_every_program_without_error():
    explorer = none_gradient_explorer()
    program, fixed, unconnected = explorer.controls
    images, statuses = set(), set()
    for name in program.options:
        for is_fixed in (True, False):
            for option in unconnected.options:
                program.value, fixed.value, unconnected.value = name, is_fixed, option
                assert explorer.error is None, (name, is_fixed, option)
                images.add(explorer.view.image.value)
                statuses.add(explorer.status.value)
    assert len(images) > len(PROGRAMS)
    program.value, fixed.value, unconnected.value = ".numpy() detour", False, "zero"
    assert "turned the None into 0" in explorer.status.value
    unconnected.value = "None (default)"
    assert explorer.status.value.startswith("None for b")


def test_explorer_draws_none_as_a_hatched_bar():
    explorer = none_gradient_explorer()
    program, fixed, _ = explorer.controls
    program.value, fixed.value = "integer variable", False
    bar_b = explorer.view.figure.axes[1].patches[1]
    assert not bar_b.get_fill() and bar_b.get_hatch()
    fixed.value = True
    assert bar_b.get_fill() and bar_b.get_height() == 6.0


def test_sum_of_squares_check_accepts_tensorflow_and_rejects_numpy():
    assert check_sum_of_squares(lambda v: tf.reduce_sum(tf.square(v)))
    numpy_result = check_sum_of_squares(lambda v: np.sum(v.numpy() ** 2))
    wrapped = check_sum_of_squares(lambda v: tf.reduce_sum(v.numpy() ** 2))
    wrong_math = check_sum_of_squares(lambda v: tf.reduce_sum(v**3))
    blank = check_sum_of_squares(lambda v: ...)
    for feedback in (numpy_result, wrapped, wrong_math, blank):
        assert not feedback and "TensorFlow" in feedback.hint
    assert "not a tensor" in numpy_result.message and "None" in wrapped.message
    assert not check_sum_of_squares(...)


TRUE_KINDS = {
    "relu": "zero",
    "cast_int": "None",
    "round": "None",
    "sign": "zero",
    "stop_half": "number",
}


def test_none_or_zero_check_right_and_wrong():
    assert check_none_or_zero(dict(TRUE_KINDS))
    swapped = check_none_or_zero({**TRUE_KINDS, "round": "zero"})
    assert not swapped and "round" in swapped.message and swapped.hint
    assert not check_none_or_zero({**TRUE_KINDS, "sign": "nothing"})
    assert not check_none_or_zero(...)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 100.0))
def test_gradient_kinds_hold_on_both_sides_of_zero(magnitude):
    # relu' is 0 below zero and 1 above; round has no gradient; sign' is 0 off zero
    assert snippet_gradient_kind("relu", -magnitude) == "zero"
    assert snippet_gradient_kind("relu", magnitude) == "number"
    assert snippet_gradient_kind("round", magnitude) == "None"
    assert snippet_gradient_kind("sign", -magnitude) == "zero"
    assert snippet_gradient_kind("stop_half", magnitude) == "number"
