"""Lesson 10: a gradient bar per element of every source, None and NaN drawn plainly;
text panels (a program's source, diagnose's table) drawn as pixels."""

import functools

import numpy as np

from helpers.plots.none_gradients import render_code

NONE_STYLE = {"fill": False, "hatch": "///", "edgecolor": "#888888"}
VALUE_STYLE = {
    "fill": True,
    "hatch": None,
    "facecolor": "#4C72B0",
    "edgecolor": "#4C72B0",
}
NONFINITE_COLOUR = "#cf222e"
NONE_HEIGHT = 0.9  # a None bar, in units of the largest |gradient|


def draw_element_bars(ax, max_bars, title="gradient per element"):
    """`max_bars` bars on fixed axes, heights in units of the largest |gradient|.

    Returns (bars, value_labels, name_labels) for update_element_bars (lesson 10).
    """
    positions = np.arange(max_bars)
    bars = ax.bar(
        positions, np.zeros(max_bars), width=0.7, color=VALUE_STYLE["facecolor"]
    )
    value_labels = [
        ax.text(x, 0.0, "", ha="center", va="bottom", fontsize=8) for x in positions
    ]
    name_labels = [
        ax.text(x, -1.34, "", ha="center", va="top", fontsize=7, clip_on=False)
        for x in positions
    ]
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-0.6, max_bars - 0.4)
    ax.set_ylim(-1.3, 1.3)
    ax.set_xticks([])
    ax.set_ylabel("gradient / max |gradient|")
    ax.set_title(title)
    return bars, value_labels, name_labels


def element_bar_data(entries):
    """Heights, texts and styles for [(label, value or None)] (lesson 10).

    Heights are value / max |finite value| (all 0 when none is nonzero); None is a
    hatched bar at NONE_HEIGHT; NaN and inf are bars at 0 whose text says so.
    """
    finite = [abs(v) for _, v in entries if v is not None and np.isfinite(v)]
    scale = max(finite, default=0.0) or 1.0
    rows = []
    for label, value in entries:
        if value is None:
            rows.append((label, NONE_HEIGHT, "None", "none"))
        elif not np.isfinite(value):
            rows.append((label, 0.0, _number_text(value), "nonfinite"))
        else:
            rows.append((label, value / scale, _number_text(value), "value"))
    return rows


def update_element_bars(artists, entries):
    """Show one bar per entry, hide the rest (lesson 10)."""
    bars, value_labels, name_labels = artists
    rows = element_bar_data(entries)
    for index, (bar, value_label, name_label) in enumerate(
        zip(bars, value_labels, name_labels)
    ):
        shown = index < len(rows)
        for artist in (bar, value_label, name_label):
            artist.set_visible(shown)
        if not shown:
            continue
        label, height, text, kind = rows[index]
        bar.update(NONE_STYLE if kind == "none" else VALUE_STYLE)
        bar.set_height(height)
        value_label.set_text(text)
        value_label.set_color(NONFINITE_COLOUR if kind == "nonfinite" else "black")
        value_label.set_y(height + 0.03 if height >= 0 else height - 0.03)
        value_label.set_va("bottom" if height >= 0 else "top")
        name_label.set_text(label)


def draw_text_panel(ax, title):
    """An empty panel for pre-rendered text, filling `ax` exactly (lesson 10).

    Returns a FigureImage: placed in pixels, it is drawn without resampling, which
    keeps swapping the text fast.
    """
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    box = ax.get_window_extent()
    return ax.figure.figimage(
        np.zeros((1, 1, 4)), xo=round(box.x0), yo=round(box.y0), origin="upper"
    )


@functools.lru_cache(maxsize=256)
def text_pixels(text, ax_size, dpi):
    """`text` in monospace as RGBA pixels the size of an Axes, (width, height) in pixels.

    Cached: rendering text takes tens of milliseconds, showing pixels one.
    """
    pixels = render_code(text, *ax_size, dpi)
    pixels.flags.writeable = False  # shared by every caller of the cache
    return pixels


def panel_size(ax):
    """The size of an Axes in whole pixels, (width, height)."""
    box = ax.get_window_extent()
    return round(box.width), round(box.height)


def _number_text(value):
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return "0" if value == 0 else f"{value:.2g}"
