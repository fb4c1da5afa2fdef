"""Colour-blind readers tell every figure's colours apart (issue 12): after
`seed_everything` plain plots cycle through Okabe & Ito's palette, each colour with its
own dash pattern; every explorer draws its lines and bars in that palette (or grey,
for references and None), and lines sharing an axes differ by style or marker too."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

import helpers
from helpers.explorer import PALETTE

EXPLORER_NAMES = sorted(
    name for name in dir(helpers.widgets) if name.endswith("_explorer")
)


def is_grey(colour):
    """True for black, white and the greys between: reference lines and None bars."""
    red, green, blue = to_rgb(colour)
    return np.isclose(red, green) and np.isclose(green, blue)


def colour_problems(ax):
    """The line, step and bar colours in `ax` that are neither palette nor grey."""
    palette = {to_hex(colour) for colour in PALETTE}
    colours = [line.get_color() for line in ax.lines]
    colours += [
        patch.get_edgecolor() for patch in ax.patches if isinstance(patch, StepPatch)
    ]
    colours += [
        patch.get_facecolor()
        for patch in ax.patches
        if patch.get_fill() and not isinstance(patch, StepPatch)
    ]
    return [to_hex(c) for c in colours if not (to_hex(c) in palette or is_grey(c))]


def dashes(artist):
    """The dash pattern as drawn: get_linestyle() names every dashed pattern '--'."""
    offset, pattern = artist._unscaled_dash_pattern  # matplotlib has no public getter
    return str((offset, pattern))


def style_problems(ax):
    """Data lines (and step outlines) in `ax` that share a (line style, marker) pair:
    reference lines across the axes (axhline, axvline) are not data and not counted."""
    styles = [
        (dashes(line), line.get_marker())
        for line in ax.lines
        if line.get_visible() and line.get_transform() == ax.transData
    ]
    styles += [
        (dashes(patch), "None") for patch in ax.patches if isinstance(patch, StepPatch)
    ]
    return sorted({style for style in styles if styles.count(style) > 1})


@pytest.fixture(scope="module", autouse=True)
def seeded():
    """As every lesson's setup cell does, before any figure is drawn."""
    saved = matplotlib.rcParams["axes.prop_cycle"]
    helpers.seed_everything(0)
    yield
    matplotlib.rcParams["axes.prop_cycle"] = saved


def test_seed_everything_cycles_the_palette_each_colour_with_its_own_dashes():
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()
    assert [to_hex(c) for c in cycle["color"]] == [to_hex(c) for c in PALETTE]
    assert len(PALETTE) == 8 and len({to_hex(c) for c in PALETTE}) == 8
    dashes = [str(style) for style in cycle["linestyle"]]
    assert len(set(dashes)) == len(dashes) == len(PALETTE)


def test_plain_plots_get_palette_colours_and_distinct_styles():
    ax = Figure().subplots()
    for offset in range(len(PALETTE)):
        ax.plot([0, 1], [offset, offset + 1])
    assert colour_problems(ax) == [] and style_problems(ax) == []


def test_the_checks_catch_two_lines_told_apart_by_colour_only_and_foreign_colours():
    ax = Figure().subplots()
    ax.plot([0, 1], [0, 1], "-", color=PALETTE[1])
    ax.plot([0, 1], [1, 0], "-", color="#1f77b4")  # matplotlib's default blue
    ax.bar([0], [1], color="tab:red")
    ax.axhline(0.5, color="grey")  # a reference line: neither counted nor a problem
    assert style_problems(ax) == [(dashes(ax.lines[0]), "None")]
    assert colour_problems(ax) == ["#1f77b4", "#d62728"]


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_every_explorer_draws_in_the_palette_and_lines_differ_by_style(name):
    explorer = getattr(helpers.widgets, name)()
    assert explorer.error is None, explorer.error
    for ax in explorer.view.figure.axes:
        where = f"{name}, axes {ax.get_title()!r}"
        assert colour_problems(ax) == [], where
        assert style_problems(ax) == [], where
