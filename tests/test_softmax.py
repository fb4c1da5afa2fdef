"""The softmax math against TensorFlow's own ops and against the tape."""

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers

FLOAT32_TOL = {"rtol": 1e-5, "atol": 1e-6}


def logits_arrays(max_abs=30.0, min_classes=2):
    """Random float32 logits of shape (batch, classes) or (classes,), never all zero."""
    shapes = st.one_of(
        hnp.array_shapes(min_dims=1, max_dims=1, min_side=min_classes, max_side=6),
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=min_classes, max_side=5),
    )
    elements = st.floats(-max_abs, max_abs, width=32, allow_subnormal=False)
    return hnp.arrays(np.float32, shapes, elements=elements).filter(
        lambda logits: np.any(logits != 0))


def one_hot_like(logits, seed):
    """One-hot labels of a random class per row, shaped like `logits`."""
    rng = np.random.default_rng(seed)
    classes = rng.integers(0, logits.shape[-1], size=logits.shape[:-1])
    return np.eye(logits.shape[-1], dtype=np.float32)[classes]


@settings(max_examples=40, deadline=None)
@given(logits_arrays())
def test_stable_softmax_matches_tf_and_is_a_distribution(logits):
    probs = helpers.softmax_stable(logits).numpy()
    np.testing.assert_allclose(probs, tf.nn.softmax(logits).numpy(), **FLOAT32_TOL)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all((probs >= 0) & (probs <= 1))


@settings(max_examples=40, deadline=None)
@given(logits_arrays(max_abs=20.0))
def test_naive_softmax_agrees_with_stable_for_moderate_logits(logits):
    np.testing.assert_allclose(helpers.softmax_naive(logits).numpy(),
                               helpers.softmax_stable(logits).numpy(), **FLOAT32_TOL)


@settings(max_examples=30, deadline=None)
@given(logits_arrays(), st.floats(-500, 500, width=32).filter(lambda c: c != 0))
def test_shift_invariance(logits, shift):
    np.testing.assert_allclose(helpers.softmax_stable(logits + np.float32(shift)).numpy(),
                               helpers.softmax_stable(logits).numpy(), rtol=1e-3, atol=1e-4)


def test_naive_softmax_overflows_where_stable_does_not():
    logits = np.array([1000.0, 0.0, -1000.0], np.float32)
    assert np.isnan(helpers.softmax_naive(logits).numpy()).any()
    np.testing.assert_array_equal(helpers.softmax_stable(logits).numpy(), [1.0, 0.0, 0.0])


def test_softmax_along_another_axis():
    logits = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]], np.float32)
    probs = helpers.softmax_stable(logits, axis=0).numpy()
    np.testing.assert_allclose(probs, tf.nn.softmax(logits, axis=0).numpy(), **FLOAT32_TOL)
    np.testing.assert_allclose(probs.sum(axis=0), [1.0, 1.0], rtol=1e-6)


def test_temperature_limits():
    logits = np.array([2.0, 1.0, -0.5, 1.5], np.float32)
    cold = helpers.softmax_stable(logits, temperature=1e-3).numpy()
    hot = helpers.softmax_stable(logits, temperature=1e4).numpy()
    np.testing.assert_allclose(cold, [1.0, 0.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(hot, np.full(4, 0.25), atol=1e-3)
    np.testing.assert_allclose(helpers.softmax_stable(logits, temperature=2.0).numpy(),
                               tf.nn.softmax(logits / 2.0).numpy(), **FLOAT32_TOL)


@settings(max_examples=30, deadline=None)
@given(logits_arrays())
def test_log_softmax_stable_matches_tf(logits):
    np.testing.assert_allclose(helpers.log_softmax_stable(logits).numpy(),
                               tf.nn.log_softmax(logits).numpy(), rtol=1e-5, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(logits_arrays(max_abs=10.0))
def test_analytic_jacobian_matches_tape(logits):
    logits = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        probs = tf.nn.softmax(logits)
    jacobian = tape.jacobian(probs, logits)
    if logits.shape.rank == 2:  # keep the per-example blocks: (batch, n, batch, n)
        jacobian = tf.stack([jacobian[b, :, b, :] for b in range(logits.shape[0])])
    np.testing.assert_allclose(helpers.softmax_jacobian(logits).numpy(), jacobian.numpy(),
                               rtol=1e-4, atol=1e-6)


def test_jacobian_rows_sum_to_zero_and_is_symmetric():
    logits = np.array([[0.3, -1.2, 2.0, 0.7]], np.float32)
    jacobian = helpers.softmax_jacobian(logits).numpy()
    assert jacobian.shape == (1, 4, 4)
    np.testing.assert_allclose(jacobian.sum(axis=-1), 0.0, atol=1e-7)
    np.testing.assert_allclose(jacobian, np.swapaxes(jacobian, -1, -2))


@settings(max_examples=30, deadline=None)
@given(logits_arrays(max_abs=50.0), st.integers(0, 2**16))
def test_stable_cross_entropy_matches_tf_and_its_gradient_is_p_minus_y(logits, seed):
    labels = one_hot_like(logits, seed)
    logits = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = helpers.cross_entropy_stable(labels, logits)
    np.testing.assert_allclose(
        loss.numpy(), tf.nn.softmax_cross_entropy_with_logits(labels, logits).numpy(),
        rtol=1e-5, atol=1e-5)
    grad_logits = tape.gradient(loss, logits)
    np.testing.assert_allclose(grad_logits.numpy(), tf.nn.softmax(logits).numpy() - labels,
                               rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(logits_arrays(max_abs=15.0), st.integers(0, 2**16))
def test_naive_cross_entropy_agrees_with_stable_for_moderate_logits(logits, seed):
    labels = one_hot_like(logits, seed)
    np.testing.assert_allclose(helpers.cross_entropy_naive(labels, logits).numpy(),
                               helpers.cross_entropy_stable(labels, logits).numpy(),
                               rtol=1e-4, atol=1e-4)


def test_naive_cross_entropy_is_nan_at_extreme_logits_and_stable_is_not():
    labels = np.array([[0.0, 0.0, 1.0]], np.float32)
    logits = tf.constant([[1000.0, 0.0, -1000.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        naive = helpers.cross_entropy_naive(labels, logits)
        stable = helpers.cross_entropy_stable(labels, logits)
    assert np.isnan(naive.numpy()).all()
    assert np.isnan(tape.gradient(naive, logits).numpy()).all()
    np.testing.assert_allclose(stable.numpy(), [2000.0])
    np.testing.assert_allclose(tape.gradient(stable, logits).numpy(), [[1.0, 0.0, -1.0]])


def test_soft_labels_are_accepted():
    labels = np.array([0.2, 0.5, 0.3], np.float32)
    logits = np.array([1.0, -2.0, 0.5], np.float32)
    expected = -np.sum(labels * tf.nn.log_softmax(logits).numpy())
    np.testing.assert_allclose(helpers.cross_entropy_stable(labels, logits).numpy(),
                               expected, rtol=1e-6)


def test_float64_stays_float64():
    logits = np.array([0.1, 0.9, -0.4])
    assert helpers.softmax_stable(logits).dtype == tf.float64
    assert helpers.softmax_jacobian(logits).dtype == tf.float64


# Bad input: every error names the parameter and says what to pass.
SOFTMAX_FUNCTIONS = [helpers.softmax_naive, helpers.softmax_stable,
                     helpers.log_softmax_naive, helpers.log_softmax_stable,
                     helpers.softmax_jacobian]


@pytest.mark.parametrize("function", SOFTMAX_FUNCTIONS)
@pytest.mark.parametrize("bad, error, words", [
    ([1, 2, 3], TypeError, "floating-point"),
    (np.array([1, 2], np.int32), TypeError, "tf.cast"),
    (tf.constant([True, False]), TypeError, "floating-point"),
    ("1.0, 2.0", TypeError, "string"),
    (None, TypeError, "None"),
    ([], ValueError, "empty"),
    (np.zeros((2, 0), np.float32), ValueError, "empty"),
    (3.0, ValueError, "at least 1 dimension"),
    ([1.0, np.nan], ValueError, "NaN or inf"),
    ([1.0, np.inf], ValueError, "NaN or inf"),
    ([[1.0, 2.0], [3.0]], (TypeError, ValueError), "rectangular"),
])
def test_bad_logits_are_rejected(function, bad, error, words):
    with pytest.raises(error, match=words) as raised:
        function(bad)
    assert "logits" in str(raised.value)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(st.sampled_from([np.int8, np.int32, np.int64, np.uint8, np.bool_]),
                  hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)))
def test_any_integer_or_boolean_logits_are_a_type_error(bad):
    with pytest.raises(TypeError, match="logits"):
        helpers.softmax_stable(bad)


@pytest.mark.parametrize("temperature, error", [
    (0.0, ValueError), (-1.0, ValueError), (float("nan"), ValueError),
    (float("inf"), ValueError), ("hot", TypeError), (None, TypeError), (True, TypeError),
    (np.array([1.0, 2.0]), ValueError),
])
def test_bad_temperature_is_rejected(temperature, error):
    with pytest.raises(error, match="temperature"):
        helpers.softmax_stable([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("axis, error", [(2, ValueError), (-3, ValueError),
                                         (1.0, TypeError), (True, TypeError)])
def test_bad_axis_is_rejected(axis, error):
    with pytest.raises(error, match="axis"):
        helpers.softmax_stable([[1.0, 2.0]], axis=axis)


@pytest.mark.parametrize("function", [helpers.cross_entropy_naive,
                                      helpers.cross_entropy_stable])
@pytest.mark.parametrize("labels, error, words", [
    ([[0.0, 2.0, -1.0]], ValueError, "probability distribution"),
    ([[0.3, 0.3, 0.3]], ValueError, "sum to 1"),
    ([[0.0, 1.0]], ValueError, "same shape"),
    ([1.0], ValueError, "same shape"),
    ([[0, 1, 0]], TypeError, "floating-point"),
    (None, TypeError, "None"),
    ("cat", TypeError, "string"),
])
def test_bad_labels_are_rejected(function, labels, error, words):
    with pytest.raises(error, match=words) as raised:
        function(labels, [[1.0, 2.0, 0.5]])
    assert "labels" in str(raised.value)


def test_a_tensor_or_variable_temperature_works_and_gets_a_gradient():
    logits = tf.constant([[2.0, -1.0, 0.5]])
    expected = helpers.softmax_stable(logits, temperature=2.0)
    np.testing.assert_allclose(
        helpers.softmax_stable(logits, temperature=tf.constant(2.0)), expected
    )
    temperature = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        probs = helpers.softmax_stable(logits, temperature=temperature)
        loss = -tf.math.log(probs[0, 2])
    np.testing.assert_allclose(probs, expected)
    # L = -log softmax(z / T)_2: dL/dT = sum_k (p_k - y_k) (-z_k / T^2) = (z_2 - p.z) / T^2
    z, p = logits.numpy()[0], expected.numpy()[0]
    grad = tape.gradient(loss, temperature)
    np.testing.assert_allclose(grad, (z[2] - p @ z) / 4.0, rtol=1e-5)
