"""Softmax, log-softmax, the softmax Jacobian and cross-entropy (lessons 02-04): the
public math, naive and stable. Each function checks its input here, at the door."""

import tensorflow as tf

from helpers import validate


def softmax_naive(logits, axis=-1):
    """exp(z) / sum(exp(z)): overflows to NaN once a logit passes ~88 (lesson 02)."""
    logits = validate.float_tensor(logits, "logits")
    axis = validate.axis_index(axis, logits.shape.rank)
    exps = tf.exp(logits)
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def softmax_stable(logits, axis=-1, temperature=1.0):
    """softmax(z / T) computed as exp((z - max z) / T) / sum(...): finite for finite z."""
    logits = validate.float_tensor(logits, "logits")
    axis = validate.axis_index(axis, logits.shape.rank)
    temperature = validate.real_number(
        temperature, "temperature", "1.0", positive=True, dtype=logits.dtype, tensors=True
    )
    # a tensor is cast; a number is not: tf.cast(1e-50, tf.float64) goes through float32
    if tf.is_tensor(temperature):
        temperature = tf.cast(temperature, logits.dtype)
    # softmax(z / T) = softmax((z - c) / T) for any constant c: take c = max z, so every
    # exponent is <= 0 (exp <= 1) and the largest is exactly 0, even when z / T overflows
    peak = tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    exps = tf.exp((logits - peak) / temperature)
    return exps / tf.reduce_sum(exps, axis=axis, keepdims=True)


def log_softmax_naive(logits, axis=-1):
    """log(softmax(z)): -inf (and NaN gradients) once a probability underflows to 0."""
    return tf.math.log(softmax_naive(logits, axis=axis))


def log_softmax_stable(logits, axis=-1):
    """z - max z - log(sum(exp(z - max z))): log-sum-exp, finite for finite z."""
    logits = validate.float_tensor(logits, "logits")
    axis = validate.axis_index(axis, logits.shape.rank)
    shifted = logits - tf.stop_gradient(tf.reduce_max(logits, axis=axis, keepdims=True))
    return shifted - tf.math.log(tf.reduce_sum(tf.exp(shifted), axis=axis, keepdims=True))


def softmax_jacobian(logits):
    """d p_i / d z_j = p_i (delta_ij - p_j), i.e. diag(p) - p p^T: shape (..., n, n)."""
    probs = softmax_stable(logits)
    return tf.linalg.diag(probs) - probs[..., :, None] * probs[..., None, :]


def cross_entropy_naive(labels, logits):
    """-sum(y * log(softmax(z))) per example: NaN at extreme logits (lesson 04)."""
    logits = validate.float_tensor(logits, "logits")
    labels = validate.distribution(labels, logits)
    return -tf.reduce_sum(labels * log_softmax_naive(logits), axis=-1)


def cross_entropy_stable(labels, logits):
    """-sum(y * log_softmax(z)) per example with log-sum-exp: finite for finite logits."""
    logits = validate.float_tensor(logits, "logits")
    labels = validate.distribution(labels, logits)
    # labels * log_softmax: where y = 0 the product is 0 even when log_softmax is huge
    return -tf.reduce_sum(labels * log_softmax_stable(logits), axis=-1)
