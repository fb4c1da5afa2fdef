"""Lesson 05: loss and gradient-norm curves, the training explorer and the checks."""

import numpy as np
from ipywidgets import Dropdown, FloatLogSlider, IntSlider

from helpers import training
from helpers.explorer import Explorer, FigureView, number_text, warn_nonfinite
from helpers.feedback import answer_problem, check_array, right, wrong

# log axes cannot show 0: np.clip puts values <= FLOOR on the bottom edge (NaN: a gap)
FLOOR, CEILING = 1e-8, 1e5
NORM_COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52")


def draw_loss_curves(ax, curves):
    """One log-y line per entry of `curves` (label -> per-step losses) (lesson 05)."""
    for label, losses in curves.items():
        ax.plot(np.arange(len(losses)), np.clip(losses, FLOOR, CEILING), label=label)
    ax.set(yscale="log", xlabel="step", ylabel="loss", title="loss during training")
    ax.legend(loc="upper right", fontsize="small")


def settled_step(mask):
    """The first index from which `mask` holds to the end, or None (lesson 05)."""
    if not mask[-1]:
        return None
    return len(mask) - int(np.argmax(~mask[::-1])) if not mask.all() else 0


def describe_run(result, loss_name):
    """The status (HTML): where the run ended and why it stopped if it did (lesson 05)."""
    losses = result.losses + 0.0  # + 0.0 turns a loss of -0.0 into 0.0
    true_prob = number_text(result.final_probs[training.TRUE_CLASS], 4)
    sentences = [
        f"loss {number_text(losses[0])} → {number_text(losses[-1])} after",
        f"{len(losses)} steps; p(true class) = {true_prob}.",
    ]
    nan_at, zero_at = np.flatnonzero(np.isnan(losses)), np.flatnonzero(losses <= 0)
    if nan_at.size:
        why = (
            "log(softmax) = log(0) = -inf once a probability underflows, and 0 × (-inf) "
            "= NaN; then NaN gradients make every weight NaN. Choose loss 'stable'."
            if loss_name == "naive"
            else "a NaN weight makes every later step NaN."
        )
        why = f"It is NaN from step {nan_at[0]}: {why}"
        sentences.insert(0, warn_nonfinite("the loss", losses) + why)
    zero_from = settled_step(losses <= 0)
    if zero_from is not None:
        sentences.append(
            f"The loss is exactly 0 from step {zero_from} on "
            "(p(true class) rounds to 1 in float32)."
        )
    elif zero_at.size:
        sentences.append(f"The loss touched exactly 0 at step {zero_at[0]}, then rose.")
    all_zero = np.all([norms == 0 for norms in result.grad_norms.values()], axis=0)
    dead_from = settled_step(all_zero)
    if dead_from is not None and not nan_at.size:
        sentences.append(
            f"Every gradient is exactly 0 from step {dead_from} on: softmax saturated "
            "to a one-hot, so p - y = 0 and training has stopped."
        )
    if loss_name == "softmax_twice":  # p in [0, 1] as logits: at best -log(e / (e + 2))
        sentences.append("Softmax applied twice cannot go below log(e + 2) - 1 = 0.5514.")
    return " ".join(sentences)


def training_explorer():
    """Six controls → a compiled training run: loss, gradient norms (lesson 05)."""
    learning_rate = FloatLogSlider(0.01, min=-4, max=1, description="learning rate")
    steps = IntSlider(1000, min=10, max=5000, step=10, description="steps")
    model = Dropdown(options=list(training.MODELS), description="model")
    activation = Dropdown(options=training.ACTIVATIONS, description="activation")
    init_scale = FloatLogSlider(1.0, min=-1, max=2, description="init scale")
    loss = Dropdown(options=training.LOSSES, description="loss")
    view = FigureView(figsize=(9, 3.4))
    loss_ax, norm_ax = view.figure.subplots(1, 2)
    # fixed log-log axes: runs of any length fit, and a move never redraws them
    for ax, title in ((loss_ax, "loss"), (norm_ax, "gradient norm |dL/dw|")):
        ax.set(xscale="log", yscale="log", xlim=(1, steps.max), title=title)
        ax.set_ylim(FLOOR / 2, CEILING * 2)
        ax.set(xlabel="step (log scale)", ylabel="log scale (0 on the bottom edge)")
        ax.grid(alpha=0.3)
    loss_line = loss_ax.plot([], [], color="#333333")[0]
    norm_lines = [norm_ax.plot([], [], color=colour)[0] for colour in NORM_COLOURS]
    # each norm line is named by a label in its colour, top right
    corner = {"transform": norm_ax.transAxes, "ha": "right", "va": "top", "size": "small"}
    names = [
        norm_ax.text(0.98, 0.93 - 0.08 * index, "", color=colour, **corner)
        for index, colour in enumerate(NORM_COLOURS)
    ]
    view.figure.tight_layout()
    view.animate(loss_line, *norm_lines, *names)

    def update():
        activation.disabled = model.value != "mlp"  # only the mlp has a hidden layer
        mlp_only = {} if activation.disabled else {"activation": activation.value}
        options = {"init_scale": init_scale.value, "loss": loss.value, **mlp_only}
        result = training.train(model.value, steps.value, learning_rate.value, **options)
        step_numbers = np.arange(1, steps.value + 1)
        loss_line.set_data(step_numbers, np.clip(result.losses, FLOOR, CEILING))
        # lines beyond the model's variables get no data and no name
        norms = [*result.grad_norms.items(), *[("", [])] * len(names)]
        for line, label, (name, values) in zip(norm_lines, names, norms):
            line.set_data(step_numbers[: len(values)], np.clip(values, FLOOR, CEILING))
            label.set_text(name)
        return describe_run(result, loss.value)

    return Explorer(
        "Training: Adam on one example, compiled once",
        [learning_rate, steps, model, activation, init_scale, loss],
        view,
        update,
        question="Pick custom_square and the naive loss, then find a learning rate at "
        "which the loss turns NaN. What does the stable loss do at that rate?",
    )


def check_adam_first_step(answer):
    """The size of Adam's first step at learning rate 0.05, any gradient (lesson 05)."""
    hint = (
        "After one step Adam's bias-corrected averages are m = g and v = g², and the "
        "step is learning_rate · m / sqrt(v). Work it out for g, then for 1000 g."
    )
    return check_array(answer, 0.05, "the size of Adam's first step", hint, atol=1e-5)


def check_nan_learning_rate(answer):
    """A learning rate that makes custom_square's naive loss NaN (lesson 05)."""
    hint = (
        "NaN needs a probability that underflows to exactly 0, and that needs big "
        "steps. In the explorer pick model custom_square and loss naive, then move the "
        "learning rate up until the status turns red."
    )
    if answer is Ellipsis:
        return wrong("Replace the ... with one learning rate (a number > 0).", hint)
    problem = answer_problem(answer)
    if problem or np.ndim(answer) != 0:
        problem = problem or f"pass one number, not shape {np.shape(answer)}"
        return wrong(f"The learning rate: {problem}.", hint)
    learning_rate = float(np.asarray(answer))
    try:  # train() refuses a rate that is not finite and > 0 in float32
        naive = training.train("custom_square", learning_rate=learning_rate, loss="naive")
        stable = training.train("custom_square", learning_rate=learning_rate)
    except ValueError as error:
        return wrong(str(error), hint)
    nan_at = np.flatnonzero(np.isnan(naive.losses))
    if not nan_at.size:
        return wrong(f"At {learning_rate:g} the naive loss never turns NaN.", hint)
    if not np.isfinite(stable.losses).all():
        return wrong(f"At {learning_rate:g} even the stable loss is not finite.", hint)
    return right(
        f"At learning rate {learning_rate:g} the naive loss is NaN from step "
        f"{nan_at[0]}; the stable loss ends at {stable.losses[-1] + 0.0:.4f}."
    )


def check_softmax_twice_floor(answer):
    """The lowest loss softmax applied twice can reach with 10 classes (lesson 05)."""
    hint = (
        "The best the first softmax can give is a one-hot p (1 for the true class, 0 "
        "for the 9 others). The loss is -log of the true class's entry in softmax(p)."
    )
    what = "the floor of the softmax-twice loss with 10 classes"
    return check_array(answer, np.log(np.e + 9) - 1, what, hint, atol=1e-3)
