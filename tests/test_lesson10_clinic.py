"""Lesson 10's helpers: the checklist, the gallery, its bars, the explorer, the checks."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import helpers
from helpers import clinic
from helpers.doctor import CAUSES, Finding, Report
from helpers.exercises import (
    check_accuracy_bug_fixed,
    check_group_means_fixed,
    check_regression_bugs_fixed,
)
from helpers.plots.clinic import (
    NONE_HEIGHT,
    draw_element_bars,
    draw_text_panel,
    element_bar_data,
    panel_size,
    text_pixels,
    update_element_bars,
    update_text_panel,
)
from helpers.widgets import clinic_explorer

LESSON = Path(__file__).parent.parent / "notebooks" / "10_gradient_clinic.ipynb"
NAMES = list(clinic.GALLERY)


# --------------------------------------------------------------------------- gallery


@pytest.mark.parametrize("name", NAMES)
def test_broken_version_gets_the_diagnosis_it_claims_and_the_fix_is_ok(name):
    broken = helpers.diagnose(*clinic.program(name))
    fixed = helpers.diagnose(*clinic.program(name, fixed=True))
    assert {f.name: (f.status, f.cause) for f in broken} == clinic.GALLERY[name].expected
    assert [f.status for f in fixed] == ["ok"] * len(fixed)


def test_the_gallery_shows_every_cause_a_healthy_and_a_partly_zero_program():
    findings = [
        pair for entry in clinic.GALLERY.values() for pair in entry.expected.values()
    ]
    assert {cause for _, cause in findings} - {None} == set(CAUSES)
    assert ("ok", None) in [entry.finding for entry in clinic.GALLERY.values()]
    assert "partly_zero" in {status for status, _ in findings}


@pytest.mark.parametrize("name", NAMES)
def test_sources_fit_the_explorer_panel_and_the_fix_is_a_few_lines(name):
    for fixed in (False, True):
        lines = clinic.program_source(name, fixed).splitlines()
        assert lines[0].startswith("def ") and len(lines) <= 12
        assert max(len(line) for line in lines) <= 72
    changed = clinic.changed_lines(name)
    assert (changed == []) == (clinic.GALLERY[name].finding == ("ok", None))
    assert len(changed) <= 2


def test_programs_are_made_afresh_each_time():
    (_, [first]), (_, [second]) = (
        clinic.program("raw pixels"),
        clinic.program("raw pixels"),
    )
    assert first is not second
    first.assign_add(tf.ones_like(first))
    assert not np.array_equal(first.numpy(), second.numpy())


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: clinic.program("no such program"), ValueError, "dead layer"),
        (lambda: clinic.program_source("dead layer", fixed="yes"), TypeError, "fixed"),
        (lambda: clinic.diagnosis(3), TypeError, "name must be a str"),
        (lambda: clinic.changed_lines(["dead layer"]), TypeError, "name"),
        (lambda: clinic.element_gradients([("w", 1.0)]), TypeError, "report"),
    ],
)
def test_bad_names_flags_and_reports_are_rejected_saying_what_to_pass(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --------------------------------------------------------------------------- checklist


def test_the_checklist_covers_every_cause_and_cites_existing_lessons():
    assert {cause for *_, cause, _ in clinic.CHECKLIST} == set(CAUSES)
    assert [symptom for symptom, *_ in clinic.CHECKLIST] == sorted(
        (s for s, *_ in clinic.CHECKLIST), key=["None", "zero", "NaN"].index
    )
    for *_, lesson in clinic.CHECKLIST:
        assert list(LESSON.parent.glob(f"{lesson[:2]}_*.ipynb")), lesson


def test_the_lessons_checklist_is_the_one_in_helpers():
    notebook = nbformat.read(LESSON, as_version=4)
    checklist = next(
        c.source for c in notebook.cells if c.source.startswith("## The checklist")
    )
    items = re.findall(r"^\d+\. .*→ `(\w+)`, \[([^\]]+)\]", checklist, re.MULTILINE)
    assert items == [(cause, lesson) for *_, cause, lesson in clinic.CHECKLIST]


# --------------------------------------------------------------------------- bars


def _report(gradients):
    """A Report whose findings carry these gradients (None: no gradient)."""
    return Report(
        tuple(
            Finding(f"v{i}", "ok" if g is not None else "none", None, ".", ".", g)
            for i, g in enumerate(gradients)
        )
    )


finite = st.floats(-1e3, 1e3, width=32).filter(lambda v: abs(v) > 1e-3)
gradients = st.lists(
    st.one_of(
        st.none(),
        st.lists(finite, min_size=1, max_size=4).map(lambda v: np.array(v, np.float32)),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=30, deadline=None)
@given(gradients)
def test_element_gradients_one_entry_per_element_or_none(grads):
    entries = clinic.element_gradients(_report(grads))
    expected = [
        value for g in grads for value in ([None] if g is None else g.astype(float))
    ]
    assert [value for _, value in entries] == expected
    labels = [label for label, _ in entries]
    assert len(set(labels)) == len(labels)


@settings(max_examples=30, deadline=None)
@given(gradients)
def test_bar_heights_are_scaled_by_the_largest_and_none_is_drawn_apart(grads):
    entries = clinic.element_gradients(_report(grads))
    rows = element_bar_data(entries)
    largest = max((abs(v) for _, v in entries if v is not None), default=0.0)
    for (_, value), (_, height, text, kind) in zip(entries, rows, strict=True):
        if value is None:
            assert (height, text, kind) == (NONE_HEIGHT, "None", "none")
        else:
            assert kind == "value" and height == pytest.approx(value / largest)
    heights = [abs(height) for _, height, _, kind in rows if kind == "value"]
    assert max(heights, default=1.0) == pytest.approx(1.0)


def test_nan_and_inf_are_bars_at_zero_labelled_plainly():
    rows = element_bar_data(
        [("a", float("nan")), ("b", float("-inf")), ("c", 2.0), ("d", 0.0)]
    )
    assert [(h, t, k) for _, h, t, k in rows] == [
        (0.0, "NaN", "nonfinite"),
        (0.0, "-inf", "nonfinite"),
        (1.0, "2", "value"),
        (0.0, "0", "value"),
    ]


def test_update_element_bars_shows_as_many_bars_as_entries():
    ax = Figure().subplots()
    artists = draw_element_bars(ax, max_bars=5)
    update_element_bars(artists, [("w[0]", -3.0), ("b", None)])
    bars, values, names = artists
    assert [bar.get_visible() for bar in bars] == [True, True, False, False, False]
    assert [bars[0].get_height(), bars[1].get_height()] == [-1.0, NONE_HEIGHT]
    assert [v.get_text() for v in values[:2]] == ["-3", "None"]
    assert not bars[1].get_fill() and names[1].get_text() == "b"


def test_text_pixels_fill_the_panel_exactly_and_show_in_it():
    pixels = text_pixels("def f():\n    return 1", (300, 120), 96)
    assert pixels.shape == (120, 300, 4) and pixels[..., 3].max() > 0
    figure = Figure(figsize=(4, 2), dpi=96)
    ax = figure.add_axes([0.1, 0.1, 0.8, 0.8])
    image = draw_text_panel(ax, "the program")
    update_text_panel(image, text_pixels("x = 1", panel_size(ax), 96))
    assert image.get_array().shape == (*panel_size(ax)[::-1], 4)


def _bars():
    return draw_element_bars(Figure().subplots(), max_bars=2)


@pytest.mark.parametrize(
    "call, error, parameter",
    [
        (lambda: draw_element_bars("ax", 3), TypeError, "ax"),
        (lambda: draw_element_bars(Figure().subplots(), 0), ValueError, "max_bars"),
        (lambda: draw_element_bars(Figure().subplots(), 2.5), TypeError, "max_bars"),
        (lambda: element_bar_data("w"), TypeError, "entries"),
        (lambda: element_bar_data([("w", "big")]), TypeError, r"entries\[0\]\[1\]"),
        (lambda: element_bar_data([(0, 1.0)]), TypeError, r"entries\[0\]\[0\]"),
        (lambda: element_bar_data([1.0]), TypeError, r"entries\[0\]"),
        (lambda: update_element_bars(None, []), TypeError, "artists"),
        (lambda: update_element_bars(_bars(), [("a", 1.0)] * 3), ValueError, "max_bars"),
        (lambda: draw_text_panel(Figure().subplots(), 3), TypeError, "title"),
        (lambda: text_pixels(None, (10, 10), 96), TypeError, "text"),
        (lambda: text_pixels("x", (10,), 96), TypeError, "size"),
        (lambda: text_pixels("x", (10, 0), 96), ValueError, r"size\[1\]"),
        (lambda: text_pixels("x", (10, 10), -1), ValueError, "dpi"),
        (lambda: panel_size(None), TypeError, "ax"),
        (lambda: update_text_panel(None, np.zeros((2, 2, 4))), TypeError, "image"),
    ],
)
def test_drawing_functions_reject_bad_input_naming_the_parameter(call, error, parameter):
    with pytest.raises(error, match=parameter) as raised:
        call()
    assert re.search(r"\b(must|pass|draw)\b", str(raised.value))


def test_update_text_panel_rejects_pixels_that_are_not_rgba_bytes():
    ax = Figure(figsize=(2, 1), dpi=50).add_axes([0, 0, 1, 1])
    image = draw_text_panel(ax, "t")
    with pytest.raises(TypeError, match="pixels must be an RGBA uint8 array"):
        update_text_panel(image, np.zeros((2, 2, 4)))  # floats


# --------------------------------------------------------------------------- explorer


def test_explorer_survives_every_program_and_version_and_redraws():
    explorer = clinic_explorer()
    program, version = explorer.controls
    images = set()
    for name in NAMES:
        for fixed in ("broken", "fixed", "broken"):
            program.value, version.value = name, fixed
            assert explorer.error is None, f"{name}, {fixed}:\n{explorer.error}"
            images.add(explorer.view.image.value)
            assert name in explorer.status.value
    # the healthy program looks the same broken and fixed
    assert len(images) == 2 * len(NAMES) - 1
    assert explorer._repr_mimebundle_()["image/png"].startswith(b"\x89PNG")


def test_explorer_labels_none_and_nan_plainly():
    explorer = clinic_explorer()
    program, version = explorer.controls
    version.value = "broken"
    value_labels = explorer.view.figure.axes[1].texts
    program.value = "lazy layer"
    assert "None" in [t.get_text() for t in value_labels if t.get_visible()]
    program.value = "log in tf.where"
    assert "NaN" in [t.get_text() for t in value_labels if t.get_visible()]
    assert "nan_from_unselected_branch" in explorer.status.value


# --------------------------------------------------------------------------- checks


def _accuracy_programs():
    w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")

    def broken():
        logits = clinic.FEATURES @ w
        predicted = tf.argmax(logits, axis=1, output_type=tf.int32)
        return 1.0 - tf.reduce_mean(tf.cast(predicted == clinic.LABELS, tf.float32))

    def fixed():
        return clinic.cross_entropy(clinic.LABELS, clinic.FEATURES @ w)

    def other_loss():  # the gradient flows, but it is not the cross-entropy
        return tf.reduce_sum((clinic.FEATURES @ w) ** 2)

    return w, broken, fixed, other_loss


def _regression_programs():
    integer_w, w = tf.Variable([1, -1], name="w"), tf.Variable([1.0, -1.0], name="w")

    def broken(weights):
        predictions = tf.linalg.matvec(clinic.FEATURES, tf.cast(weights, tf.float32))
        errors = predictions.numpy() - clinic.TARGETS
        return tf.reduce_mean(errors**2)

    def fixed():
        errors = tf.linalg.matvec(clinic.FEATURES, w) - clinic.TARGETS
        return tf.reduce_mean(errors**2)

    def other_loss():
        return tf.reduce_sum(tf.abs(tf.linalg.matvec(clinic.FEATURES, w)))

    return integer_w, w, broken, fixed, other_loss


def _group_programs():
    counts = tf.constant([0.0, 2.0, 4.0])
    totals = tf.Variable([0.0, 3.0, 2.0], name="totals")

    def broken():
        return tf.reduce_sum(tf.where(counts > 0, totals / counts, totals))

    def fixed():
        safe = tf.where(counts > 0, counts, 1.0)
        return tf.reduce_sum(tf.where(counts > 0, totals / safe, totals))

    def dropped_group():  # no NaN, but the empty group's total no longer counts
        return tf.reduce_sum(totals[1:] / counts[1:])

    def other_loss():  # gradients flow, the value is off by one
        safe = tf.where(counts > 0, counts, 1.0)
        return tf.reduce_sum(tf.where(counts > 0, totals / safe, totals)) + 1.0

    return totals, broken, fixed, dropped_group, other_loss


def test_accuracy_check_rejects_the_bug_and_a_different_loss_and_accepts_the_fix():
    w, broken, fixed, other_loss = _accuracy_programs()
    feedback = check_accuracy_bug_fixed(broken, w)
    assert not feedback and "non_differentiable_op" in feedback.message
    assert "cross-entropy" in feedback.hint
    assert not check_accuracy_bug_fixed(other_loss, w)
    assert check_accuracy_bug_fixed(fixed, w)


def test_regression_check_names_each_bug_in_turn_and_accepts_both_fixed():
    integer_w, w, broken, fixed, other_loss = _regression_programs()
    first = check_regression_bugs_fixed(lambda: broken(integer_w), integer_w)
    second = check_regression_bugs_fixed(lambda: broken(w), w)
    assert not first and "integer_dtype" in first.message
    assert not second and "left_tensorflow" in second.message
    assert not check_regression_bugs_fixed(other_loss, w)
    assert check_regression_bugs_fixed(fixed, w)


def test_group_means_check_rejects_the_nan_and_a_dropped_group_and_accepts_the_fix():
    totals, broken, fixed, dropped_group, other_loss = _group_programs()
    feedback = check_group_means_fixed(broken, totals)
    assert not feedback and "nan_from_unselected_branch" in feedback.message
    dropped = check_group_means_fixed(dropped_group, totals)
    assert not dropped and "partly_zero (unused)" in dropped.message
    off_by_one = check_group_means_fixed(other_loss, totals)
    assert not off_by_one and "gives 3.0000" in off_by_one.message
    assert check_group_means_fixed(fixed, totals)


@pytest.mark.parametrize(
    "check, source",
    [
        (check_accuracy_bug_fixed, tf.Variable(tf.ones((2, 2)))),
        (check_regression_bugs_fixed, tf.Variable([1.0, 2.0])),
        (check_group_means_fixed, tf.Variable([1.0, 2.0, 3.0])),
    ],
)
def test_checks_say_what_to_pass(check, source):
    assert "loss function itself" in check(..., source).message
    assert "tf.Variable of shape" in check(lambda: tf.constant(1.0), tf.ones(3)).message
    assert "one number" in check(lambda: source * 2.0, source).message
