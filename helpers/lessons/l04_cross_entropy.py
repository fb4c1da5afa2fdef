"""Lesson 04: cross-entropy: p - y, naive vs stable, softmax twice, label smoothing."""

import collections

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers import explorer, softmax
from helpers.bars import draw_signed_bars, update_signed_bars
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import check_array, check_choice, right

NUM_LOGITS = 3
CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
NAIVE_COLOR, STABLE_COLOR = explorer.PALETTE[1], explorer.PALETTE[5]
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' Adam defaults, as in training.py
SCALARS = [tf.TensorSpec([], dtype) for dtype in (tf.bool, tf.int32, tf.float32)]
AdamRun = collections.namedtuple("AdamRun", "losses grad_norms final_probs")
FIRST_NAN = Prediction(
    ("exp(z0) overflows to inf", "p2 underflows to 0", "every exp(z) underflows"),
    "p2 underflows to 0",
    "By scale 4.5 (logits ±45), p2 = e<sup>−90</sup> is below float32's smallest "
    "normal number, which TensorFlow on CPU flushes to 0, while every exp(z) is still "
    "finite (overflow needs z > 88.72). The naive loss then computes y2 · log p2 = "
    "0 · (−inf) = NaN; the stable loss never forms p: its gradient stays p − y.",
)
# softmax twice, p = softmax(z), q = softmax(p): the chain rule's factors, and logits
TWICE_LOGITS = [1.0, 4.0, -1.0]
TWICE_FACTORS = ("q - y", "dq/dp", "dp/dz", "float32 rounding")
# what sets label smoothing's lowest loss
FLOOR_REASONS = ("entropy of y_s", "float32 rounding", "clipping of p", "largest gap")


def cross_entropy_state(logits, true_class):
    """Both losses, both tape gradients and p - y for one example, eagerly (lesson 04)."""
    labels = tf.one_hot(true_class, NUM_LOGITS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        loss_naive = softmax.cross_entropy_naive(labels, logits)
        loss_stable = softmax.cross_entropy_stable(labels, logits)
    return {
        "loss_naive": loss_naive,
        "loss_stable": loss_stable,
        "grad_naive": tape.gradient(loss_naive, logits),
        "grad_stable": tape.gradient(loss_stable, logits),
        "expected": softmax.softmax_stable(logits) - labels,  # dL/dz = p - y
        "probs_naive": softmax.softmax_naive(logits),
    }


def naive_failure(logits, probs_naive):
    """The naive loss's non-finite values, 'Naive: ...' ('' when none) (lesson 04)."""
    if np.max(logits) > 88.72:  # float32 exp(z) overflows to inf above log(3.4e38)
        return f"Naive: exp({number_text(np.max(logits), 6)}) = inf. "
    if np.isnan(probs_naive).any():  # every exp(z) underflowed: the sum is 0 too
        return "Naive: every exp(z) = 0, so p = 0 / 0. "
    if np.min(probs_naive) == 0.0:
        k = np.argmin(probs_naive)
        return f"Naive: p{k} = 0, log(p{k}) = −inf. "
    return ""


def draw_gradient_comparison(ax):
    """Gradient bars, naive beside stable, p - y and two loss texts (lesson 04)."""
    # every entry of p - y lies in [-1, 1]; each logit gets two bars 0.4 wide, at ±0.2
    naive_label, stable_label = "naive: -sum(y log softmax(z))", "stable: log-sum-exp"
    naive = draw_signed_bars(ax, CLASS_NAMES, 1.0, -0.2, 0.4, NAIVE_COLOR, naive_label)
    stable = draw_signed_bars(ax, CLASS_NAMES, 1.0, 0.2, 0.4, STABLE_COLOR, stable_label)
    ax.set_title("dL / dz per logit")
    marker = {"color": "black", "markersize": 40, "markeredgewidth": 2, "label": "p − y"}
    (target,) = ax.plot(range(NUM_LOGITS), np.zeros(NUM_LOGITS), "_", **marker)
    # legend and losses sit right of the axes, where no bar can reach them
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, markerscale=0.4)
    losses = [
        ax.text(1.04, 0.45 - 0.1 * row, "", transform=ax.transAxes, va="top", color=color)
        for row, color in enumerate((NAIVE_COLOR, STABLE_COLOR))
    ]
    return naive, stable, target, losses


def cross_entropy_explorer():
    """Logits (times a scale up to 100) and a true class -> gradient bars (lesson 04)."""
    view = FigureView(figsize=(9, 3.6))
    naive, stable, target, losses = draw_gradient_comparison(view.figure.subplots())
    view.figure.tight_layout()
    view.animate(*naive[0], *naive[1], *stable[0], *stable[1], target, *losses)
    sliders = [
        widgets.FloatSlider(value, min=-10.0, max=10.0, description=f"logit z{k}")
        for k, value in enumerate([2.0, 1.0, -1.0])
    ]
    # the logits are scale * slider values: up to +-1000 at the extremes
    scale = widgets.FloatLogSlider(1.0, min=0, max=2, step=0.05, description="scale ×")
    classes = [(name, k) for k, name in enumerate(CLASS_NAMES)]
    true_class = widgets.Dropdown(options=classes, value=1, description="true class")

    def update():
        logits = np.array([slider.value for slider in sliders], np.float32) * scale.value
        state = cross_entropy_state(tf.constant(logits), tf.constant(true_class.value))
        state = {name: value.numpy() for name, value in state.items()}
        update_signed_bars(*naive, state["grad_naive"], 1.0)
        update_signed_bars(*stable, state["grad_stable"], 1.0)
        target.set_ydata(state["expected"])
        losses[0].set_text(f"naive loss = {number_text(state['loss_naive'], 4)}")
        losses[1].set_text(f"stable loss = {number_text(state['loss_stable'], 4)}")
        matches = np.array_equal(state["grad_stable"], state["expected"])
        return (
            warn_nonfinite("The naive gradient", state["grad_naive"])
            + naive_failure(logits, state["probs_naive"])
            + f"logits = [{', '.join(number_text(z, 4) for z in logits)}]; stable loss "
            f"{number_text(state['loss_stable'] + 0.0, 4)}, its gradient "
            f"{'equals' if matches else 'is within rounding of'} p − y = "
            f"[{', '.join(number_text(g) for g in state['expected'])}]."
        )

    title = "Cross-entropy gradient: naive beside stable"
    question = (
        "Logits [10, 0, -10], true class z1: raise the scale. What turns the naive "
        "gradient NaN first?"
    )
    controls = [*sliders, scale, true_class]
    return Explorer(title, controls, view, update, question, prediction=FIRST_NAN)


def check_cross_entropy_gradient(answer):
    """dL/dz of cross-entropy at logits [2, -1, 0.5], true class 2 (lesson 04)."""
    expected = softmax.softmax_stable([2.0, -1.0, 0.5]).numpy() - np.eye(3)[2]  # p - y
    hint = (
        "dL/dz = p - y: the softmax probabilities minus the one-hot label. Only the true "
        "class's entry is negative, and the entries sum to 0."
    )
    what = "dL/dz at logits [2, -1, 0.5], true class 2"
    return check_array(answer, expected, what, hint)


def check_twice_gradient(gradient, factor):
    """dL/dz of softmax twice at [1, 4, -1], class 1, and the factor near 0 (lesson 04)."""
    probs = softmax.softmax_stable(TWICE_LOGITS).numpy()
    twice = softmax.softmax_stable(probs).numpy()
    # dL/dp = q - y, carried back to z through dp/dz = diag(p) - p pᵀ (lesson 03)
    expected = (np.diag(probs) - np.outer(probs, probs)) @ (twice - np.eye(3)[1])
    hint = (
        "The chain rule: the loss treats p as its logits, so what is dL/dp? Carry it "
        "back through p = softmax(z) with lesson 03's Jacobian."
    )
    feedback = check_array(gradient, expected, "dL/dz of softmax twice", hint)
    if feedback:
        hint = "Print each factor of the chain rule at these logits: which is near 0?"
        feedback = check_choice(factor, "dp/dz", "the factor near 0", hint, TWICE_FACTORS)
    if feedback:  # q1 = 0.56: q - y is far from 0
        return right("p is nearly one-hot, where dp/dz = diag(p) - p pᵀ nearly vanishes.")
    return feedback


@tf.function(input_signature=SCALARS, autograph=False)
def _adam_loop(twice, steps, learning_rate):
    """Adam on logits, true class 1, as one graph traced once (lesson 04)."""

    def body(step, logits, m, v, losses, norms):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            # softmax twice: probabilities handed to a loss that expects logits
            inputs = tf.cond(twice, lambda: tf.nn.softmax(logits), lambda: logits)
            loss = tf.nn.softmax_cross_entropy_with_logits(tf.one_hot(1, 3), inputs)
        grad, t = tape.gradient(loss, logits), tf.cast(step + 1, tf.float32)
        # running means of the gradient and of its square
        m, v = m + (grad - m) * (1 - BETA_1), v + (grad * grad - v) * (1 - BETA_2)
        alpha = learning_rate * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        logits = logits - alpha * m / (tf.sqrt(v) + EPSILON)
        losses, norms = losses.write(step, loss), norms.write(step, tf.norm(grad))
        return step + 1, logits, m, v, losses, norms

    arrays = [tf.TensorArray(tf.float32, size=steps) for _ in range(2)]
    start = (0, tf.constant([0.5, -0.3, 0.2]), tf.zeros(3), tf.zeros(3), *arrays)
    loop = tf.while_loop(lambda step, *_: step < steps, body, start)
    return AdamRun(loop[4].stack(), loop[5].stack(), tf.nn.softmax(loop[1]))


def adam_on_logits(twice, steps=1000, learning_rate=0.05):
    """Adam from logits [0.5, -0.3, 0.2]: losses, |dL/dz| and final p (lesson 04)."""
    return AdamRun(*(out.numpy() for out in _adam_loop(twice, steps, learning_rate)))


def check_smoothing_floor(answer, reason):
    """The lowest loss with label smoothing 0.1 over 10 classes, and why (lesson 04)."""
    smoothed = 0.1 / 10 + 0.9 * np.eye(10)[0]  # y_s = (1 - ε) y + ε / K
    hint = (
        "Which p makes -sum(y_s log p) smallest? (Gibbs' inequality, in the label-smoothing "
        "section.) Put that p into the loss. Build y_s for K = 10 as Keras does: ε/K goes "
        "to every class, the true one included."
    )
    what = "the lowest loss with ε = 0.1 and 10 classes"
    floor = -np.sum(smoothed * np.log(smoothed))
    feedback = check_array(answer, floor, what, hint)
    hint = "At the lowest loss, what is p? Put it into -sum(y_s log p): what is that sum?"
    return feedback and check_choice(reason, FLOOR_REASONS[0], "why", hint, FLOOR_REASONS)
