"""Lesson 00: a first picture, softmax probabilities as bars, and two warm-up checks."""

import ipywidgets as widgets
import numpy as np

from helpers.explorer import Explorer, FigureView, number_text
from helpers.feedback import check_array
from helpers.softmax import softmax_stable


def first_slider_explorer():
    """One slider moves the logit of 'cat'; bars show softmax([z, 1, 0]) (lesson 00)."""
    view = FigureView(figsize=(5, 3))
    ax = view.figure.subplots()
    bars = ax.bar(["cat", "dog", "fish"], 0.0, color="#4C72B0")  # at x = 0, 1, 2
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
        return f"logits = [{slider.value:.1f}, 1.0, 0.0] → p(cat) = {probs[0]:.3f}"

    title = "First slider: one logit, three probabilities"
    question = "Find the logit of cat at which p(cat) = p(dog)."
    return Explorer(title, [slider], view, update, question=question)


def check_equal_logit(answer):
    """The z where softmax([z, 1, 0]) gives cat and dog equal probability (lesson 00)."""
    hint = "Equal probabilities need equal logits: exp(z) = exp(1)."
    return check_array(answer, 1.0, "the logit of cat", hint, atol=0.05)


def check_probs_sum(answer):
    """The sum of softmax probabilities, whatever the logits (lesson 00)."""
    hint = "Softmax divides each exp(z_i) by their sum."
    return check_array(answer, 1.0, "the sum of the probabilities", hint)
