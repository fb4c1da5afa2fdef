"""Lesson 02: softmax forward: naive beside stable, overflow in float32, temperature."""

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.explorer import (
    PALETTE,
    RED,
    Explorer,
    FigureView,
    Prediction,
    number_text,
    warn_nonfinite,
)
from helpers.feedback import check_array, check_choice, function_problem, right, wrong
from helpers.softmax import softmax_naive, softmax_stable

CLASS_NAMES = ("z1", "z2", "z3", "z4")
# logits that break a naive softmax in float32, then a batch (one example per row)
BATCH = [[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0], [-1000.0] * 3]
STRESS_LOGITS = ([1000.0, 0.0, -1000.0], [-1000.0] * 3, [88.0] * 3, BATCH)
STABLE_HINT = (
    "Shift invariance lets you subtract any constant from each row of logits: which one "
    "makes every exp at most 1? Use TensorFlow ops on axis=-1 with keepdims=True."
)
REASONS = ("shift invariance", "outputs sum to 1", "stop_gradient", "largest exp is 1")
# why softmax([2, 1, 0] / 0.01) is one-hot in float32
COLD_REASONS = ("gaps of 100 and 200", "exp(z / T) overflows", "any T < 1 is one-hot")


def naive_and_stable(logits, temperature):
    """softmax(z / T) naive and stable, exp(z / T) and z / T, in float32 (lesson 02)."""
    logits = tf.constant(logits, dtype=tf.float32)
    scaled = logits / tf.constant(temperature, dtype=tf.float32)
    naive = softmax_naive(scaled)
    stable = softmax_stable(logits, temperature=temperature)
    return naive.numpy(), stable.numpy(), tf.exp(scaled).numpy(), scaled.numpy()


def forward_status(scaled_logits, naive, stable, exps):
    """The status: z/T, both sums, and which op of the naive form broke (lesson 02)."""
    shown = ", ".join(number_text(value, 4) for value in scaled_logits)
    sums = [number_text(np.sum(probs), 4) for probs in (naive, stable)]
    status = f"z / T = [{shown}]; naive sum = {sums[0]}, stable sum = {sums[1]}."
    exps_sum = np.sum(exps, dtype=np.float64)  # exact enough to see float32 overflow
    if np.isinf(exps).any():
        reason = "exp(z/T) overflowed to inf."
    elif exps_sum > np.finfo(np.float32).max:  # the float32 sum would be inf
        reason = "the sum of exp(z/T) overflowed to inf: the naive softmax is wrong."
    elif exps_sum == 0:
        reason = "every exp(z/T) underflowed to 0."
    else:
        return status
    return warn_nonfinite("The naive softmax", naive) + reason + "<br>" + status


def softmax_forward_explorer():
    """Four logits, a scale and a temperature: naive bars beside stable (lesson 02)."""
    view = FigureView(figsize=(9, 3.2))
    panels = []  # (bars, value labels, sum text): naive on the left, stable on the right
    titles = ("naive: exp(z/T) / sum exp(z/T)", "stable: shift by max z/T first")
    for ax, title in zip(view.figure.subplots(1, 2), titles):
        bars = ax.bar(CLASS_NAMES, 0.0, color=PALETTE[5])  # at x = 0, 1, 2, 3
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
    question = "Scale × 10: between which values of z1 × 10 does the naive softmax break?"
    prediction = Prediction(
        ("10 and 20", "38 and 39", "88 and 89", "709 and 710"),
        "88 and 89",
        "The largest float32 is about 3.4 × 10<sup>38</sup>, so <code>exp(z)</code> is "
        "inf once z > ln(3.4 × 10<sup>38</sup>) ≈ 88.72, and inf / inf is NaN.",
    )
    controls = [*sliders, scale, temperature]
    return Explorer(title, controls, view, update, question, prediction=prediction)


def check_gradient_sum(missing_entry, reason):
    """g3 of a gradient [0.125, -0.4, g3, 0.075] of a loss of softmax, and why (lesson 02)."""
    hint = (
        "What does moving every logit by the same c do to L? Write dL/dc with the chain "
        "rule in terms of g1, g2, g3 and g4."
    )
    feedback = check_array(missing_entry, 0.2, "the missing entry g3", hint)
    if feedback:
        hint = "Which of the four facts did your derivation of g3 use?"
        feedback = check_choice(reason, REASONS[0], "the reason", hint, REASONS)
    return feedback and right(  # L(z + c) = L(z) for every c: dL/dc = sum of g = 0
        "g3 = 0.2: L(z + c) = L(z), so dL/dc = g1 + g2 + g3 + g4 = 0 for any loss of "
        "softmax, and the path through the max adds (dL/dc)(dc/dz) = 0."
    )


def check_low_temperature(answer, reason):
    """softmax([2, 1, 0] / T) at T = 0.01, three probabilities, and why (lesson 02)."""
    hint = (
        "Divide the logits by T first: how far apart are they then? Shift them so the "
        "largest is 0 and ask what exp of each one is in float32."
    )
    feedback = check_array(answer, [1.0, 0.0, 0.0], "softmax at T = 0.01", hint)
    hint = "Would your reason also hold at T = 0.5? Compute z / T there and at 0.01."
    return feedback and check_choice(reason, COLD_REASONS[0], "why", hint, COLD_REASONS)


def check_my_softmax(softmax_fn):
    """A learner's softmax: right on a batch and where the naive one breaks (lesson 02)."""
    problem = function_problem(softmax_fn, "my_softmax")
    if problem:
        return wrong(f"{problem}.", STABLE_HINT)
    library = str(getattr(softmax_fn, "__module__", "")).startswith("keras")
    if library or any(softmax_fn is own for own in (tf.nn.softmax, softmax_stable)):
        return wrong("that is a library's softmax: write it yourself.", STABLE_HINT)
    for values in STRESS_LOGITS:  # Python floats: the message shows no float32 noise
        logits = tf.constant(values)
        expected = tf.nn.softmax(logits).numpy().astype(float)  # each row: an example
        with tf.GradientTape() as tape:
            tape.watch(logits)
            try:
                probs = softmax_fn(logits)
            except Exception as error:  # noqa: BLE001 (a learner's function may raise any)
                name = type(error).__name__
                return wrong(f"your function raised {name}: {error}", STABLE_HINT)
            feedback = check_array(probs, expected, f"at logits {values}", STABLE_HINT)
            if not feedback:  # tf.nn.softmax's values to 4 decimals: no float32 noise
                feedback.message += f" tf.nn.softmax gives {expected.round(4).tolist()}."
                return feedback
            probs = tf.cast(probs, tf.float32)  # a NumPy result becomes a constant
        if tape.gradient(probs, logits) is None:  # NumPy, .numpy(), tf.constant inside
            message = "the values are right, but the tape gets no gradient through it"
            return wrong(f"{message}: it leaves TensorFlow.", STABLE_HINT)
    return right("your softmax matches tf.nn.softmax row by row, even at ±1000.")
