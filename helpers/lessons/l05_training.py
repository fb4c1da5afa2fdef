"""Lesson 05: the training explorer (loss and gradient-norm curves) and the checks."""

import numpy as np
from ipywidgets import Dropdown, FloatLogSlider, IntSlider

from helpers import explorer, training
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import answer_problem, check_array, check_choice, right, wrong

# log axes cannot show 0: np.clip puts values <= FLOOR on the bottom edge (NaN: a gap)
FLOOR, CEILING = 1e-8, 1e5
NORM_STYLES = tuple(zip(explorer.PALETTE[1::2], ("-", "--", ":", "-.")))  # colour, dash
PREDICTION = Prediction(
    choices=("near 0", "exactly 0", "NaN", "still above 100"),
    answer="still above 100",
    explanation="Adam moves each weight by about the learning rate per step, however "
    "large the gradient: 1000 steps of 0.01 move a weight by about 10, and the logits "
    "start hundreds apart. At learning rate 0.1 the loss ends near 0.",
)


def settled_step(mask):
    """The first index from which `mask` holds to the end, or None (lesson 05)."""
    if not mask[-1]:
        return None
    return len(mask) - int(np.argmax(~mask[::-1])) if not mask.all() else 0


def describe_run(result):
    """The status (HTML): the run's end; when it is NaN or exactly 0 (lesson 05)."""
    losses = result.losses + 0.0  # + 0.0 turns a loss of -0.0 into 0.0
    true_prob = number_text(result.final_probs[training.TRUE_CLASS], 4)
    sentences = [
        f"loss {number_text(losses[0])} → {number_text(losses[-1])} after",
        f"{len(losses)} steps; p(true class) = {true_prob}.",
    ]
    nan_at = np.flatnonzero(np.isnan(losses))
    if nan_at.size:
        nan_from = f"It is NaN from step {nan_at[0]}."
        sentences.insert(0, warn_nonfinite("the loss", losses) + nan_from)
    zero_from, zero_at = settled_step(losses <= 0), np.flatnonzero(losses <= 0)
    if zero_from is not None:
        sentences.append(f"The loss is exactly 0 from step {zero_from} on.")
    elif zero_at.size:
        sentences.append(f"The loss touched exactly 0 at step {zero_at[0]}, then rose.")
    all_zero = np.all([norms == 0 for norms in result.grad_norms.values()], axis=0)
    dead_from = settled_step(all_zero)
    if dead_from is not None and not nan_at.size:
        sentences.append(f"Every gradient is exactly 0 from step {dead_from} on.")
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
    norm_lines = [norm_ax.plot([], [], color=c, ls=style)[0] for c, style in NORM_STYLES]
    # each norm line is named by a label in its colour, top right
    corner = {"transform": norm_ax.transAxes, "ha": "right", "va": "top", "size": "small"}
    names = [
        norm_ax.text(0.98, 0.93 - 0.08 * index, "", color=line.get_color(), **corner)
        for index, line in enumerate(norm_lines)
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
        return describe_run(result)

    return Explorer(
        "Training: Adam on one example, compiled once",
        [learning_rate, steps, model, activation, init_scale, loss],
        view,
        update,
        question="Stable loss, learning rate 0.01, 1000 steps: move init scale from 1 "
        "to 100. Where is the loss after the 1000 steps?",
        prediction=PREDICTION,
    )


def check_adam_first_step(answer):
    """Adam's first step at learning rate 0.05 with 1000 times the gradient (lesson 05)."""
    hint = (
        "After one step Adam's bias-corrected averages are m = g and v = g², and the "
        "step is learning_rate · m / sqrt(v). Work it out for g, then for 1000 g."
    )
    return check_array(answer, 0.05, "the size of Adam's first step", hint)


REASONS = (  # what epsilon meets in the first step: each leads to another |g|
    "epsilon is added to |g|",
    "epsilon is added to sqrt(1 - beta_2) |g|",
    "epsilon is added to (1 - beta_1) |g|",
)


def check_adam_half_step(gradient_size, reason):
    """|g| where Keras' Adam's first step is half the learning rate, and why (lesson 05)."""
    hint = (
        "Write the first update with Keras' code: m = (1 - beta_1) g, v = (1 - beta_2) "
        "g², alpha as given; cancel what you can, set the step to learning_rate / 2 and "
        "solve for |g|. Give it to 4 significant digits."
    )
    # a size of order 1e-6, which the lesson prints as such: an atol below it
    expected = training.EPSILON / np.sqrt(1 - training.BETA_2)
    size = check_array(gradient_size, expected, "|g|", hint, atol=1e-9)
    why = check_choice(reason, REASONS[1], "the reason", hint, REASONS)
    return right(f"{size.message} {why.message}") if size and why else size and why


def check_nan_learning_rate(answer):
    """A learning rate that makes custom_square's naive loss NaN (lesson 05)."""
    hint = (
        "NaN needs a probability that underflows to exactly 0, and that needs big "
        "steps. In the explorer pick model custom_square and loss naive, then move the "
        "learning rate up until the status turns red."
    )
    if answer is Ellipsis:
        return wrong("Replace the ... with your learning rate (a number > 0).", hint)
    problem = answer_problem(answer)
    if problem or np.ndim(answer) != 0:
        problem = problem or f"pass one number, not shape {np.shape(answer)}"
        return wrong(f"The learning rate: {problem}.", hint)
    rate = float(np.asarray(answer))
    if rate == 1.0:  # pitfall 2's own run
        return wrong("1.0 is the lesson's own run: find another rate yourself.", hint)
    try:  # train() refuses a rate that is not finite and > 0 in float32
        naive = training.train("custom_square", learning_rate=rate, loss="naive")
        stable = training.train("custom_square", learning_rate=rate)
    except ValueError as error:
        return wrong(str(error), hint)
    nan_at = np.flatnonzero(np.isnan(naive.losses))
    if not nan_at.size or not np.isfinite(stable.losses).all():
        which = "the stable loss is not finite" if nan_at.size else "no NaN"
        return wrong(f"At {rate:g}: {which} in 1000 steps.", hint)
    return right(
        f"At learning rate {rate:g} the naive loss is NaN from step {nan_at[0]}; "
        f"the stable loss ends at {stable.losses[-1] + 0.0:.4f}."
    )
