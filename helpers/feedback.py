"""Feedback for exercise checks: correct, or what is wrong and a hint."""

import html
from dataclasses import dataclass

import numpy as np


@dataclass
class Feedback:
    """The verdict of a check_... function; truthy only when the answer is right."""

    correct: bool
    message: str
    hint: str = ""

    def __bool__(self):
        return self.correct

    def __repr__(self):
        if self.correct:
            return f"Correct. {self.message}"
        return f"Not yet. {self.message}" + (f"\nHint: {self.hint}" if self.hint else "")

    def _repr_html_(self):
        colour = "#1a7f37" if self.correct else "#9c4a00"
        text = html.escape(repr(self)).replace("\n", "<br>")
        style = f"border-left:4px solid {colour};padding-left:8px"
        return f"<div style='{style}'>{text}</div>"


def right(message):
    return Feedback(True, message)


BLANK = "replace the ... with your"


def wrong(message, hint):
    # an exercise still holding `...` says only what to fill in: the hint waits for a
    # wrong answer, so the stored notebook does not show it before the learner tries
    return Feedback(False, message, "" if BLANK in message.lower() else hint)


KINDS = "numbers: a number, a list, an array or a tensor"


def as_array(answer):
    """The answer as a float64 array, or None if it is not real numbers (None, ..., text,
    booleans, complex numbers, ragged lists, functions, dicts)."""
    return None if answer_problem(answer) else np.asarray(answer).astype(np.float64)


def answer_problem(answer):
    """What is wrong with the KIND of an answer that should be numbers, or '' if it is
    numbers (NaN and inf included: they are numbers, just wrong ones)."""
    if answer is Ellipsis:
        return f"{BLANK} answer ({KINDS})"
    if answer is None:
        return f"your answer is None (a function with no return gives None); pass {KINDS}"
    if callable(answer) and not hasattr(answer, "__array__"):
        return f"your answer is a function, not numbers; call it and pass the result ({KINDS})"
    if isinstance(answer, (str, bytes, dict, set)):
        return f"your answer is a {type(answer).__name__}; pass real {KINDS}"
    try:
        array = np.asarray(answer)
    except (TypeError, ValueError):
        return f"your answer has rows of different lengths; pass {KINDS} with equal rows"
    if array.dtype.kind not in "iuf":
        names = {"b": "True/False", "c": "complex numbers", "U": "text"}
        what = names.get(array.dtype.kind, "not numbers")
        return f"your answer is {what}; pass real {KINDS}"
    if array.size == 0:
        return f"your answer is empty; pass {KINDS}"
    return ""


def check_array(answer, expected, what, hint, rtol=1e-4, atol=1e-4):
    """Feedback for an array answer compared with `expected` (shape first, then values).

    The one rule: an answer copied with the 4 decimals the course prints is right (within
    1e-4, or 1e-4 relative for numbers above 1); a check of numbers smaller than that
    passes its own `atol` and prints them in scientific notation.
    """
    expected = np.asarray(expected, dtype=np.float64)
    problem = answer_problem(answer)
    if problem:
        return wrong(f"{what}: {problem}.", hint)
    got = as_array(answer)
    if got.shape != expected.shape:
        return wrong(f"{what}: expected shape {expected.shape}, got {got.shape}.", hint)
    nonfinite = ~np.isfinite(got) & np.isfinite(expected)
    if nonfinite.any():
        return wrong(
            f"{what}: your answer holds NaN or inf where a finite number is "
            f"expected ({int(nonfinite.sum())} of {got.size} values).",
            hint,
        )
    differ = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if differ.any():  # how many, never by how much: that would give the answer away
        count = f"{int(differ.sum())} of {got.size} values differ" if got.size > 1 else ""
        return wrong(f"{what}: {count or 'the value differs'}.", hint)
    return right(f"{what} matches.")


def check_choice(answer, expected, what, hint, choices):
    """Feedback for a multiple-choice answer (a string from `choices`)."""
    if answer is Ellipsis:
        return wrong(f"{what}: {BLANK} choice, one of {list(choices)}.", hint)
    if not isinstance(answer, str) or answer not in choices:
        return wrong(f"{what}: answer with one of {list(choices)}; got {answer!r}.", hint)
    if answer != expected:
        return wrong(f"{what}: {answer!r} is not it.", hint)
    return right(f"{what}: {expected!r}.")


def check_kind_predictions(predictions, labels, kinds, kind_of, hint, synonyms=None):
    """Feedback for a dict label -> predicted kind, each checked against kind_of(label).

    `labels` are the keys the dict must have, `kinds` the values it may hold, in any
    case, with Python None for 'None' and 0 for 'zero'; `synonyms` maps other words the
    course uses to a kind. kind_of runs the case (under a tape) and returns what happens.
    """
    if predictions is Ellipsis:
        return wrong(
            f"{BLANK} dict: keys {list(labels)}, values from {list(kinds)}.", hint
        )
    if not isinstance(predictions, dict) or set(predictions) != set(labels):
        return wrong(f"answer with a dict whose keys are {list(labels)}.", hint)
    words = {kind.casefold(): kind for kind in kinds}
    words.update({word.casefold(): kind for word, kind in (synonyms or {}).items()})

    def kind_named(value):
        if value is None:
            value = "None"
        elif (
            isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0
        ):
            value = "zero"
        return words.get(value.strip().casefold()) if isinstance(value, str) else None

    named = {label: kind_named(value) for label, value in predictions.items()}
    bad = [label for label, kind in named.items() if kind is None]
    if bad:
        return wrong(f"each value must be one of {list(kinds)}; check {bad}.", hint)
    missed = [label for label in labels if named[label] != kind_of(label)]
    if missed:
        return wrong(
            f"{len(missed)} of {len(labels)} predictions differ from the tape: {missed}.",
            hint,
        )
    return right("every prediction matches what the tape returns.")


def function_problem(fn, name):
    """What is wrong with something that should be a function, or '' if it is one."""
    if fn is Ellipsis:
        return f"{name}: {BLANK} function"
    if not callable(fn):  # None too: often what a called function returned
        what = "None" if fn is None else f"a {type(fn).__name__}, not a function"
        return (
            f"{name} is {what}; pass the function itself (its name, without "
            "parentheses), not what it returns"
        )
    return ""
