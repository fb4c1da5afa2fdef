"""Lesson 02: naive and stable softmax probabilities side by side, NaN shown plainly."""

import numpy as np

from helpers.plots import _checks as check
from helpers.plots.start import draw_probability_bars, update_probability_bars

NAN_COLOUR = "#b00"


def draw_naive_and_stable(ax_naive, ax_stable, class_names):
    """Two bar charts (naive left, stable right) with a sum above each; lesson 02."""
    check.axes(ax_naive, "ax_naive")
    check.axes(ax_stable, "ax_stable")
    if ax_naive is ax_stable:
        raise ValueError(
            "ax_naive and ax_stable must be two different Axes, e.g. "
            "ax_naive, ax_stable = figure.subplots(1, 2)."
        )
    class_names = check.labels(class_names, "class_names", "['z1', 'z2', 'z3', 'z4']")
    panels = []
    for ax, title in (
        (ax_naive, "naive: exp(z/T) / sum exp(z/T)"),
        (ax_stable, "stable: shift by max z/T first"),
    ):
        bars, labels = draw_probability_bars(ax, class_names, title=title)
        ax.set_ylim(0, 1.3)  # room above the bars for the sum
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        total = ax.text(len(class_names) / 2 - 0.5, 1.18, "", ha="center", va="center")
        panels.append((bars, labels, total))
    return panels


def update_naive_and_stable(panels, naive_probs, stable_probs):
    """Bar heights and labels for both forms; NaN bars sit at zero, labelled in red."""
    panels = _panels(panels)
    size = len(panels[0][0])
    naive_probs = check.values(naive_probs, "naive_probs", size)
    stable_probs = check.values(stable_probs, "stable_probs", size)
    for (bars, labels, total), probs in zip(panels, (naive_probs, stable_probs)):
        update_probability_bars(bars, labels, probs)
        for label, prob in zip(labels, probs):
            label.set_color(NAN_COLOUR if np.isnan(prob) else "black")
        probs_sum = float(np.sum(np.asarray(probs, dtype=np.float64)))
        total.set_text("sum = NaN" if np.isnan(probs_sum) else f"sum = {probs_sum:.3f}")
        total.set_color("black" if np.isclose(probs_sum, 1.0) else NAN_COLOUR)


def panel_artists(panels):
    """Every artist of both panels, in one flat list (to animate them)."""
    panels = _panels(panels)
    return [
        artist for bars, labels, total in panels for artist in (*bars, *labels, total)
    ]


def _panels(panels):
    """The two (bars, labels, total) panels draw_naive_and_stable returned."""
    if (
        not isinstance(panels, (list, tuple))
        or len(panels) != 2
        or not all(
            isinstance(panel, (list, tuple)) and len(panel) == 3 for panel in panels
        )
    ):
        raise TypeError(
            "panels must be the two panels draw_naive_and_stable(...) "
            f"returned; got {check.kind(panels)}."
        )
    for bars, labels, total in panels:
        check.bars_and_labels(bars, labels, "draw_naive_and_stable", prefix="panels' ")
        check.artist(total, "panels' total", "draw_naive_and_stable")
    return panels
