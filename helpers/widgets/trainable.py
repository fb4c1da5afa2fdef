"""Lesson 09: freeze layers of a small Keras model and see which gradients exist and
which variables the optimiser moves.

The model and the experiment are in helpers.freezing. Every combination of the controls
is computed once (a few Keras models, about a second); moving a control only redraws.
"""

import ipywidgets as widgets

from helpers.freezing import freeze_experiment
from helpers.plots.trainable import (
    draw_variable_bars,
    update_asked_gradient_bars,
    update_change_bars,
)
from helpers.explorer import Explorer, FigureView, number_text

ASK_OPTIONS = {
    "model.trainable_variables": "trainable_variables",
    "model.weights (every variable)": "weights",
}


def freeze_explorer():
    """Freeze layers; bars: which gradients exist, which weights moved (lesson 09)."""
    results = {
        (first, second, ask): freeze_experiment(first, second, ask)
        for first in (False, True)
        for second in (False, True)
        for ask in ASK_OPTIONS.values()
    }
    names = results[False, False, "weights"].names
    tick_names = [name.replace("/", "\n") for name in names]  # "first\nkernel"
    largest_grad = max(g for r in results.values() for g in r.grad_norms if g is not None)
    largest_change = max(max(r.changes) for r in results.values())
    view = FigureView(figsize=(8.4, 3.2))
    grad_ax, change_ax = view.figure.subplots(1, 2)
    grad_bars, grad_labels = draw_variable_bars(
        grad_ax,
        tick_names,
        (0.0, 1.25 * largest_grad),
        "gradients the tape returned",
        "|gradient|",
        note="grey: frozen layer   –: not in the list",
    )
    change_bars, change_labels = draw_variable_bars(
        change_ax,
        tick_names,
        (0.0, 1.25 * largest_change),
        "what 5 Adam steps changed",
        "max |after - before|",
        note="0: unchanged, bit for bit",
    )
    view.figure.tight_layout()
    view.animate(*grad_bars, *grad_labels, *change_bars, *change_labels)
    freeze_first = widgets.ToggleButton(value=True, description="freeze first")
    freeze_second = widgets.ToggleButton(value=False, description="freeze second")
    ask = widgets.Dropdown(
        options=list(ASK_OPTIONS),
        description="gradient of",
        layout=widgets.Layout(width="340px"),
    )

    def update():
        result = results[freeze_first.value, freeze_second.value, ASK_OPTIONS[ask.value]]
        update_asked_gradient_bars(
            grad_bars,
            grad_labels,
            result.grad_norms,
            result.asked,
            result.frozen,
            0.6 * largest_grad,
        )
        update_change_bars(change_bars, change_labels, result.changes)
        return _status(result)

    return Explorer(
        "Trainable or not: freeze layers",
        [freeze_first, freeze_second, ask],
        view,
        update,
        question="Freeze the first layer and ask for "
        "model.weights: does it get a gradient? Does Adam change it?",
    )


def _status(result):
    """What the tape returned and what the optimiser changed, in one or two sentences."""
    moved = sum(change > 0 for change in result.changes)
    if result.trainable_count == 0:
        training = "model.trainable_variables is []: the optimiser has nothing to update."
    else:
        training = (
            f"The optimiser updates model.trainable_variables: {moved} of "
            f"{len(result.names)} variables moved."
        )
    if not any(result.asked):
        return f"tape.gradient(loss, []) returned []. {training}"
    existing = [
        f"{name} {'None' if norm is None else number_text(norm)}"
        for name, norm, asked in zip(result.names, result.grad_norms, result.asked)
        if asked
    ]
    return f"|gradients|: {', '.join(existing)}. {training}"
