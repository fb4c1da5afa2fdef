"""Lesson 12: float16 and bfloat16, gradients that underflow to 0, loss scaling and
updates lost in rounding; the precision explorer and the checks."""

import collections
import functools

import numpy as np
import tensorflow as tf
from ipywidgets import Dropdown, FloatLogSlider

from helpers.explorer import (
    PALETTE,
    Explorer,
    FigureView,
    Prediction,
    number_text,
    red,
    warn_nonfinite,
)
from helpers.feedback import answer_problem, check_choice, right, wrong

RETRAINS = True  # every move of the explorer reruns a (traced) training loop
# name -> (dtype of the weights, dtype of the arithmetic); mixed is Keras' mixed_float16
DTYPES = {
    "float32": (tf.float32, tf.float32),
    "float16": (tf.float16, tf.float16),
    "bfloat16": (tf.bfloat16, tf.bfloat16),
    "mixed": (tf.float32, tf.float16),
}
NUM_WEIGHTS, STEPS, LATE_STEPS, LEARNING_RATE = 16, 150, 50, 0.05
TARGETS = np.geomspace(1.0, 1e-3, NUM_WEIGHTS).astype(np.float32)  # t_j: 1 down to 1e-3
INITIAL_SCALE = 2.0**15  # keras.optimizers.LossScaleOptimizer's initial_scale
FLOAT16_TINY, FLOAT16_NORMAL, FLOAT16_MAX = 2.0**-24, 2.0**-14, 65504.0
FLOOR, CEILING = 1e-12, 1e10  # the gradient axis (log scale)
BFLOAT16 = tf.bfloat16.as_numpy_dtype  # ml_dtypes' bfloat16, for NumPy
PrecisionRun = collections.namedtuple(
    "PrecisionRun",
    "first_grads last_grads last_diffs losses scales skipped never_moved late_moved",
)
trace_counts = collections.Counter()  # traces of the training loop, per dtype


def scaled_gradient(weights, coefficient, compute_dtype):
    """d(coefficient · L)/dw, L = ½ Σ (w − t)² computed in compute_dtype and summed in
    float32 (as Keras' mixed precision does); also w − t (lesson 12)."""
    with tf.GradientTape() as tape:
        tape.watch(weights)
        diffs = tf.cast(weights, compute_dtype) - tf.cast(TARGETS, compute_dtype)
        loss = tf.reduce_sum(tf.cast(tf.square(diffs), tf.float32)) / 2
        # backward: c / 2 is rounded to compute_dtype, then × 2 (w − t), rounded again
        scaled_loss = coefficient * loss
    return tape.gradient(scaled_loss, weights), diffs


def first_gradients(dtype, size, scale=1.0):
    """The gradient of scale · size · L at w = 0 as `dtype` computes it, before
    unscaling (eager; float64 NumPy); the exact value is -scale · size · t (lesson 12)."""
    variable_dtype, compute_dtype = DTYPES[dtype]
    coefficient = tf.constant(scale, tf.float32) * tf.constant(size, tf.float32)
    weights = tf.zeros(NUM_WEIGHTS, variable_dtype)
    grads, _ = scaled_gradient(weights, coefficient, compute_dtype)
    return tf.cast(grads, tf.float64).numpy()


def float32_loss(weights):
    """L = ½ Σ (w − t)² in float32, whatever the weights' dtype (lesson 12)."""
    return tf.reduce_sum(tf.square(tf.cast(weights, tf.float32) - TARGETS)) / 2


def _train_loop(dtype, size, scale, dynamic):
    """STEPS of SGD on size · L from w = 0 with loss scaling: the fields of a
    PrecisionRun (skipped: dynamic scaling met a non-finite gradient)."""
    trace_counts[dtype] += not tf.executing_eagerly()  # counts traces, not eager runs
    variable_dtype, compute_dtype = DTYPES[dtype]
    weights = late = tf.zeros(NUM_WEIGHTS, variable_dtype)
    first, _ = scaled_gradient(weights, scale * size, compute_dtype)
    history = tf.TensorArray(tf.float32, size=STEPS + 1)
    for step in tf.range(STEPS):
        grads, _ = scaled_gradient(weights, scale * size, compute_dtype)
        grads = tf.cast(grads, tf.float32)
        skip = dynamic & ~tf.reduce_all(tf.math.is_finite(grads))
        row = [float32_loss(weights), scale, tf.cast(skip, tf.float32)]
        history = history.write(step, tf.stack(row))
        # unscale in float32; the rate LEARNING_RATE / size makes float32 ignore size
        update = tf.cast(LEARNING_RATE / size * (grads / scale), variable_dtype)
        weights = tf.where(skip, weights, weights - update)  # rounded to variable_dtype
        scale = tf.where(skip, scale / 2, scale)  # dynamic: halve after a skipped step
        late = tf.where(step == STEPS - LATE_STEPS, weights, late)
    history = history.write(STEPS, tf.stack([float32_loss(weights), scale, 0.0]))
    last, diffs = scaled_gradient(weights, scale * size, compute_dtype)
    losses, scales, skipped = tf.unstack(history.stack(), axis=1)
    grads = {"first_grads": first, "last_grads": last, "last_diffs": diffs}
    return {name: tf.cast(value, tf.float32) for name, value in grads.items()} | {
        "losses": losses,
        "scales": scales,
        "skipped": skipped > 0,
        "never_moved": weights == 0,
        "late_moved": weights != late,
    }


SCALAR = tf.TensorSpec([], tf.float32)
# one traced loop per dtype; not XLA: on CPU it skips some bfloat16 roundings (excess
# precision), and these runs must round exactly as the eager cells do
TRAIN_LOOPS = {
    dtype: tf.function(
        functools.partial(_train_loop, dtype),
        input_signature=[SCALAR, SCALAR, tf.TensorSpec([], tf.bool)],
    )
    for dtype in DTYPES
}


def train_precision(dtype="mixed", size=1e-6, scaling="off", scale=1.0):
    """STEPS of SGD on size · L in `dtype` with loss scaling off, fixed at `scale` or
    dynamic (from INITIAL_SCALE, halved on a skipped step) (lesson 12)."""
    initial = {"off": 1.0, "fixed": scale, "dynamic": INITIAL_SCALE}[scaling]
    run = TRAIN_LOOPS[dtype](
        tf.constant(size, tf.float32),
        tf.constant(initial, tf.float32),
        tf.constant(scaling == "dynamic"),
    )
    return PrecisionRun(**{name: value.numpy() for name, value in run.items()})


def draw_gradients(ax):
    """Log-scale bars for |gradient| per weight, float16's limits marked (lesson 12)."""
    positions = np.arange(NUM_WEIGHTS)
    bars = ax.bar(positions, 0.0, bottom=FLOOR, width=0.7, label="first step")
    labels = [ax.text(x, FLOOR, "", ha="center", va="bottom", size=7) for x in positions]
    (last,) = ax.plot(positions, 0 * positions, "ko", ms=4, label="last step")
    subnormals = "float16 subnormals, 2^-24 to 2^-14"
    ax.axhspan(FLOAT16_TINY, FLOAT16_NORMAL, fc=PALETTE[1], alpha=0.2, label=subnormals)
    ax.axhline(FLOAT16_MAX, color=PALETTE[1], label="float16's largest, 65504")
    ax.set(yscale="log", ylim=(FLOOR, CEILING), xlim=(-0.6, NUM_WEIGHTS - 0.4))
    ax.set(xlabel="weight j (target t_j from 1 down to 0.001)", xticks=positions[::3])
    ax.set(ylabel="|scaled gradient| (0: red, hatched)")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=2, fontsize=7, frameon=False)
    return bars, labels, last


def update_gradients(bars, labels, last, run):
    """Bars at |first gradient|; 0, inf and NaN drawn red and labelled (lesson 12)."""
    for bar, label, grad in zip(bars, labels, run.first_grads):
        special = grad == 0 or not np.isfinite(grad)
        height = CEILING / 100 if np.isinf(grad) else 1e-10 if special else abs(grad)
        bar.set(height=height - FLOOR, color=PALETTE[6 if special else 5])
        bar.set(hatch="///" if grad == 0 else None, fill=grad != 0)
        label.set(y=height, text=number_text(abs(grad)) if special else "")
    last.set_ydata(np.clip(np.abs(run.last_grads), FLOOR * 2, CEILING))  # 0 at the bottom


def describe(dtype, run, reference):
    """The status (HTML): underflows, skipped steps, overflow, stall; what is seen, the
    lesson says why (lesson 12)."""
    zeros_first = int(np.sum(run.first_grads == 0))
    zeros_last = int(np.sum((run.last_grads == 0) & (run.last_diffs != 0)))
    ratio = run.losses[-1] / reference.losses[-1]
    status = (
        f"{dtype}: {zeros_first} of {NUM_WEIGHTS} gradients underflowed to exactly 0 at "
        f"the first step, {zeros_last} at the last (where w − t is not 0); "
        f"{int(run.never_moved.sum())} weights never moved. The loss ends at "
        f"{number_text(run.losses[-1])}, {number_text(ratio, 2)}× float32's "
        f"{number_text(reference.losses[-1])}. "
    )
    if ratio > 10 and not run.late_moved.any():  # NaN > 10 is False
        status += f"Stalled: no weight changed in the last {LATE_STEPS} steps. "
    if run.skipped.any():
        status += (
            f"Dynamic scaling skipped {int(run.skipped.sum())} steps whose gradients "
            f"overflowed to inf; its scale went from {run.scales[0]:.0f} to "
            f"{run.scales[-1]:.0f}."
        )
    if np.isfinite(run.losses).all():
        return status
    applied = (
        "The scaled gradients overflowed to inf and were applied: the weights are NaN. "
    )
    return warn_nonfinite("the loss", run.losses) + red(applied) + status


def precision_explorer():
    """dtype, loss scaling and gradient size → gradients that underflow; the run they
    give beside float32's (lesson 12)."""
    slow = {"continuous_update": False}  # each move retrains: only on release
    dtype = Dropdown(options=list(DTYPES), value="mixed", description="dtype")
    scaling = Dropdown(options=["off", "fixed", "dynamic"], description="loss scaling")
    size = FloatLogSlider(
        1e-6, min=-8, max=2, step=0.5, description="gradient size", **slow
    )
    scale = FloatLogSlider(
        1.0, base=2, min=0, max=24, step=1, description="fixed scale", **slow
    )
    view = FigureView(figsize=(9.5, 3.6))
    grad_ax, loss_ax = view.figure.subplots(1, 2)
    bars, labels, last = draw_gradients(grad_ax)
    reference = train_precision("float32", 1.0)
    steps = np.arange(STEPS + 1)
    loss_ax.plot(steps, reference.losses, "--", color="#888888", label="float32")
    run_line = loss_ax.plot(steps, reference.losses, c=PALETTE[6], label="this run")[0]
    loss_ax.set(yscale="log", ylim=(1e-8, 10.0), xlim=(0, STEPS))
    loss_ax.set(xlabel="SGD step", ylabel="loss L (log scale)")
    loss_ax.legend(loc="upper right", fontsize=8)
    setting = loss_ax.set_title(" ", fontsize=9)  # which run the figure shows
    view.figure.tight_layout()
    view.animate(*bars, *labels, last, run_line, setting)

    def update():
        scale.disabled = scaling.value != "fixed"
        run = train_precision(dtype.value, size.value, scaling.value, scale.value)
        update_gradients(bars, labels, last, run)
        run_line.set_ydata(np.where(np.isfinite(run.losses), run.losses, np.nan))
        scaled = f"fixed {scale.value:g}" if scaling.value == "fixed" else scaling.value
        setting.set_text(f"{dtype.value}, loss scaling {scaled}, size {size.value:g}")
        return describe(dtype.value, run, reference)

    prediction = Prediction(
        ("the same scale", "a larger scale", "a smaller scale", "no scale does"),
        "a larger scale",
        "As w_j nears t_j its gradient s (w_j − t_j) shrinks, so late in training it "
        "underflows again: a scale that lifts the first step's gradients is too small "
        "for the last ones. That is why dynamic scaling starts high, at 2^15.",
    )
    return Explorer(
        "Low precision: which gradients underflow, and does the run train?",
        [dtype, scaling, size, scale],
        view,
        update,
        question="mixed, size 1e-6, fixed scale: the smallest scale with no gradient 0 "
        "at the first step; is it enough for the loss to end within 2× of float32's, "
        "or does that take a larger or a smaller scale?",
        prediction=prediction,
    )


def _scalar(answer, what, hint):
    """(the answer as a float, None) or (None, Feedback saying what to pass)."""
    problem = answer_problem(answer)
    if not problem and np.ndim(answer) != 0:
        problem = f"pass one number, not shape {np.shape(answer)}"
    if not problem and not np.isfinite(np.asarray(answer, np.float64)):
        problem = "pass a finite number, not NaN or inf"
    return (
        (None, wrong(f"{what}: {problem}.", hint)) if problem else (float(answer), None)
    )


def naive_softmax_is_finite(z):
    """Whether exp(v) / sum(exp(v)), v = [z, 0, 0], in float16 has no NaN (lesson 12)."""
    exps = tf.exp(tf.constant([z, 0.0, 0.0], tf.float16))
    return bool(tf.reduce_all(tf.math.is_finite(exps / tf.reduce_sum(exps))))


def check_largest_float16_logit(answer):
    """The largest float16 z for which the naive float16 softmax of [z, 0, 0] is finite
    (lesson 12)."""
    hint = (
        "exp(z) must stay below float16's overflow; solve for z with a log, then round "
        "down to a float16 number. float16 keeps 10 mantissa bits: between 2^k and "
        "2^(k+1) its numbers are 2^(k-10) apart."
    )
    z, feedback = _scalar(answer, "the largest logit", hint)
    if feedback is not None:
        return feedback
    z16 = float(tf.constant(z, tf.float16))  # a float16 logit: z rounds to nearest
    if np.isinf(z16):
        return wrong(f"z = {z:g} is beyond float16's range: it is stored as {z16}.", hint)
    if not naive_softmax_is_finite(z16):
        return wrong(f"z = {z:g} is stored in float16 as {z16:g}: exp overflows.", hint)
    above = float(np.nextafter(np.float16(z16), np.float16(np.inf)))
    if naive_softmax_is_finite(above):
        return wrong(f"{z16:g} is finite, but so is the next float16 number.", hint)
    return right(
        f"z = {z16:g}: exp(z) = {float(tf.exp(tf.constant(z16, tf.float16))):g} fits in "
        f"float16; the next float16 number, {above:g}, overflows to inf and gives NaN."
    )


def smallest_safe_scale(dtype="mixed", size=1e-7):
    """The smallest 2^k with no first-step gradient exactly 0 (lesson 12)."""
    return next(2.0**k for k in range(64) if np.all(first_gradients(dtype, size, 2.0**k)))


SCALE_REASONS = (
    "S times the smallest gradient must be above 2^-25",
    "S times the smallest gradient must reach float16's smallest normal, 2^-14",
    "S times the largest gradient must stay below 65504",
)


def check_smallest_loss_scale(answer, reason):
    """The smallest power-of-two loss scale with no first-step gradient 0, at size 1e-7
    in mixed precision, and why: SCALE_REASONS[0] (lesson 12)."""
    hint = (
        "Derive it before any loop: which of the 16 exact gradients is smallest, and "
        "below which float16 value does a number become 0 (section 4)? Solve for S."
    )
    scale, feedback = _scalar(answer, "the loss scale", hint)
    if feedback is not None:
        return feedback
    if scale <= 0 or np.log2(scale) != round(np.log2(scale)):
        return wrong(f"{scale:g} is not a power of two; pass 2.0**k.", hint)
    zeros = int(np.sum(first_gradients("mixed", 1e-7, scale) == 0))
    if zeros:
        return wrong(f"at {scale:g}, gradients still 0: {zeros} of {NUM_WEIGHTS}.", hint)
    if scale != smallest_safe_scale():
        return wrong(f"no gradient is 0 at {scale:g}; a smaller power works.", hint)
    verdict = check_choice(reason, SCALE_REASONS[0], "the reason", hint, SCALE_REASONS)
    if not verdict:
        return verdict
    return right(
        f"{scale:g} = 2^{np.log2(scale):.0f}: no gradient underflows; at half of it, "
        f"{int(np.sum(first_gradients('mixed', 1e-7, scale / 2) == 0))} would be 0."
    )


def bfloat16_step_changes(learning_rate):
    """Whether w − lr · g, w = 1, g = 1, all in bfloat16, differs from w (lesson 12)."""
    w = tf.constant(1.0, tf.bfloat16)
    step = w - tf.constant(learning_rate, tf.bfloat16) * tf.constant(1.0, tf.bfloat16)
    return bool(step != w), float(step)


def check_largest_lost_learning_rate(answer):
    """The largest bfloat16 learning rate at which one SGD step (g = 1) leaves w = 1.0
    unchanged in bfloat16 (lesson 12)."""
    hint = (
        "The step goes down: how far apart are bfloat16 numbers just BELOW 1? A tie "
        "(exactly halfway) rounds to the neighbour whose last mantissa bit is 0."
    )
    lr, feedback = _scalar(answer, "the learning rate", hint)
    if feedback is not None:
        return feedback
    if lr <= 0:
        return wrong("the learning rate must be > 0: pass a positive number.", hint)
    lr16 = float(np.asarray(lr, BFLOAT16))  # the rate is stored in bfloat16
    changes, result = bfloat16_step_changes(lr16)
    if changes:
        return wrong(f"at {lr:g} (in bfloat16 {lr16:g}) w changes to {result:g}.", hint)
    bigger = float(np.nextafter(np.asarray(lr16, BFLOAT16), np.asarray(1, BFLOAT16)))
    if not bfloat16_step_changes(bigger)[0]:
        return wrong(f"w stays 1 at {lr16:g}, but also at the larger {bigger:g}.", hint)
    return right(
        f"{lr16:g} = 2^{np.log2(lr16):.0f}: 1 − lr is a tie between two bfloat16 "
        f"numbers and rounds to the even one, 1; the next rate, {bigger:g}, moves w."
    )
