"""Lesson 05: loss curves and gradient-norm curves on log axes."""

import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from helpers.plots import _checks as check

# log axes cannot show 0: values at or below FLOOR sit on the bottom edge
FLOOR, CEILING = 1e-8, 1e5
NORM_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52")


def log_plottable(values):
    """Values clipped to [FLOOR, CEILING] for a log axis; NaN stays NaN (a gap)."""
    values = check.values(values, "values", ndim=None, example="result.losses")
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(values), np.nan, np.clip(values, FLOOR, CEILING))


def draw_loss_curves(ax, curves, title="loss during training"):
    """One log-y line per entry of `curves` (label -> per-step losses); returns lines."""
    check.axes(ax)
    curves = _named_series(curves, "curves", "{'Adam': result.losses}")
    check.labels(list(curves), "curves' labels", "['Adam', 'SGD']")
    curves = {
        label: check.values(losses, f"curves[{label!r}]", example="result.losses")
        for label, losses in curves.items()
    }
    title = check.text(title, "title", "'loss during training'")
    lines = [
        ax.plot(np.arange(len(losses)), log_plottable(losses), label=label)[0]
        for label, losses in curves.items()
    ]
    ax.set_yscale("log")  # limits fit the data; a loss of 0 would sit at FLOOR
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return lines


def draw_training_axes(loss_ax, norm_ax, max_steps):
    """Empty loss and gradient-norm curves on fixed log-log axes; returns the artists.

    Steps run along a log axis from 1 to max_steps, so runs of any length fit without
    changing the limits; each norm line is named by a coloured label, not a legend.
    """
    check.axes(loss_ax, "loss_ax")
    check.axes(norm_ax, "norm_ax")
    max_steps = check.count(max_steps, "max_steps", 2, "5000")
    loss_line = loss_ax.plot([], [], color="#333333")[0]
    norm_lines = [norm_ax.plot([], [], color=colour)[0] for colour in NORM_COLOURS]
    names = [
        norm_ax.text(
            0.98,
            0.93 - 0.08 * index,
            "",
            transform=norm_ax.transAxes,
            ha="right",
            va="top",
            color=colour,
            fontsize="small",
        )
        for index, colour in enumerate(NORM_COLOURS)
    ]
    notes = []
    for ax, title in ((loss_ax, "loss"), (norm_ax, "gradient norm |dL/dw|")):
        ax.set_xscale("log")
        ax.set_xlim(1, max_steps)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR / 2, CEILING * 2)
        # a label every few decades and no minor ticks: the figure stays uncluttered
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("step (log scale)")
        ax.set_ylabel("log scale (0 on the bottom edge)", fontsize="small")
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
        notes.append(ax.text(0.02, 0.04, "", transform=ax.transAxes, color="#b00"))
    return {"loss": loss_line, "norms": norm_lines, "names": names, "notes": notes}


def update_loss_curve(artists, losses):
    """Push per-step losses into the loss line; note where they stop being finite."""
    check.artist_dict(artists, ("loss", "norms", "names", "notes"), "draw_training_axes")
    losses = check.values(losses, "losses", example="result.losses")
    artists["loss"].set_data(np.arange(1, len(losses) + 1), log_plottable(losses))
    artists["notes"][0].set_text(_nonfinite_note("loss", losses))


def update_norm_curves(artists, grad_norms):
    """One line and label per variable (name -> per-step norms); unused ones hidden."""
    check.artist_dict(artists, ("loss", "norms", "names", "notes"), "draw_training_axes")
    grad_norms = _named_series(grad_norms, "grad_norms", "result.grad_norms")
    if len(grad_norms) > len(artists["norms"]):
        raise ValueError(
            f"grad_norms holds {len(grad_norms)} variables; the axes draw "
            f"at most {len(artists['norms'])}: pass that many or fewer."
        )
    items = [
        (
            str(name),
            check.values(
                norms, f"grad_norms[{name!r}]", example="result.grad_norms['kernel']"
            ),
        )
        for name, norms in grad_norms.items()
    ]
    for index, (line, label) in enumerate(zip(artists["norms"], artists["names"])):
        visible = index < len(items)
        line.set_visible(visible)
        label.set_text(items[index][0] if visible else "")
        if visible:
            norms = items[index][1]
            line.set_data(np.arange(1, len(norms) + 1), log_plottable(norms))
    notes = [_nonfinite_note(name, norms) for name, norms in items]
    artists["notes"][1].set_text(next((note for note in notes if note), ""))


def _nonfinite_note(name, values):
    """'<name> is NaN from step k' (or inf), else ''."""
    values = np.asarray(values, dtype=np.float64)
    bad = ~np.isfinite(values)
    if not bad.any():
        return ""
    first = int(np.argmax(bad))
    kind = "NaN" if np.isnan(values[first]) else "inf"
    return f"{name} is {kind} from step {first} (not drawn)"


def _named_series(series, name, example):
    """A non-empty dict name -> per-step values (checked by the caller)."""
    if not isinstance(series, dict):
        raise TypeError(
            f"{name} must be a dict name -> per-step values, e.g. {example}; "
            f"got {check.kind(series)}."
        )
    if not series:
        raise ValueError(f"{name} is empty; pass at least one entry, e.g. {example}.")
    return series
