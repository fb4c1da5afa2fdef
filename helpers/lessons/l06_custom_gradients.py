"""Lesson 06: softplus(x) = log(1 + e^x) three ways, their tape gradients against a
numeric gradient, the softplus explorer and the checks for hand-written gradients."""

import inspect

import numpy as np
import tensorflow as tf
from ipywidgets import Dropdown, FloatSlider

from helpers import explorer
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import function_problem, right, wrong

CURVE_INPUTS = np.linspace(-100.0, 100.0, 401)  # step 0.5: x = 0 is on the grid
COLOURS = [explorer.PALETTE[k] for k in (6, 1, 5, 3)]  # naive, stable, custom, numeric
GRAD_LIMITS = (-0.05, 1.2)  # softplus'(x) = sigmoid(x) lies in [0, 1]
CHECK_INPUTS = np.array([-2.0, 0.5, 3.0], dtype=np.float32)
UPSTREAM = 2.0  # the checks differentiate 2 * f(x): a gradient must scale with upstream
NUMERIC_EPS = 1e-6  # numeric_gradient's step


def softplus_naive(x):
    """log(1 + exp(x)) as written: exp overflows past x ~ 88.7 in float32 (lesson 06)."""
    return tf.math.log(1.0 + tf.exp(x))


def softplus_stable(x):
    """max(x, 0) + log1p(exp(-|x|)): finite, but relu'(0) = |x|'(0) = 0 (lesson 06)."""
    return tf.nn.relu(x) + tf.math.log1p(tf.exp(-tf.abs(x)))


@tf.custom_gradient
def softplus_custom(x):
    """The stable value with the gradient written by hand: sigmoid(x) (lesson 06)."""
    # d/dx log(1 + e^x) = e^x / (1 + e^x) = sigmoid(x), finite for every x
    return softplus_stable(x), lambda upstream: upstream * tf.sigmoid(x)


VERSIONS = {"naive": softplus_naive, "stable": softplus_stable, "custom": softplus_custom}
NAMES = [*VERSIONS, "numeric"]  # the explorer's curves and bars


def tape_gradient(f, inputs, upstream=1.0):
    """f(inputs) and the tape's d sum(upstream * f(inputs)) / d inputs, None if no path:
    for an element-wise f, each input's own derivative times upstream (lesson 06)."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        values = f(inputs)
        if not tf.is_tensor(values):  # a learner's function may return anything
            return values, None
        total = tf.reduce_sum(upstream * values)
    return values, tape.gradient(total, inputs)


def softplus_gradients(inputs, dtype="float32"):
    """Tape gradients of each softplus version at `inputs`, and the float64 numeric one:
    name -> NumPy array shaped like `inputs` (lesson 06)."""
    inputs = tf.constant(inputs, dtype)
    grads = {name: tape_gradient(f, inputs)[1].numpy() for name, f in VERSIONS.items()}
    # softplus acts element by element, so d sum(f) / dx_i = f'(x_i): numeric_gradient's
    # central difference (f(x + eps) - f(x - eps)) / 2 eps, for every element at once
    x = tf.cast(inputs, tf.float64)
    upper, lower = softplus_stable(x + NUMERIC_EPS), softplus_stable(x - NUMERIC_EPS)
    grads["numeric"] = ((upper - lower) / (2 * NUMERIC_EPS)).numpy()
    return grads


def softplus_explorer():
    """x and dtype -> the gradients of naive, stable and custom softplus (lesson 06)."""
    x_slider = FloatSlider(1.0, min=-100.0, max=100.0, step=0.5, description="x")
    dtype = Dropdown(options=["float32", "float64"], description="dtype")
    curve_grads = {name: softplus_gradients(CURVE_INPUTS, name) for name in dtype.options}
    view = FigureView(figsize=(9, 3.2))
    curve_ax, bar_ax = view.figure.subplots(1, 2, width_ratios=[2, 1])
    # left: the gradients over x, in distinct styles (curves may lie on top of each other)
    curves = [
        curve_ax.plot(CURVE_INPUTS, 0 * CURVE_INPUTS, style, color=colour, label=name)[0]
        for name, colour, style in zip(NAMES, COLOURS, ["-", "--", ":", "-."])
    ]
    marker = curve_ax.axvline(0.0, color="black", linewidth=0.8)
    curve_ax.set(xlim=(-100, 100), ylim=GRAD_LIMITS, xlabel="x", ylabel="d softplus / dx")
    curve_ax.legend(loc="upper left", fontsize=8)
    # right: one bar per gradient at x, labelled with its value
    bars = bar_ax.bar(NAMES, np.zeros(len(NAMES)), color=COLOURS)
    labels = [bar_ax.text(x, 0, "", ha="center", va="bottom", size=9) for x in range(4)]
    bar_ax.set(ylim=GRAD_LIMITS, title="gradient at x")
    bar_ax.axhline(0.0, color="black", linewidth=0.5)
    view.figure.tight_layout()
    view.animate(*curves, marker, *bars, *labels)

    def update():
        grads = softplus_gradients([x_slider.value], dtype.value)
        at_x = {name: float(grads[name][0]) for name in NAMES}
        for name, line in zip(NAMES, curves):
            line.set_ydata(curve_grads[dtype.value][name])  # NaN leaves a gap
        marker.set_xdata([x_slider.value, x_slider.value])
        for bar, label, grad in zip(bars, labels, at_x.values()):
            height = grad if np.isfinite(grad) else 0.0  # NaN and inf: a bar at 0
            bar.set_height(height)
            label.set_y(max(height, 0.0) + 0.02)
            label.set_text(number_text(grad, 4))
        return _softplus_status(x_slider.value, dtype.value, at_x)

    prediction = Prediction(
        choices=(
            "it rises to 1 and stays there",
            "it turns NaN where exp(x) overflows",
            "it drops to 0 first, then turns NaN",
            "it overflows to inf",
        ),
        answer="it drops to 0 first, then turns NaN",
        explanation="The tape computes 1 / (1 + e<sup>x</sup>) · e<sup>x</sup>. From x ≈ "
        "87.34 the first factor is below float32's smallest normal number and TensorFlow's "
        "CPU kernels flush it to 0, so the product is 0 while e<sup>x</sup> is finite; "
        "once e<sup>x</sup> overflows to inf, 0 · inf = NaN.",
    )
    return Explorer(
        "Softplus: naive, stable and custom gradients",
        [x_slider, dtype],
        view,
        update,
        question="In float32, as x grows from 0 to 100, what does the naive gradient do?",
        prediction=prediction,
    )


def _softplus_status(x, dtype, grads):
    """Which gradients agree with the numeric one at x, and which op overflowed."""
    status = warn_nonfinite("the naive gradient", [grads["naive"]])
    if np.isinf(tf.exp(tf.constant(x, dtype)).numpy()):
        status += f"In {dtype}, exp({x:g}) overflows to inf. "
    numeric = grads["numeric"]
    agree = [name for name in VERSIONS if np.isclose(grads[name], numeric, atol=1e-4)]
    differ = [
        f"{name} ({number_text(grads[name], 4)})"
        for name in VERSIONS
        if name not in agree
    ]
    return status + (
        f"x = {x:g}: numeric gradient {number_text(numeric, 4)}; agreeing with it: "
        f"{', '.join(agree) or 'none'}; differing: {', '.join(differ) or 'none'}."
    )


def _check_gradient(fn, what, hint, values, grads, mistake_grads, mistake):
    """Feedback on fn's values at CHECK_INPUTS and the tape's gradient of sum(UPSTREAM *
    fn(x)): against the expected ones, and the gradient a known `mistake` gives."""
    problem = function_problem(fn, what)
    if problem:
        return wrong(f"{problem}.", hint)
    try:
        got_values, got_grads = tape_gradient(fn, tf.constant(CHECK_INPUTS), UPSTREAM)
    except Exception as error:  # noqa: BLE001  (the learner's code: show any error)
        return wrong(
            f"{what}: calling it on {CHECK_INPUTS.tolist()} raised "
            f"{type(error).__name__}: {error}",
            hint,
        )
    if not tf.is_tensor(got_values) or got_values.shape != values.shape:
        return wrong(
            f"{what} must return a tensor shaped like x, {values.shape} here (and under "
            f"@tf.custom_gradient a grad function too); it returned {got_values!r}.",
            hint,
        )
    if not np.allclose(got_values, values, rtol=1e-5):
        return wrong(f"{what}(x) is {got_values.numpy()}, expected {values}.", hint)
    if got_grads is None:
        return wrong(f"the tape returned None for {what}'s gradient.", hint)
    if not tf.is_tensor(got_grads):  # the tape passes what grad returns on as it is
        return wrong(
            f"{what}'s grad returned a {type(got_grads).__name__} value, not a tensor: "
            "compute it from upstream and x with TensorFlow ops, as the lesson's grad "
            "functions do.",
            hint,
        )
    got_grads = got_grads.numpy()
    if np.allclose(got_grads, mistake_grads, rtol=1e-5):
        return wrong(f"{mistake}.", hint)
    if not np.allclose(got_grads, grads, rtol=1e-5):
        return wrong(f"d(2 {what}(x))/dx is {got_grads}, expected {grads}.", hint)
    return right(f"{what}'s values and gradient match at x = {CHECK_INPUTS.tolist()}.")


def check_cube(cube):
    """A @tf.custom_gradient cube: value x**3, gradient upstream * 3 x**2 (lesson 06)."""
    hint = (
        "Follow section 1's square: return the value and a grad(upstream) that "
        "multiplies upstream by the derivative of x**3 (the chain rule)."
    )
    grads = 3 * CHECK_INPUTS**2  # d(x**3)/dx, without the upstream gradient
    mistake = "the gradient ignores upstream: d(2 x**3)/dx came out as 3 x**2"
    values = CHECK_INPUTS**3
    feedback = _check_gradient(
        cube, "cube", hint, values, UPSTREAM * grads, grads, mistake
    )
    if feedback and not _is_custom_gradient(cube):
        return wrong(
            "cube's values and gradient are right, but the gradient is the tape's own "
            "(it differentiated your x**3): cube is not a @tf.custom_gradient function "
            "that returns its value and a grad you wrote.",
            hint,
        )
    return feedback


def _is_custom_gradient(fn):
    """True if fn is decorated with @tf.custom_gradient: the function it wraps returns
    (value, grad), with grad callable."""
    inner = inspect.unwrap(fn)
    try:
        returned = inner(tf.constant(CHECK_INPUTS))
    except Exception:  # noqa: BLE001  (the learner's code)
        return False
    pair = isinstance(returned, tuple) and len(returned) == 2
    return inner is not fn and pair and callable(returned[1])


def check_clip_ste(clip_ste):
    """clip to [-1, 1] forward, identity backward: a straight-through clip (lesson 06)."""
    hint = (
        "Follow the straight-through round_ste of section 4: the forward pass does "
        "the real op; what does the backward pass pretend the op was?"
    )
    values, grads = np.clip(CHECK_INPUTS, -1.0, 1.0), np.full(3, UPSTREAM)
    own_grads = UPSTREAM * (np.abs(CHECK_INPUTS) <= 1)  # tf.clip_by_value's gradient
    mistake = "this is tf.clip_by_value's own gradient: 0 outside [-1, 1], no signal"
    return _check_gradient(clip_ste, "clip_ste", hint, values, grads, own_grads, mistake)
