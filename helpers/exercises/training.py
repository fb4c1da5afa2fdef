"""Lesson 05: checks on Adam's first step, the naive loss's NaN, and softmax twice."""

import numpy as np

from helpers import training
from helpers.feedback import answer_problem, as_array, check_array, right, wrong

EXERCISE_LEARNING_RATE = 0.05


def check_adam_first_step(answer):
    """The size of Adam's first step at learning rate 0.05, any gradient (lesson 05)."""
    return check_array(
        answer,
        EXERCISE_LEARNING_RATE,
        "the size of Adam's first step",
        "After one step Adam's bias-corrected averages are m = g and v = g², and the "
        "step is learning_rate · m / sqrt(v). Work it out for g, then for 1000 g.",
        atol=1e-5,
    )


def check_nan_learning_rate(answer):
    """A learning rate that makes custom_square's naive loss NaN (lesson 05)."""
    hint = (
        "NaN needs a probability that underflows to exactly 0, and that needs big "
        "steps. In the explorer pick model custom_square and loss naive, then move the "
        "learning rate up until the status turns red."
    )
    if answer is Ellipsis:
        return wrong("Replace the ... with one learning rate (a number > 0).", hint)
    learning_rate = as_array(answer)
    if learning_rate is None or learning_rate.shape != ():
        problem = answer_problem(answer) or f"your answer has shape {np.shape(answer)}"
        return wrong(
            f"{problem[0].upper()}{problem[1:]}. Pass one learning rate: a "
            "number > 0, e.g. 0.5.",
            hint,
        )
    learning_rate = float(learning_rate)
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        return wrong(f"A learning rate is a finite number > 0; got {answer!r}.", hint)
    try:
        runs = {
            loss: training.train("custom_square", learning_rate=learning_rate, loss=loss)
            for loss in ("naive", "stable")
        }
    except ValueError as error:  # beyond what float32 holds
        return wrong(str(error), hint)
    if not np.isnan(runs["naive"].losses).any():
        return wrong(
            f"At learning rate {learning_rate:g} the naive loss stays finite for "
            "1000 steps.",
            hint,
        )
    if not np.isfinite(runs["stable"].losses).all():
        return wrong(f"At {learning_rate:g} even the stable loss is not finite.", hint)
    first_nan = int(np.argmax(np.isnan(runs["naive"].losses)))
    return right(
        f"At learning rate {learning_rate:g} the naive loss is NaN from step "
        f"{first_nan}; the stable loss ends at {runs['stable'].losses[-1] + 0.0:.4f}."
    )


def check_softmax_twice_floor(answer):
    """The lowest loss softmax applied twice can reach with 10 classes (lesson 05)."""
    classes = 10
    return check_array(
        answer,
        np.log(np.e + classes - 1) - 1,
        "the floor of the softmax-twice loss with 10 classes",
        "The best the first softmax can give is a one-hot p (1 for the true class, 0 "
        "for the 9 others). The loss is -log of the true class's entry in softmax(p).",
        atol=1e-3,
    )
