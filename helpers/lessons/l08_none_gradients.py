"""Lesson 08: None gradients. Programs whose tape breaks, each with its fix; bars that
draw None apart from zero; the explorer that shows each program's source; the checks.

Each program(fixed) has sources a = 2 and b = 3, a loss a² + (something of b), and
returns (tape, loss, [a, b]). Broken, the tape has no path from b (a comment marks the
line that cuts it); fixed, every path is recorded. The explorer shows this source.
"""

import ipywidgets as widgets
import tensorflow as tf

from helpers.bars import draw_gradient_bars, update_gradient_bars
from helpers.explorer import Explorer, FigureView, Prediction, source_html
from helpers.feedback import check_array, check_kind_predictions, function_problem, wrong


def _numpy_detour(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = a * a + (b**2 if fixed else tf.constant(b.numpy()) ** 2)  # left TensorFlow
    return tape, loss, [a, b]


def _stop_gradient(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = a * a + (b**2 if fixed else tf.stop_gradient(b**2))  # constant to the tape
    return tape, loss, [a, b]


def _integer_variable(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0 if fixed else 3)  # 3 is an int: int32
    with tf.GradientTape() as tape:
        loss = a * a + tf.cast(b, tf.float32) ** 2
    return tape, loss, [a, b]


def _integer_cast(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        b_used = b if fixed else tf.cast(tf.cast(b, tf.int32), tf.float32)  # via int32
        loss = a * a + b_used**2
    return tape, loss, [a, b]


def _unwatched_tensor(fixed):
    a, b = tf.Variable(2.0), tf.constant(3.0)  # a tensor: the tape does not watch it
    with tf.GradientTape() as tape:
        if fixed:
            tape.watch(b)
        loss = a * a + b**2
    return tape, loss, [a, b]


def _replaced_variable(fixed):
    a, b = tf.Variable(2.0), tf.Variable(2.0)
    if fixed:
        b.assign_add(1.0)  # still the same variable
    else:
        b = b + 1.0  # b is now a plain tensor: the variable is gone
    with tf.GradientTape() as tape:
        loss = a * a + b**2
    return tape, loss, [a, b]


def _outside_the_tape(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        b_squared = b**2
        loss_inside = a * a + b_squared
    loss_outside = a * a + b_squared  # after the with block: not recorded
    return tape, (loss_inside if fixed else loss_outside), [a, b]


def _assign_inside(fixed):
    a, b, hidden = tf.Variable(2.0), tf.Variable(3.0), tf.Variable(0.0)
    with tf.GradientTape() as tape:
        hidden.assign(b + 1.0)  # copies the value: no path back to b
        loss = a * a + (b + 1.0 if fixed else hidden) ** 2
    return tape, loss, [a, b]


def _unused_source(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = a * a + (b**2 if fixed else a**2)  # the typo: a where b was meant
    return tape, loss, [a, b]


OUTSIDE = "loss finished outside the tape"
PROGRAMS = {
    ".numpy() detour": _numpy_detour,
    "tf.stop_gradient": _stop_gradient,
    "integer variable": _integer_variable,
    "cast to int": _integer_cast,
    "plain tensor, not watched": _unwatched_tensor,
    "variable replaced by a tensor": _replaced_variable,
    OUTSIDE: _outside_the_tape,
    "assign inside the tape": _assign_inside,
    "unused source": _unused_source,
}


PREDICTION = Prediction(
    (OUTSIDE, "unused source", "variable replaced by a tensor", "none of them"),
    OUTSIDE,
    "The tape records only inside the <code>with</code> block: the ops that finish the "
    "loss after it were never recorded, so no path leads back to a or to b. Every other "
    "program breaks only the line that uses b.",
)


def program_gradients(name, fixed, unconnected="none"):
    """d loss / d [a, b] of PROGRAMS[name]: a float or None per source (lesson 08)."""
    tape, loss, sources = PROGRAMS[name](fixed)
    grads = tape.gradient(loss, sources, unconnected_gradients=unconnected)
    return [None if grad is None else float(grad) for grad in grads]


def none_gradient_explorer():
    """Pick a broken program, toggle its fix and unconnected_gradients (lesson 08)."""
    every = [program_gradients(name, fixed) for name in PROGRAMS for fixed in (0, 1)]
    largest = max(grad for grads in every for grad in grads if grad is not None)
    view = FigureView(figsize=(4.5, 3))
    ax = view.figure.subplots()
    bars, labels = draw_gradient_bars(ax, "ab", (0, 1.2 * largest))
    view.figure.tight_layout()
    view.animate(*bars, *labels, ax.title)  # the title names the program
    code = widgets.HTML()
    program = widgets.Dropdown(options=list(PROGRAMS), description="program")
    fixed = widgets.ToggleButton(description="fixed")
    unconnected = widgets.Dropdown(options=["none", "zero"], description="unconnected")

    def update():
        ax.set_title(f"d loss / d source: {program.value}")
        code.value = source_html(PROGRAMS[program.value])  # sent only when it changed
        grads = program_gradients(program.value, fixed.value, unconnected.value)
        update_gradient_bars(bars, labels, grads, 0.85 * largest)  # None: hatched
        missing = [name for name, grad in zip("ab", grads) if grad is None]
        if missing:
            return f"None for {', '.join(missing)}."
        values = ", ".join(f"{name}: {grad:g}" for name, grad in zip("ab", grads))
        state = "Fixed" if fixed.value else "Broken"
        return f"{state}, unconnected {unconnected.value}: {values}."

    question = "In which program does a, not only b, get None?"
    title = "None gradients: a broken tape"
    controls = [program, fixed, unconnected]
    return Explorer(title, controls, view, update, question, [code], PREDICTION)


# snippet label -> the function of a whose gradient the learner predicts, at a = -1.5;
# the last four are cases the lesson did not show
SNIPPETS = {
    "relu": tf.nn.relu,
    "cast_int": lambda a: tf.cast(tf.cast(a, tf.int32), tf.float32),
    "stop_half": lambda a: tf.stop_gradient(a) * a,
    "a_minus_a": lambda a: a - a,
    "round_plus_a": lambda a: tf.round(a) + a,
    "constant": lambda a: tf.constant(a) * 2.0,
    "convert": lambda a: tf.convert_to_tensor(a) * 2.0,
}


def check_mean_of_cubes(loss_fn):
    """loss_fn(v) must be mean(v**3) recorded by the tape, so d/dv = v² (lesson 08)."""
    hint = (
        "The loop is not what breaks the path (the myth section): .numpy() hands it "
        "NumPy numbers the tape never sees. Loop over v itself, or use TensorFlow's "
        "power and mean ops; a loss is one number."
    )
    if problem := function_problem(loss_fn, "loss_fn"):
        return wrong(f"{problem}, e.g. check_mean_of_cubes(mean_of_cubes).", hint)
    v = tf.Variable([1.0, -2.0, 3.0])
    try:
        with tf.GradientTape() as tape:
            loss = loss_fn(v)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(f"loss_fn(v) raised {type(error).__name__}: {error}", hint)
    if loss is Ellipsis:
        return wrong("the function returns ...: replace the ... with your loss.", hint)
    if not tf.is_tensor(loss):
        return wrong(f"the loss is a {type(loss).__name__}, not a tensor.", hint)
    if loss.shape.rank != 0:  # a non-scalar target: the tape would differentiate its sum
        return wrong(
            f"the loss has shape {tuple(loss.shape)}: reduce it to one number.", hint
        )
    grad = tape.gradient(loss, v)
    if grad is None:
        return wrong("the gradient is None: the path from v was cut (.numpy()?).", hint)
    return check_array(grad.numpy(), v.numpy() ** 2, "the gradient", hint)


def snippet_kind(label, a=-1.5):
    """'None', 'zero' or 'number': what the tape gives for SNIPPETS[label] at a."""
    variable = tf.Variable(a)
    with tf.GradientTape() as tape:
        result = SNIPPETS[label](variable)
    grad = tape.gradient(result, variable)
    return "None" if grad is None else ("zero" if float(grad) == 0.0 else "number")


def check_none_or_zero(predictions):
    """A dict snippet label -> 'None' / 'zero' / 'number', checked (lesson 08)."""
    hint = (
        "Follow a to the result op by op: is each step recorded, and differentiable "
        "(a float op with a gradient, reading a rather than copying its value)? No "
        "path: None. Otherwise add the slopes of every path at a = -1.5: 0 or a number."
    )
    kinds = ("None", "zero", "number")
    synonyms = {"nonzero": "number", "non-zero": "number", "a number": "number"}
    return check_kind_predictions(
        predictions, SNIPPETS, kinds, snippet_kind, hint, synonyms
    )
