"""Lesson 07: zero gradients from operations: per-element gradients and dying ReLUs."""

from collections import namedtuple

import numpy as np
import tensorflow as tf
from ipywidgets import Dropdown, FloatLogSlider, FloatSlider

from helpers.explorer import (
    PALETTE,
    Explorer,
    FigureView,
    Prediction,
    number_text,
    warn_nonfinite,
)
from helpers.feedback import check_array, check_choice, function_problem, right, wrong

# name -> f(x), each applied element by element
OPERATIONS = {
    "relu": tf.nn.relu,
    "sigmoid": tf.sigmoid,
    "tanh": tf.tanh,
    # the NaN trap: log(x) is computed for every x, then where() discards x <= 0
    "where+log naive": lambda x: tf.where(x > 0, tf.math.log(x), 0.0),
    # double where: the inner where makes log's input safe (1) where x <= 0
    "where+log double-where": lambda x: tf.where(
        x > 0, tf.math.log(tf.where(x > 0, x, 1.0)), 0.0
    ),
    "round": tf.round,
}
NUM_POINTS = 9  # inputs scale * [-1, -0.75, ..., 1]: 0 is always one of them
GRAD_LIMITS = (-0.15, 1.3)  # gradients above are clipped; their labels say the value
HIDDEN, STEPS = 32, 300  # hidden units; SGD steps of each run
ACTIVATION_SLOPES = {"relu": 0.0, "leaky_relu": 0.1}  # slope for inputs <= 0
DyingReluRun = namedtuple("DyingReluRun", "losses dead_fraction moving_fraction")


def input_row(scale):
    """scale * linspace(-1, 1), float32, with exactly 0 in the middle (lesson 07)."""
    return np.float32(scale) * np.linspace(-1.0, 1.0, NUM_POINTS, dtype=np.float32)


def elementwise_gradients(operation, inputs):
    """The values and gradients of OPERATIONS[operation] (None: no path) (lesson 07)."""
    inputs = tf.constant(inputs, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        values = OPERATIONS[operation](inputs)
    # each value depends on its own input only: the gradient of the sum is per element
    grads = tape.gradient(values, inputs)
    return values.numpy(), None if grads is None else grads.numpy()


def _make_rings():
    """The MLP's data: 256 noisy points, alternately on rings of radius 0.5 and 1."""
    rng = np.random.default_rng(0)
    labels = np.arange(256) % 2
    angles = rng.uniform(0.0, 2.0 * np.pi, 256)
    radii = np.where(labels == 0, 0.5, 1.0) + rng.normal(0.0, 0.1, 256)
    inputs = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return inputs.astype(np.float32), labels.astype(np.int32)


INPUTS, LABELS = _make_rings()
WEIGHTS = [tf.TensorSpec(shape) for shape in [(2, HIDDEN), (HIDDEN,), (HIDDEN, 2), (2,)]]
SCALAR = tf.TensorSpec([], tf.float32)


@tf.function(input_signature=[WEIGHTS, SCALAR, SCALAR], jit_compile=True)
def train_loop(weights, learning_rate, slope):
    """STEPS of full-batch SGD on the MLP in one XLA call, hyperparameters as tensors (no
    retrace); per step: the loss, dead and moving fractions (lesson 07)."""
    history = tf.TensorArray(tf.float32, size=STEPS + 1)
    for step in tf.range(STEPS + 1):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            pre_activation = INPUTS @ weights[0] + weights[1]
            # where(), not relu(): d/da is exactly `slope` for a <= 0 (0 for a ReLU)
            hidden = tf.where(pre_activation > 0, pre_activation, slope * pre_activation)
            logits = hidden @ weights[2] + weights[3]
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, logits)
            loss = tf.reduce_mean(losses)
        grads = tape.gradient(loss, weights)
        # dead: a <= 0 on every example; moving: an incoming weight gets a gradient
        dead = tf.reduce_all(pre_activation <= 0, axis=0)
        moving = tf.reduce_any(grads[0] != 0, axis=0) | (grads[1] != 0)
        fractions = tf.reduce_mean(tf.cast(tf.stack([dead, moving]), tf.float32), axis=1)
        history = history.write(step, tf.concat([[loss], fractions], axis=0))
        weights = [w - learning_rate * g for w, g in zip(weights, grads)]
    return history.stack()


def initial_weights(bias_init=0.0):
    """The rings MLP's starting weights [W1, b1, W2, b2], b1 = bias_init (lesson 07)."""
    limit = np.sqrt(6.0 / (2 + HIDDEN))  # Glorot-uniform: sqrt(6 / (fan_in + fan_out))
    return [
        tf.random.stateless_uniform((2, HIDDEN), [0, 0], -limit, limit),
        tf.fill((HIDDEN,), float(bias_init)),
        tf.random.stateless_uniform((HIDDEN, 2), [0, 1], -limit, limit),
        tf.zeros((2,)),
    ]


def train_relu_mlp(bias_init=0.0, learning_rate=0.5, activation="relu"):
    """STEPS of SGD on the rings MLP and its dead ReLUs (lesson 07): a negative bias_init
    starts units dead, a large learning_rate kills them; activation relu or leaky_relu."""
    weights = initial_weights(bias_init)
    history = train_loop(weights, learning_rate, ACTIVATION_SLOPES[activation])
    return DyingReluRun(*history.numpy().T)


def dying_relu_explorer():
    """Initial bias, learning rate, activation -> dead units over training (lesson 07)."""
    slow = {"continuous_update": False}  # each move retrains: only on release
    bias = FloatSlider(0.0, min=-3.0, max=2.0, description="initial bias", **slow)
    learning_rate = FloatLogSlider(
        0.5, min=-2, max=1, step=0.05, description="learning rate", **slow
    )
    activation = Dropdown(options=list(ACTIVATION_SLOPES), description="activation")
    view = FigureView(figsize=(9, 3.2))
    fraction_ax, loss_ax = view.figure.subplots(1, 2)
    steps = np.arange(STEPS + 1)
    dead_line = fraction_ax.plot(steps, 0 * steps, color=PALETTE[6])[0]
    moving_line = fraction_ax.plot(steps, 0 * steps, "--", color=PALETTE[3])[0]
    fraction_ax.set(ylim=(-0.03, 1.05), ylabel="fraction of hidden units")
    # above the axes: the curves can sit anywhere between 0 and 1
    labels = ["dead (a <= 0 on every input)", "getting a gradient"]
    fraction_ax.legend(labels, loc=(0, 1), ncol=2, fontsize=8, frameon=False)
    loss_line = loss_ax.plot(steps, 1 + 0 * steps, color=PALETTE[5])[0]
    loss_ax.set(yscale="log", ylim=(1e-3, 1e3), ylabel="training loss (log scale)")
    for ax in (fraction_ax, loss_ax):
        ax.set(xlim=(0, STEPS), xlabel="SGD step")
    view.figure.tight_layout()
    view.animate(dead_line, moving_line, loss_line)

    def update():
        run = train_relu_mlp(bias.value, learning_rate.value, activation.value)
        for line, values in zip([loss_line, dead_line, moving_line], run):
            line.set_ydata(np.where(np.isfinite(values), values, np.nan))  # inf: a gap
        final_loss = number_text(run.losses[-1])
        status = (
            f"{activation.value}: dead units {run.dead_fraction[0]:.0%} at step 0 → "
            f"{run.dead_fraction[-1]:.0%} at the end; units getting a gradient at the "
            f"end: {run.moving_fraction[-1]:.0%}; final loss {final_loss}."
        )
        if not np.isfinite(run.losses[-1]):
            overflow = "The weights overflowed float32. "
            return warn_nonfinite("the loss", run.losses) + overflow + status
        if run.moving_fraction[-1] == 0:
            status += " No hidden unit gets a gradient at the end."
        return status

    return Explorer(
        "Dying ReLUs: dead hidden units over 300 SGD steps",
        [bias, learning_rate, activation],
        view,
        update,
        question="With relu, raise the learning rate step by step from 0.5 to 5: "
        "what happens first?",
        prediction=Prediction(
            (
                "the loss rises before any unit dies",
                "some units die while the loss stays low",
                "every unit dies at once, at one learning rate",
                "no unit dies below 5",
            ),
            "some units die while the loss stays low",
            "A step too large pushes a unit's pre-activation below 0 on every input; "
            "from then on its gradient is exactly 0 and plain gradient descent never "
            "moves it again. The surviving units still separate the rings, until the "
            "last one dies and the output is a constant.",
        ),
    )


def elementwise_gradient_explorer():
    """An operation and an input range -> value and gradient per element (lesson 07)."""
    operation = Dropdown(options=list(OPERATIONS), description="operation")
    scale = FloatLogSlider(4.0, min=-1, max=2, step=0.05, description="input range ±")
    view = FigureView(figsize=(8, 4.2))
    value_ax, grad_ax = view.figure.subplots(2, 1, sharex=True)
    positions = np.linspace(-1.0, 1.0, NUM_POINTS)
    value_line = value_ax.plot(positions, 0 * positions, "o-", color=PALETTE[1])[0]
    value_ax.set_yscale("symlog", linthresh=1.0)  # linear in [-1, 1], log out to ±150
    value_ax.set(ylim=(-150.0, 150.0), ylabel="f(x), symlog")
    shown_inputs = value_ax.text(0.01, 0.9, "", transform=value_ax.transAxes, size=8)
    bars = grad_ax.bar(positions, 0 * positions, width=0.2)
    labels = [grad_ax.text(x, 0, "", ha="center", va="bottom", size=7) for x in positions]
    grad_ax.set(ylim=GRAD_LIMITS, ylabel="df/dx from the tape", xticks=positions)
    grad_ax.set_xlabel("x / input range")
    grad_ax.axhline(0.0, color="black", linewidth=0.5)
    view.figure.tight_layout()
    view.animate(value_line, shown_inputs, *bars, *labels)

    def update():
        inputs = input_row(scale.value)
        values, grads = elementwise_gradients(operation.value, inputs)
        value_line.set_ydata(np.where(np.isfinite(values), values, np.nan))
        shown_inputs.set_text(f"x = [{', '.join(number_text(x) for x in inputs)}]")
        if grads is None:  # no path at all: grey bars at 0, labelled None
            for bar, label in zip(bars, labels):
                bar.set(height=0.0, color="#888888")
                label.set(y=0.0, text="None")
            return f"{operation.value}: tape.gradient returned <b>None</b>."
        for bar, label, grad in zip(bars, labels, grads):  # NaN and inf: red bars at 0
            height = float(np.clip(grad, *GRAD_LIMITS)) if np.isfinite(grad) else 0.0
            bar.set(height=height, color=PALETTE[5 if np.isfinite(grad) else 6])
            label.set(y=max(height, 0.0), text=number_text(grad, 2))
        status = warn_nonfinite("the gradient", grads) + warn_nonfinite("f(x)", values)
        if np.isnan(grads).any():  # what is computed there, not why it matters
            at = ", ".join(number_text(x) for x in inputs[np.isnan(grads)])
            status += f"NaN at x = {at}, where the unselected log(x) is -inf. "
        zeros = f"{int(np.sum(grads == 0))} of {grads.size}"
        return status + f"{operation.value}: {zeros} gradients are exactly 0."

    return Explorer(
        "Per-element gradients: where are they zero, None or NaN?",
        [operation, scale],
        view,
        update,
        question="With sigmoid, widen the input range: where does the float32 "
        "gradient first become exactly 0?",
        prediction=Prediction(
            (
                "at the right end (large positive x)",
                "at the left end (large negative x)",
                "at both ends at the same range",
                "nowhere: sigmoid' is never exactly 0",
            ),
            "at the right end (large positive x)",
            "σ'(x) = σ(x)(1 − σ(x)), σ(x) = 1 / (1 + e<sup>−x</sup>): for large x, "
            "1 + e<sup>−x</sup> rounds to 1 in float32, so σ(x) = 1 and 1 − σ(x) = 0. On "
            "the left σ(x) ≈ e<sup>x</sup> is tiny but stored, down to float32's smallest "
            "normal number, much further left.",
        ),
    )


DEAD_INPUTS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 2.0], [0.5, 0.5]])
DEAD_WEIGHTS = np.array([2.0, -1.0])  # exercise 1's unit: a = x . w + b


def check_dead_bias(largest_bias, with_maximum):
    """The largest bias at which exercise 1's ReLU unit is dead, and whether it is with
    tf.maximum(a, 0.0) at that bias: "dead" or "alive" (lesson 07)."""
    hint = (
        "Dead means a = x . w + b <= 0 for every input: compute x . w for each input "
        "and see which one decides. For tf.maximum, recall which side each op takes "
        "at exactly a = 0 (section 1)."
    )
    # dead iff b <= -max(x . w), the bound too (relu'(0) = 0); exact: -2.0001 is dead too
    largest = -np.max(DEAD_INPUTS @ DEAD_WEIGHTS)
    feedback = check_array(largest_bias, largest, "the largest dead bias", hint, 0, 1e-6)
    if not feedback:
        return feedback
    # at that bias one input sits at a = 0, where tf.maximum passes gradient 1; any case
    verdict = (
        with_maximum.strip().lower() if isinstance(with_maximum, str) else with_maximum
    )
    what = "with tf.maximum at that bias, the unit is"
    return check_choice(verdict, "alive", what, hint, ("dead", "alive"))


def check_saturation_point(answer):
    """The smallest integer x >= 0 with float32 sigmoid'(x) exactly 0 (lesson 07)."""
    hint = (
        "σ(x) = 1 / (1 + e^-x) is exactly 1 once 1 + e^-x rounds to 1. Float32 numbers "
        "just above 1 are np.finfo(np.float32).eps apart and a sum rounds to the "
        "nearest: below what size does e^-x vanish from 1 + e^-x? Solve for x."
    )
    _, grads = elementwise_gradients("sigmoid", np.arange(100))
    # sigmoid' = p (1 - p), exactly 0 once p rounds to 1
    first_zero = int(np.flatnonzero(grads == 0)[0])
    what = "the first integer where sigmoid' is 0"
    # exact: the answer is an integer, derived, not a value copied from a printout
    return check_array(answer, first_zero, what, hint, rtol=0, atol=0)


def check_safe_xlogx(xlogx):
    """x log x for x > 0, else 0, whose gradient has no NaN at x <= 0 (lesson 07)."""
    hint = (
        "The double where: first an inner tf.where that replaces x <= 0 by a safe value "
        "such as 1.0, then compute x log x on that, then select with the outer tf.where."
    )
    problem = function_problem(xlogx, "xlogx")
    if problem:
        return wrong(f"{problem}.", hint)
    inputs = tf.constant([-1.0, 0.0, 2.0])
    try:
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            values = xlogx(inputs)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(f"xlogx raised {type(error).__name__}: {error}", hint)
    if not (tf.is_tensor(values) and values.dtype.is_floating):
        kind = values.dtype.name if tf.is_tensor(values) else type(values).__name__
        return wrong(
            f"xlogx returned a {kind}: return a float tensor computed from x with "
            "TensorFlow ops (tf.where, tf.math.log), which the tape can differentiate.",
            hint,
        )
    want = [0.0, 0.0, 2.0 * np.log(2.0)]  # x log x for x > 0, else 0
    if values.shape != (3,) or not np.allclose(values, want):
        return wrong(f"xlogx([-1, 0, 2]) is {values.numpy()}, not [0, 0, 2 log 2].", hint)
    grads = tape.gradient(values, inputs)
    if grads is None:
        return wrong("the tape finds no path from x to xlogx(x): build it from x.", hint)
    if np.isnan(grads).any():
        nan = "NaN flows back from the branch tf.where did not select"
        return wrong(f"the gradient is {grads.numpy()}: {nan}.", hint)
    # d(x log x)/dx = log x + 1 where x > 0; 0 where the constant branch is selected
    if not np.allclose(grads, [0.0, 0.0, np.log(2.0) + 1.0], rtol=1e-5):
        return wrong(f"the gradient is {grads.numpy()}, not [0, 0, log 2 + 1].", hint)
    return right("the values are right and the gradient is finite everywhere.")
