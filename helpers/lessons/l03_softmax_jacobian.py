"""Lesson 03: the softmax Jacobian d p_i / d z_j = p_i (delta_ij - p_j) from the tape."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf
from matplotlib.patches import Rectangle

from helpers.bars import draw_signed_bars, update_signed_bars
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import check_array, check_choice
from helpers.softmax import softmax_jacobian, softmax_stable

NUM_LOGITS = 3
CLASS_NAMES = [f"z{k}" for k in range(NUM_LOGITS)]
# one example of float32 logits and a class index: the explorers' functions are compiled
# once for it, so a slider move runs no Python op by op
SIGNATURE = [tf.TensorSpec([NUM_LOGITS], tf.float32), tf.TensorSpec([], tf.int32)]
# every entry of diag(p) - p p^T is in [-1/4, 1/4] (p_i (1 - p_i) <= 1/4, p_i p_j <= 1/4);
# the figures show ±1/2, so their axes do not give the bound away
DISPLAY_LIMIT = 0.5
EXERCISE_LOGITS = [1.0, 2.0, 3.0]
PREDICTION = Prediction(
    ("-1/4", "-1/2", "-1", "no limit: it grows with the logits"),
    "-1/4",
    "d p0 / d z1 = −p0 p1, and p0 + p1 ≤ 1 makes p0 p1 largest at p0 = p1 = 1/2: two "
    "equal logits, the third far below. One logit far above the rest saturates softmax "
    "instead: every entry of J goes to 0.",
)
HESSIAN_CHOICES = ("diag(p)", "diag(p) - p p^T", "p p^T - diag(p)", "p p^T")


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
    image = ax.imshow(zeros, cmap="RdBu_r", vmin=-DISPLAY_LIMIT, vmax=DISPLAY_LIMIT)
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
        label.set_text(number_text(value))


def softmax_jacobian_explorer():
    """Three logit sliders: the Jacobian heatmap and the gradient of p_k (lesson 03)."""
    view = FigureView(figsize=(9, 3.4))
    heat_ax, bar_ax = view.figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
    image, cell_labels = draw_jacobian_heatmap(heat_ax)
    # an outline around row k of the heatmap
    row_marker = Rectangle((-0.5, -0.5), NUM_LOGITS, 1, fill=False, linewidth=2.5)
    heat_ax.add_patch(row_marker)
    bars, bar_labels = draw_signed_bars(bar_ax, CLASS_NAMES, DISPLAY_LIMIT)
    bar_ax.set_title("outlined row k: gradient of p_k")
    view.figure.tight_layout()
    view.animate(image, *cell_labels, row_marker, *bars, *bar_labels)
    sliders = [
        widgets.FloatSlider(value, min=-20.0, max=20.0, description=f"logit {name}")
        for value, name in zip([1.5, -0.5, 0.0], CLASS_NAMES)
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
        update_signed_bars(bars, bar_labels, state["grad_output"], DISPLAY_LIMIT)
        jacobian, row_sum = state["jacobian"], float(np.sum(state["grad_output"]))
        saturated = np.max(np.abs(jacobian)) < 1e-6
        return (
            warn_nonfinite("the Jacobian", jacobian)
            + f"p = [{', '.join(number_text(p) for p in state['probs'])}]; "
            f"d p0 / d z1 = {number_text(jacobian[0, 1])}; row p{k} sums to "
            f"{number_text(row_sum, 2)}; tape.gradient(p, z) = "
            f"[{', '.join(number_text(g, 2) for g in state['grad_sum'])}]."
            + (" <b>Saturated:</b> every entry of J is below 1e-6." if saturated else "")
        )

    title = "The softmax Jacobian, live"
    question = "Make d p0 / d z1 as negative as you can: what value can it not go below?"
    controls = [*sliders, output_choice]
    return Explorer(title, controls, view, update, question, prediction=PREDICTION)


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
        "which v makes sum(v * p) = p0 - p2? Pass v as a tensor (tf.constant)."
    )
    what = "the gradient of p0 - p2 at logits [1, 2, 3]"
    return check_array(answer, expected, what, hint)


def check_logsumexp_hessian(hessian, matrix):
    """The Hessian of logsumexp at logits [1, 2, 3], and which matrix it is (lesson 03)."""
    # d lse / d z_j = e^{z_j} / sum_k e^{z_k} = p_j, so d^2 lse / d z^2 = J
    hint = (
        "By hand: d/dz_j log(sum_k e^{z_k}) = e^{z_j} / sum_k e^{z_k}; which function of "
        "z is that? The Hessian is its Jacobian. With tapes: the inner tape's gradient, "
        "computed inside an outer tape, then outer.jacobian(gradient, z)."
    )
    expected = softmax_jacobian(np.array(EXERCISE_LOGITS)).numpy()
    what = "the Hessian of logsumexp at logits [1, 2, 3]"
    values = check_array(hessian, expected, what, hint)
    if not values:
        return values
    return check_choice(matrix, HESSIAN_CHOICES[1], "the matrix", hint, HESSIAN_CHOICES)
