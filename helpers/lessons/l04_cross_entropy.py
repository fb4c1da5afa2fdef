"""Lesson 04: cross-entropy: p - y, naive vs stable, softmax twice, label smoothing."""

import collections

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers import softmax
from helpers.bars import draw_signed_bars, update_signed_bars
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite
from helpers.feedback import check_array

NUM_LOGITS = 3
CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
NAIVE_COLOR, STABLE_COLOR = "#DD8452", "#4C72B0"
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' Adam defaults, as in training.py
SCALARS = [tf.TensorSpec([], dtype) for dtype in (tf.bool, tf.int32, tf.float32)]
AdamRun = collections.namedtuple("AdamRun", "losses grad_norms final_probs")


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
    """Why the naive loss is NaN or inf, 'Naive: ...' ('' when finite) (lesson 04)."""
    if np.max(logits) > 88.72:  # float32 exp(z) overflows to inf above log(3.4e38)
        largest = number_text(np.max(logits), 6)
        return f"Naive: exp({largest}) overflows float32 to inf, and inf / inf = NaN. "
    if np.isnan(probs_naive).any():  # every exp(z) underflowed: the sum is 0 too
        return "Naive: every exp(z) underflowed to 0, and 0 / 0 = NaN. "
    if np.min(probs_naive) == 0.0:
        return (
            "Naive: a probability underflowed to 0, and log(0) = −inf: the loss term "
            "y · log p is 0 · (−inf) = NaN, or +inf if it is the true class. "
        )
    return ""


def draw_gradient_comparison(ax):
    """Gradient bars, naive beside stable, p - y and two loss texts (lesson 04)."""
    # every entry of p - y lies in [-1, 1]; each logit gets two bars 0.4 wide, at ±0.2
    naive_label = "naive: -sum(y log softmax(z))"
    naive = draw_signed_bars(ax, CLASS_NAMES, 1.0, -0.2, 0.4, NAIVE_COLOR, naive_label)
    stable = draw_signed_bars(
        ax, CLASS_NAMES, 1.0, 0.2, 0.4, STABLE_COLOR, "stable: log-sum-exp"
    )
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
        "With logits [10, 0, -10], raise the scale: at what scale does the naive "
        "gradient turn NaN, and does the stable one ever leave p − y?"
    )
    return Explorer(title, [*sliders, scale, true_class], view, update, question=question)


def check_cross_entropy_gradient(answer):
    """dL/dz of cross-entropy at logits [2, -1, 0.5], true class 2 (lesson 04)."""
    expected = softmax.softmax_stable([2.0, -1.0, 0.5]).numpy() - np.eye(3)[2]  # p - y
    hint = (
        "dL/dz = p - y: the softmax probabilities minus the one-hot label. Only the true "
        "class's entry is negative, and the entries sum to 0."
    )
    what = "dL/dz at logits [2, -1, 0.5], true class 2"
    return check_array(answer, expected, what, hint)


def check_softmax_ceiling(answer):
    """The largest softmax probability of 4 classes with inputs in [0, 1] (lesson 04)."""
    # one input 1 and three inputs 0: e / (e + 3)
    hint = (
        "Make one input as large as it can be (1) and the other three as small (0): "
        "then p = e^1 / (e^1 + 3 e^0)."
    )
    what = "the largest softmax probability over inputs in [0, 1], 4 classes"
    return check_array(answer, np.e / (np.e + 3.0), what, hint, rtol=1e-3)


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


def check_smoothing_floor(answer):
    """The lowest loss with label smoothing 0.1 over 10 classes (lesson 04)."""
    smoothed = 0.1 / 10 + 0.9 * np.eye(10)[0]  # y_s = (1 - ε) y + ε / K
    hint = (
        "Which p makes -sum(y_s log p) smallest? (Gibbs' inequality, in the label-smoothing "
        "section.) Put that p into the loss. Build y_s for K = 10 as Keras does: ε/K goes "
        "to every class, the true one included."
    )
    what = "the lowest loss with ε = 0.1 and 10 classes"
    floor = -np.sum(smoothed * np.log(smoothed))
    return check_array(answer, floor, what, hint, rtol=1e-3)
