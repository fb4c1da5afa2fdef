"""Lesson 10: pick a program from the clinic's gallery, broken or fixed, and see its
source, its gradient per element and diagnose's findings.

Every program's diagnosis, source image and bars are computed when the explorer is
made (helpers.clinic.diagnosis caches them, so a lesson that already diagnosed the
gallery pays nothing); moving a control only swaps pixels and bar heights.
"""

import html
from dataclasses import dataclass

import ipywidgets as widgets

from helpers import clinic
from helpers.plots.clinic import (
    draw_element_bars,
    draw_text_panel,
    panel_size,
    text_pixels,
    update_element_bars,
    update_text_panel,
)
from helpers.explorer import Explorer, FigureView

VERSIONS = ("broken", "fixed")


@dataclass(frozen=True)
class Shown:
    """What the explorer shows for one version of one program."""

    code_pixels: object
    table_pixels: object
    entries: list
    status: str


def clinic_explorer():
    """Pick a gallery program, broken or fixed: source, gradients, diagnosis (lesson 10)."""
    max_bars = max(
        len(clinic.element_gradients(clinic.diagnosis(name, fixed)))
        for name in clinic.GALLERY
        for fixed in (False, True)
    )
    view = FigureView(figsize=(10.5, 3.4))
    grid = view.figure.add_gridspec(2, 2, width_ratios=[1.15, 1], height_ratios=[2.2, 1])
    code_ax = view.figure.add_subplot(grid[:, 0])
    bars_ax = view.figure.add_subplot(grid[0, 1])
    table_ax = view.figure.add_subplot(grid[1, 1])
    bar_artists = draw_element_bars(bars_ax, max_bars)
    view.figure.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.02, wspace=0.1)
    bars_ax.set_position(_inset(bars_ax.get_position(), left=0.06, bottom=0.13))
    code_image = draw_text_panel(code_ax, "the program")
    table_image = draw_text_panel(table_ax, "diagnose(loss, variables)")
    view.animate(code_image, table_image, *[a for group in bar_artists for a in group])
    shown = _everything_shown(code_ax, table_ax, view.figure.dpi)
    program = widgets.Dropdown(
        options=list(clinic.GALLERY),
        value="dead layer",
        description="program",
        layout=widgets.Layout(width="320px"),
    )
    version = widgets.ToggleButtons(options=VERSIONS, value="broken")

    def show(current):
        update_text_panel(code_image, current.code_pixels)
        update_text_panel(table_image, current.table_pixels)
        update_element_bars(bar_artists, current.entries)
        return current.status

    # draw every state once now: the first drawing of a text is slow (its layout is
    # cached), so no later move pays for it
    view.canvas.draw()
    for current in shown.values():
        show(current)
        for artist in (a for group in bar_artists for a in group):
            bars_ax.draw_artist(artist)

    def update():
        return show(shown[program.value, version.value == "fixed"])

    return Explorer(
        "Gradient clinic: diagnose a broken program",
        [program, version],
        view,
        update,
        question="For each broken program: which cause does diagnose name, and which "
        "line of the source is it? Toggle fixed: which bars change?",
    )


def _inset(box, left, bottom):
    """A matplotlib Bbox shrunk from the left and the bottom (room for labels)."""
    return [box.x0 + left, box.y0 + bottom, box.width - left, box.height - bottom]


def _everything_shown(code_ax, table_ax, dpi):
    """(program, fixed) -> Shown, for every version of every gallery program."""
    shown = {}
    for name, entry in clinic.GALLERY.items():
        for fixed in (False, True):
            report = clinic.diagnosis(name, fixed)
            table = str(report).split("\n\n")[0]  # source, status, cause
            shown[name, fixed] = Shown(
                text_pixels(clinic.program_source(name, fixed), panel_size(code_ax), dpi),
                text_pixels(table, panel_size(table_ax), dpi),
                clinic.element_gradients(report),
                _status(name, fixed, report, entry),
            )
    return shown


def _status(name, fixed, report, entry):
    """A sentence on what diagnose found, where a lesson proves it, and the full table."""
    troubled = [f for f in report if f.status != "ok"]
    if not troubled:
        summary = "every source is ok: finite, nonzero gradients."
    else:
        summary = "; ".join(f"{f.name}: {f.status} ({f.cause})" for f in troubled) + "."
    where = "" if fixed else f" Lesson {entry.lesson} proves this cause."
    version = "fixed" if fixed else "broken"
    return (
        f"<b>{html.escape(name)}</b>, {version}: {html.escape(summary)}"
        f"{html.escape(where)}<br>{report._repr_html_()}"
    )
