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

import helpers
from helpers import exercises, training
from helpers.exercises import Feedback

BAD = settings(max_examples=25, deadline=None,
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


# ---------------------------------------------------------------- exercise checks

CHECKS = sorted(name for name in dir(exercises) if name.startswith("check_"))
FUNCTION_CHECKS = {"check_my_softmax", "check_cube", "check_clip_ste", "check_safe_xlogx",
                   "check_mean_of_cubes"}
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
    ("check_none_or_zero", ["relu", "cast_int", "stop_half", "a_minus_a", "round_plus_a",
                            "constant", "convert"]),
    ("check_none_or_gradient", ["tf_variable_not_trainable",
                                "keras_variable_frozen_later",
                                "frozen_dense_kernel_passed_explicitly",
                                "tf_variable_not_trainable_watched"]),
])
@BAD
@given(value=st.one_of(st.integers().filter(bool), st.booleans(),
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


@pytest.mark.parametrize("name", CHECKS)
def test_a_blank_exercise_says_only_what_to_fill_in(name):
    # the stored notebook shows this before the learner tries: no hint yet
    feedback = call_check(name, ...)
    assert isinstance(feedback, Feedback) and not feedback
    assert "replace the ... with your" in feedback.message.lower(), feedback.message
    assert feedback.hint == "" and "Hint" not in repr(feedback)
