"""Lesson 00: the first slider."""

import ipywidgets as widgets
import numpy as np

from helpers import softmax
from helpers.plots.start import draw_probability_bars, update_probability_bars
from helpers.explorer import Explorer, FigureView


def first_slider_explorer(logit=2.0):
    """One slider moves the logit of class 'cat'; the bars show softmax([z, 1, 0])."""
    view = FigureView(figsize=(5, 3))
    ax = view.figure.subplots()
    bars, labels = draw_probability_bars(ax, ["cat", "dog", "fish"])
    view.figure.tight_layout()
    view.animate(*bars, *labels)
    slider = widgets.FloatSlider(value=logit, min=-10.0, max=10.0, step=0.1,
                                 description="logit of cat")

    def update():
        logits = np.array([slider.value, 1.0, 0.0], dtype=np.float32)
        probs = softmax.softmax_stable(logits).numpy()
        update_probability_bars(bars, labels, probs)
        return f"logits = [{slider.value:.1f}, 1.0, 0.0] → p(cat) = {probs[0]:.3f}"

    return Explorer("First slider: one logit, three probabilities", [slider], view, update,
                    question="Find the logit of cat at which p(cat) = p(dog).")
