"""Lesson 06: softplus gradients over a range of x, and side by side at one x."""

import numpy as np

from helpers.plots import _checks as check

COLOURS = {
    "naive": "#C44E52",
    "stable": "#DD8452",
    "custom": "#4C72B0",
    "numeric": "#55A868",
}
GRAD_LIMITS = (-0.05, 1.2)  # softplus'(x) = sigmoid(x) lies in [0, 1]


def draw_gradient_curves(ax, inputs, names):
    """One gradient curve per name over `inputs`, and a marker line; returns artists."""
    check.axes(ax)
    inputs = _increasing(inputs, "inputs")
    names = _known_names(names)
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
    check.artist_dict(artists, ("lines", "marker"), "draw_gradient_curves")
    if not isinstance(grads_by_name, dict):
        raise TypeError(
            "grads_by_name must be a dict name -> gradients, one entry per "
            f"curve ({list(artists['lines'])}); got {check.kind(grads_by_name)}."
        )
    missing = [name for name in artists["lines"] if name not in grads_by_name]
    if missing:
        raise ValueError(
            f"grads_by_name has no gradients for {missing}; pass one array "
            f"per curve: {list(artists['lines'])}."
        )
    grads_by_name = {
        name: check.values(grads_by_name[name], f"grads_by_name[{name!r}]")
        for name in artists["lines"]
    }
    for name, line in artists["lines"].items():
        if grads_by_name[name].shape != np.shape(line.get_xdata()):
            raise ValueError(
                f"grads_by_name[{name!r}] must hold one gradient per input "
                f"({len(line.get_xdata())}); got shape {grads_by_name[name].shape}."
            )
    x = check.number(x, "x", "1.0")
    for name, line in artists["lines"].items():
        line.set_ydata(grads_by_name[name])
    artists["marker"].set_xdata([x, x])


def draw_gradient_bars(ax, names):
    """One bar per name on fixed axes, each with a value label; returns artists."""
    check.axes(ax)
    names = _known_names(names)
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
    check.artist_dict(artists, ("bars", "labels"), "draw_gradient_bars")
    grads = check.values(grads, "grads", len(artists["bars"]))
    for bar, label, grad in zip(artists["bars"], artists["labels"], grads):
        height = float(grad) if np.isfinite(grad) else 0.0
        bar.set_height(height)
        label.set_y(max(height, 0.0) + 0.02)
        label.set_text("NaN" if np.isnan(grad) else f"{grad:.4g}")


def _increasing(inputs, name):
    """At least two finite, strictly increasing x values (the curves' x axis)."""
    inputs = check.values(
        inputs, name, example="np.linspace(-100, 100, 401)", finite=True
    )
    if inputs.size < 2 or not np.all(np.diff(inputs) > 0):
        raise ValueError(
            f"{name} must hold at least two increasing values, e.g. "
            "np.linspace(-100, 100, 401)."
        )
    return inputs


def _known_names(names):
    """Names of softplus versions that have a colour in COLOURS."""
    names = check.labels(names, "names", example=str(list(COLOURS)))
    unknown = [name for name in names if name not in COLOURS]
    if unknown:
        raise ValueError(f"names {unknown} are unknown; choose from {list(COLOURS)}.")
    return names
