"""Lesson 00: a first picture, probabilities as bars."""

import numpy as np


def draw_probability_bars(ax, class_names, title="softmax probabilities"):
    """Bars of height 0 for each class on fixed [0, 1] axes; returns (bars, labels)."""
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
    for bar, label, prob in zip(bars, labels, probs):
        height = float(prob) if np.isfinite(prob) else 0.0
        bar.set_height(height)
        label.set_y(height + 0.02)
        label.set_text("NaN" if np.isnan(prob) else f"{prob:.2f}")
