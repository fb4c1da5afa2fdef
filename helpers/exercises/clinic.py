"""Lesson 10: find the bug. Each check runs helpers.diagnose on the learner's fixed
program: the gradient must flow (status ok), and the loss must still be the one asked
for, so that cutting the bug out together with the loss does not pass."""

import numpy as np
import tensorflow as tf

from helpers.clinic import FEATURES, LABELS, TARGETS, cross_entropy
from helpers.doctor import diagnose
from helpers.feedback import right, wrong

GROUP_COUNTS = tf.constant([0.0, 2.0, 4.0])  # examples per group; the first is empty


def mean_cross_entropy(w):
    """The classifier's loss: mean cross-entropy of FEATURES @ w against LABELS."""
    return cross_entropy(LABELS, FEATURES @ w)


def mean_squared_error(w):
    """The regression's loss: mean of (FEATURES w - TARGETS)^2."""
    return tf.reduce_mean((tf.linalg.matvec(FEATURES, w) - TARGETS) ** 2)


def sum_of_group_means(totals):
    """Each group's total / count, or its total where the count is 0, summed."""
    safe_counts = tf.where(GROUP_COUNTS > 0, GROUP_COUNTS, 1.0)
    return tf.reduce_sum(tf.where(GROUP_COUNTS > 0, totals / safe_counts, totals))


def check_accuracy_bug_fixed(loss_fn, w):
    """The classifier's loss_fn must let the gradient reach w: its cross-entropy."""
    hint = (
        "argmax and == are steps: they have no gradient (lesson 07 §6). Train on a "
        "smooth loss of the logits instead: the mean cross-entropy, "
        "tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))."
    )
    return _check_fixed(
        loss_fn, w, "w", (2, 2), mean_cross_entropy, "the mean cross-entropy", hint
    )


def check_regression_bugs_fixed(loss_fn, w):
    """Both bugs of the regression fixed: the mean squared error reaches w."""
    hint = (
        "There are two bugs. diagnose names the one nearest the source first: fix it, "
        "run the check again, and it names the next. Look at how w is created "
        "(lesson 08 §3) and at every .numpy() (lesson 08 §1)."
    )
    return _check_fixed(
        loss_fn, w, "w", (2,), mean_squared_error, "the mean squared error", hint
    )


def check_group_means_fixed(loss_fn, totals):
    """The group means must give no NaN: a safe division inside tf.where."""
    hint = (
        "0 / 0 in the branch tf.where does not select still sends NaN back (lesson 07 "
        "§5). Make the division safe first: divide by tf.where(counts > 0, counts, 1.0)."
    )
    return _check_fixed(
        loss_fn,
        totals,
        "totals",
        (3,),
        sum_of_group_means,
        "the sum of the group means",
        hint,
    )


def _check_fixed(loss_fn, source, name, shape, reference, what, hint):
    """Feedback: diagnose finds `source` ok, and loss_fn() equals reference(source)."""
    if not callable(loss_fn):
        return wrong(
            "pass the loss function itself (no parentheses), then the variable.", hint
        )
    if not isinstance(source, tf.Variable) or tuple(source.shape) != shape:
        return wrong(
            f"pass {name}, the tf.Variable of shape {shape} from the cell.", hint
        )
    finding = diagnose(loss_fn, {name: source})[0]
    if finding.status != "ok":
        return wrong(
            f"diagnose still finds {name}: {finding.status} ({finding.cause}). "
            f"{finding.explanation}",
            hint,
        )
    loss = np.asarray(loss_fn(), dtype=np.float64)
    expected = float(reference(source))
    if loss.shape != ():
        return wrong(
            f"the loss must be one number, {what}; it has shape {loss.shape}.", hint
        )
    if not np.isclose(loss, expected, rtol=1e-5):
        return wrong(
            f"the gradient reaches {name} now, but the loss is no longer {what}: it "
            f"gives {float(loss):.4f}, {what} is {expected:.4f}.",
            hint,
        )
    return right(
        f"diagnose finds {name} ok, and the loss is still {what} ({float(expected):.4f})."
    )
