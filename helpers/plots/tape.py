"""Lesson 01: a function, its tangent at one point, and its derivative from the tape."""

from typing import NamedTuple

import numpy as np
from matplotlib.lines import Line2D

from helpers.plots import _checks as check


class TangentArtists(NamedTuple):
    """The artists that change when x or the function changes (lesson 01)."""

    f_curve: object
    tangent: object
    f_point: object
    df_curve: object
    df_point: object


def draw_tangent_panels(ax_f, ax_df, xs):
    """Empty curves on two Axes: f with its tangent (left), f' (right); lesson 01."""
    check.axes(ax_f, "ax_f")
    check.axes(ax_df, "ax_df")
    xs = check.values(xs, "xs", example="np.linspace(-6, 6, 241)", finite=True)
    if xs.size < 2 or not np.all(np.diff(xs) > 0):
        raise ValueError(
            "xs must hold at least two increasing values, e.g. np.linspace(-6, 6, 241)."
        )
    zeros = np.zeros_like(xs)
    (f_curve,) = ax_f.plot(xs, zeros, color="#4C72B0", lw=2)
    (tangent,) = ax_f.plot(xs, zeros, color="#DD8452", ls="--")
    (f_point,) = ax_f.plot([0.0], [0.0], "o", color="#DD8452", ms=8)
    (df_curve,) = ax_df.plot(xs, zeros, color="#55A868", lw=2)
    (df_point,) = ax_df.plot([0.0], [0.0], "o", color="#DD8452", ms=8)
    for ax, title in (
        (ax_f, "f(x), and its tangent at x (dashed)"),
        (ax_df, "f'(x) from the tape"),
    ):
        ax.set_xlim(xs[0], xs[-1])
        ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
        ax.set_xlabel("x")
        ax.set_title(title)
        # few ticks and no legend: a new function redraws the axes, text is the slow part
        ax.set_xticks(np.linspace(xs[0], xs[-1], 5))
        ax.locator_params(axis="y", nbins=5)
    return TangentArtists(f_curve, tangent, f_point, df_curve, df_point)


def finite_limits(values, margin=0.1):
    """(low, high) around the finite values, padded; (-1, 1) when none is finite."""
    finite = check.values(values, "values", ndim=None)
    margin = check.number(margin, "margin", "0.1")
    if margin < 0:
        raise ValueError(f"margin must be a number >= 0 such as 0.1; got {margin}.")
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = margin * max(high - low, 1.0)
    return low - pad, high + pad


def update_tangent_curves(artists, f_values, df_values):
    """Put a new function's curves in place and fit the y limits to their finite part."""
    artists = _tangent_artists(artists)
    size = len(artists.f_curve.get_xdata())
    f_values = check.values(f_values, "f_values", size)
    df_values = check.values(df_values, "df_values", size)
    artists.f_curve.set_ydata(f_values)
    artists.df_curve.set_ydata(df_values)
    artists.f_curve.axes.set_ylim(*finite_limits(f_values))
    artists.df_curve.axes.set_ylim(*finite_limits(df_values))


def update_tangent_point(artists, x, f_value, slope):
    """Move both points to x and draw the line f(x) + f'(x) (t - x) through the first."""
    artists = _tangent_artists(artists)
    x = check.number(x, "x", "1.0")
    f_value = check.number(f_value, "f_value", "0.84", finite=False)
    slope = check.number(slope, "slope", "0.54", finite=False)
    xs = artists.tangent.get_xdata()
    if np.isfinite(f_value) and np.isfinite(slope):
        # the tangent line at x: t -> f(x) + f'(x) (t - x)
        artists.tangent.set_ydata(f_value + slope * (xs - x))
    else:
        artists.tangent.set_ydata(np.full_like(xs, np.nan))  # no tangent without numbers
    artists.f_point.set_data([x], [f_value])
    artists.df_point.set_data([x], [slope])


def _tangent_artists(artists):
    """The TangentArtists draw_tangent_panels returned."""
    if not isinstance(artists, TangentArtists) or not all(
        isinstance(line, Line2D) for line in artists
    ):
        raise TypeError(
            "artists must be the TangentArtists draw_tangent_panels(...) "
            f"returned; got {check.kind(artists)}."
        )
    return artists
