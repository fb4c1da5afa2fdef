"""Finite differences and compare: checked against functions with known derivatives."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers

points = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
                    elements=st.floats(-3, 3)).filter(lambda x: np.any(x != 0))


@settings(max_examples=30, deadline=None)
@given(points)
def test_numeric_gradient_of_known_functions(x):
    # d/dx sum(sin(x) + x^3) = cos(x) + 3 x^2
    grad = helpers.numeric_gradient(lambda v: tf.reduce_sum(tf.sin(v) + v**3), x)
    assert grad.dtype == np.float64 and grad.shape == x.shape
    np.testing.assert_allclose(grad, np.cos(x) + 3 * x**2, rtol=1e-6, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(points)
def test_numeric_gradient_agrees_with_the_tape_in_float64(x):
    def loss(v):
        return tf.reduce_sum(tf.nn.softmax(tf.reshape(v, [-1])) * tf.range(
            tf.size(v), dtype=v.dtype))

    source = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(source)
        value = loss(source)
    np.testing.assert_allclose(helpers.numeric_gradient(loss, x),
                               tape.gradient(value, source).numpy(), atol=1e-8)


def test_numeric_gradient_passes_float64_tensors_of_the_same_shape():
    seen = []

    def loss(v):
        seen.append((v.dtype, tuple(v.shape)))
        return tf.reduce_sum(v)

    helpers.numeric_gradient(loss, np.array([[0.5, -1.5]], np.float32))
    assert set(seen) == {(tf.float64, (1, 2))}


def test_numeric_gradient_accepts_a_variable():
    variable = tf.Variable([1.5, -2.0])
    np.testing.assert_allclose(
        helpers.numeric_gradient(lambda v: tf.reduce_sum(v**2), variable), [3.0, -4.0],
        rtol=1e-6)


@pytest.mark.parametrize("f, x, eps, error, words", [
    ("not callable", [1.0], 1e-6, TypeError, "callable"),
    (lambda v: v * 2, [1.0, 2.0], 1e-6, ValueError, "scalar"),
    (tf.reduce_sum, [1, 2], 1e-6, TypeError, "floating-point"),
    (tf.reduce_sum, None, 1e-6, TypeError, "None"),
    (tf.reduce_sum, [], 1e-6, ValueError, "empty"),
    (tf.reduce_sum, [1.0], 0.0, ValueError, "eps"),
    (tf.reduce_sum, [1.0], -1e-3, ValueError, "eps"),
    (tf.reduce_sum, [1.0], "small", TypeError, "eps"),
])
def test_numeric_gradient_rejects_bad_input(f, x, eps, error, words):
    with pytest.raises(error, match=words):
        helpers.numeric_gradient(f, x, eps=eps)


def test_compare_exact_close_and_different(capsys):
    reference = np.array([0.25, -1.5, 3.0])
    exact = helpers.compare("same", reference.copy(), reference)
    close = helpers.compare("close", reference + 1e-8, reference)
    far = helpers.compare("far", reference + [0.0, 0.1, 0.0], reference)
    assert (exact.exact, exact.close, exact.max_abs_diff) == (True, True, 0.0)
    assert (close.exact, close.close) == (False, True)
    assert (far.exact, far.close) == (False, False)
    assert far.max_abs_diff == pytest.approx(0.1)
    assert bool(close) and not bool(far)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3 and printed[2].startswith("far")
    assert "close: False" in printed[2] and "1.0e-01" in printed[2]


def test_compare_accepts_tensors_and_unpacks_as_three_values():
    exact, close, diff = helpers.compare("tensor", tf.constant([1.0, 2.0]), [1.0, 2.0])
    assert exact and close and diff == 0.0


def test_compare_treats_matching_nans_as_equal_and_lone_nans_as_different():
    assert helpers.compare("nan both", [np.nan, 1.0], [np.nan, 1.0]).exact
    assert not helpers.compare("nan one", [np.nan, 1.0], [0.5, 1.0]).close


@pytest.mark.parametrize("value, reference, error, words", [
    (None, [1.0], TypeError, "None gradient"),
    ([1.0], None, TypeError, "reference is None"),
    ([1.0, 2.0], [[1.0, 2.0]], ValueError, "shape"),
])
def test_compare_rejects_bad_input(value, reference, error, words):
    with pytest.raises(error, match=words):
        helpers.compare("bad", value, reference)
