"""Finite-difference gradients and a tape-versus-reference comparison (lesson 01)."""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from helpers import validate


def numeric_gradient(f, x, eps=1e-6):
    """df/dx, a float64 array shaped like `x`, by central differences: (f(x + eps e_i)
    - f(x - eps e_i)) / 2 eps, where `f` takes a float64 tensor and returns a scalar."""
    validate.of_type(f, "f", callable, "lambda x: tf.reduce_sum(x**2)")
    point = validate.float_tensor(x, "x", min_rank=0).numpy().astype(np.float64)
    eps = float(validate.real_number(eps, "eps", "1e-6", positive=True, tensors=True))
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = eps
        upper, lower = _value_at(f, point + step), _value_at(f, point - step)
        grad[index] = (upper - lower) / (2 * eps)
    return grad


def _value_at(f, point):
    """f at a float64 tensor, as a float; a dtype clash or a non-scalar says what to fix."""
    try:
        value = f(tf.constant(point))
    except tf.errors.InvalidArgumentError as error:
        if "was expected to be a" not in error.message:  # not a dtype clash: f's own bug
            raise
        raise TypeError(
            "f raised InvalidArgumentError when called with a float64 tensor (finite "
            "differences run in float64): make f work in any float dtype, e.g. "
            "tf.cast(constant, x.dtype) for the constants it uses. TensorFlow said: "
            f"{error.message.strip()[:200]}"
        ) from error
    what = "an f that returns one number, such as tf.reduce_sum(x**2)"
    array = validate.real_array(value, "the value f returned", what)
    if array.size != 1:
        raise ValueError(
            f"f must return a scalar (one number); got shape {array.shape}. Reduce it "
            "first, e.g. tf.reduce_sum(...) or tf.reduce_mean(...)."
        )
    return float(array.reshape(()))


class Comparison(NamedTuple):
    """The result of `compare`: truthy only when the values are close."""

    exact: bool
    close: bool
    max_abs_diff: float

    def __bool__(self):
        return bool(self.close)


def compare(name, value, reference, rtol=1e-5, atol=1e-6):
    """Print and return: does `value` equal `reference` exactly, closely? The max diff."""
    validate.of_type(name, "name", str, "'dL/dz'")
    if value is None:
        raise TypeError(
            f"{name}: value is None. A None gradient means the tape found no path from "
            "the source to the target (see lesson 08): pass a gradient that exists."
        )
    value = validate.real_array(value, f"{name}: value", "the array you computed")
    reference = validate.real_array(
        reference, f"{name}: reference", "the array to compare against"
    )
    rtol = validate.real_number(rtol, "rtol", "1e-5", low=0)
    atol = validate.real_number(atol, "atol", "1e-6", low=0)
    if value.shape != reference.shape:
        raise ValueError(
            f"{name}: value has shape {value.shape} but reference has shape "
            f"{reference.shape}; pass two arrays of the same shape."
        )
    exact = bool(np.array_equal(value, reference, equal_nan=True))
    close = bool(np.allclose(value, reference, rtol=rtol, atol=atol, equal_nan=True))
    both_nan = np.isnan(value) & np.isnan(reference)
    max_abs_diff = float(np.max(np.where(both_nan, 0.0, np.abs(value - reference))))
    print(
        f"{name:<24} exact: {exact!s:<5}  close: {close!s:<5}  "
        f"max abs diff: {max_abs_diff:.1e}"
    )
    return Comparison(exact, close, max_abs_diff)
