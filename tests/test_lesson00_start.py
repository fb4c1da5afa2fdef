"""Lesson 00 (start here): the first slider's prediction and the warm-up checks."""

import re

import numpy as np
import pytest
import tensorflow as tf

import helpers
from helpers.lessons.l00_start import (
    check_half_logit,
    check_probs_sum,
    first_slider_explorer,
)


def cat_probability(logit):
    return float(helpers.softmax_stable(tf.constant([logit, 1.0, 0.0], tf.float64))[0])


def test_the_predicted_logit_makes_cat_and_dog_equally_likely():
    explorer = first_slider_explorer()
    explorer.set({"logit of cat": float(explorer.prediction.answer)})
    shown = dict(re.findall(r"p\((\w+)\) = ([\d.]+)", explorer.status.value))
    assert shown == {"cat": "0.422", "dog": "0.422"}
    assert "denominator" not in explorer.status.value  # the why waits for a prediction


def test_check_half_logit_accepts_the_derived_value_and_its_printed_decimals():
    derived = np.log(np.e + 1.0)
    assert cat_probability(derived) == pytest.approx(0.5, abs=1e-12)
    assert check_half_logit(derived)
    assert check_half_logit(round(derived, 4))
    assert check_half_logit(tf.constant(derived, tf.float32))


@pytest.mark.parametrize("answer", [1.3, 1.31, 1.0, 2.0, np.log(np.e), np.e + 1.0])
def test_check_half_logit_refuses_slider_readings_and_wrong_equations(answer):
    feedback = check_half_logit(answer)
    assert not feedback and feedback.hint and "1.31" not in feedback.hint


def test_check_half_logit_says_a_slider_reading_is_close_but_not_it():
    assert "slider" in check_half_logit(1.3).hint
    assert "slider" not in check_half_logit(1.0).hint
    close = check_half_logit(1.313)  # not a multiple of 0.1: not the slider's
    assert "slider" not in close.hint and "4 decimals" in close.hint


def test_check_probs_sum():
    probs = helpers.softmax_stable([3.0, -1.0, 0.5, 2.0])
    assert check_probs_sum(tf.reduce_sum(probs))
    assert check_probs_sum(1)
    assert not check_probs_sum(0.9) and check_probs_sum(0.9).hint
