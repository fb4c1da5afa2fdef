"""Lesson 09: trainable or not. A frozen Keras layer's variables leave
model.trainable_variables (Adam never moves them), yet the tape still differentiates
them when they are passed explicitly. The experiment, its explorer, the checks."""

import functools
import itertools
from types import SimpleNamespace

import ipywidgets as widgets
import keras
import numpy as np
import tensorflow as tf

from helpers.bars import draw_gradient_bars, update_gradient_bars
from helpers.explorer import Explorer, FigureView, Prediction
from helpers.feedback import BLANK, check_choice, check_kind_predictions, right, wrong

INPUTS = tf.constant([[1.0, 2.0], [-1.0, 0.5], [0.3, -1.2], [2.0, -0.4]])
LABELS = tf.constant([0, 1, 2, 1])
ASKS = ("trainable_variables", "weights")  # the list of the model given to tape.gradient


def two_layer_model():
    """Dense(4, tanh) then Dense(3), built, with seeded initial weights (lesson 09)."""
    glorot = keras.initializers.GlorotUniform
    first = keras.layers.Dense(4, "tanh", name="first", kernel_initializer=glorot(1))
    second = keras.layers.Dense(3, name="second", kernel_initializer=glorot(2))
    return keras.Sequential([keras.Input((2,)), first, second])


def _gradients(model, variables):
    """d loss / d variables for loss = mean_i -log softmax(model(x_i))[y_i]."""
    with tf.GradientTape() as tape:
        logits = model(INPUTS)
        cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(LABELS, logits)
        loss = tf.reduce_mean(cross_entropy)
    return tape.gradient(loss, variables)


def freeze_experiment(freeze_first, freeze_second, ask):
    """Freeze layers; |gradient| of each of model.<ask>; 5 Adam steps (lesson 09)."""
    return _freeze_experiments(freeze_first, freeze_second)[ask]


@functools.cache
def _freeze_experiments(freeze_first, freeze_second):
    """freeze_experiment for every ask at once: one model, one tape, one Adam run."""
    model = two_layer_model()
    model.get_layer("first").trainable = not freeze_first
    model.get_layer("second").trainable = not freeze_second
    asked = {ask: getattr(model, ask) for ask in ASKS}
    grads = _gradients(model, asked)  # a dict of lists in, a dict of lists out
    before = [variable.numpy() for variable in model.weights]
    variables = model.trainable_variables
    optimizer = keras.optimizers.Adam(0.05)
    raised = None
    try:  # Keras splits the pairs with zip(*pairs): none (all frozen) raise ValueError
        for _ in range(5):
            optimizer.apply_gradients(zip(_gradients(model, variables), variables))
    except ValueError as error:
        raised = f"ValueError: {error}"
    paths = [variable.path for variable in model.weights]
    changes = [  # max |weight after - weight before|: 0 means bit for bit unchanged
        float(np.max(np.abs(variable.numpy() - start)))
        for variable, start in zip(model.weights, before)
    ]
    results = {}
    for ask in ASKS:  # one entry per variable of model.weights
        norms = {
            variable.path: float(tf.norm(grad))
            for variable, grad in zip(asked[ask], grads[ask])
        }
        results[ask] = SimpleNamespace(
            names=[path.split("/", 1)[1] for path in paths],  # no "sequential/"
            asked=[path in norms for path in paths],
            grad_norms=[norms.get(path) for path in paths],  # or None
            changes=changes,
            raised=raised,  # what apply_gradients raised, or None
        )
    return results


def freeze_explorer():
    """Freeze layers; bars: which gradients exist, which weights moved (lesson 09)."""
    keys = itertools.product((False, True), (False, True), ASKS)
    results = {key: freeze_experiment(*key) for key in keys}
    names = [name.replace("/", "\n") for name in results[False, False, "weights"].names]
    largest_grad = max(results[False, False, "weights"].grad_norms)  # frozen or not
    largest_change = max(max(result.changes) for result in results.values())
    view = FigureView(figsize=(8.4, 3.2))
    panels = [  # (title, top of the y axis)
        ("|gradient| the tape returned (grey: frozen)", 1.25 * largest_grad),
        ("max |after - before| in 5 Adam steps", 1.25 * largest_change),
    ]
    (bars, labels), (change_bars, change_labels) = [
        draw_gradient_bars(ax, names, (0, top), title)
        for ax, (title, top) in zip(view.figure.subplots(1, 2), panels)
    ]
    view.figure.tight_layout()
    view.animate(*bars, *labels, *change_bars, *change_labels)
    freeze_first = widgets.ToggleButton(value=True, description="freeze first")
    freeze_second = widgets.ToggleButton(description="freeze second")
    ask = widgets.Dropdown(options=ASKS, description="gradient of model.")

    def update():
        result = results[freeze_first.value, freeze_second.value, ask.value]
        update_gradient_bars(bars, labels, result.grad_norms, 0.6 * largest_grad)
        frozen = [freeze_first.value] * 2 + [freeze_second.value] * 2
        for bar, label, asked, is_frozen in zip(bars, labels, result.asked, frozen):
            if is_frozen:
                bar.set_color("#999999")
            bar.set_visible(asked)  # no bar, "–": not in the list given to tape.gradient
            if not asked:
                label.set_text("–")
                label.set_y(0.0)
        update_gradient_bars(change_bars, change_labels, result.changes, 0.0)
        moved = sum(change > 0 for change in result.changes)
        training = f"Adam on model.trainable_variables moved {moved} of 4 variables."
        if result.raised:
            training = (
                "model.trainable_variables is []: Adam's apply_gradients(zip([], [])) "
                f"raised {result.raised}."
            )
        if not any(result.asked):
            return f"tape.gradient(loss, []) returned []. {training}"
        return f"tape.gradient returned {sum(result.asked)} gradients. {training}"

    question = (
        "Freeze the first layer and ask for model.weights: does its kernel get a "
        "gradient? Does Adam, given model.trainable_variables, change it?"
    )
    prediction = Prediction(
        choices=(
            "None, and Adam leaves it unchanged",
            "a zero gradient, so Adam leaves it unchanged",
            "a real gradient, and Adam changes it",
            "a real gradient, yet Adam leaves it unchanged",
        ),
        answer="a real gradient, yet Adam leaves it unchanged",
        explanation="Freezing a layer sets only the <i>Keras</i> flag, which decides what "
        "<code>model.trainable_variables</code> lists, so Adam never sees the kernel. "
        "The tape reads the flag of the <code>tf.Variable</code> inside, which the layer "
        "created trainable: passed explicitly, the kernel gets its gradient.",
    )
    title = "Trainable or not: freeze layers"
    controls = [freeze_first, freeze_second, ask]
    return Explorer(title, controls, view, update, question, prediction=prediction)


def _frozen_dense_kernel():
    layer = keras.layers.Dense(2, trainable=False)
    layer.build((None, 2))
    return layer.kernel


def _keras_variable_frozen_later():
    variable = keras.Variable(1.5)
    variable.trainable = False  # the Keras flag only: its tf.Variable stays trainable
    return variable


# case label -> how to make the source; a label ending in "_watched" calls tape.watch
CASES = {
    "tf_variable_not_trainable": lambda: tf.Variable(1.5, trainable=False),
    "keras_variable_frozen_later": _keras_variable_frozen_later,  # not in the lesson
    "frozen_dense_kernel_passed_explicitly": _frozen_dense_kernel,
    "tf_variable_not_trainable_watched": lambda: tf.Variable(1.5, trainable=False),
}


def case_gradient_kind(label):
    """'None' or 'gradient': the tape's d sum(source**2) / d source (lesson 09)."""
    source = CASES[label]()
    with tf.GradientTape() as tape:
        if label.endswith("_watched"):
            tape.watch(source)
        loss = tf.reduce_sum(tf.square(source))
    return "None" if tape.gradient(loss, source) is None else "gradient"


def check_none_or_gradient(predictions):
    """A dict case label -> 'None' / 'gradient', checked against the tape (lesson 09)."""
    hint = (
        "The tape reads the trainable flag of the tf.Variable inside (for a Keras "
        "variable: source.value.trainable), not the Keras flag. Which of these were "
        "created non-trainable? And what does tape.watch change?"
    )
    kinds, synonyms = ("None", "gradient"), {"number": "gradient"}  # lesson 08's word
    return check_kind_predictions(
        predictions, CASES, kinds, case_gradient_kind, hint, synonyms=synonyms
    )


def check_only_second_trainable(model):
    """model.trainable_variables must be exactly the second layer's (lesson 09)."""
    hint = (
        "Sections 5 and 7 freeze a layer after the model is built: which attribute did "
        "they set, and on what? Leave the second layer as it is."
    )
    if model is Ellipsis:
        return wrong(f"model: {BLANK} two-layer model of the cell.", hint)
    if not isinstance(model, keras.Model) or len(model.layers) != 2:
        return wrong("pass the two-layer model from the cell above.", hint)
    got = {id(variable) for variable in model.trainable_variables}
    expected = {id(variable) for variable in model.layers[1].weights}
    if not expected:
        return wrong("pass the model of the cell, built (it has keras.Input).", hint)
    if got == expected:  # judged by the effect: what an optimiser would train
        return right("only the second layer's kernel and bias will be trained.")
    if len(got) == len(model.weights):  # the exercise as stored: nothing frozen yet
        return wrong(f"all 4 variables are trainable: {BLANK} line that freezes.", hint)
    paths = [variable.path for variable in model.trainable_variables]
    listed = ", ".join(path.split("/", 1)[-1] for path in paths) or "none"
    message = f"model.trainable_variables holds {len(got)} variables ({listed}); "
    return wrong(message + f"expected only the second layer's {len(expected)}.", hint)


MOVED = ("all four", "only the second layer's", "none", "it raises")
REASONS = (
    "the optimiser skips the variables of a frozen layer",
    "the tape returns None for a frozen layer's weights",
    "freezing only shortens trainable_variables; the optimiser updates what it is given",
    "Adam's steps are too small to change float32 weights",
)


def check_weights_to_adam(moved, reason):
    """Which weights Adam moves when a loop hands it model.weights, the first layer
    frozen, and why: MOVED[0], REASONS[2], as tests/test_lesson09 proves (lesson 09)."""
    hint = (
        "Use section 4: what does the tape return for each of model.weights, and "
        "what decides which variables this loop's optimiser updates?"
    )
    verdicts = [
        check_choice(moved, MOVED[0], "moved", hint, MOVED),
        check_choice(reason, REASONS[2], "reason", hint, REASONS),
    ]
    missed = [verdict.message for verdict in verdicts if not verdict]
    if missed:
        return wrong(" ".join(missed), hint)
    return right(" ".join(verdict.message for verdict in verdicts))
