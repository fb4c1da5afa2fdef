"""Lesson 00: a first picture, softmax probabilities as bars, and two warm-up checks."""

import ipywidgets as widgets
import numpy as np

from helpers.explorer import PALETTE, Explorer, FigureView, Prediction, number_text
from helpers.feedback import as_array, check_array
from helpers.softmax import softmax_stable

EQUAL_LOGITS = Prediction(
    ("0", "0.5", "1", "2.72 (e)"),
    "1",
    "Softmax gives class i the share exp(z<sub>i</sub>) / (exp(z) + exp(1) + exp(0)): "
    "one denominator for all, so equal logits give equal probabilities.",
)


def first_slider_explorer():
    """One slider moves the logit of 'cat'; bars show softmax([z, 1, 0]) (lesson 00)."""
    view = FigureView(figsize=(5, 3))
    ax = view.figure.subplots()
    bars = ax.bar(["cat", "dog", "fish"], 0.0, color=PALETTE[5])  # at x = 0, 1, 2
    labels = [ax.text(x, 0.02, "", ha="center", va="bottom") for x in range(3)]
    ax.set(ylim=(0, 1.1), ylabel="probability", title="softmax probabilities")
    view.figure.tight_layout()
    view.animate(*bars, *labels)
    slider = widgets.FloatSlider(2.0, min=-10.0, max=10.0, description="logit of cat")

    def update():
        probs = softmax_stable(np.array([slider.value, 1.0, 0.0], np.float32)).numpy()
        for bar, label, prob in zip(bars, labels, probs):
            bar.set_height(prob)
            label.set(y=prob + 0.02, text=number_text(prob, 2))
        return (
            f"logits = [{slider.value:.1f}, 1.0, 0.0] → p(cat) = {probs[0]:.3f}, "
            f"p(dog) = {probs[1]:.3f}"
        )

    title = "First slider: one logit, three probabilities"
    question = "At which logit of cat are cat and dog equally likely?"
    return Explorer(
        title, [slider], view, update, question=question, prediction=EQUAL_LOGITS
    )


def check_half_logit(answer):
    """The z where softmax([z, 1, 0]) gives cat probability 1/2 (lesson 00)."""
    hint = (
        "p(cat) = 1/2 when exp(z) is as large as the other two exponentials together. "
        "Write that equation and take the logarithm of both sides (np.log, np.e)."
    )
    got = as_array(answer)
    # the slider moves in steps of 0.1: its reading is close, not the answer
    if got is not None and got.size == 1 and 0 < abs(got.item() - np.log1p(np.e)) < 0.05:
        slider = np.isclose(got.item() * 10, np.round(got.item() * 10))
        close = "that reads like the slider" if slider else "give 4 decimals"
        hint = f"Close: {close}. Solve the equation instead. " + hint
    # exp(z) = exp(1) + exp(0), so z = log(e + 1)
    return check_array(answer, np.log1p(np.e), "the logit of cat", hint)


def check_probs_sum(answer):
    """The sum of softmax probabilities, whatever the logits (lesson 00)."""
    hint = "Softmax divides each exp(z_i) by their sum."
    return check_array(answer, 1.0, "the sum of the probabilities", hint)
