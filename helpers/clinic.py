"""The gradient clinic: a checklist and a gallery of broken programs (lesson 10).

Every program is a function of no arguments that makes its variables and returns
`(loss_fn, variables)`, ready for `helpers.diagnose(loss_fn, variables)`. Each comes in
two versions, broken and fixed, written out in full so that `program_source` can show
them side by side; `GALLERY` says what diagnose must find in the broken version, per
source. The data are three examples with two features, none of them zero, so no
weight is unused by accident.
"""

import difflib
import functools
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from helpers.doctor import Report, diagnose

FEATURES = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5]])
LABELS = tf.constant([0, 1, 1])  # a class per example, for the classifiers
TARGETS = tf.constant([1.0, -0.5, 2.0])  # a number per example, for the regressions
PIXELS = tf.constant([[120.0, 200.0], [30.0, 255.0], [90.0, 10.0]])  # raw, 0..255
SEEN = tf.constant([1.0, 0.0, 1.0])  # a yes/no target per example

# symptom, question to ask, the cause it rules out, where a lesson proves it
CHECKLIST = (
    (
        "None",
        "Is the list of variables empty (frozen or not yet built)?",
        "no_variables",
        "09 §2–3",
    ),
    ("None", "Is every source a float?", "integer_dtype", "08 §3"),
    ("None", "Is every variable trainable?", "not_trainable", "09 §1"),
    ("None", "Is every plain tensor watched?", "not_watched", "08 §4–5"),
    ("None", "Does the loss use the source at all?", "unused", "08, explorer"),
    (
        "None",
        "Did a value go through .numpy(), np.* or float()?",
        "left_tensorflow",
        "08 §1",
    ),
    ("None", "Is there a tf.stop_gradient on the path?", "stop_gradient", "08 §2"),
    (
        "None",
        "Is there a step on the path (round, argmax, a comparison)?",
        "non_differentiable_op",
        "07 §6",
    ),
    ("zero", "Are the ReLUs on the path off for every input?", "dead_relu", "07 §1–2"),
    ("zero", "Is a sigmoid, tanh or softmax saturated?", "saturation", "07 §3"),
    (
        "zero",
        "Did tf.where (or clip, max) pick the other branch?",
        "where_masked",
        "07 §4",
    ),
    ("zero", "Is the target the probabilities, not a loss?", "softmax_sum", "03"),
    (
        "NaN",
        "Is there a log or 1/x in the branch tf.where did not pick?",
        "nan_from_unselected_branch",
        "07 §5",
    ),
    ("NaN", "Is it log(softmax(z)) at extreme logits?", "saturation", "04"),
)


def cross_entropy(labels, logits):
    """Mean cross-entropy of softmax(logits) against class labels, from the logits."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


# --------------------------------------------------------------------------- healthy


def healthy():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")

    def loss():
        logits = FEATURES @ w
        return cross_entropy(LABELS, logits)

    return loss, [w]


# --------------------------------------------------------------------------- None


def plain_tensor_broken():
    w = tf.constant([0.5, -0.3])  # a tensor: nobody watches it

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, {"w": w}


def plain_tensor_fixed():
    w = tf.Variable([0.5, -0.3])  # a variable: watched

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, {"w": w}


def frozen_scale_broken():
    w = tf.Variable([0.5, -0.3], name="w")
    scale = tf.Variable(2.0, trainable=False, name="scale")

    def loss():
        predictions = scale * tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w, scale]


def frozen_scale_fixed():
    w = tf.Variable([0.5, -0.3], name="w")
    scale = tf.Variable(2.0, trainable=True, name="scale")

    def loss():
        predictions = scale * tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w, scale]


class LazyDense(tf.Module):
    """A dense layer that makes its weights on its first call, like Keras' layers."""

    def __init__(self, units):
        super().__init__()
        self.units = units
        self.w = None

    def __call__(self, inputs):
        if self.w is None:
            shape = (inputs.shape[-1], self.units)
            self.w = tf.Variable(tf.fill(shape, 0.5), name="w")
        return inputs @ self.w


def lazy_layer_broken():
    layer = LazyDense(units=2)
    variables = layer.trainable_variables  # too early: ()

    def loss():
        return tf.reduce_mean(layer(FEATURES) ** 2)

    return loss, variables


def lazy_layer_fixed():
    layer = LazyDense(units=2)
    layer(FEATURES)  # the first call makes the weights
    variables = layer.trainable_variables

    def loss():
        return tf.reduce_mean(layer(FEATURES) ** 2)

    return loss, variables


def numpy_detour_broken():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w).numpy()
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def numpy_detour_fixed():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def stopped_prediction_broken():
    w = tf.Variable([0.5, -0.3], name="w")

    @tf.function
    def loss():
        predictions = tf.stop_gradient(tf.linalg.matvec(FEATURES, w))
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def stopped_prediction_fixed():
    w = tf.Variable([0.5, -0.3], name="w")

    @tf.function
    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def integer_weights_broken():
    w = tf.Variable([1, -1], name="w")  # int32: no decimal point

    def loss():
        predictions = tf.linalg.matvec(FEATURES, tf.cast(w, tf.float32))
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def integer_weights_fixed():
    w = tf.Variable([1.0, -1.0], name="w")  # float32

    def loss():
        predictions = tf.linalg.matvec(FEATURES, tf.cast(w, tf.float32))
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def rounded_predictions_broken():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.round(tf.linalg.matvec(FEATURES, w))
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def rounded_predictions_fixed():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w]


def unused_bias_broken():
    w = tf.Variable([0.5, -0.3], name="w")
    b = tf.Variable(0.1, name="b")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w) + w[0]  # a typo: b
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w, b]


def unused_bias_fixed():
    w = tf.Variable([0.5, -0.3], name="w")
    b = tf.Variable(0.1, name="b")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w) + b
        return tf.reduce_mean((predictions - TARGETS) ** 2)

    return loss, [w, b]


# --------------------------------------------------------------------------- zero


def dead_layer_broken():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")
    b = tf.Variable([-10.0, -10.0], name="b")

    def loss():
        hidden = tf.nn.relu(FEATURES @ w + b)
        outputs = tf.reduce_sum(hidden, axis=1)
        return tf.reduce_mean((outputs - TARGETS) ** 2)

    return loss, [w, b]


def dead_layer_fixed():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")
    b = tf.Variable([-10.0, -10.0], name="b")

    def loss():
        hidden = tf.nn.leaky_relu(FEATURES @ w + b, alpha=0.1)
        outputs = tf.reduce_sum(hidden, axis=1)
        return tf.reduce_mean((outputs - TARGETS) ** 2)

    return loss, [w, b]


def one_dead_unit_broken():
    w = tf.Variable([[0.5, -0.3, 0.4], [0.2, 0.8, -0.6]], name="w")
    b = tf.Variable([0.1, -5.0, 0.1], name="b")

    def loss():
        hidden = tf.nn.relu(FEATURES @ w + b)
        outputs = tf.reduce_sum(hidden, axis=1)
        return tf.reduce_mean((outputs - TARGETS) ** 2)

    return loss, [w, b]


def one_dead_unit_fixed():
    w = tf.Variable([[0.5, -0.3, 0.4], [0.2, 0.8, -0.6]], name="w")
    b = tf.Variable([0.1, 0.1, 0.1], name="b")

    def loss():
        hidden = tf.nn.relu(FEATURES @ w + b)
        outputs = tf.reduce_sum(hidden, axis=1)
        return tf.reduce_mean((outputs - TARGETS) ** 2)

    return loss, [w, b]


def raw_pixels_broken():
    w = tf.Variable([0.5, 0.3], name="w")

    def loss():
        probs = tf.sigmoid(tf.linalg.matvec(PIXELS, w))
        return tf.reduce_mean((probs - SEEN) ** 2)

    return loss, [w]


def raw_pixels_fixed():
    w = tf.Variable([0.5, 0.3], name="w")

    def loss():
        probs = tf.sigmoid(tf.linalg.matvec(PIXELS / 255.0, w))
        return tf.reduce_mean((probs - SEEN) ** 2)

    return loss, [w]


def swapped_branches_broken():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        valid = TARGETS > -1.0  # ignore invalid targets (none here)
        errors = tf.where(valid, 0.0, predictions - TARGETS)
        return tf.reduce_mean(errors**2)

    return loss, [w]


def swapped_branches_fixed():
    w = tf.Variable([0.5, -0.3], name="w")

    def loss():
        predictions = tf.linalg.matvec(FEATURES, w)
        valid = TARGETS > -1.0  # ignore invalid targets (none here)
        errors = tf.where(valid, predictions - TARGETS, 0.0)
        return tf.reduce_mean(errors**2)

    return loss, [w]


def probabilities_as_loss_broken():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")

    def loss():
        return tf.nn.softmax(FEATURES @ w)  # the probabilities

    return loss, [w]


def probabilities_as_loss_fixed():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")

    def loss():
        logits = FEATURES @ w
        return cross_entropy(LABELS, logits)

    return loss, [w]


# --------------------------------------------------------------------------- NaN


def log_in_where_broken():
    x = tf.Variable([0.0, 1.0, 4.0], name="x")

    def loss():
        # log(x) where x > 0, x itself elsewhere
        return tf.reduce_sum(tf.where(x > 0, tf.math.log(x), x))

    return loss, [x]


def log_in_where_fixed():
    x = tf.Variable([0.0, 1.0, 4.0], name="x")

    def loss():
        safe_x = tf.where(x > 0, x, 1.0)  # log(1) = 0: harmless
        return tf.reduce_sum(tf.where(x > 0, tf.math.log(safe_x), x))

    return loss, [x]


def naive_cross_entropy_broken():
    w = tf.Variable([[-30.0, 30.0], [-20.0, 20.0]], name="w")

    def loss():
        probs = tf.nn.softmax(FEATURES @ w)
        picked = tf.gather(probs, LABELS, batch_dims=1)
        return -tf.reduce_mean(tf.math.log(picked))

    return loss, [w]


def naive_cross_entropy_fixed():
    w = tf.Variable([[-30.0, 30.0], [-20.0, 20.0]], name="w")

    def loss():
        logits = FEATURES @ w
        return cross_entropy(LABELS, logits)

    return loss, [w]


# --------------------------------------------------------------------------- gallery


@dataclass(frozen=True)
class Program:
    """A gallery entry: its two versions, and what diagnose finds in the broken one.

    `expected` maps each source's name to (status, cause) for the broken version; the
    fixed version is ok for every source. `lesson` is where the cause is proved.
    """

    broken: Callable
    fixed: Callable
    expected: dict
    lesson: str

    @property
    def finding(self):
        """(status, cause) of the first source that is not ok; ('ok', None) if none."""
        troubled = [pair for pair in self.expected.values() if pair[0] != "ok"]
        return (troubled or [("ok", None)])[0]


GALLERY = {
    "healthy classifier": Program(healthy, healthy, {"w": ("ok", None)}, "04"),
    "plain tensor": Program(
        plain_tensor_broken, plain_tensor_fixed, {"w": ("none", "not_watched")}, "08 §4"
    ),
    "frozen scale": Program(
        frozen_scale_broken,
        frozen_scale_fixed,
        {"w": ("ok", None), "scale": ("none", "not_trainable")},
        "09 §1",
    ),
    "lazy layer": Program(
        lazy_layer_broken,
        lazy_layer_fixed,
        {"(no variables)": ("none", "no_variables")},
        "09 §2",
    ),
    ".numpy() detour": Program(
        numpy_detour_broken,
        numpy_detour_fixed,
        {"w": ("none", "left_tensorflow")},
        "08 §1",
    ),
    "stopped prediction": Program(
        stopped_prediction_broken,
        stopped_prediction_fixed,
        {"w": ("none", "stop_gradient")},
        "08 §2",
    ),
    "integer weights": Program(
        integer_weights_broken,
        integer_weights_fixed,
        {"w": ("none", "integer_dtype")},
        "08 §3",
    ),
    "rounded predictions": Program(
        rounded_predictions_broken,
        rounded_predictions_fixed,
        {"w": ("none", "non_differentiable_op")},
        "07 §6",
    ),
    "unused bias": Program(
        unused_bias_broken,
        unused_bias_fixed,
        {"w": ("ok", None), "b": ("none", "unused")},
        "08, explorer",
    ),
    "dead layer": Program(
        dead_layer_broken,
        dead_layer_fixed,
        {"w": ("zero", "dead_relu"), "b": ("zero", "dead_relu")},
        "07 §1–2",
    ),
    "one dead unit": Program(
        one_dead_unit_broken,
        one_dead_unit_fixed,
        {"w": ("partly_zero", "dead_relu"), "b": ("partly_zero", "dead_relu")},
        "07 §2",
    ),
    "raw pixels": Program(
        raw_pixels_broken, raw_pixels_fixed, {"w": ("zero", "saturation")}, "07 §3"
    ),
    "swapped branches": Program(
        swapped_branches_broken,
        swapped_branches_fixed,
        {"w": ("zero", "where_masked")},
        "07 §4",
    ),
    "probabilities as loss": Program(
        probabilities_as_loss_broken,
        probabilities_as_loss_fixed,
        {"w": ("zero", "softmax_sum")},
        "03",
    ),
    "log in tf.where": Program(
        log_in_where_broken,
        log_in_where_fixed,
        {"x": ("nan", "nan_from_unselected_branch")},
        "07 §5",
    ),
    "naive cross-entropy": Program(
        naive_cross_entropy_broken,
        naive_cross_entropy_fixed,
        {"w": ("nan", "saturation")},
        "04",
    ),
}


def _entry(name):
    """GALLERY[name], or an error listing the names."""
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a str, one of {list(GALLERY)}; got {type(name).__name__}."
        )
    if name not in GALLERY:
        raise ValueError(f"name must be one of {list(GALLERY)}; got {name!r}.")
    return GALLERY[name]


def _version(name, fixed):
    """The broken or fixed function of gallery program `name`."""
    if not isinstance(fixed, bool):
        raise TypeError(f"fixed must be True or False; got {type(fixed).__name__}.")
    entry = _entry(name)
    return entry.fixed if fixed else entry.broken


def program(name, fixed=False):
    """(loss_fn, variables) of a gallery program, made afresh (lesson 10)."""
    return _version(name, fixed)()


def program_source(name, fixed=False):
    """The source code of a gallery program's broken or fixed version (lesson 10)."""
    return textwrap.dedent(inspect.getsource(_version(name, fixed))).rstrip()


def changed_lines(name):
    """The lines of a gallery program's fixed version that differ from the broken one.

    Lesson 10 prints them as the fix, one program per row.
    """
    broken, fixed = (program_source(name, f).splitlines()[1:] for f in (False, True))
    return [
        line[1:].strip() for line in difflib.ndiff(broken, fixed) if line.startswith("+ ")
    ]


@functools.cache
def diagnosis(name, fixed=False):
    """helpers.diagnose on a gallery program, computed once per version (lesson 10)."""
    return diagnose(*program(name, fixed))


def element_gradients(report):
    """[(label, value)] per element of each source's gradient; value None for None.

    Labels read like indexing: 'w[0,1]', 'b[2]', 'scale' (lesson 10).
    """
    if not isinstance(report, Report):
        raise TypeError(
            "report must be what helpers.diagnose(loss_fn, variables) returned; got "
            f"{type(report).__name__}."
        )
    entries = []
    for finding in report:
        if finding.gradient is None:
            entries.append((finding.name, None))
            continue
        grad = np.asarray(finding.gradient, dtype=np.float64)
        for index in np.ndindex(grad.shape):
            suffix = f"[{','.join(map(str, index))}]" if index else ""
            entries.append((finding.name + suffix, float(grad[index])))
    return entries
