"""Softmax, log-softmax, the analytic Jacobian and cross-entropy (lessons 02-04)."""

import tensorflow as tf

from helpers.validate import (
    axis_index,
    distribution,
    float_tensor,
    positive_number,
    representable,
)


def softmax_naive(logits, axis=-1):
    """exp(z) / sum(exp(z)): overflows to NaN once a logit passes ~88 (lesson 02)."""
    logits = float_tensor(logits, "logits")
    axis = axis_index(axis, logits.shape.rank)
    exps = tf.exp(logits)
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def softmax_stable(logits, axis=-1, temperature=1.0):
    """softmax(z / T) computed as exp((z - max z) / T) / sum(...): finite for finite z."""
    logits = float_tensor(logits, "logits")
    axis = axis_index(axis, logits.shape.rank)
    temperature = positive_number(temperature, "temperature", "1.0")
    representable(temperature, "temperature", logits.dtype, "1.0")
    # softmax(z / T) = softmax((z - c) / T) for any constant c: take c = max z, so every
    # exponent is <= 0 (exp <= 1) and the largest is exactly 0, even when z / T overflows
    peak = tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    exps = tf.exp((logits - peak) / _as_dtype(temperature, logits.dtype))
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def naive_and_stable(logits, temperature):
    """float32 softmax(z / T) naive and stable, and exp(z / T), as arrays (lesson 02).

    The naive form divides exp(z / T) by its sum: once one exp(z / T) overflows float32
    (z / T > 88.72) it gives inf / inf = NaN, once only the sum does, finite / inf = 0.
    The stable form shifts by max z first.
    """
    logits = tf.constant(logits, dtype=tf.float32)
    scaled = logits / tf.constant(temperature, dtype=tf.float32)
    naive = softmax_naive(scaled)
    stable = softmax_stable(logits, temperature=temperature)
    return naive.numpy(), stable.numpy(), tf.exp(scaled).numpy()


def _as_dtype(number, dtype):
    """A number or tensor in `dtype`, without a detour through float32: tf.cast(1e-50,
    tf.float64) would first make a float32 0."""
    return tf.cast(number, dtype) if tf.is_tensor(number) else tf.constant(number, dtype)


def log_softmax_naive(logits, axis=-1):
    """log(softmax(z)): -inf (and NaN gradients) once a probability underflows to 0."""
    return tf.math.log(softmax_naive(logits, axis=axis))


def log_softmax_stable(logits, axis=-1):
    """z - max z - log(sum(exp(z - max z))): the log-sum-exp trick, finite for finite z."""
    logits = float_tensor(logits, "logits")
    axis = axis_index(axis, logits.shape.rank)
    shifted = logits - tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    return shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(logits):
    """d softmax(z)_i / d z_j = p_i (delta_ij - p_j), i.e. diag(p) - p p^T, shape (..., n, n)."""
    probs = softmax_stable(logits)
    return tf.linalg.diag(probs) - probs[..., :, None] * probs[..., None, :]


def cross_entropy_naive(labels, logits):
    """-sum(y * log(softmax(z))) per example: NaN at extreme logits (lesson 04)."""
    logits = float_tensor(logits, "logits")
    labels = distribution(labels, logits)
    return -tf.reduce_sum(labels * log_softmax_naive(logits), axis=-1)


def cross_entropy_stable(labels, logits):
    """-sum(y * log_softmax(z)) per example with log-sum-exp: finite for finite logits."""
    logits = float_tensor(logits, "logits")
    labels = distribution(labels, logits)
    # labels * log_softmax: where y = 0 the product is 0 even when log_softmax is huge
    return -tf.reduce_sum(labels * log_softmax_stable(logits), axis=-1)
