"""Finite-difference gradients and a tape-versus-reference comparison (lesson 01)."""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from helpers._checks import float_tensor, positive_number


def numeric_gradient(f, x, eps=1e-6):
    """df/dx by float64 central differences: (f(x + eps e_i) - f(x - eps e_i)) / 2 eps.

    `f` takes a float64 tensor shaped like `x` and returns a scalar. Returns a float64
    NumPy array shaped like `x`.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable such as lambda x: tf.reduce_sum(x**2); "
                        f"got {type(f).__name__}.")
    point = float_tensor(x, "x", min_rank=0).numpy().astype(np.float64)
    eps = float(positive_number(eps, "eps", "1e-6"))
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = eps
        upper = _scalar(f(tf.constant(point + step)))
        lower = _scalar(f(tf.constant(point - step)))
        grad[index] = (upper - lower) / (2 * eps)
    return grad


def _scalar(value):
    """The float value of f's output, or a ValueError saying f must return a scalar."""
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(
            f"f must return a scalar (one number) for a gradient; got shape {array.shape}."
            " Reduce it first, e.g. tf.reduce_sum(...) or tf.reduce_mean(...)."
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
    """Print and return whether `value` equals `reference` exactly, closely, and the max diff."""
    if value is None:
        raise TypeError(
            f"{name}: value is None. A None gradient means the tape found no path from "
            "the source to the target: see lesson 08."
        )
    if reference is None:
        raise TypeError(f"{name}: reference is None; pass the array to compare against.")
    value = np.asarray(value, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if value.shape != reference.shape:
        raise ValueError(
            f"{name}: value has shape {value.shape} but reference has shape "
            f"{reference.shape}; compare arrays of the same shape."
        )
    exact = bool(np.array_equal(value, reference, equal_nan=True))
    close = bool(np.allclose(value, reference, rtol=rtol, atol=atol, equal_nan=True))
    diff = np.abs(value - reference)
    both_nan = np.isnan(value) & np.isnan(reference)
    max_abs_diff = float(np.max(np.where(both_nan, 0.0, diff))) if diff.size else 0.0
    print(f"{name:<24} exact: {exact!s:<5}  close: {close!s:<5}  "
          f"max abs diff: {max_abs_diff:.1e}")
    return Comparison(exact, close, max_abs_diff)
