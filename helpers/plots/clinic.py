"""Lesson 10: a gradient bar per element of every source, None and NaN drawn plainly;
text panels (a program's source, diagnose's table) drawn as pixels."""

import functools

import numpy as np
from matplotlib.image import FigureImage

from helpers.plots import _checks as check
from helpers.explorer import number_text
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
    check.axes(ax)
    max_bars = check.count(max_bars, "max_bars", 1, "9")
    title = check.text(title, "title", "'gradient per element'")
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
    return list(bars), value_labels, name_labels


def element_bar_data(entries):
    """Heights, texts and styles for [(label, value or None)] (lesson 10).

    Heights are value / max |finite value| (all 0 when none is nonzero); None is a
    hatched bar at NONE_HEIGHT; NaN and inf are bars at 0 whose text says so.
    Returns [(label, height, text, kind)], kind 'value', 'none' or 'nonfinite'.
    """
    entries = _entries(entries)
    finite = [abs(v) for _, v in entries if v is not None and np.isfinite(v)]
    scale = max(finite, default=0.0) or 1.0
    rows = []
    for label, value in entries:
        if value is None:
            rows.append((label, NONE_HEIGHT, "None", "none"))
        elif not np.isfinite(value):
            rows.append((label, 0.0, number_text(value, 2), "nonfinite"))
        else:
            rows.append((label, value / scale, number_text(value, 2), "value"))
    return rows


def update_element_bars(artists, entries):
    """Show one bar per entry, hide the rest (lesson 10).

    `artists` is what draw_element_bars returned; `entries` as for element_bar_data.
    """
    bars, value_labels, name_labels = _bar_artists(artists)
    rows = element_bar_data(entries)
    if len(rows) > len(bars):
        raise ValueError(
            f"entries holds {len(rows)} values but there are only {len(bars)} bars; "
            "draw more with draw_element_bars(ax, max_bars=...)."
        )
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
    check.axes(ax)
    title = check.text(title, "title", "'the program'")
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    box = ax.get_window_extent()
    return ax.figure.figimage(
        np.zeros((1, 1, 4)), xo=round(box.x0), yo=round(box.y0), origin="upper"
    )


def update_text_panel(image, pixels):
    """Show pixels from text_pixels in a panel from draw_text_panel (lesson 10)."""
    check.artist(image, "image", "draw_text_panel", FigureImage)
    array = np.asarray(pixels) if isinstance(pixels, np.ndarray) else None
    if array is None or array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 4:
        raise TypeError(
            "pixels must be an RGBA uint8 array of shape (height, width, 4), as "
            f"text_pixels(...) returns; got {check.kind(pixels)}."
        )
    image.set_data(array)


def text_pixels(text, size, dpi):
    """`text` in monospace as RGBA pixels of `size` = (width, height) (lesson 10).

    Cached: rendering text takes tens of milliseconds, showing pixels one.
    """
    text = check.text(text, "text", "'def f():\\n    return 1'")
    if isinstance(size, (str, bytes)) or not hasattr(size, "__len__") or len(size) != 2:
        raise TypeError(
            f"size must be (width, height) in pixels, e.g. (480, 240); got "
            f"{check.kind(size)}."
        )
    width = check.count(size[0], "size[0]", 1, "480")
    height = check.count(size[1], "size[1]", 1, "240")
    dpi = check.number(dpi, "dpi", "96", positive=True)
    return _rendered(text, width, height, dpi)


@functools.lru_cache(maxsize=256)
def _rendered(text, width, height, dpi):
    pixels = render_code(text, width, height, dpi)
    pixels.flags.writeable = False  # shared by every caller of the cache
    return pixels


def panel_size(ax):
    """The size of an Axes in whole pixels, (width, height) (lesson 10)."""
    box = check.axes(ax).get_window_extent()
    return round(box.width), round(box.height)


def _entries(entries):
    """[(str, float or None)], or a TypeError saying what to pass."""
    example = "[('w[0]', 0.5), ('b', None)]"
    if isinstance(entries, (str, bytes, dict)) or not hasattr(entries, "__iter__"):
        raise TypeError(
            f"entries must be a list of (label, value or None) pairs such as "
            f"{example}; got {check.kind(entries)}."
        )
    checked = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise TypeError(
                f"entries[{index}] must be a (label, value or None) pair such as "
                f"('w[0]', 0.5); got {check.kind(entry)}."
            )
        label = check.text(entry[0], f"entries[{index}][0]", "'w[0]'")
        value = entry[1]
        if value is not None:
            value = check.number(value, f"entries[{index}][1]", "0.5", finite=False)
        checked.append((label, value))
    return checked


def _bar_artists(artists):
    """(bars, value_labels, name_labels) as draw_element_bars returned them."""
    if not isinstance(artists, (tuple, list)) or len(artists) != 3:
        raise TypeError(
            "artists must be the (bars, value_labels, name_labels) that "
            f"draw_element_bars(...) returned; got {check.kind(artists)}."
        )
    bars = check.artist_list(artists[0], "artists[0]", "draw_element_bars")
    size = len(bars)
    values = check.artist_list(artists[1], "artists[1]", "draw_element_bars", size)
    names = check.artist_list(artists[2], "artists[2]", "draw_element_bars", size)
    return bars, values, names

