"""Every public helper answers bad input clearly: a TypeError or ValueError whose message
names the parameter and says what to pass. Exercise checks never raise: given the wrong
kind of answer they return Feedback that says what to pass.

Hypothesis draws the bad values (wrong dtypes, ranks, shapes, empty, None, NaN / inf,
unknown names, non-callables) while every other argument stays valid, real and non-zero,
so each error can only come from the parameter under test. test_softmax.py,
test_gradcheck.py and test_training.py hold fixed examples of the same errors.
"""

import inspect
import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.figure import Figure

import helpers
from helpers import exercises, training
from helpers.exercises import Feedback
from helpers.plots import (
    cross_entropy,
    custom_gradients,
    jacobian,
    none_gradients,
    softmax_forward,
    start,
    tape,
    trainable,
    zero_gradients,
)
from helpers.plots import training as training_plots

BAD = settings(max_examples=25, deadline=None,
               suppress_health_check=[HealthCheck.too_slow])
# plot arguments are cheap to check but each function has many: fewer per parameter
BAD_PLOT = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
# a message says what to do: "pass ...", "must be ...", "cast it ...", "use ..."
SAYS_WHAT_TO_PASS = re.compile(r"\b(pass|must|cast|use|choose|drop|make|wrap)\b", re.IGNORECASE)


def tagged(strategy, *errors):
    """(bad value, the exception types it may raise) pairs."""
    return strategy.map(lambda value: (value, errors))


def assert_rejected(call, value, errors, parameter):
    """call(value) raises one of `errors`, naming `parameter` and saying what to pass."""
    with pytest.raises(errors) as raised:
        call(value)
    message = str(raised.value)
    assert re.search(rf"\b{re.escape(parameter)}\b", message), (
        f"{parameter!r} not named in: {message}")
    assert SAYS_WHAT_TO_PASS.search(message), f"no instruction in: {message}"
    return message


# ---------------------------------------------------------------- bad values, by kind

SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
FINITE = st.floats(-50, 50, allow_nan=False, allow_infinity=False, width=32)
NOT_NUMBERS = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.booleans(),
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.lists(FINITE, min_size=2, max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def _ragged_lists():
    """Nested lists whose rows differ in length: not a rectangular array."""
    return st.lists(st.lists(FINITE, min_size=1, max_size=3), min_size=2, max_size=3).filter(
        lambda rows: len({len(row) for row in rows}) > 1)


def _with_nonfinite(array_strategy):
    """Finite arrays with one entry replaced by NaN, inf or -inf."""
    return st.tuples(array_strategy, NONFINITE, st.integers(0, 10**6)).map(
        lambda t: _poke(*t))


def _poke(array, value, index):
    array = array.copy()
    array.flat[index % array.size] = value
    return array


def bad_float_tensors(min_rank=1):
    """Values a float-tensor parameter (logits, labels, x) must reject."""
    finite = hnp.arrays(np.float32, SHAPES, elements=FINITE)
    empty = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).filter(
        lambda shape: 0 in shape).map(lambda shape: np.zeros(shape, np.float32))
    kinds = [
        tagged(hnp.arrays(st.sampled_from([np.int8, np.int32, np.int64, np.uint8]), SHAPES),
               TypeError),
        tagged(hnp.arrays(np.bool_, SHAPES), TypeError),
        tagged(hnp.arrays(np.complex64, SHAPES,
                          elements=st.complex_numbers(max_magnitude=10, width=64)),
               TypeError),
        tagged(st.text(max_size=6) | st.binary(max_size=4), TypeError),
        tagged(st.none(), TypeError),
        tagged(st.sets(st.integers(), max_size=2) | st.dictionaries(
            st.text(max_size=2), FINITE, max_size=2), TypeError),
        tagged(_ragged_lists(), TypeError, ValueError),
        tagged(empty, ValueError),
        tagged(_with_nonfinite(finite), ValueError),
        tagged(st.builds(lambda rows: tf.ragged.constant(rows), _ragged_lists()),
               TypeError),
    ]
    if min_rank >= 1:
        kinds.append(tagged(FINITE.filter(lambda x: x != 0), ValueError))  # a scalar
    return st.one_of(kinds)


def bad_positive_numbers():
    """Values a parameter such as temperature, eps or learning_rate must reject."""
    return st.one_of(
        tagged(NOT_NUMBERS, TypeError),
        tagged(st.floats(max_value=0.0, allow_nan=False), ValueError),
        tagged(NONFINITE, ValueError),
    )


def bad_counts(low, high=None):
    """Values an int parameter in [low, high] must reject."""
    out_of_range = st.integers(max_value=low - 1)
    if high is not None:
        out_of_range = out_of_range | st.integers(min_value=high + 1)
    return st.one_of(
        tagged(out_of_range, ValueError),
        tagged(st.floats(allow_nan=False) | st.booleans() | st.none() | st.text(max_size=3)
               | st.complex_numbers(), TypeError),
    )


def bad_names(known):
    """Values a parameter naming one of `known` (a model, a loss) must reject."""
    return st.one_of(
        tagged(st.text(max_size=12).filter(lambda name: name not in known), ValueError),
        tagged(st.none() | st.integers() | st.lists(st.sampled_from(known), min_size=1,
                                                    max_size=2), TypeError),
    )


NOT_CALLABLES = st.one_of(st.none(), st.text(max_size=5), st.integers(), FINITE,
                          st.lists(st.integers(), max_size=2))


# ---------------------------------------------------------------- the softmax module

LOGITS = np.array([[2.0, -1.0, 0.5], [0.3, 1.7, -0.9]], np.float32)
LABELS = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
LOGITS_FUNCTIONS = [helpers.softmax_naive, helpers.softmax_stable,
                    helpers.log_softmax_naive, helpers.log_softmax_stable,
                    helpers.softmax_jacobian]
CROSS_ENTROPIES = [helpers.cross_entropy_naive, helpers.cross_entropy_stable]


@pytest.mark.parametrize("function", LOGITS_FUNCTIONS, ids=lambda f: f.__name__)
@BAD
@given(bad=bad_float_tensors())
def test_bad_logits(function, bad):
    assert_rejected(function, *bad, "logits")


@pytest.mark.parametrize("function", CROSS_ENTROPIES, ids=lambda f: f.__name__)
@BAD
@given(bad=bad_float_tensors())
def test_bad_logits_of_a_cross_entropy(function, bad):
    assert_rejected(lambda logits: function(LABELS, logits), *bad, "logits")


@pytest.mark.parametrize("function", CROSS_ENTROPIES, ids=lambda f: f.__name__)
@BAD
@given(bad=st.one_of(
    bad_float_tensors(),
    # real floats that are no distribution over 3 classes, or have another shape
    tagged(hnp.arrays(np.float32, (2, 3), elements=FINITE).filter(
        lambda y: not (np.all((y >= 0) & (y <= 1)) and np.allclose(y.sum(-1), 1, atol=1e-3))),
        ValueError),
    tagged(hnp.arrays(np.float32, SHAPES, elements=st.floats(0, 1, width=32)).filter(
        lambda y: y.shape != LOGITS.shape), ValueError),
))
def test_bad_labels(function, bad):
    assert_rejected(lambda labels: function(labels, LOGITS), *bad, "labels")


@pytest.mark.parametrize("function", [f for f in LOGITS_FUNCTIONS
                                      if "axis" in inspect.signature(f).parameters],
                         ids=lambda f: f.__name__)
@BAD
@given(bad=st.one_of(
    tagged(st.integers().filter(lambda axis: not -2 <= axis < 2), ValueError),
    tagged(st.floats() | st.booleans() | st.none() | st.text(max_size=2)
           | st.lists(st.integers(-1, 0), min_size=1, max_size=2), TypeError),
))
def test_bad_axis(function, bad):
    assert_rejected(lambda axis: function(LOGITS, axis=axis), *bad, "axis")


@BAD
@given(bad=st.one_of(
    bad_positive_numbers(),
    tagged(hnp.arrays(np.float32, SHAPES, elements=st.floats(0.5, 2, width=32)),
           ValueError),  # not a scalar
    tagged(hnp.arrays(st.sampled_from([np.bool_, np.complex64]), ()), TypeError),
    # positive, but 0 or inf once cast to the logits' float32
    tagged(st.floats(1e-300, 1e-46) | st.floats(1e39, 1e300), ValueError),
))
def test_bad_temperature(bad):
    assert_rejected(lambda t: helpers.softmax_stable(LOGITS, temperature=t), *bad,
                    "temperature")


@settings(max_examples=40, deadline=None)
@given(temperature=st.floats(1e-37, 1e-3), scale=st.floats(1.0, 1e30))
def test_any_accepted_temperature_gives_a_finite_distribution(temperature, scale):
    # (z - max z) / T: exponents <= 0 even where z / T overflows float32
    probs = helpers.softmax_stable(LOGITS * np.float32(scale), temperature=temperature)
    probs = probs.numpy()
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(probs.argmax(axis=-1), LOGITS.argmax(axis=-1))


def test_temperature_is_checked_in_the_logits_dtype():
    # 1e-50 is 0 in float32 but not in float64
    with pytest.raises(ValueError, match="temperature.*float32"):
        helpers.softmax_stable(LOGITS, temperature=1e-50)
    probs = helpers.softmax_stable(LOGITS.astype(np.float64), temperature=1e-50).numpy()
    np.testing.assert_array_equal(probs, np.eye(3)[LOGITS.argmax(axis=-1)])


def test_temperature_checks_also_run_inside_a_tf_function():
    # the explorers call softmax_stable from compiled functions: the check must not
    # be turned into graph ops (a valid temperature passes, a bad one fails at tracing)
    @tf.function
    def cooled(logits, temperature):
        return helpers.softmax_stable(logits, temperature=temperature)

    probs = cooled(tf.constant(LOGITS), 0.5).numpy()
    np.testing.assert_allclose(probs, tf.nn.softmax(LOGITS / 0.5).numpy(), rtol=1e-6)
    assert_rejected(lambda t: cooled(tf.constant(LOGITS), t), 1e-50, ValueError,
                    "temperature")


# ---------------------------------------------------------------- gradcheck


def _sum_of_squares(x):
    return tf.reduce_sum(x**2)


POINT = np.array([0.5, -1.5, 2.0])


@BAD
@given(bad=tagged(NOT_CALLABLES, TypeError))
def test_numeric_gradient_bad_f(bad):
    assert_rejected(lambda f: helpers.numeric_gradient(f, POINT), *bad, "f")


@BAD
@given(bad=st.one_of(
    tagged(st.none() | st.text(max_size=3) | st.booleans()
           | st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0)
           | st.sampled_from([tf.constant(True), tf.constant("x")]), TypeError),
    tagged(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_side=3)).filter(
        lambda a: a.size > 1), ValueError),
))
def test_numeric_gradient_f_returning_no_number(bad):
    value, errors = bad
    assert_rejected(lambda result: helpers.numeric_gradient(lambda x: result, POINT),
                    value, errors, "f")


def test_numeric_gradient_says_f_must_work_in_float64():
    def float32_only(x):
        return tf.reduce_sum(x * tf.constant([1.0, 2.0, 3.0]))

    message = assert_rejected(lambda f: helpers.numeric_gradient(f, POINT), float32_only,
                              TypeError, "f")
    assert "float64" in message


@BAD
@given(bad=bad_float_tensors(min_rank=0))
def test_numeric_gradient_bad_x(bad):
    assert_rejected(lambda x: helpers.numeric_gradient(_sum_of_squares, x), *bad, "x")


@BAD
@given(bad=bad_positive_numbers())
def test_numeric_gradient_bad_eps(bad):
    assert_rejected(lambda eps: helpers.numeric_gradient(_sum_of_squares, POINT, eps=eps),
                    *bad, "eps")


REFERENCE = np.array([0.25, -1.5, 3.0])


def bad_arrays_to_compare():
    return st.one_of(
        tagged(st.none() | st.text(max_size=4) | st.binary(max_size=3)
               | st.dictionaries(st.text(max_size=2), FINITE, max_size=2), TypeError),
        tagged(hnp.arrays(st.sampled_from([np.bool_, np.complex128]), (3,)), TypeError),
        tagged(_ragged_lists(), TypeError),
        tagged(st.just([]) | st.just(np.zeros((0, 3))), ValueError),
        tagged(hnp.arrays(np.float64, SHAPES).filter(lambda a: a.shape != (3,)),
               ValueError),
    )


@BAD
@given(bad=bad_arrays_to_compare())
def test_compare_bad_value(bad):
    message = assert_rejected(lambda value: helpers.compare("grad", value, REFERENCE),
                              *bad, "value")
    assert message.startswith("grad:")


@BAD
@given(bad=bad_arrays_to_compare())
def test_compare_bad_reference(bad):
    assert_rejected(lambda reference: helpers.compare("grad", REFERENCE, reference), *bad,
                    "reference")


@BAD
@given(bad=tagged(st.none() | st.integers() | st.floats() | st.binary(max_size=3)
                  | st.lists(st.text(max_size=2), max_size=2), TypeError))
def test_compare_bad_name(bad):
    assert_rejected(lambda name: helpers.compare(name, REFERENCE, REFERENCE), *bad, "name")


@pytest.mark.parametrize("tolerance", ["rtol", "atol"])
@BAD
@given(bad=st.one_of(
    tagged(st.floats(max_value=-1e-12, allow_nan=False) | NONFINITE, ValueError),
    tagged(st.none() | st.text(max_size=3) | st.booleans() | st.complex_numbers(),
           TypeError),
))
def test_compare_bad_tolerance(tolerance, bad):
    assert_rejected(
        lambda value: helpers.compare("grad", REFERENCE, REFERENCE, **{tolerance: value}),
        *bad, tolerance)


def test_compare_still_prints_and_keeps_nan(capsys):
    result = helpers.compare("nan both", [np.nan, 1.5], [np.nan, 1.5])
    assert result.exact and "exact: True" in capsys.readouterr().out


# ---------------------------------------------------------------- train

FLOAT32_TOO_BIG = st.floats(3.5e38, 1e300)
FLOAT32_ROUNDS_TO_ZERO = st.floats(1e-300, 1e-46)


def _train(**kwargs):
    """helpers.train with a few steps (bad input is refused before any step runs)."""
    return helpers.train(**{"steps": 5, **kwargs})


@pytest.mark.parametrize("parameter, bad_values", [
    ("model", bad_names(list(training.MODELS))),
    ("steps", bad_counts(1, training.MAX_STEPS)),
    ("seed", bad_counts(0, 2**31 - 1)),
    ("learning_rate", st.one_of(
        bad_positive_numbers(),
        tagged(FLOAT32_TOO_BIG | FLOAT32_ROUNDS_TO_ZERO, ValueError),
        tagged(st.sampled_from([tf.constant(0.1), np.array([0.1])]), TypeError))),
    ("init_scale", st.one_of(
        bad_positive_numbers(), tagged(FLOAT32_TOO_BIG | FLOAT32_ROUNDS_TO_ZERO,
                                       ValueError))),
    ("bias_init", st.one_of(tagged(NOT_NUMBERS, TypeError),
                            tagged(NONFINITE | FLOAT32_TOO_BIG, ValueError))),
    ("loss", bad_names(list(training.LOSSES))),
])
@BAD
@given(data=st.data())
def test_train_bad_argument(parameter, bad_values, data):
    value, errors = data.draw(bad_values)
    assert_rejected(lambda v: _train(**{parameter: v}), value, errors, parameter)


@BAD
@given(bad=bad_names(list(training.ACTIVATIONS)))
def test_train_bad_activation(bad):
    assert_rejected(lambda name: _train(model="mlp", activation=name), *bad, "activation")


@pytest.mark.parametrize("model", ["linear", "custom_square"])
def test_train_activation_only_applies_to_the_mlp(model):
    assert_rejected(lambda name: _train(model=model, activation=name), "tanh", ValueError,
                    "activation")


@BAD
@given(option=st.from_regex(r"[a-z_]{1,12}", fullmatch=True).filter(
    lambda name: name not in training.DEFAULT_OPTIONS
    and name not in inspect.signature(helpers.train).parameters))
def test_train_unknown_option(option):
    assert_rejected(lambda value: _train(**{option: value}), 0.5, ValueError, option)


# ---------------------------------------------------------------- diagnose, setup


def test_diagnose_rejects_only_what_is_not_a_program_or_a_source():
    # the boundary: a broken program is a finding, a wrong argument is an error
    w = tf.Variable([1.5, -0.5])
    report = helpers.diagnose(lambda: tf.constant(float("nan")) * tf.reduce_sum(w), [w])
    assert report[0].status == "nan"
    with pytest.raises(TypeError, match="loss_fn"):
        helpers.diagnose("not a function", [w])


@BAD
@given(bad=tagged(NOT_CALLABLES | st.just(tf.constant(1.0)), TypeError))
def test_diagnose_bad_loss_fn(bad):
    w = tf.Variable([1.5, -0.5])
    assert_rejected(lambda loss_fn: helpers.diagnose(loss_fn, [w]), *bad, "loss_fn")


@BAD
@given(bad=tagged(st.one_of(
    st.none(), st.text(min_size=1, max_size=4), st.integers(), FINITE,
    hnp.arrays(np.float32, SHAPES, elements=FINITE),
    st.lists(FINITE | st.none() | st.text(max_size=2), min_size=1, max_size=3),
    st.just([[tf.Variable(1.5)]]),  # nested one level too deep
    st.just(keras.layers.Dense(2)),
), TypeError))
def test_diagnose_bad_variables(bad):
    assert_rejected(lambda variables: helpers.diagnose(lambda: tf.constant(2.5), variables),
                    *bad, "variables")


@BAD
@given(bad=bad_counts(0, 2**32 - 1))
def test_seed_everything_bad_seed(bad):
    assert_rejected(helpers.seed_everything, *bad, "seed")


def test_environment_report_takes_nothing_and_says_what_it_found():
    report = helpers.environment_report()
    assert report["tensorflow_ok"] and report["keras_3"] and "CPU" in report["devices"]


# ---------------------------------------------------------------- the drawing functions


def new_axes():
    return Figure(figsize=(3, 2), dpi=40).subplots()


def _curves():
    ax = new_axes()
    inputs = np.linspace(-5.0, 5.0, 11)
    artists = custom_gradients.draw_gradient_curves(ax, inputs, ["naive", "stable"])
    return {"artists": artists, "grads_by_name": {"naive": np.tanh(inputs) + 1.5,
                                                  "stable": np.tanh(inputs) + 0.5}, "x": 1.5}


def _heatmap():
    image, labels = jacobian.draw_jacobian_heatmap(new_axes(), ["a", "b"])
    return {"image": image, "labels": labels, "jacobian": [[0.2, -0.2], [-0.2, 0.2]],
            "limit": 0.25}


def _signed_bars():
    bars, labels = jacobian.draw_signed_bars(new_axes(), ["a", "b"], 0.25, "gradient")
    return {"bars": bars, "labels": labels, "values": [0.1, -0.2], "limit": 0.25}


def _source_bars():
    bars, labels = none_gradients.draw_gradient_bars(new_axes(), ["a", "b"], (0.0, 8.0))
    return {"bars": bars, "labels": labels, "grads": [4.0, None], "none_height": 5.0}


def _panels():
    figure = Figure(figsize=(3, 2), dpi=40)
    return softmax_forward.draw_naive_and_stable(*figure.subplots(1, 2), ["a", "b"])


def _tangent():
    figure = Figure(figsize=(3, 2), dpi=40)
    return tape.draw_tangent_panels(*figure.subplots(1, 2), np.linspace(-2.0, 2.0, 5))


def _variable_bars():
    return trainable.draw_variable_bars(new_axes(), ["w", "b"], (0.0, 1.2), "g", "|g|")


def _training_axes():
    figure = Figure(figsize=(3, 2), dpi=40)
    return training_plots.draw_training_axes(*figure.subplots(1, 2), 100)


def _elementwise():
    figure = Figure(figsize=(3, 2), dpi=40)
    return zero_gradients.draw_elementwise(*figure.subplots(2, 1), 3)


def _dead_units():
    figure = Figure(figsize=(3, 2), dpi=40)
    return zero_gradients.draw_dead_units(*figure.subplots(1, 2), 10)


def _code_panel():
    return {"image": none_gradients.draw_code_panel(new_axes()),
            "code_pixels": none_gradients.render_code("loss = a * a", 40, 20, 40)}


STEPS_11 = np.linspace(0.9, 0.1, 11)
# function -> (valid arguments, real and non-zero, made fresh)
VALID = {
    cross_entropy.draw_gradient_comparison: lambda: {
        "ax": new_axes(), "class_names": ["a", "b", "c"], "limit": 1.0},
    cross_entropy.update_gradient_comparison: lambda: {
        "artists": cross_entropy.draw_gradient_comparison(new_axes(), ["a", "b", "c"]),
        "grad_naive": [0.2, -0.5, 0.3], "grad_stable": [0.2, -0.5, 0.3],
        "expected": [0.2, -0.5, 0.3], "loss_naive": 0.7, "loss_stable": 0.7,
        "limit": 1.0},
    custom_gradients.draw_gradient_curves: lambda: {
        "ax": new_axes(), "inputs": np.linspace(-5.0, 5.0, 11), "names": ["naive"]},
    custom_gradients.update_gradient_curves: _curves,
    custom_gradients.draw_gradient_bars: lambda: {
        "ax": new_axes(), "names": ["naive", "custom"]},
    custom_gradients.update_gradient_bars: lambda: {
        "artists": custom_gradients.draw_gradient_bars(new_axes(), ["naive", "custom"]),
        "grads": [0.3, 0.7]},
    jacobian.draw_jacobian_heatmap: lambda: {
        "ax": new_axes(), "class_names": ["a", "b"], "limit": 0.25},
    jacobian.update_jacobian_heatmap: _heatmap,
    jacobian.draw_row_marker: lambda: {"ax": new_axes(), "size": 3},
    jacobian.update_row_marker: lambda: {
        "marker": jacobian.draw_row_marker(new_axes(), 3), "row": 1},
    jacobian.draw_signed_bars: lambda: {
        "ax": new_axes(), "class_names": ["a", "b"], "limit": 0.25, "title": "gradient",
        "offset": 0.2, "width": 0.4, "color": "#DD8452", "label": "naive"},
    jacobian.update_signed_bars: _signed_bars,
    none_gradients.draw_gradient_bars: lambda: {
        "ax": new_axes(), "source_names": ["a", "b"], "ylim": (0.0, 8.0),
        "title": "gradient per source"},
    none_gradients.update_gradient_bars: _source_bars,
    none_gradients.draw_code_panel: lambda: {"ax": new_axes(), "title": "the program"},
    none_gradients.render_code: lambda: {
        "code": "loss = a * a", "width_px": 40, "height_px": 20, "dpi": 40.0},
    none_gradients.update_code_panel: _code_panel,
    softmax_forward.draw_naive_and_stable: lambda: dict(zip(
        ("ax_naive", "ax_stable"), Figure().subplots(1, 2)), class_names=["a", "b"]),
    softmax_forward.update_naive_and_stable: lambda: {
        "panels": _panels(), "naive_probs": [0.6, 0.4], "stable_probs": [0.6, 0.4]},
    softmax_forward.panel_artists: lambda: {"panels": _panels()},
    start.draw_probability_bars: lambda: {
        "ax": new_axes(), "class_names": ["cat", "dog"], "title": "probabilities"},
    start.update_probability_bars: lambda: dict(zip(
        ("bars", "labels"), start.draw_probability_bars(new_axes(), ["cat", "dog"])),
        probs=[0.7, 0.3]),
    tape.draw_tangent_panels: lambda: dict(zip(
        ("ax_f", "ax_df"), Figure().subplots(1, 2)), xs=np.linspace(-2.0, 2.0, 5)),
    tape.finite_limits: lambda: {"values": [1.0, 3.0, -0.5], "margin": 0.1},
    tape.update_tangent_curves: lambda: {
        "artists": _tangent(), "f_values": np.linspace(-2.0, 2.0, 5) ** 2,
        "df_values": 2 * np.linspace(-2.0, 2.0, 5)},
    tape.update_tangent_point: lambda: {
        "artists": _tangent(), "x": 1.0, "f_value": 1.0, "slope": 2.0},
    trainable.draw_variable_bars: lambda: {
        "ax": new_axes(), "variable_names": ["w", "b"], "ylim": (0.0, 1.2),
        "title": "gradients", "ylabel": "|gradient|", "note": "grey: frozen"},
    trainable.update_asked_gradient_bars: lambda: dict(zip(
        ("bars", "labels"), _variable_bars()), grad_norms=[0.5, None],
        asked=[True, False], frozen=[False, True], none_height=0.6),
    trainable.update_change_bars: lambda: dict(zip(
        ("bars", "labels"), _variable_bars()), changes=[0.0, 0.05]),
    training_plots.log_plottable: lambda: {"values": [0.5, 1e-9, 2.0]},
    training_plots.draw_loss_curves: lambda: {
        "ax": new_axes(), "curves": {"Adam": [1.0, 0.5, 0.2]}, "title": "loss"},
    training_plots.draw_training_axes: lambda: dict(zip(
        ("loss_ax", "norm_ax"), Figure().subplots(1, 2)), max_steps=100),
    training_plots.update_loss_curve: lambda: {
        "artists": _training_axes(), "losses": [1.0, 0.5, 0.2]},
    training_plots.update_norm_curves: lambda: {
        "artists": _training_axes(), "grad_norms": {"kernel": [0.3, 0.2, 0.1]}},
    zero_gradients.draw_elementwise: lambda: dict(zip(
        ("value_ax", "grad_ax"), Figure().subplots(2, 1)), num_points=3),
    zero_gradients.update_elementwise: lambda: {
        "artists": _elementwise(), "inputs": [-1.0, 0.0, 1.0], "values": [0.0, 0.0, 1.0],
        "grads": [0.0, 0.5, 1.0]},
    zero_gradients.draw_dead_units: lambda: dict(zip(
        ("fraction_ax", "loss_ax"), Figure().subplots(1, 2)), max_steps=10),
    zero_gradients.update_dead_units: lambda: {
        "artists": _dead_units(), "dead_fraction": STEPS_11, "moving_fraction": STEPS_11,
        "losses": STEPS_11 + 0.5},
}

# kinds of parameter -> bad values (given the valid arguments, for sizes)
NOT_AXES = tagged(st.sampled_from([None, "ax", 3.0, [], {}]) | st.builds(Figure),
                  TypeError)
NOT_ARTISTS = tagged(st.sampled_from([None, {}, "artists", 3, [], [None, None]]),
                     TypeError)
NOT_TEXT = tagged(st.none() | st.integers() | FINITE | st.lists(st.text(max_size=2),
                                                                 max_size=2), TypeError)


def bad_labels(unknown_ok=True):
    kinds = [
        tagged(st.text(max_size=5) | st.none() | st.integers() | FINITE, TypeError),
        tagged(st.just([]), ValueError),
        tagged(st.lists(st.integers() | st.none() | FINITE, min_size=1, max_size=3),
               TypeError),
    ]
    if not unknown_ok:  # only known names allowed (softplus versions)
        kinds.append(tagged(st.lists(st.text(min_size=1, max_size=5).filter(
            lambda name: name not in custom_gradients.COLOURS), min_size=1, max_size=3),
            ValueError))
    return st.one_of(kinds)


def bad_numbers(positive=False, finite=True):
    kinds = [tagged(NOT_NUMBERS, TypeError)]
    if finite:
        kinds.append(tagged(NONFINITE, ValueError))
    if positive:
        kinds.append(tagged(st.floats(max_value=0.0, allow_nan=False), ValueError))
    return st.one_of(kinds)


def bad_limits():
    pair = st.tuples(FINITE, FINITE)
    return st.one_of(
        tagged(st.none() | FINITE | st.text(max_size=3) | st.just(())
               | st.lists(FINITE, min_size=3, max_size=4), TypeError),
        tagged(pair.filter(lambda p: not p[0] < p[1]), ValueError),
        tagged(st.tuples(FINITE, NONFINITE) | st.tuples(NONFINITE, FINITE), ValueError),
    )


def bad_values(shape, finite=False, sized=True, none_ok=False):
    """Bad arrays where arrays of `shape` go: NaN and inf are allowed unless `finite`,
    other lengths unless `sized`, None if `none_ok`."""
    ndim = len(shape)
    wrong_shape = hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1,
                                   max_side=6).filter(lambda s: s != tuple(shape))
    not_arrays = st.text(max_size=4) | st.dictionaries(st.text(max_size=2), FINITE,
                                                       max_size=2)
    kinds = [
        tagged(not_arrays if none_ok else not_arrays | st.none(), TypeError),
        tagged(hnp.arrays(st.sampled_from([np.bool_, np.complex128]), shape), TypeError),
        tagged(st.lists(st.text(max_size=2), min_size=shape[0], max_size=shape[0]),
               TypeError),
        tagged(_ragged_lists(), TypeError, ValueError),
        tagged(hnp.arrays(np.float64, hnp.array_shapes(min_dims=ndim + 1, max_dims=ndim + 2,
                                                       max_side=3), elements=FINITE),
               ValueError),
        tagged(st.just(np.zeros((0,) * ndim)), ValueError),
    ]
    if sized:
        kinds.append(tagged(hnp.arrays(np.float64, wrong_shape, elements=FINITE),
                            ValueError))
    if finite:
        kinds.append(tagged(_with_nonfinite(hnp.arrays(np.float64, shape,
                                                       elements=FINITE)), ValueError))
    return st.one_of(kinds)


def bad_axis_values(shape):
    """Bad x values for a curve: also any that do not increase."""
    return st.one_of(
        bad_values(shape, finite=True, sized=False),
        tagged(hnp.arrays(np.float64, st.integers(1, 8), elements=FINITE).filter(
            lambda xs: xs.size < 2 or not np.all(np.diff(xs) > 0)), ValueError),
    )


def bad_optional_values(size):
    return st.one_of(
        tagged(st.none() | st.text(max_size=3) | FINITE, TypeError),
        tagged(st.lists(FINITE | st.none(), max_size=5).filter(lambda v: len(v) != size),
               ValueError),
        tagged(st.lists(st.text(min_size=1, max_size=2) | st.complex_numbers(),
                        min_size=size, max_size=size), TypeError),
    )


def bad_flags(size):
    return st.one_of(
        tagged(st.none() | st.booleans() | st.text(max_size=3), TypeError),
        tagged(st.lists(st.booleans(), max_size=5).filter(lambda v: len(v) != size),
               ValueError),
        tagged(st.lists(st.integers(0, 1) | st.text(max_size=2), min_size=size,
                        max_size=size), TypeError),
    )


def bad_series(max_entries=None):
    """Bad dicts name -> per-step values."""
    kinds = [
        tagged(st.none() | st.lists(FINITE, max_size=3) | st.text(max_size=3), TypeError),
        tagged(st.just({}), ValueError),
        tagged(st.dictionaries(st.text(min_size=1, max_size=3),
                               st.text(max_size=3) | st.none(), min_size=1, max_size=2),
               TypeError),
    ]
    if max_entries is not None:
        kinds.append(tagged(st.dictionaries(st.text(min_size=1, max_size=4),
                                            st.just([0.5, 0.25]), min_size=max_entries + 1,
                                            max_size=max_entries + 2), ValueError))
    return st.one_of(kinds)


def bad_grads_by_name(valid):
    size = len(valid["grads_by_name"]["naive"])
    return st.one_of(
        tagged(st.none() | st.lists(FINITE, max_size=3) | st.text(max_size=3), TypeError),
        tagged(st.just({}) | st.just({"naive": np.ones(size)}), ValueError),
        tagged(st.builds(lambda n: {"naive": np.ones(n), "stable": np.ones(n)},
                         st.integers(1, 20).filter(lambda n: n != size)), ValueError),
    )


def bad_code_pixels():
    return tagged(st.one_of(
        st.none(), st.text(max_size=3), FINITE,
        hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)),
        hnp.arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 3),
                                       st.integers(1, 3))),
        hnp.arrays(np.bool_, (2, 2, 4)),
    ), TypeError)


def _size(valid, key):
    return len(np.asarray(valid[key], dtype=object))


# parameter name -> bad values, given the valid arguments; the same kinds recur
PARAMETERS = {
    "ax": lambda v: NOT_AXES, "ax_naive": lambda v: NOT_AXES,
    "ax_stable": lambda v: NOT_AXES, "ax_f": lambda v: NOT_AXES,
    "ax_df": lambda v: NOT_AXES, "loss_ax": lambda v: NOT_AXES,
    "norm_ax": lambda v: NOT_AXES, "value_ax": lambda v: NOT_AXES,
    "grad_ax": lambda v: NOT_AXES, "fraction_ax": lambda v: NOT_AXES,
    "class_names": lambda v: bad_labels(), "source_names": lambda v: bad_labels(),
    "variable_names": lambda v: bad_labels(),
    "names": lambda v: bad_labels(unknown_ok=False),
    "limit": lambda v: bad_numbers(positive=True),
    "width": lambda v: bad_numbers(positive=True),
    "dpi": lambda v: bad_numbers(positive=True),
    "offset": lambda v: bad_numbers(), "x": lambda v: bad_numbers(),
    "none_height": lambda v: bad_numbers(),
    "margin": lambda v: st.one_of(bad_numbers(), tagged(st.floats(max_value=-1e-9),
                                                        ValueError)),
    "loss_naive": lambda v: bad_numbers(finite=False),
    "loss_stable": lambda v: bad_numbers(finite=False),
    "f_value": lambda v: bad_numbers(finite=False),
    "slope": lambda v: bad_numbers(finite=False),
    "size": lambda v: bad_counts(1), "num_points": lambda v: bad_counts(2),
    "max_steps": lambda v: bad_counts(1 if "fraction_ax" in v else 2),
    "width_px": lambda v: bad_counts(1), "height_px": lambda v: bad_counts(1),
    "row": lambda v: bad_counts(0, 2),
    "ylim": lambda v: bad_limits(),
    "title": lambda v: NOT_TEXT, "ylabel": lambda v: NOT_TEXT, "note": lambda v: NOT_TEXT,
    "code": lambda v: NOT_TEXT, "label": lambda v: tagged(st.integers() | FINITE,
                                                          TypeError),
    "color": lambda v: st.one_of(tagged(st.none() | st.integers(), TypeError), tagged(
        st.sampled_from(["not a colour", "#12345", "bluish"]), ValueError)),
    "artists": lambda v: NOT_ARTISTS, "bars": lambda v: NOT_ARTISTS,
    "labels": lambda v: NOT_ARTISTS, "panels": lambda v: NOT_ARTISTS,
    "image": lambda v: NOT_ARTISTS, "marker": lambda v: NOT_ARTISTS,
    "inputs": lambda v: (bad_values((3,), finite=True) if "artists" in v
                         else bad_axis_values(np.shape(v["inputs"]))),
    "xs": lambda v: bad_axis_values(np.shape(v["xs"])),
    "jacobian": lambda v: bad_values(np.shape(v["jacobian"])),
    "values": lambda v: bad_values(np.shape(v["values"])),
    "grad_naive": lambda v: bad_values((3,)), "grad_stable": lambda v: bad_values((3,)),
    "expected": lambda v: bad_values((3,)),
    "grads": lambda v: (bad_optional_values(2) if "none_height" in v
                        else bad_values(np.shape(v["grads"]), none_ok="inputs" in v)),
    "probs": lambda v: bad_values((2,)), "naive_probs": lambda v: bad_values((2,)),
    "stable_probs": lambda v: bad_values((2,)), "changes": lambda v: bad_values((2,)),
    "f_values": lambda v: bad_values((5,)), "df_values": lambda v: bad_values((5,)),
    "losses": lambda v: bad_values(np.shape(v["losses"]), sized="dead_fraction" in v),
    "dead_fraction": lambda v: bad_values((11,)),
    "moving_fraction": lambda v: bad_values((11,)),
    "grad_norms": lambda v: (bad_optional_values(2) if "asked" in v
                             else bad_series(max_entries=4)),
    "asked": lambda v: bad_flags(2), "frozen": lambda v: bad_flags(2),
    "curves": lambda v: bad_series(),
    "grads_by_name": bad_grads_by_name,
    "code_pixels": lambda v: bad_code_pixels(),
}
# values = an array to log-scale (any shape) or the finite_limits input (any shape)
ANY_SHAPE_VALUES = (training_plots.log_plottable, tape.finite_limits)
PLOT_CASES = [(function, name) for function in VALID
              for name in inspect.signature(function).parameters]


def test_every_public_drawing_function_is_covered():
    modules = (cross_entropy, custom_gradients, jacobian, none_gradients, softmax_forward,
               start, tape, trainable, training_plots, zero_gradients)
    public = {getattr(module, name) for module in modules for name in dir(module)
              if not name.startswith("_") and inspect.isfunction(getattr(module, name))
              and getattr(module, name).__module__ == module.__name__}
    assert public == set(VALID)
    for function, valid in VALID.items():  # every valid call really works
        function(**valid())


@pytest.mark.parametrize("function, parameter", PLOT_CASES,
                         ids=[f"{f.__module__.split('.')[-1]}.{f.__name__}-{p}"
                              for f, p in PLOT_CASES])
@BAD_PLOT
@given(data=st.data())
def test_bad_plot_argument(function, parameter, data):
    valid = VALID[function]()
    if function in ANY_SHAPE_VALUES and parameter == "values":
        bad_values_ = tagged(st.none() | st.text(max_size=3), TypeError) | tagged(
            hnp.arrays(st.sampled_from([np.bool_, np.complex128]), SHAPES), TypeError) | (
            tagged(st.just([]), ValueError))
    else:
        bad_values_ = PARAMETERS[parameter](valid)
    value, errors = data.draw(bad_values_)
    assert_rejected(lambda bad: function(**{**valid, parameter: bad}), value, errors,
                    parameter)


def test_mismatched_bars_and_labels_are_refused():
    bars, labels = start.draw_probability_bars(new_axes(), ["cat", "dog", "fish"])
    assert_rejected(lambda extra: start.update_probability_bars(bars, labels[:2], extra),
                    [0.5, 0.3, 0.2], ValueError, "labels")


def test_drawing_values_may_be_nan_or_inf():
    bars, labels = start.draw_probability_bars(new_axes(), ["cat", "dog"])
    start.update_probability_bars(bars, labels, [np.nan, np.inf])
    assert [label.get_text() for label in labels] == ["NaN", "inf"]


# ---------------------------------------------------------------- exercise checks

CHECKS = sorted(name for name in exercises.__all__ if name.startswith("check_"))
FUNCTION_CHECKS = {"check_my_softmax", "check_cube", "check_clip_ste", "check_safe_xlogx",
                   "check_sum_of_squares"}
# the wrong KIND of answer: none of these is a number, a function, a dict or a model
WRONG_KINDS = st.one_of(
    st.none(), st.text(max_size=6), st.binary(max_size=3), st.booleans(),
    st.complex_numbers(allow_nan=False).filter(lambda z: z.imag != 0),
    st.sets(st.integers(), max_size=2), _ragged_lists(), st.just([]),
    hnp.arrays(st.sampled_from([np.bool_, np.complex64]), SHAPES),
    st.sampled_from([tf.constant(["a", "b"]), tf.constant([True, False])]),
)
SAYS_WHAT_TO_GIVE = re.compile(r"\b(pass|replace the|answer with)\b", re.IGNORECASE)


def call_check(name, answer):
    """Call a check with `answer` for every parameter it requires (lesson 10's checks
    take the loss function and the variable: both get the wrong kind)."""
    check = getattr(exercises, name)
    required = [p for p in inspect.signature(check).parameters.values()
                if p.default is inspect.Parameter.empty]
    return check(*[answer] * len(required))


def assert_feedback_says_what_to_pass(feedback):
    assert isinstance(feedback, Feedback) and not feedback
    assert feedback.hint, "a wrong answer needs a hint"
    assert SAYS_WHAT_TO_GIVE.search(feedback.message), feedback.message
    assert "Traceback" not in repr(feedback)


def test_every_check_is_listed():
    assert FUNCTION_CHECKS <= set(CHECKS) and len(CHECKS) >= 20


@pytest.mark.parametrize("name", CHECKS)
@BAD
@given(answer=WRONG_KINDS)
def test_checks_answer_the_wrong_kind_with_feedback(name, answer):
    assert_feedback_says_what_to_pass(call_check(name, answer))


@pytest.mark.parametrize("name", sorted(set(CHECKS) - FUNCTION_CHECKS))
@BAD
@given(answer=st.sampled_from([lambda: 0.5, print, np.mean]))
def test_checks_wanting_a_value_answer_a_function_with_feedback(name, answer):
    assert_feedback_says_what_to_pass(call_check(name, answer))


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
@BAD
@given(returned=st.one_of(st.none(), st.text(max_size=4), st.booleans(),
                          st.lists(FINITE, min_size=1, max_size=3), _ragged_lists()))
def test_function_checks_answer_a_function_returning_the_wrong_kind(name, returned):
    feedback = getattr(exercises, name)(lambda *args: returned)
    assert isinstance(feedback, Feedback) and not feedback and feedback.hint
    assert feedback.message


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
def test_function_checks_report_a_function_that_raises(name):
    def broken(*args):
        raise ZeroDivisionError("on purpose")

    feedback = getattr(exercises, name)(broken)
    assert not feedback and "ZeroDivisionError: on purpose" in feedback.message


@pytest.mark.parametrize("name, keys", [
    ("check_none_or_zero", ["relu", "cast_int", "round", "sign", "stop_half"]),
    ("check_none_or_gradient", ["tf_variable_not_trainable",
                                "keras_variable_not_trainable",
                                "frozen_dense_kernel_passed_explicitly",
                                "tf_variable_not_trainable_watched"]),
])
@BAD
@given(value=st.one_of(st.none(), st.integers(), st.booleans(),
                       hnp.arrays(np.float32, SHAPES, elements=FINITE),
                       st.lists(st.text(max_size=3), max_size=2)))
def test_prediction_checks_answer_values_of_the_wrong_kind(name, keys, value):
    feedback = getattr(exercises, name)(dict.fromkeys(keys, value))
    assert isinstance(feedback, Feedback) and not feedback and feedback.hint
    assert "must be one of" in feedback.message


@pytest.mark.parametrize("name", sorted(set(CHECKS) - FUNCTION_CHECKS - {
    "check_none_or_zero", "check_none_or_gradient", "check_only_second_trainable",
    "check_none_fix"}))
@BAD
@given(value=st.sampled_from([np.nan, np.inf, -np.inf]))
def test_numeric_checks_say_nan_and_inf_are_not_the_answer(name, value):
    feedback = call_check(name, value)
    assert isinstance(feedback, Feedback) and not feedback and feedback.hint


def test_the_ellipsis_messages_stored_in_the_lessons_are_unchanged():
    assert exercises.check_equal_logit(...).message == (
        "the logit of cat: replace the ... with your answer (numbers, a list, an array "
        "or a tensor).")
    assert exercises.check_my_softmax(...).message == (
        "replace the ... with a function that takes logits and returns probabilities.")
    assert exercises.check_cube(...).message == "cube: replace the ... with your function."
    assert exercises.check_nan_learning_rate(...).message == (
        "Replace the ... with one learning rate (a number > 0).")
