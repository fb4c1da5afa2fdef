"""Lesson 07: per-element values and gradients, and dead units over a training run."""

import numpy as np

from helpers.plots import _checks as check

NONE_COLOUR, NAN_COLOUR, BAR_COLOUR = "#888888", "#b00000", "#4C72B0"


GRAD_LIMITS = (-0.15, 1.3)  # gradients above are clipped; their labels say the value
VALUE_LIMIT = 150.0  # symlog axis: linear in [-1, 1], logarithmic out to ±150


def draw_elementwise(value_ax, grad_ax, num_points):
    """Values (symlog) above gradient bars, one per input, on fixed axes; artists."""
    check.axes(value_ax, "value_ax")
    check.axes(grad_ax, "grad_ax")
    num_points = check.count(num_points, "num_points", 2, "9")
    positions = np.linspace(-1.0, 1.0, num_points)
    width = 0.8 * (positions[1] - positions[0])
    (value_line,) = value_ax.plot(positions, np.zeros(num_points), "o-", color="#DD8452")
    value_ax.set_yscale("symlog", linthresh=1.0)
    value_ax.set_ylim(-VALUE_LIMIT, VALUE_LIMIT)
    value_ax.set_ylabel("f(x), symlog")
    value_ax.axhline(0.0, color="black", linewidth=0.5)
    inputs_text = value_ax.text(
        0.01, 0.96, "", transform=value_ax.transAxes, va="top", fontsize=8
    )
    bars = grad_ax.bar(positions, np.zeros(num_points), width=width, color=BAR_COLOUR)
    labels = [
        grad_ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=7) for x in positions
    ]
    grad_ax.axhline(0.0, color="black", linewidth=0.5)
    grad_ax.set_ylim(*GRAD_LIMITS)
    grad_ax.set_ylabel("df/dx from the tape")
    grad_ax.set_xticks(positions)
    grad_ax.set_xlabel("x / input range")
    return {
        "value_line": value_line,
        "inputs_text": inputs_text,
        "bars": bars,
        "labels": labels,
    }


def update_elementwise(artists, inputs, values, grads):
    """Push values and gradients (None: no gradient at all) into the artists.

    Non-finite values leave a gap in the line; non-finite gradients are bars at 0
    labelled NaN / inf, and None is grey bars labelled None.
    """
    check.artist_dict(
        artists, ("value_line", "inputs_text", "bars", "labels"), "draw_elementwise"
    )
    size = len(artists["bars"])
    inputs = check.values(inputs, "inputs", size, example="input_row(4.0)", finite=True)
    values = check.values(values, "values", size)
    if grads is not None:
        grads = check.values(grads, "grads", size, example="[0.0, 0.5, 1.0] or None")
    artists["value_line"].set_ydata(np.where(np.isfinite(values), values, np.nan))
    shown = ", ".join(f"{x:.3g}" for x in inputs)
    artists["inputs_text"].set_text(f"x = [{shown}]")
    heights = (
        np.zeros(len(inputs))
        if grads is None
        else np.clip(np.nan_to_num(grads, nan=0.0, posinf=0.0, neginf=0.0), *GRAD_LIMITS)
    )
    for index, (bar, label) in enumerate(zip(artists["bars"], artists["labels"])):
        bar.set_height(heights[index])
        label.set_y(max(heights[index], 0.0))
        if grads is None:
            label.set_text("None")
            bar.set_color(NONE_COLOUR)
        else:
            label.set_text(_short(grads[index]))
            bar.set_color(BAR_COLOUR if np.isfinite(grads[index]) else NAN_COLOUR)


def _short(value):
    """A gradient as a short label: 0, 1, 0.25, 2.1e-09, NaN, inf."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.2g}"


def draw_dead_units(fraction_ax, loss_ax, max_steps):
    """Dead and moving fractions over the run beside the loss; returns the artists."""
    check.axes(fraction_ax, "fraction_ax")
    check.axes(loss_ax, "loss_ax")
    max_steps = check.count(max_steps, "max_steps", 1, "300")
    steps = np.arange(max_steps + 1)
    (dead_line,) = fraction_ax.plot(
        steps,
        np.zeros_like(steps, dtype=float),
        color="#C44E52",
        label="dead (a <= 0 on every input)",
    )
    (moving_line,) = fraction_ax.plot(
        steps,
        np.zeros_like(steps, dtype=float),
        color="#55A868",
        linestyle="--",
        label="getting a gradient",
    )
    fraction_ax.set_xlim(0, max_steps)
    fraction_ax.set_ylim(-0.03, 1.05)
    fraction_ax.set_xlabel("SGD step")
    fraction_ax.set_ylabel("fraction of hidden units")
    # above the axes: the curves can sit anywhere between 0 and 1
    fraction_ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, fontsize=8,
                       frameon=False)
    (loss_line,) = loss_ax.plot(steps, np.ones_like(steps, dtype=float), color="#4C72B0")
    loss_ax.set_yscale("log")
    loss_ax.set_xlim(0, max_steps)
    loss_ax.set_ylim(1e-3, 1e3)
    loss_ax.set_xlabel("SGD step")
    loss_ax.set_ylabel("training loss (log scale)")
    return {"dead": dead_line, "moving": moving_line, "loss": loss_line}


def update_dead_units(artists, dead_fraction, moving_fraction, losses):
    """Push one run's per-step fractions and losses (NaN losses leave gaps)."""
    check.artist_dict(artists, ("dead", "moving", "loss"), "draw_dead_units")
    size = len(artists["dead"].get_xdata())  # max_steps + 1: before the first step too
    dead_fraction = check.values(dead_fraction, "dead_fraction", size)
    moving_fraction = check.values(moving_fraction, "moving_fraction", size)
    losses = check.values(losses, "losses", size)
    artists["dead"].set_ydata(dead_fraction)
    artists["moving"].set_ydata(moving_fraction)
    artists["loss"].set_ydata(np.where(np.isfinite(losses), losses, np.nan))
