"""Bar charts two lessons share (lesson files never import each other): signed values,
NaN drawn at 0 (lessons 03, 04); gradients, None an empty hatched bar (08, 09)."""

import numpy as np

from helpers.explorer import PALETTE, number_text


def draw_signed_bars(
    ax, names, limit, offset=0.0, width=0.8, color=PALETTE[5], label=None
):
    """Zero bars, one per name (moved by `offset`), and a zero line (lessons 03-04)."""
    positions = np.arange(len(names)) + offset
    bars = ax.bar(positions, 0.0, width=width, color=color, label=label)
    labels = [ax.text(x, 0.0, "", ha="center", fontsize=8) for x in positions]
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(-1.2 * limit, 1.2 * limit)
    return bars, labels


def update_signed_bars(bars, labels, values, limit):
    """Each bar at its value, clipped (NaN drawn as 0), and labelled (lessons 03-04)."""
    for bar, label, value in zip(bars, labels, values):
        height = float(np.clip(value, -limit, limit)) if np.isfinite(value) else 0.0
        bar.set_height(height)
        # the label sits just beyond the bar's end: above it if positive, below if not
        above = height >= 0
        label.set(y=height + (0.03 if above else -0.03) * limit, text=number_text(value))
        label.set_verticalalignment("bottom" if above else "top")


def draw_gradient_bars(ax, source_names, ylim, title="d loss / d source"):
    """One bar per source on fixed axes; returns (bars, labels) to update (lesson 08)."""
    positions = range(len(source_names))
    bars = ax.bar(positions, [0.0] * len(source_names), width=0.6, color=PALETTE[5])
    labels = [ax.text(x, 0.0, "", ha="center", va="bottom") for x in positions]
    ax.set_xticks(positions, source_names)
    ax.set_xlim(-0.7, len(source_names) - 0.3)
    ax.set_ylim(*ylim)
    ax.set_title(title)
    return bars, labels


def update_gradient_bars(bars, labels, grads, none_height):
    """A number sets a bar's height; None draws an empty hatched bar (lesson 08)."""
    for bar, label, grad in zip(bars, labels, grads):
        bar.set_color("#888888" if grad is None else PALETTE[5])
        bar.set_fill(grad is not None)
        bar.set_hatch("///" if grad is None else None)
        bar.set_height(none_height if grad is None else grad)
        label.set_text("None" if grad is None else number_text(grad))
        label.set_y(bar.get_height() + 0.02 * none_height)
