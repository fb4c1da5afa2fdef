"""Lesson 09: per-variable bars for which gradients exist and what the optimiser moved."""

from helpers.plots import _checks as check
from helpers.plots.none_gradients import draw_gradient_bars, update_gradient_bars

FROZEN_COLOUR = "#999999"


def draw_variable_bars(ax, variable_names, ylim, title, ylabel, note=""):
    """One bar per model variable on fixed axes; returns (bars, labels) (lesson 09)."""
    check.axes(ax)
    variable_names = check.labels(
        variable_names, "variable_names", "['first/kernel', 'first/bias']"
    )
    ylabel = check.text(ylabel, "ylabel", "'|gradient|'")
    note = check.text(note, "note", "'grey: frozen layer'")
    bars, labels = draw_gradient_bars(ax, variable_names, ylim, title=title)
    ax.text(
        0.98,
        0.97,
        note,
        ha="right",
        va="top",
        fontsize=8,
        color=FROZEN_COLOUR,
        transform=ax.transAxes,
    )
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelsize=8)
    return bars, labels


def update_asked_gradient_bars(bars, labels, grad_norms, asked, frozen, none_height):
    """Gradient norms (grey when frozen); None hatched; not asked: no bar (lesson 09).

    `asked[i]` says whether variable i was in the list given to tape.gradient,
    `frozen[i]` whether its layer is frozen.
    """
    bars, labels = check.bars_and_labels(bars, labels, "draw_variable_bars")
    grad_norms = check.optional_values(grad_norms, "grad_norms", len(bars))
    asked = check.flags(asked, "asked", len(bars))
    frozen = check.flags(frozen, "frozen", len(bars))
    update_gradient_bars(bars, labels, grad_norms, none_height)
    for bar, label, was_asked, is_frozen in zip(bars, labels, asked, frozen):
        if is_frozen and bar.get_fill():
            bar.set_color(FROZEN_COLOUR)
        bar.set_visible(was_asked)
        if not was_asked:
            label.set_text("–")
            label.set_y(0.0)


def update_change_bars(bars, labels, changes):
    """Max |weight after - before| per variable; exactly unchanged reads 0 (lesson 09)."""
    bars, labels = check.bars_and_labels(bars, labels, "draw_variable_bars")
    changes = check.values(changes, "changes", len(bars), example="[0.0, 0.05]")
    update_gradient_bars(bars, labels, changes, none_height=0.0)
