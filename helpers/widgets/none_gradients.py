"""Lesson 08: pick a broken program, fix it, and watch its None gradient come back.

Each program has two sources, a = 2 and b = 3, and a loss a² + (something of b): the
path from a is always intact, the path from b is broken in one way (or, fixed, not).
The programs and program_gradients are in helpers.tape_breaks; the explorer only draws
them.
"""

import ipywidgets as widgets

from helpers.plots.none_gradients import (
    draw_code_panel,
    draw_gradient_bars,
    render_code,
    update_code_panel,
    update_gradient_bars,
)
from helpers.tape_breaks import PROGRAMS, SOURCE_NAMES, UNCONNECTED, program_gradients
from helpers.explorer import Explorer, FigureView, warn_nonfinite


def _all_gradients():
    """Every finite gradient any program can show: sets fixed axis limits."""
    return [
        grad
        for name in PROGRAMS
        for fixed in (False, True)
        for grad in program_gradients(name, fixed)
        if grad is not None
    ]


def none_gradient_explorer():
    """Pick a broken program, toggle its fix and unconnected_gradients (lesson 08)."""
    largest = max(abs(grad) for grad in _all_gradients())
    none_height = 0.85 * largest  # a hatched column, not at any gradient's height
    view = FigureView(figsize=(8, 3))
    code_ax, bars_ax = view.figure.subplots(1, 2, width_ratios=[1.1, 1])
    code_image = draw_code_panel(code_ax, title="the program (a = 2.0, b = 3.0)")
    bars, labels = draw_gradient_bars(bars_ax, SOURCE_NAMES, (0.0, 1.2 * largest))
    view.figure.tight_layout()
    view.animate(code_image, *bars, *labels)
    code_pixels = _rendered_programs(code_ax, view.figure.dpi)
    program = widgets.Dropdown(
        options=list(PROGRAMS),
        description="program",
        layout=widgets.Layout(width="340px"),
    )
    fixed = widgets.ToggleButton(value=False, description="fixed")
    unconnected = widgets.Dropdown(
        options=list(UNCONNECTED),
        value="None (default)",
        description="unconnected",
        layout=widgets.Layout(width="260px"),
    )

    def update():
        why = PROGRAMS[program.value][3]
        grads = program_gradients(
            program.value, fixed.value, UNCONNECTED[unconnected.value]
        )
        update_code_panel(code_image, code_pixels[program.value, fixed.value])
        update_gradient_bars(bars, labels, grads, none_height)
        finite = [grad for grad in grads if grad is not None]
        return warn_nonfinite("the gradients", finite) + _status(
            grads, why, fixed.value, unconnected.value == "zero"
        )

    return Explorer(
        "None gradients: a broken tape",
        [program, fixed, unconnected],
        view,
        update,
        question="For each program, which source gets None, and "
        "why? Then set unconnected to zero: can you still tell b was cut off?",
    )


def _rendered_programs(code_ax, dpi):
    """(program name, fixed) -> the code's pixels, sized to fill code_ax exactly."""
    box = code_ax.get_window_extent()
    width, height = round(box.width), round(box.height)
    return {
        (name, fixed): render_code(PROGRAMS[name][2 if fixed else 1], width, height, dpi)
        for name in PROGRAMS
        for fixed in (False, True)
    }


def _status(grads, why, fixed, zero_filled):
    """One sentence: which sources got None and why, or that every path is intact."""
    missing = [name for name, grad in zip(SOURCE_NAMES, grads) if grad is None]
    if missing:
        return f"None for {', '.join(missing)}: {why}."
    if fixed:
        return "Fixed: every source has a recorded path to the loss."
    if zero_filled:
        return (
            "unconnected_gradients=ZERO turned the None into 0: the broken path "
            f"now looks like a real zero gradient ({why})."
        )
    return "Every source has a gradient."
