"""Lesson 08: gradients per source as bars, where None is drawn apart from zero."""

import functools

import numpy as np
from matplotlib import font_manager
from matplotlib.image import AxesImage
from PIL import Image, ImageDraw, ImageFont

from helpers.plots import _checks as check
from helpers.explorer import number_text

NONE_STYLE = {"fill": False, "hatch": "///", "edgecolor": "#888888"}
VALUE_STYLE = {
    "fill": True,
    "hatch": None,
    "facecolor": "#4C72B0",
    "edgecolor": "#4C72B0",
}


def draw_gradient_bars(ax, source_names, ylim, title="gradient per source"):
    """One bar per source on fixed axes; returns (bars, labels) to update (lesson 08)."""
    check.axes(ax)
    source_names = check.labels(source_names, "source_names", "['a', 'b']")
    ylim = check.limits(ylim, "ylim", "(0.0, 8.0)")
    title = check.text(title, "title", "'gradient per source'")
    positions = np.arange(len(source_names))
    bars = ax.bar(positions, np.zeros(len(source_names)), width=0.6, color="#4C72B0")
    labels = [ax.text(x, 0.0, "", ha="center", va="bottom") for x in positions]
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(positions, source_names)
    ax.set_xlim(-0.7, len(source_names) - 0.3)
    ax.set_ylim(*ylim)
    ax.set_ylabel("d loss / d source")
    ax.set_title(title)
    return bars, labels


def update_gradient_bars(bars, labels, grads, none_height):
    """A number sets a bar's height; None draws an empty hatched bar (lesson 08).

    `grads` holds a float (inf and NaN allowed: drawn at 0, labelled) or None per bar.
    """
    bars, labels = check.bars_and_labels(bars, labels, "draw_gradient_bars")
    grads = check.optional_values(grads, "grads", len(bars))
    none_height = check.number(none_height, "none_height", "5.0")
    offset = 0.02 * none_height
    for bar, label, grad in zip(bars, labels, grads):
        if grad is None:
            bar.update(NONE_STYLE)
            bar.set_height(none_height)
            label.set_text("None")
            label.set_y(none_height + offset)
            continue
        finite = bool(np.isfinite(grad))
        height = float(grad) if finite else 0.0
        bar.update(VALUE_STYLE)
        bar.set_height(height)
        label.set_text(number_text(grad))
        label.set_y(max(height, 0.0) + offset)


def draw_code_panel(ax, title="the program"):
    """An image on empty axes that will show the program's source (lesson 08)."""
    check.axes(ax)
    title = check.text(title, "title", "'the program'")
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    blank = np.zeros((2, 2, 4))
    return ax.imshow(blank, extent=(0, 1, 0, 1), aspect="auto", interpolation="nearest")


def render_code(code, width_px, height_px, dpi):
    """The code as monospaced text in an RGBA array of this size (lesson 08)."""
    code = check.text(code, "code", "'loss = a * a'")
    width_px = check.count(width_px, "width_px", 1, "400")
    height_px = check.count(height_px, "height_px", 1, "200")
    dpi = check.number(dpi, "dpi", "96", positive=True)
    # drawn once per program with PIL (a millisecond; a matplotlib figure takes ~30):
    # blitting the pixels later is much faster than drawing text
    font_px = round(CODE_POINTS * dpi / 72)
    image = Image.new("RGBA", (width_px, height_px), (255, 255, 255, 255))
    ImageDraw.Draw(image).multiline_text(
        (0, 0), code, font=_monospace(font_px), fill=(0, 0, 0, 255),
        spacing=round(0.25 * font_px),
    )
    return np.asarray(image).copy()


CODE_POINTS = 9  # the code's font size in points


@functools.cache
def _monospace(size_px):
    """matplotlib's monospace font (DejaVu Sans Mono, shipped with it) at this size."""
    path = font_manager.findfont(font_manager.FontProperties(family="monospace"))
    return ImageFont.truetype(path, size_px)


def update_code_panel(image, code_pixels):
    """Show pre-rendered code (from render_code) in the code panel (lesson 08)."""
    check.artist(image, "image", "draw_code_panel", AxesImage)
    try:
        pixels = np.asarray(code_pixels)
    except (TypeError, ValueError):  # ragged nested lists
        pixels = np.asarray(None)
    if (
        pixels.dtype.kind not in "uif"
        or pixels.ndim != 3
        or pixels.shape[-1] != 4
        or (pixels.size == 0)
    ):
        raise TypeError(
            "code_pixels must be the RGBA array render_code(...) returned "
            f"(height x width x 4); got {check.kind(code_pixels)}."
        )
    image.set_data(code_pixels)

