"""Lesson 12: float16 gradients that underflow, loss scaling, dynamic scaling that skips
overflowing steps, bfloat16 updates lost in rounding, no retracing, and the checks."""

import re

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers.lessons import l12_low_precision as low_precision
from helpers.lessons.l12_low_precision import (
    check_largest_float16_logit,
    check_largest_lost_learning_rate,
    check_smallest_loss_scale,
)

TINY = 2.0**-24  # float16's smallest subnormal
BFLOAT16 = tf.bfloat16.as_numpy_dtype
sizes = st.floats(-9.0, 2.0).map(lambda exponent: 10.0**exponent)
powers_of_two = st.integers(0, 24).map(lambda k: 2.0**k)


@pytest.fixture(scope="module")
def reference():
    return low_precision.train_precision("float32", 1e-6)


@settings(max_examples=25, deadline=None)
@given(sizes, powers_of_two)
def test_float16_gradient_is_one_rounding_of_the_scaled_product(size, scale):
    # d(c · ½ Σ (w - t)²)/dw at w = 0: float16(float16(c / 2) · 2 · (-float16(t)))
    targets16 = low_precision.TARGETS.astype(np.float16)
    with np.errstate(over="ignore"):  # a product beyond 65504 is inf, as in TensorFlow
        half_coefficient = np.float16(np.float32(scale) * np.float32(size) / 2)
        expected = (half_coefficient * (np.float16(-2) * targets16)).astype(np.float16)
    got = low_precision.first_gradients("mixed", size, scale)
    np.testing.assert_array_equal(got, expected.astype(np.float64))
    np.testing.assert_array_equal(
        got, low_precision.first_gradients("float16", size, scale)
    )


@settings(max_examples=25, deadline=None)
@given(sizes)
def test_without_scaling_a_gradient_at_most_2_to_minus_25_is_exactly_zero(size):
    # the product of two float16 numbers, exact in float64: c / 2 (rounded) and 2 t
    with np.errstate(over="ignore"):
        half_coefficient = np.float16(np.float32(size) / 2).astype(np.float64)
    exact = half_coefficient * 2 * low_precision.TARGETS.astype(np.float16)
    grads = low_precision.first_gradients("mixed", size)
    # (2^-25, 2^-24) rounds up to 2^-24; 2^-25 itself ties to the even neighbour, 0
    np.testing.assert_array_equal(grads == 0, exact <= TINY / 2)
    assert np.all(low_precision.first_gradients("bfloat16", size) != 0)  # float32's range


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-2.0, 2.0), min_size=16, max_size=16),
    st.floats(-8.0, -1.0).map(lambda exponent: 10.0**exponent),
    st.integers(0, 15),
)
def test_loss_scaling_recovers_the_float32_gradient(weights, size, k):
    weights, scale = tf.constant(weights, tf.float32), 2.0**k
    exact = size * np.abs(weights.numpy() - low_precision.TARGETS)
    assume(exact.min() > 0)  # never an all-zero (or zero) gradient
    scaled = scale * exact
    assume(scaled.min() >= 2.0**-14 and scaled.max() <= 2.0**14)  # float16's normal range
    grad32, _ = low_precision.scaled_gradient(weights, tf.constant(size), tf.float32)
    grad16, _ = low_precision.scaled_gradient(weights, scale * size, tf.float16)
    unscaled = tf.cast(grad16, tf.float32) / scale  # divided in float32
    # rounding w, t, c / 2 and the product: a few 2^-11 relative to size · (|w| + |t|)
    bound = 2**-9 * size * (np.abs(weights.numpy()) + low_precision.TARGETS)
    assert np.all(np.abs(unscaled.numpy() - grad32.numpy()) <= bound)


def test_smallest_safe_scale_matches_the_half_subnormal_rule():
    # t_16 = 0.001: the smallest gradient is 1e-7 · 0.001 · S, and must exceed 2^-25
    assert low_precision.smallest_safe_scale("mixed", 1e-7) == 512.0
    assert 1e-10 * 256 < TINY / 2 < 1e-10 * 512


def test_the_training_loop_rounds_exactly_as_eager_code():
    cases = [
        ("mixed", 1e-6, 1.0, False),
        ("bfloat16", 1e-3, 1.0, False),
        ("float16", 100.0, 2.0**15, True),
    ]
    for dtype, size, scale, dynamic in cases:
        args = (tf.constant(size, tf.float32), tf.constant(scale), tf.constant(dynamic))
        eager = low_precision._train_loop(dtype, *args)
        traced = low_precision.TRAIN_LOOPS[dtype](*args)
        for name in eager:
            np.testing.assert_array_equal(eager[name], traced[name], err_msg=name)


def test_slider_moves_never_retrace():
    for dtype in low_precision.DTYPES:  # a new dtype may trace once
        low_precision.train_precision(dtype)
    before = dict(low_precision.trace_counts)
    assert all(before[dtype] == 1 for dtype in low_precision.DTYPES), before
    for dtype in low_precision.DTYPES:
        for size in (1e-8, 1e-3, 100.0):
            for scaling, scale in (("off", 1.0), ("fixed", 2.0**24), ("dynamic", 1.0)):
                low_precision.train_precision(dtype, size, scaling, scale)
    explorer = low_precision.precision_explorer()
    for control, value in zip(explorer.controls, ["float16", "dynamic", 1e-2, 8.0]):
        control.value = value
    assert dict(low_precision.trace_counts) == before


def test_float32_runs_do_not_depend_on_the_gradient_size(reference):
    for size in (1e-8, 1.0, 100.0):
        run = low_precision.train_precision("float32", size)
        np.testing.assert_allclose(run.losses, reference.losses, rtol=1e-3)
        assert not run.never_moved.any() and run.late_moved.all()


def test_mixed_without_scaling_stalls_and_scaling_brings_it_back(reference):
    off = low_precision.train_precision("mixed", 1e-6)
    assert np.sum(off.first_grads == 0) == 8 and off.never_moved.sum() == 8
    assert not off.late_moved.any() and off.losses[-1] > 1e4 * reference.losses[-1]
    ratios = {
        scale: low_precision.train_precision("mixed", 1e-6, "fixed", scale).losses[-1]
        / reference.losses[-1]
        for scale in (32.0, 128.0, 256.0)
    }
    assert ratios[32.0] > 10 and ratios[128.0] > 2 > ratios[256.0]
    dynamic = low_precision.train_precision("mixed", 1e-6, "dynamic")
    assert dynamic.losses[-1] < 2 * reference.losses[-1] and not dynamic.skipped.any()
    # the loss is within 2× at 256, yet late gradients underflow until 2^15
    late_zeros = []
    for scale in (256.0, 2.0**14, 2.0**15):
        run = low_precision.train_precision("mixed", 1e-6, "fixed", scale)
        late_zeros.append(np.sum((run.last_grads == 0) & (run.last_diffs != 0)))
    assert late_zeros == [11, 2, 0]


def test_dynamic_scaling_skips_inf_steps_and_halves_the_scale():
    run = low_precision.train_precision("mixed", 100.0, "dynamic")
    skipped = np.flatnonzero(run.skipped)
    np.testing.assert_array_equal(skipped, np.arange(6))  # 2^15 · 100 down to 2^9 · 100
    assert np.isinf(run.first_grads).all()
    np.testing.assert_array_equal(run.scales[:7], 2.0 ** np.arange(15, 8, -1))
    np.testing.assert_array_equal(run.losses[:7], run.losses[0])  # weights unchanged
    assert run.scales[-1] == 512 and np.isfinite(run.losses).all()


def test_a_fixed_scale_that_overflows_turns_the_weights_nan():
    run = low_precision.train_precision("mixed", 100.0, "fixed", 2.0**24)
    assert np.isinf(run.first_grads).all() and np.isnan(run.losses[-1])
    assert not run.skipped.any()


def test_bfloat16_loses_small_updates(reference):
    w = tf.constant(1.0, tf.bfloat16)
    assert w + tf.constant(1e-3, tf.bfloat16) == w and w + 2**-8 == w  # tie: to even
    assert w + tf.constant(2**-8 + 2**-15, tf.bfloat16) == 1 + 2**-7
    assert tf.cast(tf.constant(1 + 3 * 2**-8), tf.bfloat16) == 1 + 2**-6  # not truncated
    assert not low_precision.bfloat16_step_changes(2**-9)[0]
    assert low_precision.bfloat16_step_changes(2**-9 + 2**-16) == (True, 1 - 2**-8)
    run = low_precision.train_precision("bfloat16", 1e-6)
    assert np.all(run.first_grads != 0) and not run.late_moved.any()
    assert run.losses[-1] > 1000 * reference.losses[-1]


def test_the_explorer_status_says_what_happened():
    explorer = low_precision.precision_explorer()
    dtype, scaling, size, scale = explorer.controls
    assert "8 of 16 gradients underflowed" in explorer.status.value
    assert "Stalled" in explorer.status.value
    scaling.value = "dynamic"
    size.value = 100.0
    assert re.search(r"skipped 6 steps .* from 32768 to 512", explorer.status.value)
    scaling.value, scale.value = "fixed", 2.0**24
    assert "overflowed" in explorer.status.value and "NaN" in explorer.status.value
    dtype.value, scaling.value = "bfloat16", "off"
    assert "0 of 16 gradients underflowed" in explorer.status.value
    assert "Stalled" in explorer.status.value
    assert explorer.error is None


def test_the_status_says_what_is_seen_never_why(reference):
    # the whys (rounding, a scale too small) are the prediction's and the lesson's
    for dtype, size, scaling, scale in [
        ("float16", 1e-8, "dynamic", 1.0),
        ("bfloat16", 1e-6, "off", 1.0),
        ("mixed", 1e-6, "fixed", 32.0),
    ]:
        run = low_precision.train_precision(dtype, size, scaling, scale)
        status = low_precision.describe(dtype, run, reference)
        assert f"{dtype}: " in status and "gradients underflowed" in status
        for why in ("round", "raise", "keep float32", "spacing"):
            assert why not in status, (dtype, why)


def test_the_prediction_the_end_of_training_needs_a_larger_scale(reference):
    scales = 2.0 ** np.arange(10)
    runs = [low_precision.train_precision("mixed", 1e-6, "fixed", s) for s in scales]
    no_zero = next(s for s, r in zip(scales, runs) if not np.any(r.first_grads == 0))
    within = next(
        s for s, r in zip(scales, runs) if r.losses[-1] < 2 * reference.losses[-1]
    )
    assert (no_zero, within) == (32.0, 256.0)
    prediction = low_precision.precision_explorer().prediction
    assert prediction.answer == "a larger scale"


def largest_finite_float16_logit():
    """By brute force over every float16 number in [10, 12]."""
    candidates = np.arange(10.0, 12.0, 2**-7, dtype=np.float32)  # float16's grid there
    finite = [z for z in candidates if low_precision.naive_softmax_is_finite(float(z))]
    return float(max(finite))


def test_check_largest_float16_logit():
    largest = largest_finite_float16_logit()
    assert largest == 11.0859375
    assert check_largest_float16_logit(largest)
    assert check_largest_float16_logit(11.087)  # rounds to it in float16
    # log(65504) = 11.08987 is above the midpoint 11.08984: float16 rounds it up, to inf
    for wrong in (np.log(65504.0), 11.09, 11.09375, 11.08, 12.0, 0.0):
        assert not check_largest_float16_logit(wrong), wrong


def test_check_smallest_loss_scale():
    reason = low_precision.SCALE_REASONS[0]
    assert check_smallest_loss_scale(512.0, reason) and check_smallest_loss_scale(
        2**9, reason
    )
    for wrong in (256.0, 1024.0, 300.0, 0.0, -512.0):
        assert not check_smallest_loss_scale(wrong, reason), wrong
    for wrong_reason in low_precision.SCALE_REASONS[1:]:  # a loop finds 512, not why
        assert not check_smallest_loss_scale(512.0, wrong_reason)
    blank = check_smallest_loss_scale(512.0, ...)
    assert not blank and "replace the ... with your choice" in blank.message
    assert "2^-25" not in check_smallest_loss_scale(256.0, reason).hint


def test_check_largest_lost_learning_rate():
    assert check_largest_lost_learning_rate(2**-9)
    assert check_largest_lost_learning_rate(0.00195)  # stored in bfloat16 as 2^-9
    above = float(np.nextafter(np.asarray(2**-9, BFLOAT16), np.asarray(1, BFLOAT16)))
    for wrong in (2**-8, 0.0019, above, 1e-3, -(2**-9)):
        assert not check_largest_lost_learning_rate(wrong), wrong
