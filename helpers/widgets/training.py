"""Lesson 05: train a model live; the loss curve and gradient norms answer each move."""

import html

import ipywidgets as widgets
import numpy as np

from helpers import training
from helpers.plots.training import (
    draw_training_axes,
    update_loss_curve,
    update_norm_curves,
)
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite


def first_step(mask):
    """The first index where `mask` holds, or None."""
    mask = np.asarray(mask)
    return int(np.argmax(mask)) if mask.any() else None


def settled_step(mask):
    """The first index from which `mask` holds to the end, or None."""
    mask = np.asarray(mask)
    if not mask[-1]:
        return None
    return len(mask) - int(np.argmax(~mask[::-1])) if not mask.all() else 0


def describe_run(result, loss_name):
    """A status sentence (HTML): where the run ended, and why it stopped if it did."""
    losses = result.losses + 0.0  # + 0.0 turns a loss of -0.0 into 0.0
    true_prob = result.final_probs[training.TRUE_CLASS]
    summary = (
        f"loss {number_text(losses[0])} → {number_text(losses[-1])} after {len(losses)} steps; "
        f"p(true class) = {number_text(true_prob, 4)}."
    )
    sentences = [summary]
    first_nan = first_step(np.isnan(losses))
    if first_nan is not None:
        why = (
            "log(softmax) = log(0) = -inf once a probability underflows, and "
            "0 × (-inf) = NaN; then NaN gradients make every weight NaN. "
            "Choose loss 'stable'."
            if loss_name == "naive"
            else "a NaN weight makes every later step NaN."
        )
        sentences.insert(0, warn_nonfinite("the loss", losses) + html.escape(why))
    first_zero, zero_from = first_step(losses <= 0), settled_step(losses <= 0)
    if zero_from is not None:
        sentences.append(
            f"The loss is exactly 0 from step {zero_from} on "
            "(p(true class) rounds to 1 in float32)."
        )
    elif first_zero is not None:
        sentences.append(f"The loss touched exactly 0 at step {first_zero}, then rose.")
    all_zero = np.all([norms == 0 for norms in result.grad_norms.values()], axis=0)
    dead_from = settled_step(all_zero)
    if dead_from is not None and first_nan is None:
        sentences.append(
            f"Every gradient is exactly 0 from step {dead_from} on: softmax saturated "
            "to a one-hot, so p - y = 0 and training has stopped."
        )
    if loss_name == "softmax_twice":
        sentences.append(
            f"Softmax applied twice cannot go below log(e + 2) - 1 = "
            f"{training.SOFTMAX_TWICE_FLOOR:.4f}."
        )
    return " ".join(sentences)


def training_explorer():
    """Six controls → a compiled training run: loss, gradient norms (lesson 05)."""
    view = FigureView(figsize=(9, 3.4))
    loss_ax, norm_ax = view.figure.subplots(1, 2)
    controls = {
        "learning_rate": widgets.FloatLogSlider(
            value=0.01, base=10, min=-4, max=1, step=0.1, description="learning rate"
        ),
        "steps": widgets.IntSlider(
            value=1000, min=10, max=5000, step=10, description="steps"
        ),
        "model": widgets.Dropdown(options=list(training.MODELS), description="model"),
        "activation": widgets.Dropdown(
            options=training.ACTIVATIONS, description="activation", disabled=True
        ),
        "init_scale": widgets.FloatLogSlider(
            value=1.0, base=10, min=-1, max=2, step=0.1, description="init scale"
        ),
        "loss": widgets.Dropdown(options=training.LOSSES, description="loss"),
    }
    artists = draw_training_axes(loss_ax, norm_ax, controls["steps"].max)
    view.figure.tight_layout()
    view.animate(artists["loss"], *artists["norms"], *artists["names"], *artists["notes"])

    def update():
        model = controls["model"].value
        controls["activation"].disabled = model != "mlp"
        options = {"activation": controls["activation"].value} if model == "mlp" else {}
        result = training.train(
            model,
            steps=controls["steps"].value,
            learning_rate=controls["learning_rate"].value,
            init_scale=controls["init_scale"].value,
            loss=controls["loss"].value,
            **options,
        )
        update_loss_curve(artists, result.losses)
        update_norm_curves(artists, result.grad_norms)  # fixed axes: no redraw
        return describe_run(result, controls["loss"].value)

    return Explorer(
        "Training: Adam on one example, compiled once",
        controls.values(),
        view,
        update,
        question="Pick custom_square and the naive loss, then find a learning rate at "
        "which the loss turns NaN. What does the stable loss do at that rate?",
    )
