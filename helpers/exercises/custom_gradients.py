"""Lesson 06: checks for hand-written gradients (a cube, a straight-through clip)."""

import numpy as np
import tensorflow as tf

from helpers.feedback import function_problem, right, wrong

CHECK_INPUTS = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
UPSTREAM = 2.0  # the checks differentiate 2 * f(x): a gradient must scale with upstream


def _value_and_grad(fn, inputs=CHECK_INPUTS):
    """f(x) and d sum(UPSTREAM * f(x)) / dx (None when the tape finds no path)."""
    inputs = tf.constant(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        values = fn(inputs)
        if not tf.is_tensor(values):
            raise NotATensorError(
                f"it returned {type(values).__name__}, not a tensor: return the result "
                "of TensorFlow ops on x (and a grad function, under @tf.custom_gradient)"
            )
        total = tf.reduce_sum(UPSTREAM * values)
    grads = tape.gradient(total, inputs)
    return np.asarray(values), None if grads is None else grads.numpy()


class NotATensorError(TypeError):
    """The learner's function returned something that is not a tensor."""


def _call(fn, what, hint):
    """(values, grads) of fn, or the Feedback explaining why it could not be called."""
    problem = function_problem(fn, what)
    if problem:
        return None, wrong(f"{problem}.", hint)
    try:
        return _value_and_grad(fn), None
    except NotATensorError as error:
        return None, wrong(f"{what}: called on {CHECK_INPUTS.tolist()}, {error}.", hint)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return None, wrong(
            f"{what}: calling it on {CHECK_INPUTS.tolist()} raised "
            f"{type(error).__name__}: {error}",
            hint,
        )


def check_cube(cube):
    """A @tf.custom_gradient cube: value x**3, gradient upstream * 3 x**2 (lesson 06)."""
    hint = (
        "Return x * x * x and a grad(upstream) that returns upstream times "
        "d(x**3)/dx: the chain rule multiplies by the upstream gradient."
    )
    result, failure = _call(cube, "cube", hint)
    if failure is not None:  # a Feedback is falsy when wrong: test for None
        return failure
    values, grads = result
    if not np.allclose(values, CHECK_INPUTS**3, rtol=1e-5):
        return wrong(
            f"cube's values are {values.tolist()}, expected x**3 = "
            f"{(CHECK_INPUTS**3).tolist()}.",
            hint,
        )
    if grads is None:
        return wrong("the tape returned None for cube's gradient.", hint)
    expected = UPSTREAM * 3 * CHECK_INPUTS**2
    if np.allclose(grads, expected / UPSTREAM, rtol=1e-5):
        return wrong(
            "the gradient ignores the upstream gradient (d(2 x**3)/dx came out "
            "as 3 x**2).",
            hint,
        )
    if not np.allclose(grads, expected, rtol=1e-5):
        return wrong(
            f"d(2 x**3)/dx came out as {grads.tolist()}, expected {expected.tolist()}.",
            hint,
        )
    return right(
        f"value x**3 and gradient upstream * 3 x**2 at x = {CHECK_INPUTS.tolist()}."
    )


def check_clip_ste(clip_ste):
    """clip to [-1, 1] forward, identity backward: a straight-through clip (lesson 06)."""
    hint = (
        "Return tf.clip_by_value(x, -1.0, 1.0) and a grad(upstream) that treats "
        "the op as the identity: what is d(x)/dx times upstream?"
    )
    result, failure = _call(clip_ste, "clip_ste", hint)
    if failure is not None:  # a Feedback is falsy when wrong: test for None
        return failure
    values, grads = result
    expected_values = np.clip(CHECK_INPUTS, -1.0, 1.0)
    if not np.allclose(values, expected_values):
        return wrong(
            f"clip_ste's values are {values.tolist()}, expected "
            f"{expected_values.tolist()}.",
            hint,
        )
    if grads is None:
        return wrong("the tape returned None for clip_ste's gradient.", hint)
    if np.allclose(grads, UPSTREAM * (np.abs(CHECK_INPUTS) <= 1)):
        return wrong(
            "this is tf.clip_by_value's own gradient: 0 outside [-1, 1], so "
            "clipped inputs get no signal.",
            hint,
        )
    if not np.allclose(grads, UPSTREAM):
        return wrong(
            f"d(2 clip_ste(x))/dx came out as {grads.tolist()}, expected "
            f"{UPSTREAM} everywhere.",
            hint,
        )
    return right("clipped values, and the upstream gradient passed straight through.")
