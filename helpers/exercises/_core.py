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
        colour = "#1a7f37" if self.correct else "#b35900"
        text = html.escape(repr(self)).replace("\n", "<br>")
        return f"<div style='border-left:4px solid {colour};padding-left:8px'>{text}</div>"


def right(message):
    return Feedback(True, message)


def wrong(message, hint):
    return Feedback(False, message, hint)


def as_array(answer, name="answer"):
    """The answer as a float64 array, or None if it cannot be read as numbers."""
    if answer is None or answer is Ellipsis:
        return None
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def check_array(answer, expected, what, hint, rtol=1e-4, atol=1e-6):
    """Feedback for an array answer compared with `expected` (shape first, then values)."""
    expected = np.asarray(expected, dtype=np.float64)
    got = as_array(answer)
    if got is None:
        return wrong(f"{what}: replace the ... with your answer (numbers, a list, an "
                     "array or a tensor).", hint)
    if got.shape != expected.shape:
        return wrong(f"{what}: expected shape {expected.shape}, got {got.shape}.", hint)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        return wrong(f"{what}: the shape is right but the values differ (largest "
                     f"difference {np.nanmax(np.abs(got - expected)):.3g}).", hint)
    return right(f"{what} matches.")


def check_choice(answer, expected, what, hint, choices):
    """Feedback for a multiple-choice answer (a string from `choices`)."""
    if answer not in choices:
        return wrong(f"{what}: answer with one of {list(choices)}; got {answer!r}.", hint)
    if answer != expected:
        return wrong(f"{what}: {answer!r} is not it.", hint)
    return right(f"{what}: {expected!r}.")
