"""Lesson 02 (softmax forward): the naive/stable explorer, plots and exercises."""

import numpy as np
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.figure import Figure

import helpers
from helpers.exercises import softmax_forward as exercises
from helpers.plots.softmax_forward import draw_naive_and_stable, update_naive_and_stable
from helpers.softmax import naive_and_stable
from helpers.widgets.softmax_forward import (
    forward_status,
    overflow_reason,
    softmax_forward_explorer,
)

FAST = settings(max_examples=25, deadline=None)


def logit_vectors(bound):
    """Four float32-representable logits in [-bound, bound], not all zero."""
    return arrays(np.float64, 4, elements=st.floats(-bound, bound, width=32)).filter(
        lambda logits: np.any(logits != 0.0)
    )


@FAST
@given(logits=logit_vectors(30.0), temperature=st.floats(0.5, 5.0))
def test_naive_equals_stable_while_nothing_overflows(logits, temperature):
    naive, stable, _ = naive_and_stable(logits, temperature)
    np.testing.assert_allclose(naive, stable, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(stable.sum(), 1.0, rtol=1e-5)


@FAST
@given(logits=logit_vectors(1000.0), temperature=st.floats(0.01, 100.0))
def test_stable_is_finite_at_any_scale_and_temperature(logits, temperature):
    _, stable, _ = naive_and_stable(logits, temperature)
    assert np.all(np.isfinite(stable))
    np.testing.assert_allclose(stable.sum(), 1.0, rtol=1e-5)


@FAST
@given(logits=logit_vectors(10.0), shift=st.floats(-50.0, 50.0))
def test_shift_invariance(logits, shift):
    assume(shift != 0.0)
    logits = tf.constant(logits, dtype=tf.float32)
    np.testing.assert_allclose(
        helpers.softmax_stable(logits + shift),
        helpers.softmax_stable(logits),
        rtol=1e-4,
        atol=1e-6,
    )


def test_temperature_limits():
    logits = [2.0, 1.0, 0.1, -1.0]
    cold = naive_and_stable(logits, 0.01)[1]
    hot = naive_and_stable(logits, 1e4)[1]
    np.testing.assert_allclose(cold, [1.0, 0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(hot, 0.25, atol=1e-3)


def test_naive_breaks_between_88_and_89_in_float32():
    below, _, _ = naive_and_stable([88.0, 10.0, 1.0, -10.0], 1.0)
    above, stable, exps = naive_and_stable([89.0, 10.0, 1.0, -10.0], 1.0)
    assert np.all(np.isfinite(below)) and np.isnan(above[0])
    assert np.isinf(exps[0]) and np.all(np.isfinite(stable))
    assert exercises.first_nan_logit() == 89
    assert exercises.first_nan_logit(tf.float64) == 710


def test_overflow_reason_names_each_failure():
    assert "overflowed to inf" in overflow_reason(np.array([np.inf, 1.0], np.float32))
    assert "sum" in overflow_reason(np.exp(np.full(4, 88.0, np.float32)))
    assert "underflowed" in overflow_reason(np.zeros(4, np.float32))
    assert overflow_reason(np.exp(np.array([2.0, 1.0, 0.1], np.float32))) == ""


def test_status_explains_silent_zeros():
    logits = np.full(4, 88.0, np.float32)
    naive, stable, exps = naive_and_stable(logits, 1.0)
    status = forward_status(logits, naive, stable, exps)
    assert naive.sum() == 0.0 and "naive softmax is wrong" in status


def test_nan_bars_sit_at_zero_with_a_red_label():
    figure = Figure()
    panels = draw_naive_and_stable(*figure.subplots(1, 2), ["a", "b", "c"])
    update_naive_and_stable(panels, np.array([np.nan, 0.0, 0.0]), np.array([1.0, 0, 0]))
    (naive_bars, naive_labels, naive_sum), (stable_bars, _, stable_sum) = panels
    assert naive_bars[0].get_height() == 0.0 and naive_labels[0].get_text() == "NaN"
    assert naive_labels[0].get_color() != naive_labels[1].get_color()
    assert naive_sum.get_text() == "sum = NaN" and stable_sum.get_text() == "sum = 1.000"
    assert stable_bars[0].get_height() == 1.0


def _extreme_moves(explorer):
    """(control, value) pairs: every control to both ends, then back to its default."""
    for control in explorer.controls:
        default = control.value
        if hasattr(control, "options"):
            ends = [value for _, value in control.options]
        else:
            ends = [control.min, control.max]
            if hasattr(control, "base"):  # a log slider: min and max are exponents
                ends = [control.base**end for end in ends]
        for value in [*ends, default]:
            yield control, value


def test_explorer_survives_every_control_at_every_extreme():
    explorer = softmax_forward_explorer()
    previous = explorer.view.png()
    for control, value in _extreme_moves(explorer):
        if control.value == value:
            continue
        control.value = value
        image = explorer.view.png()
        assert image != previous, (control.description, value)
        assert explorer.error is None, explorer.error
        assert "raised" not in explorer.status.value
        previous = image


def test_explorer_survives_logits_of_1000_at_the_lowest_temperature():
    explorer = softmax_forward_explorer()
    *logit_sliders, scale_menu, temperature_slider = explorer.controls
    scale_menu.value, temperature_slider.value = 100.0, 0.01
    for slider in logit_sliders:
        for value in (slider.min, slider.max):
            slider.value = value
            assert explorer.error is None, explorer.error
            assert "stable sum = 1." in explorer.status.value, explorer.status.value
    assert "NaN" in explorer.status.value  # all four at +1000: inf / inf


def test_explorer_shows_nan_for_a_large_logit():
    explorer = softmax_forward_explorer()
    first_logit, *_, scale_menu, _ = explorer.controls
    scale_menu.value, first_logit.value = 10.0, 8.9
    assert "NaN" in explorer.status.value and "overflowed" in explorer.status.value
    first_logit.value = 8.8
    assert "NaN" not in explorer.status.value
    assert "softmax_forward_explorer" in helpers.widgets.__all__


def test_check_first_nan_logit():
    assert exercises.check_first_nan_logit(89)
    float64_answer = exercises.check_first_nan_logit(710)
    assert not float64_answer and "float32" in float64_answer.hint
    assert not exercises.check_first_nan_logit(88).correct
    assert exercises.check_first_nan_logit(88).hint
    assert not exercises.check_first_nan_logit(...)


def test_check_low_temperature():
    assert exercises.check_low_temperature(
        helpers.softmax_stable(tf.constant([2.0, 1.0, 0.0]), temperature=0.01)
    )
    uniform = exercises.check_low_temperature([1 / 3, 1 / 3, 1 / 3])
    assert not uniform and uniform.hint


def test_check_my_softmax():
    def shifted_softmax(logits):
        exps = tf.exp(logits - tf.reduce_max(logits, axis=-1, keepdims=True))
        return exps / tf.reduce_sum(exps, axis=-1, keepdims=True)

    assert exercises.check_my_softmax(shifted_softmax)
    naive = exercises.check_my_softmax(helpers.softmax_naive)
    assert not naive and "max" in naive.hint
    assert not exercises.check_my_softmax(...)
    assert not exercises.check_my_softmax(lambda logits: logits.shape.not_there)
