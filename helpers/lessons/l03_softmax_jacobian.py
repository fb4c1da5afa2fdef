"""Lesson 03: the softmax Jacobian d p_i / d z_j = p_i (delta_ij - p_j) from the tape."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf
from matplotlib.patches import Rectangle

from helpers.bars import draw_signed_bars, update_signed_bars
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite
from helpers.feedback import check_array
from helpers.softmax import softmax_jacobian, softmax_stable

NUM_LOGITS = 3
CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
# one example of float32 logits and a class index: the explorers' functions are compiled
# once for it, so a slider move runs no Python op by op
SIGNATURE = [tf.TensorSpec([NUM_LOGITS], tf.float32), tf.TensorSpec([], tf.int32)]
# every entry of diag(p) - p p^T is in [-1/4, 1/4]: p_i (1 - p_i) <= 1/4, p_i p_j <= 1/4
JACOBIAN_LIMIT = 0.25
EXERCISE_LOGITS = [1.0, 2.0, 3.0]
SATURATED = (
    " <b>Saturated:</b> one probability is (almost) 1, so every entry of diag(p) − p pᵀ "
    "is (almost) 0."
)


@tf.function(input_signature=SIGNATURE)
def jacobian_state(logits, output_index):
    """p, the tape's Jacobian, and the gradients of p_k and of sum(p) (lesson 03)."""
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        probs = softmax_stable(logits)
    # output_gradients = e_k picks row k of J: e_k^T J = d p_k / d z
    row_k = tf.one_hot(output_index, NUM_LOGITS)
    return {
        "probs": probs,
        "jacobian": tape.jacobian(probs, logits),
        "grad_output": tape.gradient(probs, logits, output_gradients=row_k),
        # no output_gradients: the tape uses ones, i.e. differentiates sum(p) = 1
        "grad_sum": tape.gradient(probs, logits),
    }


def draw_jacobian_heatmap(ax):
    """A zero heatmap on fixed colours and a flat list of cell labels (lesson 03)."""
    zeros = np.zeros((NUM_LOGITS, NUM_LOGITS))
    image = ax.imshow(zeros, cmap="RdBu_r", vmin=-JACOBIAN_LIMIT, vmax=JACOBIAN_LIMIT)
    labels = [
        ax.text(j, i, "", ha="center", va="center", fontsize=9)
        for i, j in np.ndindex(NUM_LOGITS, NUM_LOGITS)
    ]
    ax.set_xticks(range(NUM_LOGITS), CLASS_NAMES)
    ax.set_yticks(range(NUM_LOGITS), [f"p{i}" for i in range(NUM_LOGITS)])
    ax.set_title("Jacobian  d p_i / d z_j")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return image, labels


def update_jacobian_heatmap(image, labels, jacobian):
    """Show `jacobian`: NaN cells drawn as 0 and labelled NaN (lesson 03)."""
    image.set_data(np.where(np.isfinite(jacobian), jacobian, 0.0))
    for label, value in zip(labels, jacobian.ravel()):
        # white text on the dark ends of the colour map
        dark = abs(value) > 0.6 * JACOBIAN_LIMIT
        label.set(text=number_text(value), color="white" if dark else "black")


def softmax_jacobian_explorer():
    """Three logit sliders: the Jacobian heatmap and the gradient of p_k (lesson 03)."""
    view = FigureView(figsize=(9, 3.4))
    heat_ax, bar_ax = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    image, cell_labels = draw_jacobian_heatmap(heat_ax)
    # an outline around row k of the heatmap
    row_marker = Rectangle((-0.5, -0.5), NUM_LOGITS, 1, fill=False, linewidth=2.5)
    heat_ax.add_patch(row_marker)
    bars, bar_labels = draw_signed_bars(bar_ax, CLASS_NAMES, JACOBIAN_LIMIT)
    bar_ax.set_title("outlined row k: gradient of p_k")
    view.figure.tight_layout()
    view.animate(image, *cell_labels, row_marker, *bars, *bar_labels)
    sliders = [
        widgets.FloatSlider(value, min=-20.0, max=20.0, description=f"logit {name}")
        for value, name in zip([2.0, 1.0, 0.0], CLASS_NAMES)
    ]
    outputs = [(f"p{k}", k) for k in range(NUM_LOGITS)]
    output_choice = widgets.Dropdown(options=outputs, description="output k")

    def update():
        logits = tf.constant([slider.value for slider in sliders], tf.float32)
        k = output_choice.value
        state = jacobian_state(logits, tf.constant(k))
        state = {name: value.numpy() for name, value in state.items()}
        update_jacobian_heatmap(image, cell_labels, state["jacobian"])
        row_marker.set_y(k - 0.5)
        update_signed_bars(bars, bar_labels, state["grad_output"], JACOBIAN_LIMIT)
        probs, row_sum = state["probs"], float(np.sum(state["grad_output"]))
        note = SATURATED if np.max(np.abs(state["jacobian"])) < 1e-6 else ""
        return (
            warn_nonfinite("the Jacobian", state["jacobian"])
            + f"p = [{', '.join(number_text(p) for p in probs)}]; row p{k} sums to "
            f"{number_text(row_sum, 2)}; tape.gradient(p, z) = "
            f"[{', '.join(number_text(g, 2) for g in state['grad_sum'])}] "
            "(the gradient of sum(p) = 1)." + note
        )

    title = "The softmax Jacobian, live"
    question = (
        "Make d p0 / d z1 as negative as you can: which logits do it, and what value "
        "can it not go below?"
    )
    return Explorer(title, [*sliders, output_choice], view, update, question=question)


def check_jacobian_entry(answer):
    """d p_0 / d z_2 at logits [1, 2, 3] (lesson 03)."""
    # off the diagonal: d p_i / d z_j = -p_i p_j
    expected = softmax_jacobian(np.array(EXERCISE_LOGITS)).numpy()[0, 2]
    hint = (
        "Off the diagonal, d p_i / d z_j = -p_i p_j: a negative number. Or read entry "
        "[0, 2] of tape.jacobian(probs, logits)."
    )
    return check_array(answer, expected, "d p0 / d z2 at logits [1, 2, 3]", hint)


def check_weighted_gradient(answer):
    """The gradient of p0 - p2 at logits [1, 2, 3], via output_gradients (lesson 03)."""
    # output_gradients = v gives v^T J: row 0 minus row 2
    expected = [1.0, 0.0, -1.0] @ softmax_jacobian(np.array(EXERCISE_LOGITS)).numpy()
    hint = (
        "output_gradients=v makes the tape return v^T J, the gradient of sum(v * p): "
        "here row 0 of the Jacobian minus row 2. It is not zero, because v is not all "
        "ones."
    )
    what = "the gradient of p0 - p2 at logits [1, 2, 3]"
    return check_array(answer, expected, what, hint)
