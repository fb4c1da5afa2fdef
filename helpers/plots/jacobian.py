"""Lesson 03: the softmax Jacobian as a heatmap, and signed bars of one gradient."""

import numpy as np
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from helpers.plots import _checks as check

# every entry of diag(p) - p p^T is in [-1/4, 1/4]: p_i (1 - p_i) <= 1/4, p_i p_j <= 1/4
JACOBIAN_LIMIT = 0.25


def draw_jacobian_heatmap(ax, class_names, limit=JACOBIAN_LIMIT):
    """A zero heatmap with fixed colour limits and one value label per cell (lesson 03).

    Returns (image, labels): labels[i][j] is the text of entry (i, j).
    """
    check.axes(ax)
    class_names = check.labels(class_names, "class_names")
    limit = check.number(limit, "limit", "0.25", positive=True)
    size = len(class_names)
    image = ax.imshow(
        np.zeros((size, size)),
        cmap="RdBu_r",
        vmin=-limit,
        vmax=limit,
        interpolation="nearest",
    )
    labels = [
        [ax.text(j, i, "", ha="center", va="center", fontsize=9) for j in range(size)]
        for i in range(size)
    ]
    ticks = np.arange(size)
    ax.set_xticks(ticks, [f"z{j}" for j in ticks])
    ax.set_yticks(ticks, [f"p{i}" for i in ticks])
    ax.set_title("Jacobian  d p_i / d z_j")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return image, labels


def update_jacobian_heatmap(image, labels, jacobian, limit=JACOBIAN_LIMIT):
    """Show `jacobian` (NaN cells drawn as 0 and labelled NaN)."""
    check.artist(image, "image", "draw_jacobian_heatmap", AxesImage)
    size = _label_grid_size(labels)
    jacobian = check.values(
        jacobian, "jacobian", size, ndim=2, example="[[0.25, -0.25], [-0.25, 0.25]]"
    )
    limit = check.number(limit, "limit", "0.25", positive=True)
    image.set_data(np.where(np.isfinite(jacobian), jacobian, 0.0))
    for (i, j), value in np.ndenumerate(jacobian):
        labels[i][j].set_text(_label(value))
        # white text on the dark ends of the colour map
        labels[i][j].set_color("white" if abs(value) > 0.6 * limit else "black")


def _label_grid_size(labels):
    """n for the n x n grid of Text labels draw_jacobian_heatmap returned."""
    if not isinstance(labels, (list, tuple)) or not labels:
        raise TypeError(
            "labels must be the grid of labels draw_jacobian_heatmap(...) "
            f"returned (a list of rows); got {check.kind(labels)}."
        )
    for row in labels:
        check.artist_list(row, "labels", "draw_jacobian_heatmap", size=len(labels))
    return len(labels)


def draw_row_marker(ax, size):
    """An outline around one row of a size x size heatmap; returns the Rectangle."""
    check.axes(ax)
    size = check.count(size, "size", 1, "3")
    marker = Rectangle(
        (-0.5, -0.5), size, 1, fill=False, edgecolor="black", linewidth=2.5
    )
    ax.add_patch(marker)
    return marker


def update_row_marker(marker, row):
    """Move the outline to `row`."""
    check.artist(marker, "marker", "draw_row_marker", Rectangle)
    row = check.count(row, "row", 0, "0")
    size = marker.get_width()
    if row >= size:
        raise ValueError(
            f"row must be in [0, {size - 1:.0f}] (a row of the heatmap); got {row}."
        )
    marker.set_y(row - 0.5)


def draw_signed_bars(
    ax, class_names, limit, title, offset=0.0, width=0.8, color="#4C72B0", label=None
):
    """Bars of height 0 around a zero line on fixed [-limit, limit] axes (lessons 03-04).

    `offset` and `width` place several bar groups side by side. Returns (bars, labels).
    """
    check.axes(ax)
    class_names = check.labels(class_names, "class_names")
    limit = check.number(limit, "limit", "0.25", positive=True)
    title = check.text(title, "title", "'gradient of p_k'")
    offset = check.number(offset, "offset", "0.0")
    width = check.number(width, "width", "0.8", positive=True)
    color = check.colour(color, "color")
    if label is not None:
        label = check.text(label, "label", "'naive' or None")
    positions = np.arange(len(class_names)) + offset
    bars = ax.bar(
        positions, np.zeros(len(class_names)), width=width, color=color, label=label
    )
    labels = [
        ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=8) for x in positions
    ]
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(class_names)), class_names)
    ax.set_ylim(-1.2 * limit, 1.2 * limit)
    ax.set_title(title)
    return bars, labels


def update_signed_bars(bars, labels, values, limit):
    """Set each bar to its value (clipped to the axes; NaN drawn as 0 and labelled)."""
    bars, labels = check.bars_and_labels(bars, labels, "draw_signed_bars")
    values = check.values(values, "values", len(bars))
    limit = check.number(limit, "limit", "0.25", positive=True)
    for bar, label, value in zip(bars, labels, values):
        height = float(np.clip(value, -limit, limit)) if np.isfinite(value) else 0.0
        bar.set_height(height)
        # the label sits just beyond the bar's end: above it if positive, below if not
        label.set_y(height + (0.03 if height >= 0 else -0.03) * limit)
        label.set_va("bottom" if height >= 0 else "top")
        label.set_text(_label(value))


def _label(value):
    """A short label that names NaN and inf plainly."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    text = f"{value:.3f}"
    return "0.000" if text == "-0.000" else text  # a rounded -1e-9 is not news
