"""Lesson 06: softplus gradients over a range of x, and side by side at one x."""

import numpy as np

COLOURS = {
    "naive": "#C44E52",
    "stable": "#DD8452",
    "custom": "#4C72B0",
    "numeric": "#55A868",
}
GRAD_LIMITS = (-0.05, 1.2)  # softplus'(x) = sigmoid(x) lies in [0, 1]


def draw_gradient_curves(ax, inputs, names):
    """One gradient curve per name over `inputs`, and a marker line; returns artists."""
    lines = {}
    for index, name in enumerate(names):
        # distinct line styles keep curves that lie on top of each other visible
        (lines[name],) = ax.plot(
            inputs,
            np.zeros_like(inputs),
            color=COLOURS[name],
            label=name,
            linewidth=1.5,
            linestyle=("-", "--", ":", "-.")[index % 4],
        )
    marker = ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(inputs[0], inputs[-1])
    ax.set_ylim(*GRAD_LIMITS)
    ax.set_xlabel("x")
    ax.set_ylabel("d softplus / dx")
    ax.legend(loc="upper left", fontsize=8)
    return {"lines": lines, "marker": marker}


def update_gradient_curves(artists, grads_by_name, x):
    """Push each curve's gradients (NaN leaves a gap) and move the marker to x."""
    for name, line in artists["lines"].items():
        line.set_ydata(grads_by_name[name])
    artists["marker"].set_xdata([x, x])


def draw_gradient_bars(ax, names):
    """One bar per name on fixed axes, each with a value label; returns artists."""
    positions = np.arange(len(names))
    bars = ax.bar(positions, np.zeros(len(names)), color=[COLOURS[n] for n in names])
    labels = [
        ax.text(p, 0.0, "", ha="center", va="bottom", fontsize=9) for p in positions
    ]
    ax.set_xticks(positions, names)
    ax.set_ylim(*GRAD_LIMITS)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_title("gradient at x", fontsize=10)
    return {"bars": bars, "labels": labels}


def update_gradient_bars(artists, grads):
    """Bar heights are the gradients; NaN / inf are drawn at 0 and labelled plainly."""
    for bar, label, grad in zip(artists["bars"], artists["labels"], grads):
        height = float(grad) if np.isfinite(grad) else 0.0
        bar.set_height(height)
        label.set_y(max(height, 0.0) + 0.02)
        label.set_text("NaN" if np.isnan(grad) else f"{grad:.4g}")
