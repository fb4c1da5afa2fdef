"""Lesson 10's helpers: the checklist, the gallery, the explorer, the checks."""

import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers
from helpers.diagnosis import CAUSES, Finding, Report
from helpers.exercises import (
    check_accuracy_bug_fixed,
    check_clipped_scores,
    check_group_means_fixed,
    check_regression_bugs_fixed,
)
from helpers.explorer import source_html
from helpers.lessons import l10_gradient_clinic as clinic
from helpers.widgets import clinic_explorer

LESSON = Path(__file__).parent.parent / "notebooks" / "10_gradient_clinic.ipynb"
sys.path.insert(0, str(LESSON.parent.parent / "scripts"))
import handout  # scripts/ (not a package), put on sys.path above

NAMES = list(clinic.BROKEN_PROGRAMS)


# --------------------------------------------------------------------------- gallery


@pytest.mark.parametrize("name", NAMES)
def test_broken_version_gets_the_diagnosis_it_claims_and_the_fix_is_ok(name):
    broken = helpers.diagnose(*clinic.program(name))
    fixed = helpers.diagnose(*clinic.program(name, fixed=True))
    assert {f.name: (f.status, f.cause) for f in broken} == clinic.BROKEN_PROGRAMS[
        name
    ].expected
    assert [f.status for f in fixed] == ["ok"] * len(fixed)


def test_the_gallery_shows_every_cause_a_healthy_and_a_partly_zero_program():
    expected = [entry.expected for entry in clinic.BROKEN_PROGRAMS.values()]
    findings = [pair for found in expected for pair in found.values()]
    assert {cause for _, cause in findings} - {None} == set(CAUSES)
    assert {"w": ("ok", None)} in expected
    assert "partly_zero" in {status for status, _ in findings}


@pytest.mark.parametrize("name", NAMES)
def test_sources_are_short_and_the_fix_is_one_switched_line(name):
    lines = clinic.program_source(name).splitlines()
    assert lines[0] == f"def {clinic.BROKEN_PROGRAMS[name].build.__name__}(fixed):"
    assert len(lines) <= 12 and max(len(line) for line in lines) <= 90
    changed = clinic.changed_lines(name)
    assert (changed == []) == (name == "healthy classifier")
    assert len(changed) <= 1


def test_programs_are_made_afresh_each_time():
    (_, [first]), (_, [second]) = (
        clinic.program("raw pixels"),
        clinic.program("raw pixels"),
    )
    assert first is not second
    first.assign_add(tf.ones_like(first))
    assert not np.array_equal(first.numpy(), second.numpy())


def test_diagnosis_is_computed_once_per_version_however_fixed_is_passed():
    # the lesson's cells pass `fixed` by position, by name or not at all; the explorer
    # and the closing table must reuse those reports, not diagnose every program again
    name = "raw pixels"
    assert clinic.diagnosis(name) is clinic.diagnosis(name, False)
    assert clinic.diagnosis(name, False) is clinic.diagnosis(name, fixed=False)
    assert clinic.diagnosis(name, True) is clinic.diagnosis(name, fixed=True)
    assert clinic.diagnosis(name, True) is not clinic.diagnosis(name)


# --------------------------------------------------------------------------- checklist


def test_the_checklist_covers_every_cause_and_cites_existing_lessons():
    assert {cause for *_, cause, _ in clinic.CHECKLIST} == set(CAUSES)
    assert [symptom for symptom, *_ in clinic.CHECKLIST] == sorted(
        (s for s, *_ in clinic.CHECKLIST), key=["None", "zero", "NaN"].index
    )
    for *_, lesson in clinic.CHECKLIST:
        assert list(LESSON.parent.glob(f"{lesson[:2]}_*.ipynb")), lesson


def test_the_lessons_checklist_is_the_one_in_helpers():
    # the section as the handout reads it: its slide and its speaker notes
    items = [(cause, lesson) for _, group in handout.checklist(LESSON)
             for _, cause, lesson in group]
    assert items == [(cause, lesson) for *_, cause, lesson in clinic.CHECKLIST]


# --------------------------------------------------------------------------- bars


def _report(gradients):
    """A Report whose findings carry these gradients (None: no gradient)."""
    return Report(
        Finding(f"v{i}", "ok" if g is not None else "none", None, ".", ".", g)
        for i, g in enumerate(gradients)
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


# --------------------------------------------------------------------------- explorer


def test_explorer_shows_each_programs_source_and_diagnosis_as_text():
    explorer = clinic_explorer()
    program, version = explorer.controls
    code, table = explorer.children[3:5]
    for name in NAMES:
        images = set()
        for fixed in ("broken", "fixed", "broken"):
            program.value, version.value = name, fixed
            assert explorer.error is None, f"{name}, {fixed}:\n{explorer.error}"
            images.add(bytes(explorer.view.image.value))
            assert name in explorer.status.value
            assert code.value == source_html(clinic.BROKEN_PROGRAMS[name].build)
            report = clinic.diagnosis(name, fixed == "fixed")
            assert table.value == report._repr_html_()
        # fixing a program changes its gradients; the healthy one looks the same
        assert len(images) == (1 if name == "healthy classifier" else 2), name


def test_the_prediction_fixing_changes_w_only_where_the_loss_changes():
    explorer = clinic_explorer()
    frozen, typo = (
        [clinic.diagnosis(name, fixed)["w"].gradient for fixed in (False, True)]
        for name in ("frozen scale", "unused bias")
    )
    np.testing.assert_array_equal(*frozen)  # trainable=False: the loss is the same
    assert not np.allclose(*typo)  # b replaces w[0]: the loss changed
    assert explorer.prediction.answer == "only in unused bias"
    explorer.set({"program": "unused bias", "version": "fixed"})
    assert "<b>unused bias</b>, fixed" in explorer.status.value


def test_explorer_labels_none_and_nan_plainly():
    explorer = clinic_explorer()
    program, version = explorer.controls
    version.value = "broken"
    texts = explorer.view.figure.axes[0].texts
    program.value = "lazy layer"
    assert any(t.get_text().endswith("\nNone") for t in texts)
    program.value = "log in tf.where"
    assert any(t.get_text().endswith("\nNaN") for t in texts)
    assert "nan_from_unselected_branch" in explorer.children[4].value


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
    assert "replace the ... with your `loss` (the function" in check(..., source).message
    assert "loss function itself" in check("loss", source).message
    assert "tf.Variable of shape" in check(lambda: tf.constant(1.0), tf.ones(3)).message
    assert "one number" in check(lambda: source * 2.0, source).message
    # learners' likely slips come back as Feedback, not as an exception
    assert "no arguments" in check(lambda v: tf.reduce_sum(v), source).message
    assert (
        "one number"
        in check(lambda: (tf.reduce_sum(source), source * 1.0), source).message
    )


@pytest.mark.parametrize("dtype", [tf.float16, tf.float64])
def test_a_correct_fix_in_another_float_dtype_is_accepted(dtype):
    # the reference loss casts the variable to float32, as the learner's cast does;
    # it once raised InvalidArgumentError (float16, float64 w) or TypeError (totals)
    w = tf.Variable([1, -1], dtype=dtype, name="w")

    def regression():
        predictions = tf.linalg.matvec(clinic.FEATURES, tf.cast(w, tf.float32))
        return tf.reduce_mean((predictions - clinic.TARGETS) ** 2)

    assert check_regression_bugs_fixed(regression, w)
    counts = tf.constant([0.0, 2.0, 4.0], dtype)
    totals = tf.Variable([0.0, 3.0, 2.0], dtype=dtype, name="totals")

    def group_means():
        safe = tf.where(counts > 0, counts, tf.ones_like(counts))
        return tf.reduce_sum(tf.where(counts > 0, totals / safe, totals))

    assert check_group_means_fixed(group_means, totals)


def test_the_clipped_scores_prediction_is_what_diagnose_finds():
    finding = helpers.diagnose(*clinic.clipped_scores())["w"]
    assert (finding.status, finding.cause) == ("zero", "where_masked")
    right = check_clipped_scores("zero", "where_masked")
    assert right and "clip_by_value" in right.message
    saturated = check_clipped_scores("zero", "saturation")  # raw pixels' cause
    assert not saturated and "the cause" in saturated.message and saturated.hint
    assert "where_masked" not in saturated.hint  # the method, not the answer
    assert not check_clipped_scores("none", "where_masked")
    blank = check_clipped_scores(..., ...)
    assert not blank and "replace the ... with your choice" in blank.message
