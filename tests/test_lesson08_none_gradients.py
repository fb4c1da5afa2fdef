"""Lesson 08's helpers: broken programs, the explorer and its code panel, the checks."""

import ipywidgets as widgets
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.exercises import check_mean_of_cubes, check_none_or_zero
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


def test_explorer_status_says_what_is_shown():
    explorer = none_gradient_explorer()
    program, fixed, unconnected = explorer.controls
    program.value, fixed.value, unconnected.value = ".numpy() detour", False, "zero"
    assert explorer.status.value == "Broken, unconnected zero: a: 4, b: 0."
    unconnected.value = "none"
    assert explorer.status.value == "None for b."
    explorer.set({"program": "loss finished outside the tape"})
    assert explorer.status.value == "None for a, b."
    fixed.value = True
    assert explorer.status.value == "Fixed, unconnected none: a: 4, b: 6."
    assert explorer.prediction.answer == "loss finished outside the tape"


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


def test_mean_of_cubes_check_accepts_tensorflow_and_rejects_numpy():
    assert check_mean_of_cubes(lambda v: tf.reduce_mean(v**3))
    assert check_mean_of_cubes(lambda v: sum(v[i] ** 3 for i in range(3)) / 3.0)  # a loop
    numpy_result = check_mean_of_cubes(lambda v: np.mean(v.numpy() ** 3))
    wrapped = check_mean_of_cubes(lambda v: tf.constant(sum(x**3 for x in v.numpy())) / 3)
    wrong_math = check_mean_of_cubes(lambda v: tf.reduce_sum(v**3))
    not_reduced = check_mean_of_cubes(lambda v: v**3 / 3.0)  # its tape gradient is v² too
    for feedback in (numpy_result, wrapped, wrong_math, not_reduced):
        assert not feedback and "TensorFlow" in feedback.hint
        assert "reduce_mean" not in feedback.hint and "v**3" not in feedback.hint
    assert "not a tensor" in numpy_result.message and "None" in wrapped.message
    assert "shape (3,)" in not_reduced.message
    assert not check_mean_of_cubes(lambda v: tf.reshape(tf.reduce_mean(v**3), [1]))


def test_a_blank_mean_of_cubes_only_says_what_to_fill_in():
    for blank in (..., lambda v: ...):  # the function itself, or what it returns
        feedback = check_mean_of_cubes(blank)
        assert not feedback and "replace the ... with your" in feedback.message
        assert feedback.hint == ""


TRUE_KINDS = {
    "relu": "zero",
    "cast_int": "None",
    "stop_half": "number",
    "a_minus_a": "zero",
    "round_plus_a": "number",
    "constant": "None",
    "convert": "number",
}


def test_none_or_zero_check_right_and_wrong():
    assert check_none_or_zero(dict(TRUE_KINDS))
    swapped = check_none_or_zero({**TRUE_KINDS, "constant": "number"})
    assert not swapped and "constant" in swapped.message and swapped.hint
    assert "tf.constant" not in swapped.hint and "convert" not in swapped.hint
    assert not check_none_or_zero({**TRUE_KINDS, "relu": "nothing"})
    blank = check_none_or_zero(...)
    assert not blank and "replace the ... with your" in blank.message and not blank.hint


def test_none_or_zero_check_accepts_the_ways_a_learner_writes_a_kind():
    spelled = {**TRUE_KINDS, "cast_int": None, "constant": "none", "relu": "Zero"}
    assert check_none_or_zero({**spelled, "a_minus_a": 0, "convert": "nonzero"})
    assert check_none_or_zero({**spelled, "a_minus_a": 0.0, "convert": "Number"})


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 100.0))
def test_gradient_kinds_hold_on_both_sides_of_zero(magnitude):
    # relu' is 0 below zero and 1 above; a - a has two paths, +1 and -1; round's None
    # leaves the "+ a" path (slope 1); tf.constant copies the value, convert reads it
    assert snippet_kind("relu", -magnitude) == "zero"
    assert snippet_kind("relu", magnitude) == "number"
    for a in (-magnitude, magnitude):
        assert snippet_kind("a_minus_a", a) == "zero"
        assert snippet_kind("round_plus_a", a) == "number"
        assert snippet_kind("constant", a) == "None"
        assert snippet_kind("convert", a) == "number"
    assert snippet_kind("stop_half", magnitude) == "number"
