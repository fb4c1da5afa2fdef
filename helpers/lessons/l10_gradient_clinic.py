"""Lesson 10: the gradient clinic. A checklist for a None, zero or NaN gradient, a
gallery of broken programs for helpers.diagnose, the explorer, the find-the-bug checks.

Each program(fixed) makes its variables and returns (loss_fn, variables); `fixed`
switches the line that breaks it. The data's features are never zero, so no weight is
unused by accident.
"""

import functools
import inspect
import re
import textwrap
from types import SimpleNamespace

import ipywidgets as widgets
import numpy as np
import tensorflow as tf

from helpers.diagnosis import CAUSES, diagnose
from helpers.explorer import (
    RED,
    Explorer,
    FigureView,
    Prediction,
    number_text,
    source_html,
)
from helpers.feedback import BLANK, check_choice, right, wrong

FEATURES = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5]])
LABELS = tf.constant([0, 1, 1])  # a class per example, for the classifiers
TARGETS = tf.constant([1.0, -0.5, 2.0])  # a number per example, for the regressions
PIXELS = tf.constant([[120.0, 200.0], [30.0, 255.0], [90.0, 10.0]])  # raw, 0..255
SEEN = tf.constant([1.0, 0.0, 1.0])  # a yes/no target per example

# symptom | question to ask | the cause it rules out | where a lesson proves it
CHECKLIST = [
    tuple(line.split(" | "))
    for line in """
None | Is the list of variables empty (frozen or not yet built)? | no_variables | 09 §2–3
None | Is every source a float? | integer_dtype | 08 §3
None | Is every variable trainable? | not_trainable | 09 §1
None | Is every plain tensor watched? | not_watched | 08 §4–5
None | Does the loss use the source at all? | unused | 08, explorer
None | Did a value go through .numpy(), np.* or float()? | left_tensorflow | 08 §1
None | Did a value reach the loss through Variable.assign? | assigned | 08 §7–8
None | Is there a tf.stop_gradient on the path? | stop_gradient | 08 §2
None | Is there a step on the path (round, argmax, a comparison)? | non_differentiable_op | 07 §6
zero | Are the ReLUs on the path off for every input? | dead_relu | 07 §1–2
zero | Is a sigmoid, tanh or softmax saturated? | saturation | 07 §3
zero | Did tf.where (or clip, max) pick the other branch? | where_masked | 07 §4
zero | Is the target the probabilities, not a loss? | softmax_sum | 03
NaN | Is there a log or 1/x in the branch tf.where did not pick? | nan_from_unselected_branch | 07 §5
NaN | Is it log(softmax(z)) at extreme logits? | saturation | 04
""".strip().splitlines()
]


def cross_entropy(labels, logits):
    """Mean cross-entropy of softmax(logits) against class labels (lesson 10)."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


def squared_error(predictions, targets=TARGETS):
    """Mean of (prediction - target)^2, the regressions' loss (lesson 10)."""
    return tf.reduce_mean((predictions - targets) ** 2)


def hidden_units(activation, w, b):
    """A loss_fn: the error of the summed units activation(FEATURES w + b) (lesson 10)."""
    return lambda: squared_error(tf.reduce_sum(activation(FEATURES @ w + b), axis=1))


class Gallery:
    """The broken programs, functions of `fixed` (lesson 10; see BROKEN_PROGRAMS)."""

    def healthy(fixed):
        w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")
        return lambda: cross_entropy(LABELS, FEATURES @ w), [w]

    def plain_tensor(fixed):
        w = tf.Variable([0.5, -0.3]) if fixed else tf.constant([0.5, -0.3])  # a tensor
        return lambda: squared_error(tf.linalg.matvec(FEATURES, w)), {"w": w}

    def frozen_scale(fixed):
        w = tf.Variable([0.5, -0.3], name="w")
        scale = tf.Variable(2.0, trainable=fixed, name="scale")
        return lambda: squared_error(scale * tf.linalg.matvec(FEATURES, w)), [w, scale]

    def lazy_layer(fixed):
        layer = tf.keras.layers.Dense(2)  # makes its weights on its first call
        if fixed:
            layer(FEATURES)
        return lambda: tf.reduce_mean(layer(FEATURES) ** 2), layer.trainable_variables

    def numpy_detour(fixed):
        w = tf.Variable([0.5, -0.3], name="w")
        detour = tf.identity if fixed else (lambda tensor: tensor.numpy())  # to NumPy
        return lambda: squared_error(detour(tf.linalg.matvec(FEATURES, w))), [w]

    def stored_predictions(fixed):
        w = tf.Variable([0.5, -0.3], name="w")
        memory = tf.Variable(tf.zeros(3), trainable=False)  # keeps the last predictions
        keep = tf.identity if fixed else memory.assign  # computes with the stored copy
        return lambda: squared_error(keep(tf.linalg.matvec(FEATURES, w))), [w]

    def stopped_prediction(fixed):
        w = tf.Variable([0.5, -0.3], name="w")

        @tf.function
        def loss():
            predictions = tf.linalg.matvec(FEATURES, w)
            return squared_error(predictions if fixed else tf.stop_gradient(predictions))

        return loss, [w]

    def integer_weights(fixed):
        w = tf.Variable([1.0, -1.0] if fixed else [1, -1], name="w")  # int32 if no "."
        return lambda: squared_error(
            tf.linalg.matvec(FEATURES, tf.cast(w, tf.float32))
        ), [w]

    def rounded_predictions(fixed):
        w = tf.Variable([0.5, -0.3], name="w")
        whole = tf.identity if fixed else tf.round  # whole numbers, like the targets
        return lambda: squared_error(whole(tf.linalg.matvec(FEATURES, w))), [w]

    def unused_bias(fixed):
        w, b = tf.Variable([0.5, -0.3], name="w"), tf.Variable(0.1, name="b")
        bias = (lambda: b) if fixed else (lambda: w[0])  # a typo: w[0] for b
        return lambda: squared_error(tf.linalg.matvec(FEATURES, w) + bias()), [w, b]

    def dead_layer(fixed):
        w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")
        b = tf.Variable([-10.0, -10.0], name="b")
        return hidden_units(tf.nn.leaky_relu if fixed else tf.nn.relu, w, b), [w, b]

    def one_dead_unit(fixed):
        w = tf.Variable([[0.5, -0.3, 0.4], [0.2, 0.8, -0.6]], name="w")
        b = tf.Variable([0.1, 0.1 if fixed else -5.0, 0.1], name="b")
        return hidden_units(tf.nn.relu, w, b), [w, b]

    def raw_pixels(fixed):
        w = tf.Variable([0.5, 0.3], name="w")
        pixels = PIXELS / 255.0 if fixed else PIXELS
        return lambda: squared_error(tf.sigmoid(tf.linalg.matvec(pixels, w)), SEEN), [w]

    def swapped_branches(fixed):
        w = tf.Variable([0.5, -0.3], name="w")
        valid = TARGETS > -1.0  # ignore invalid targets (none here)

        def loss():
            errors = tf.linalg.matvec(FEATURES, w) - TARGETS
            kept = (errors, 0.0) if fixed else (0.0, errors)  # tf.where(valid, if, else)
            return tf.reduce_mean(tf.where(valid, *kept) ** 2)

        return loss, [w]

    def probabilities_as_loss(fixed):
        w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")
        target = functools.partial(cross_entropy, LABELS) if fixed else tf.nn.softmax
        return lambda: target(FEATURES @ w), [w]

    def log_in_where(fixed):
        x = tf.Variable([0.0, 1.0, 4.0], name="x")  # log(x) where x > 0, else x itself
        safe_x = (lambda: tf.where(x > 0, x, 1.0)) if fixed else (lambda: x)  # log(1) = 0
        return lambda: tf.reduce_sum(tf.where(x > 0, tf.math.log(safe_x()), x)), [x]

    def naive_cross_entropy(fixed):
        w = tf.Variable([[-30.0, 30.0], [-20.0, 20.0]], name="w")

        def loss():
            if fixed:
                return cross_entropy(LABELS, FEATURES @ w)
            probs = tf.nn.softmax(FEATURES @ w)
            return -tf.reduce_mean(tf.math.log(tf.gather(probs, LABELS, batch_dims=1)))

        return loss, [w]


# name | Gallery function | the lesson that proves the cause | found when broken
GALLERY_TABLE = [
    line.split(" | ")
    for line in """
healthy classifier | healthy | 04 | w ok
plain tensor | plain_tensor | 08 §4 | w none not_watched
frozen scale | frozen_scale | 09 §1 | w ok, scale none not_trainable
lazy layer | lazy_layer | 09 §2 | (no variables) none no_variables
.numpy() detour | numpy_detour | 08 §1 | w none left_tensorflow
stored predictions | stored_predictions | 08 §7 | w none assigned
stopped prediction | stopped_prediction | 08 §2 | w none stop_gradient
integer weights | integer_weights | 08 §3 | w none integer_dtype
rounded predictions | rounded_predictions | 07 §6 | w none non_differentiable_op
unused bias | unused_bias | 08 | w ok, b none unused
dead layer | dead_layer | 07 §1–2 | w zero dead_relu, b zero dead_relu
one dead unit | one_dead_unit | 07 §2 | w partly_zero dead_relu, b partly_zero dead_relu
raw pixels | raw_pixels | 07 §3 | w zero saturation
swapped branches | swapped_branches | 07 §4 | w zero where_masked
probabilities as loss | probabilities_as_loss | 03 | w zero softmax_sum
log in tf.where | log_in_where | 07 §5 | x nan nan_from_unselected_branch
naive cross-entropy | naive_cross_entropy | 04 | w nan saturation
""".strip().splitlines()
]


def _program(build, lesson, found):
    """A gallery entry: build(fixed), {source: (status, cause)} when broken, the lesson."""
    parts = [part.rsplit(" ", 2) + [None] for part in found.split(", ")]  # 'w ok': None
    expected = {part[0]: tuple(part[1:3]) for part in parts}
    return SimpleNamespace(build=vars(Gallery)[build], expected=expected, lesson=lesson)


BROKEN_PROGRAMS = {row[0]: _program(*row[1:]) for row in GALLERY_TABLE}


def program(name, fixed=False):
    """(loss_fn, variables) of a gallery program, made afresh (lesson 10)."""
    return BROKEN_PROGRAMS[name].build(fixed)


def program_source(name):
    """A gallery program's source, one for both versions: `fixed` switches (lesson 10)."""
    return textwrap.dedent(inspect.getsource(BROKEN_PROGRAMS[name].build)).rstrip()


def changed_lines(name):
    """The lines of a gallery program that its `fixed` switch changes (lesson 10)."""
    # a line with `fixed` in it, and the line an `if fixed:` guards
    source = re.sub(r"fixed:\n\s+", "fixed: ", program_source(name))
    lines = [line.strip() for line in source.splitlines()[1:]]
    return [line for line in lines if "fixed" in line.split("#")[0]]


def diagnosis(name, fixed=False):
    """helpers.diagnose on a gallery program, computed once per version (lesson 10)."""
    return _diagnosis(name, bool(fixed))  # one entry per version, however fixed is passed


@functools.cache
def _diagnosis(name, fixed):
    return diagnose(*program(name, fixed))


def element_gradients(report):
    """[(label like 'w[0,1]', value or None)] per gradient element (lesson 10)."""
    entries = []
    for finding in report:
        grad = finding.gradient
        for index in np.ndindex(() if grad is None else grad.shape):
            label = finding.name + (f"[{','.join(map(str, index))}]" if index else "")
            entries.append((label, None if grad is None else float(grad[index])))
    return entries


def clinic_explorer():
    """A gallery program, broken or fixed: source, gradients, diagnosis (lesson 10)."""
    versions = [(name, fixed) for name in BROKEN_PROGRAMS for fixed in (False, True)]
    reports = {version: diagnosis(*version) for version in versions}
    most = max(len(element_gradients(report)) for report in reports.values())
    view = FigureView(figsize=(7, 2.6))
    ax = view.figure.subplots()
    bars = ax.bar(range(most), np.zeros(most), width=0.7, edgecolor="#888888")
    texts = [ax.text(index, 0, "", ha="center", fontsize=7) for index in range(most)]
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set(xlim=(-0.6, most - 0.4), ylim=(-1.6, 1.6), xticks=[])
    ax.set(title="gradient per element", ylabel="gradient / max |gradient|")
    view.animate(*bars, *texts, ax.title)  # the title names the program shown
    menu = widgets.Dropdown(
        options=[*BROKEN_PROGRAMS], value="dead layer", description="program"
    )
    version = widgets.ToggleButtons(options=("broken", "fixed"), description="version")
    code, table = widgets.HTML(), widgets.HTML()

    def update():
        report = reports[menu.value, version.value == "fixed"]
        ax.set_title(f"gradient per element: {menu.value}")
        entries = element_gradients(report)
        known = [abs(grad) for _, grad in entries if grad is not None]
        scale = max([grad for grad in known if np.isfinite(grad)], default=0.0) or 1.0
        for index, (bar, text) in enumerate(zip(bars, texts)):
            label, grad = entries[index] if index < len(entries) else ("", 0.0)
            # None: an empty hatched bar; NaN or inf: a red label at 0
            height = 0.9 if grad is None else grad / scale if np.isfinite(grad) else 0.0
            hatch = "///" if grad is None else None
            bar.set(height=height, fill=grad is not None, hatch=hatch)
            value = "None" if grad is None else number_text(grad, 2)
            colour = RED if grad is not None and not np.isfinite(grad) else "black"
            text.set(y=height, va="bottom" if height >= 0 else "top", color=colour)
            text.set_text(f"{label}\n{value}" if label else "")
        code.value = source_html(BROKEN_PROGRAMS[menu.value].build)  # sent if it changed
        table.value = report._repr_html_()
        troubled = [finding for finding in report if finding.cause]
        said = "; ".join(f"{one.name}: {one.status} ({one.cause})" for one in troubled)
        if troubled:
            said += f". Lesson {BROKEN_PROGRAMS[menu.value].lesson} proves the cause"
        return f"<b>{menu.value}</b>, {version.value}: {said or 'every source is ok'}."

    question = "Fix 'frozen scale', then 'unused bias': does w's gradient change?"
    prediction = Prediction(
        ("in both", "in neither", "only in frozen scale", "only in unused bias"),
        "only in unused bias",
        "trainable=False changes only what the tape watches, not the loss: dL/dw stays "
        "the same. The typo's fix changes the loss itself (b replaces w[0] in the "
        "bias), so dL/dw changes too.",
    )
    title = "Gradient clinic: diagnose a broken program"
    controls = [menu, version]
    return Explorer(title, controls, view, update, question, [code, table], prediction)


GROUP_COUNTS = tf.constant([0.0, 2.0, 4.0])  # examples per group; the first is empty
SAFE_COUNTS = tf.where(GROUP_COUNTS > 0, GROUP_COUNTS, 1.0)
REFERENCE_LOSSES = {  # what each fixed loss must still compute, from the variable
    "the mean cross-entropy": lambda w: cross_entropy(LABELS, FEATURES @ w),
    "the mean squared error": lambda w: squared_error(tf.linalg.matvec(FEATURES, w)),
    "the sum of the group means": lambda totals: tf.reduce_sum(
        tf.where(GROUP_COUNTS > 0, totals / SAFE_COUNTS, totals)
    ),
}  # each takes the variable's values cast to float32: a float16 or float64 one is fine


def _check_fixed(loss_fn, source, name, shape, what, hint):
    """Feedback: diagnose finds `source` ok, and loss_fn() still computes `what`."""
    if loss_fn is Ellipsis:
        return wrong(f"{BLANK} `loss` (the function, no parentheses).", hint)
    if not callable(loss_fn):
        return wrong("pass the loss function itself (no ()), then the variable.", hint)
    if not isinstance(source, tf.Variable) or tuple(source.shape) != shape:
        return wrong(f"pass {name}, the tf.Variable of shape {shape}.", hint)
    try:
        finding = diagnose(loss_fn, {name: source})[0]
    except TypeError as error:  # e.g. a loss_fn that takes arguments
        return wrong(str(error), hint)
    if finding.status != "ok":
        found = f"{finding.status} ({finding.cause}). {finding.explanation}"
        return wrong(f"diagnose still finds {name}: {found}", hint)
    loss = loss_fn()
    expected = float(REFERENCE_LOSSES[what](tf.cast(source, tf.float32)))
    if not (tf.is_tensor(loss) and loss.shape == ()):
        got = getattr(loss, "shape", type(loss).__name__)
        return wrong(f"the loss must be one number, {what}; got {got}.", hint)
    if not np.isclose(float(loss), expected, rtol=1e-5):
        gives = f"the loss gives {float(loss):.4f}, {what} {expected:.4f}"
        return wrong(f"the gradient reaches {name} now, but {gives}.", hint)
    return right(f"diagnose finds {name} ok; the loss is still {what} ({expected:.4f}).")


def check_accuracy_bug_fixed(loss_fn, w):
    """The classifier's loss_fn must let the gradient reach w (lesson 10)."""
    hint = (
        "argmax and == are steps: they have no gradient (lesson 07 §6). Train on a "
        "smooth loss of the logits instead: lesson 04's cross-entropy from logits, "
        "as the gallery's healthy classifier computes it."
    )
    return _check_fixed(loss_fn, w, "w", (2, 2), "the mean cross-entropy", hint)


def check_regression_bugs_fixed(loss_fn, w):
    """Both bugs of the regression fixed: the mean squared error reaches w (lesson 10)."""
    hint = (
        "There are two bugs. diagnose names the one nearest the source first: fix it, "
        "run the check again, and it names the next. Look at how w is created "
        "(lesson 08 §3) and at every .numpy() (lesson 08 §1)."
    )
    return _check_fixed(loss_fn, w, "w", (2,), "the mean squared error", hint)


def check_group_means_fixed(loss_fn, totals):
    """The group means must give no NaN: a safe division inside tf.where (lesson 10)."""
    hint = (
        "0 / 0 in the branch tf.where does not select still sends NaN back (lesson 07 "
        "§5). Make that branch safe too: what could an empty group divide by instead?"
    )
    what = "the sum of the group means"
    return _check_fixed(loss_fn, totals, "totals", (3,), what, hint)


def clipped_scores():
    """Exercise 4's program: raw pixels, scores clipped to [0, 1] (lesson 10)."""
    w = tf.Variable([0.5, 0.3], name="w")

    def loss():
        scores = tf.clip_by_value(tf.linalg.matvec(PIXELS, w), 0.0, 1.0)  # in [0, 1]
        return squared_error(scores, SEEN)

    return loss, [w]


STATUSES = ("ok", "none", "zero", "partly_zero", "nan")


def check_clipped_scores(status, cause):
    """The status and cause diagnose gives clipped_scores, predicted (lesson 10)."""
    hint = (
        "Compute the scores before the clip by hand (PIXELS are raw, up to 255), then "
        "go through the checklist's questions in order: which op on the path passes "
        "back nothing, or 0, at those values?"
    )
    finding = diagnose(*clipped_scores())[0]
    said = check_choice(status, finding.status, "the status", hint, STATUSES)
    said = said and check_choice(cause, finding.cause, "the cause", hint, CAUSES)
    return said and right(f"w: {finding.status} ({finding.cause}). {finding.explanation}")
