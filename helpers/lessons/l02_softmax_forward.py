"""Lesson 02: softmax forward: naive beside stable, overflow in float32, temperature."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.explorer import RED, Explorer, FigureView, number_text, red, warn_nonfinite
from helpers.feedback import as_array, check_array, function_problem, right, wrong
from helpers.softmax import softmax_naive, softmax_stable

CLASS_NAMES = ("z1", "z2", "z3", "z4")
# logits that break a naive softmax in float32, and an everyday one
STRESS_LOGITS = ([1000.0, 0.0, -1000.0], [-1000.0] * 3, [88.0] * 3, [2.0, 1.0, 0.1, -1.0])
STABLE_HINT = (
    "Subtract the largest logit first: softmax(z) = softmax(z - max z), so every exp is "
    "at most 1 and the largest is exactly 1. Use tf.reduce_max with keepdims=True."
)


def naive_and_stable(logits, temperature):
    """softmax(z / T) naive and stable, exp(z / T) and z / T, in float32 (lesson 02)."""
    logits = tf.constant(logits, dtype=tf.float32)
    scaled = logits / tf.constant(temperature, dtype=tf.float32)
    naive = softmax_naive(scaled)
    stable = softmax_stable(logits, temperature=temperature)
    return naive.numpy(), stable.numpy(), tf.exp(scaled).numpy(), scaled.numpy()


def forward_status(scaled_logits, naive, stable, exps):
    """The status: z/T, both sums, and why the naive form broke (lesson 02)."""
    shown = ", ".join(number_text(value, 4) for value in scaled_logits)
    status = (
        f"z / T = [{shown}]; naive sum = {number_text(np.sum(naive), 4)}, "
        f"stable sum = {number_text(np.sum(stable), 4)}."
    )
    exps_sum = np.sum(exps, dtype=np.float64)  # exact enough to see float32 overflow
    if np.isinf(exps).any():
        reason = (
            "exp(z/T) overflowed to inf (float32 exp overflows above 88.72): "
            "inf / inf = NaN."
        )
    elif exps_sum > np.finfo(np.float32).max:  # the float32 sum would be inf
        reason = (
            "no exp(z/T) is inf, but their float32 sum is: every naive probability is "
            "finite / inf = 0, and they no longer sum to 1."
        )
    elif exps_sum == 0:
        reason = "every exp(z/T) underflowed to 0 (all z/T below about -87.3): 0/0 = NaN."
    else:
        return status
    warning = warn_nonfinite("The naive softmax", naive)
    warning = warning or red("The naive softmax is wrong.") + " "  # no NaN, sum not 1
    return warning + reason + "<br>" + status


def softmax_forward_explorer():
    """Four logits, a scale and a temperature: naive bars beside stable (lesson 02)."""
    view = FigureView(figsize=(9, 3.2))
    panels = []  # (bars, value labels, sum text): naive on the left, stable on the right
    titles = ("naive: exp(z/T) / sum exp(z/T)", "stable: shift by max z/T first")
    for ax, title in zip(view.figure.subplots(1, 2), titles):
        bars = ax.bar(CLASS_NAMES, 0.0, color="#4C72B0")  # at x = 0, 1, 2, 3
        labels = [ax.text(x, 0.02, "", ha="center", va="bottom") for x in range(4)]
        total = ax.text(1.5, 1.18, "", ha="center", va="center")  # above the bars
        ax.set(ylim=(0, 1.3), yticks=np.linspace(0, 1, 6), title=title)
        ax.set_ylabel("probability")
        view.animate(*bars, *labels, total)
        panels.append((bars, labels, total))
    view.figure.tight_layout()
    sliders = [
        widgets.FloatSlider(value, min=-10.0, max=10.0, description=name)
        for name, value in zip(CLASS_NAMES, (2.0, 1.0, 0.1, -1.0))
    ]
    scales = (("× 1", 1.0), ("× 10", 10.0), ("× 100", 100.0))
    scale = widgets.Dropdown(options=scales, value=1.0, description="scale")
    temperature = widgets.FloatLogSlider(1.0, min=-2, max=2, step=0.05, description="T")

    def update():
        logits = np.array([slider.value for slider in sliders]) * scale.value
        naive, stable, exps, scaled = naive_and_stable(logits, temperature.value)
        for (bars, labels, total), probs in zip(panels, (naive, stable)):
            for bar, label, prob in zip(bars, labels, probs):
                bar.set_height(np.nan_to_num(prob))  # NaN: a bar at 0, labelled in red
                label.set(y=bar.get_height() + 0.02, text=number_text(prob, 2))
                label.set_color(RED if np.isnan(prob) else "black")
            probs_sum = np.sum(probs, dtype=np.float64)
            total.set_text(f"sum = {number_text(probs_sum, 4)}")
            total.set_color("black" if np.isclose(probs_sum, 1.0) else RED)
        return forward_status(scaled, naive, stable, exps)

    title = "Softmax forward: naive beside stable"
    question = (
        "Set scale × 10 and raise z1 until the naive bars turn NaN: what is the smallest "
        "logit that breaks the naive softmax?"
    )
    controls = [*sliders, scale, temperature]
    return Explorer(title, controls, view, update, question=question)


def check_first_nan_logit(answer):
    """The first integer z where float32 naive softmax([z, 0, 0]) is NaN (lesson 02)."""
    # exp(z) overflows above log(largest float): 88.72 in float32, 709.78 in float64
    if np.array_equal(as_array(answer), 710):
        return wrong(
            "that is the float64 answer (exp overflows above 709.78 there).",
            "Python lists and NumPy float64 arrays stay float64 in the helpers: "
            "pass tf.constant([z, 0.0, 0.0]), which is float32.",
        )
    hint = (
        "float32 exp overflows to inf above log(3.4e38) = 88.72, and inf / inf = NaN. "
        "Try tf.exp(tf.constant(88.0)) and 89.0."
    )
    return check_array(answer, 89, "the first integer logit giving NaN", hint)


def check_low_temperature(answer):
    """softmax([2, 1, 0] / T) at T = 0.01, three probabilities (lesson 02)."""
    hint = (
        "Dividing by a small T stretches the gaps between logits: exp(-1 / 0.01) = "
        "exp(-100) is 0 in float32, so the largest logit takes all the probability (a "
        "one-hot at the argmax)."
    )
    return check_array(answer, [1.0, 0.0, 0.0], "softmax([2, 1, 0]) at T = 0.01", hint)


def check_my_softmax(softmax_fn):
    """A learner's softmax: right even on logits that break the naive one (lesson 02)."""
    if softmax_fn is Ellipsis:
        what = (
            "replace the ... with a function that takes logits and returns probabilities"
        )
        return wrong(f"{what}.", STABLE_HINT)
    problem = function_problem(softmax_fn, "softmax_fn")
    if problem:
        return wrong(f"{problem}.", STABLE_HINT)
    for logits in map(tf.constant, STRESS_LOGITS):
        try:
            result = softmax_fn(logits)
        except Exception as error:  # noqa: BLE001 (a learner's function may raise any)
            name = type(error).__name__
            return wrong(f"your function raised {name}: {error}", STABLE_HINT)
        what = f"what your function returned at logits {logits.numpy().tolist()}"
        expected = tf.nn.softmax(logits)
        feedback = check_array(result, expected, what, STABLE_HINT, rtol=1e-5)
        if not feedback:
            return feedback
    return right("your softmax matches tf.nn.softmax, even at logits of ±1000.")
