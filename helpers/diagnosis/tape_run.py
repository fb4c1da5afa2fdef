"""The eager run: `loss_fn` under a default tf.GradientTape, as the learner's program
runs; and nudging a source's variable to see whether the loss moves."""

from collections import namedtuple

import numpy as np
import tensorflow as tf

PERTURBATIONS = (1e-3, 0.37)  # relative nudges of a variable's value
# What the default tape gave: the loss, one gradient per source, or the error that
# loss_fn raised, or that tape.gradient raised (a loss that is not a tensor)
EagerRun = namedtuple(
    "EagerRun", "loss grads error gradient_error", defaults=(None, None)
)


def run_under_tape(loss_fn, sources):
    """Run `loss_fn` under a default tape and ask for every source's gradient."""
    nothing = [None] * len(sources)
    try:
        with tf.GradientTape() as tape:
            loss = loss_fn()
    except Exception as error:  # noqa: BLE001  (a broken program is a finding)
        return EagerRun(None, nothing, error)
    try:
        grads = tape.gradient(loss, list(sources))
    except Exception as error:  # noqa: BLE001  (NumPy or Python result)
        return EagerRun(loss, nothing, gradient_error=error)
    grads = [None if g is None else tf.convert_to_tensor(g).numpy() for g in grads]
    return EagerRun(loss, grads)


def tape_variable(source):
    """The tf.Variable the tape sees behind a tf.Variable or a Keras variable, or None
    (not isinstance keras.Variable: before Keras 3.7 weights were not, keras#20330)."""
    if isinstance(getattr(source, "value", None), tf.Variable):
        return source.value
    return source if isinstance(source, tf.Variable) else None


def loss_moves(loss_fn, source, run):
    """True when nudging the source's variable changes loss_fn()'s result (or makes it
    raise); None when loss_fn() changes by itself (random ops); else False."""
    variable, baseline = tape_variable(source), _numbers(run.loss)
    if variable is None or baseline is None:
        return False

    def same():  # loss_fn() gives the baseline again
        try:
            return np.array_equal(_numbers(loss_fn()), baseline, equal_nan=True)
        except Exception:  # noqa: BLE001  (a loss that raises has changed)
            return False

    if not same():
        return None
    original = variable.numpy()
    for scale in PERTURBATIONS:
        nudged = original + scale * (1.0 + np.abs(original))
        variable.assign(nudged.astype(original.dtype))
        moved = not same()
        variable.assign(original)
        if moved:
            return True
    return False


def _numbers(loss):
    """All numbers in a loss (tensor, NumPy, float or a structure of them), or None."""
    try:
        leaves = [np.asarray(leaf, np.float64).ravel() for leaf in tf.nest.flatten(loss)]
    except (TypeError, ValueError):
        return None
    return np.concatenate(leaves) if leaves else None
