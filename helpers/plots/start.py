"""Lesson 00: a first picture, probabilities as bars."""

import numpy as np

from helpers.plots import _checks as check


def draw_probability_bars(ax, class_names, title="softmax probabilities"):
    """Bars of height 0 for each class on fixed [0, 1] axes; returns (bars, labels)."""
    check.axes(ax)
    class_names = check.labels(class_names, "class_names", "['cat', 'dog', 'fish']")
    title = check.text(title, "title", "'softmax probabilities'")
    positions = np.arange(len(class_names))
    bars = ax.bar(positions, np.zeros(len(class_names)), color="#4C72B0")
    labels = [ax.text(x, 0.02, "", ha="center", va="bottom") for x in positions]
    ax.set_xticks(positions, class_names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("probability")
    ax.set_title(title)
    return bars, labels


def update_probability_bars(bars, labels, probs):
    """Set each bar's height to its probability and write the value above it."""
    bars, labels = check.bars_and_labels(bars, labels, "draw_probability_bars")
    probs = check.values(probs, "probs", len(bars), example="[0.7, 0.2, 0.1]")
    for bar, label, prob in zip(bars, labels, probs):
        height = float(prob) if np.isfinite(prob) else 0.0
        bar.set_height(height)
        label.set_y(height + 0.02)
        label.set_text("NaN" if np.isnan(prob) else f"{prob:.2f}")
