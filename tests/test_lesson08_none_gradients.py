"""Lesson 08's helpers: broken programs, the explorer and its code panel, the checks."""

import ipywidgets as widgets
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.exercises import check_none_or_zero, check_sum_of_squares
from helpers.explorer import source_html
from helpers.lessons.l08_none_gradients import PROGRAMS, program_gradients, snippet_kind
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
    zero_filled = program_gradients(name, False, "zero")
    for plain, filled in zip(default, zero_filled):
        assert filled == (0.0 if plain is None else plain)


def test_only_the_outside_the_tape_program_loses_a_too():
    lost_a = [name for name in PROGRAMS if program_gradients(name, False)[0] is None]
    assert lost_a == ["loss finished outside the tape"]


def test_explorer_status_says_none_and_when_zero_hides_it():
    explorer = none_gradient_explorer()
    program, fixed, unconnected = explorer.controls
    program.value, fixed.value, unconnected.value = ".numpy() detour", False, "zero"
    assert "turned the None into 0" in explorer.status.value
    unconnected.value = "none"
    assert explorer.status.value.startswith("None for b:")
    program.value = "loss finished outside the tape"
    assert explorer.status.value.startswith("None for a, b:")
    fixed.value = True
    assert explorer.status.value.startswith("Fixed")


def test_explorer_draws_none_as_a_hatched_bar():
    explorer = none_gradient_explorer()
    program, fixed, _ = explorer.controls
    program.value, fixed.value = "integer variable", False
    bar_b = explorer.view.figure.axes[0].patches[1]
    assert not bar_b.get_fill() and bar_b.get_hatch()
    fixed.value = True
    assert bar_b.get_fill() and not bar_b.get_hatch() and bar_b.get_height() == 6.0


def test_code_panel_shows_the_source_of_the_chosen_program():
    explorer = none_gradient_explorer()
    program = explorer.controls[0]
    panels = [child for child in explorer.children if isinstance(child, widgets.HTML)]
    panel = next(child for child in panels if "<pre" in child.value)
    for name in ("tf.stop_gradient", "assign inside the tape"):
        program.value = name
        assert panel.value == source_html(PROGRAMS[name])
    assert "_assign_inside" in panel.value and "_stop_gradient" not in panel.value


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
    assert snippet_kind("relu", -magnitude) == "zero"
    assert snippet_kind("relu", magnitude) == "number"
    assert snippet_kind("round", magnitude) == "None"
    assert snippet_kind("sign", -magnitude) == "zero"
    assert snippet_kind("stop_half", magnitude) == "number"
