"""helpers.diagnose: every cause on at least two differently shaped broken programs.

Each program was run in TensorFlow 2.21 first; the expected status is what the default
tape really gives (None, exact or vanishing zeros, NaN), the expected cause is why.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers
from helpers.diagnosis import CAUSES, diagnose, graph, rules

keras.utils.set_random_seed(0)
INPUTS = tf.constant(np.random.default_rng(0).normal(size=(8, 3)), tf.float32)
LABELS = tf.one_hot([0, 1, 2, 0, 1, 2, 0, 1], 3)
CROSS_ENTROPY = keras.losses.CategoricalCrossentropy(from_logits=True)


def mlp(activation="tanh", bias=0.0, output=None):
    """A built 3 -> 4 -> 3 Dense model; `bias` initialises the hidden layer's bias.

    tanh by default: no unit can die, whatever the random initial weights.
    """
    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                4,
                activation=activation,
                bias_initializer=keras.initializers.Constant(bias),
            ),
            keras.layers.Dense(3, activation=output),
        ]
    )


def only(report):
    """The single finding of a one-source report, as (status, cause)."""
    assert len(report) == 1
    return report[0].status, report[0].cause


def weights():
    """A small float variable with no zero entry."""
    return tf.Variable([1.0, 2.0, -0.5], name="w")


def points():
    """A variable with a negative, a zero and a positive entry (the where/log cases)."""
    return tf.Variable([-1.0, 0.0, 4.0], name="x")


# --------------------------------------------------------------------------- ok


def test_a_healthy_program_is_ok_with_no_cause():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(w**2), w)
    assert only(report) == ("ok", None) and report.ok
    np.testing.assert_allclose(report[0].gradient, [2.0, 4.0, -1.0])


def test_a_healthy_keras_model_is_ok_for_every_variable():
    model = mlp()
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, model(INPUTS)), model.trainable_variables
    )
    assert [f.status for f in report] == ["ok"] * 4
    assert all(f.cause is None for f in report)


def test_frozen_layer_weights_passed_explicitly_still_get_gradients():
    # Keras 3: a frozen layer's variables leave trainable_variables, yet the tape
    # differentiates them when they are passed explicitly
    model = mlp()
    model.trainable = False
    report = diagnose(lambda: CROSS_ENTROPY(LABELS, model(INPUTS)), model.weights)
    assert [f.status for f in report] == ["ok"] * 4


# --------------------------------------------------------------------------- None


def test_not_watched_plain_tensor():
    x = tf.constant([1.0, 2.0])
    assert only(diagnose(lambda: tf.reduce_sum(x**2), x)) == ("none", "not_watched")


def test_not_watched_model_input_beside_watched_weights():
    model = mlp()
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, model(INPUTS)),
        {"inputs": INPUTS, "kernel": model.layers[0].kernel},
    )
    assert (report["inputs"].status, report["inputs"].cause) == ("none", "not_watched")
    assert report["kernel"].status == "ok"


def test_not_trainable_tf_variable():
    w = tf.Variable([1.0, 2.0], trainable=False)
    assert only(diagnose(lambda: tf.reduce_sum(w * 3.0), w)) == ("none", "not_trainable")


def test_not_trainable_keras_variable_and_batchnorm_moving_mean():
    scale = keras.Variable(2.0, trainable=False)
    assert only(diagnose(lambda: scale * 3.0, scale)) == ("none", "not_trainable")
    norm = keras.layers.BatchNormalization()
    norm.build((None, 3))
    report = diagnose(
        lambda: tf.reduce_sum(norm(INPUTS, training=False) ** 2),
        [norm.moving_mean, norm.gamma],
    )
    assert [(f.status, f.cause) for f in report] == [
        ("none", "not_trainable"),
        ("ok", None),
    ]


@pytest.mark.parametrize("variables", [[], ()])
def test_no_variables_for_an_empty_list(variables):
    assert only(diagnose(lambda: tf.constant(1.0), variables)) == ("none", "no_variables")


def test_no_variables_for_a_frozen_or_unbuilt_model():
    frozen = mlp()
    frozen.trainable = False
    assert frozen.trainable_variables == []
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, frozen(INPUTS)), frozen.trainable_variables
    )
    assert only(report) == ("none", "no_variables")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    assert only(
        diagnose(lambda: tf.reduce_sum(unbuilt(INPUTS)), unbuilt.trainable_variables)
    ) == ("none", "no_variables")


def test_left_tensorflow_through_numpy_inside_a_tf_loss():
    w = weights()
    # tape.gradient gives None: the loss is a new constant made from w's NumPy value
    report = diagnose(lambda: tf.reduce_sum(w.numpy() ** 2), w)
    assert only(report) == ("none", "left_tensorflow")
    assert "numpy" in report[0].explanation


@pytest.mark.parametrize(
    "loss_fn",
    [
        lambda w: np.sum(w.numpy() ** 2),  # a NumPy scalar: tape.gradient raises
        lambda w: np.square(w),  # a NumPy array
        lambda w: float(w[0]) * 2.0,  # a Python float
    ],
)
def test_left_tensorflow_when_the_loss_itself_is_numpy_or_python(loss_fn):
    w = weights()
    report = diagnose(lambda: loss_fn(w), w)
    assert only(report) == ("none", "left_tensorflow")
    assert "not a tensor" in report[0].explanation


def test_left_tensorflow_through_a_keras_model_output():
    model = mlp()
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, model(INPUTS).numpy()),
        model.trainable_variables[:2],
    )
    assert [(f.status, f.cause) for f in report] == [("none", "left_tensorflow")] * 2


# TensorFlow's own np.array(tensor) call inside numpy_function warns under NumPy 2
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_left_tensorflow_through_numpy_function():
    w = weights()
    report = diagnose(
        lambda: tf.reduce_sum(tf.numpy_function(np.square, [w], tf.float32)), w
    )
    assert only(report) == ("none", "left_tensorflow")


def test_stop_gradient_on_a_bare_variable():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(tf.stop_gradient(w) * 3.0), w)
    assert only(report) == ("none", "stop_gradient")


def test_stop_gradient_between_two_layers():
    model = mlp()
    hidden, head = model.layers

    def loss():
        return CROSS_ENTROPY(LABELS, head(tf.stop_gradient(hidden(INPUTS))))

    report = diagnose(loss, model.trainable_variables)
    assert [(f.status, f.cause) for f in report] == (
        [("none", "stop_gradient")] * 2 + [("ok", None)] * 2
    )


def test_integer_dtype_variable():
    counts = tf.Variable([1, 2, 3])
    report = diagnose(lambda: tf.reduce_sum(tf.cast(counts, tf.float32)), counts)
    assert only(report) == ("none", "integer_dtype")


def test_integer_dtype_cast_of_a_model_output():
    model = mlp()

    def loss():
        rounded = tf.cast(tf.cast(model(INPUTS) * 10.0, tf.int32), tf.float32)
        return CROSS_ENTROPY(LABELS, rounded)

    report = diagnose(loss, model.layers[0].kernel)
    assert only(report) == ("none", "integer_dtype")
    assert "int32" in report[0].explanation


@pytest.mark.parametrize(
    "step", [tf.round, tf.floor, lambda v: tf.cast(v > 1.5, tf.float32)]
)
def test_non_differentiable_op_gives_none(step):
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(step(w)), w)
    assert only(report) == ("none", "non_differentiable_op")


def test_non_differentiable_op_argmax_accuracy_of_a_model():
    model = mlp()

    def accuracy():
        hits = tf.argmax(model(INPUTS), -1) == tf.argmax(LABELS, -1)
        return tf.reduce_mean(tf.cast(hits, tf.float32))

    report = diagnose(accuracy, model.layers[0].kernel)
    assert only(report) == ("none", "non_differentiable_op")
    assert "ArgMax" in report[0].explanation


def test_non_differentiable_op_sign_gives_zeros():
    w = weights()
    assert only(diagnose(lambda: tf.reduce_sum(tf.sign(w)), w)) == (
        "zero",
        "non_differentiable_op",
    )


def test_unused_variable():
    w, x = weights(), points()
    assert only(diagnose(lambda: tf.reduce_sum(w**2), x)) == ("none", "unused")


def test_unused_layer_of_a_model():
    model = mlp()
    hidden, head = model.layers
    report = diagnose(lambda: tf.reduce_sum(hidden(INPUTS) ** 2), [head.kernel])
    assert only(report) == ("none", "unused")


def test_diagnose_restores_the_variables_it_perturbs():
    w = weights()
    before = w.numpy().copy()
    diagnose(lambda: tf.reduce_sum(w.numpy() ** 2), [w, points()])
    np.testing.assert_array_equal(w.numpy(), before)


# --------------------------------------------------------------------------- zero


def test_dead_relu_on_a_bare_variable():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(tf.nn.relu(w - 5.0)), w)
    assert only(report) == ("zero", "dead_relu")


def test_dead_relu_in_a_dense_layer_with_a_very_negative_bias():
    model = mlp(activation="relu", bias=-100.0)
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, model(INPUTS)), model.trainable_variables
    )
    # the hidden kernel and bias get zeros from the dead units; the head's kernel
    # multiplies their all-zero outputs; the head's bias still learns
    assert [(f.status, f.cause) for f in report] == (
        [("zero", "dead_relu")] * 3 + [("ok", None)]
    )


def test_relu_written_as_maximum_and_a_clip():
    x = points()
    report = diagnose(lambda: tf.reduce_sum(tf.maximum(x - 1.0, 0.0)), x)
    assert only(report) == ("partly_zero", "dead_relu")
    report = diagnose(lambda: tf.reduce_sum(tf.clip_by_value(x, 5.0, 6.0)), x)
    assert only(report) == ("zero", "where_masked")


def test_partly_dead_relu():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(tf.nn.relu(w - 1.5)), w)
    assert only(report) == ("partly_zero", "dead_relu")
    assert report[0].explanation.startswith("2 of 3 elements are zero")


def test_saturated_sigmoid_and_tanh():
    w = weights()
    for activation in (tf.sigmoid, tf.tanh):
        report = diagnose(lambda act=activation: tf.reduce_sum(act(w * 40.0)), w)
        assert only(report) == ("zero", "saturation")


def test_saturated_sigmoid_layer():
    model = mlp(activation="sigmoid", bias=50.0)
    report = diagnose(
        lambda: CROSS_ENTROPY(LABELS, model(INPUTS)), model.layers[0].trainable_variables
    )
    assert [(f.status, f.cause) for f in report] == [("zero", "saturation")] * 2


def test_saturated_stable_cross_entropy_gives_zero():
    logits = tf.Variable([[1000.0, 0.0, -1000.0]])
    labels = tf.constant([[1.0, 0.0, 0.0]])
    report = diagnose(lambda: helpers.cross_entropy_stable(labels, logits), logits)
    assert only(report) == ("zero", "saturation")


def test_where_masked_everywhere_and_partly():
    w, x = weights(), points()
    assert only(diagnose(lambda: tf.reduce_sum(tf.where(w > 5.0, w**2, 0.0)), w)) == (
        "zero",
        "where_masked",
    )
    # sqrt in the unselected branch gives no NaN in TF 2.21: [0, 0, 0.25]
    report = diagnose(lambda: tf.reduce_sum(tf.where(x > 0, tf.sqrt(x), 0.0)), x)
    assert only(report) == ("partly_zero", "where_masked")
    np.testing.assert_allclose(report[0].gradient, [0.0, 0.0, 0.25])


def test_where_masked_model_output():
    model = mlp()

    def loss():
        logits = model(INPUTS)
        return tf.reduce_sum(tf.where(logits > 100.0, logits, 0.0))

    report = diagnose(loss, model.layers[1].kernel)
    assert only(report) == ("zero", "where_masked")


def test_softmax_sum_when_the_target_is_the_probabilities():
    logits = tf.Variable([1.0, 2.0, 3.0])
    for loss_fn in (
        lambda: tf.nn.softmax(logits),
        lambda: tf.reduce_sum(tf.nn.softmax(logits)),
    ):
        report = diagnose(loss_fn, logits)
        assert only(report) == ("zero", "softmax_sum")
        np.testing.assert_array_equal(report[0].gradient, 0.0)


def test_softmax_sum_of_a_softmax_model():
    model = mlp(output="softmax")
    report = diagnose(lambda: model(INPUTS), model.trainable_variables)
    # through a matmul the exact zero is rounding noise of about 1e-7
    assert [(f.status, f.cause) for f in report] == [("zero", "softmax_sum")] * 4


def test_a_zero_input_feature_leaves_weights_unused():
    kernel = tf.Variable([[1.0], [2.0]])
    features = tf.constant([[0.0, 3.0]])
    report = diagnose(lambda: tf.reduce_sum(features @ kernel), kernel)
    assert only(report) == ("partly_zero", "unused")


# --------------------------------------------------------------------------- NaN


@pytest.mark.parametrize(
    "branch", [tf.math.log, lambda v: 1.0 / v, lambda v: tf.pow(v, 0.5)]
)
def test_nan_from_unselected_branch(branch):
    x = points()
    report = diagnose(lambda: tf.reduce_sum(tf.where(x > 0, branch(x), 0.0)), x)
    assert only(report) == ("nan", "nan_from_unselected_branch")
    assert np.isnan(report[0].gradient[1]) and np.isfinite(report[0].gradient[2])


def test_nan_from_unselected_branch_after_a_layer():
    model = mlp()

    def loss():
        logits = model(INPUTS)
        # pow(z, 0.5) is NaN for z < 0, and its slope there too: [nan, nan, 0.25]
        return tf.reduce_sum(tf.where(logits > 0, tf.pow(logits, 0.5), 0.0))

    report = diagnose(loss, model.layers[1].bias)
    assert only(report) == ("nan", "nan_from_unselected_branch")


@pytest.mark.parametrize(
    "cross_entropy",
    [
        lambda y, z: -tf.reduce_sum(y * tf.math.log(tf.nn.softmax(z))),
        helpers.cross_entropy_naive,
    ],
)
def test_naive_cross_entropy_at_extreme_logits_is_nan_from_saturation(cross_entropy):
    logits = tf.Variable([[1000.0, 0.0, -1000.0]])
    labels = tf.constant([[1.0, 0.0, 0.0]])
    report = diagnose(lambda: cross_entropy(labels, logits), logits)
    assert only(report) == ("nan", "saturation")


def test_nan_from_a_singular_op_without_where():
    x = points()
    report = diagnose(lambda: tf.reduce_sum(tf.math.log(x)), x)
    assert only(report) == ("nan", "non_differentiable_op")


def test_an_integer_or_boolean_loss_is_blocked_where_it_was_made():
    w = weights()
    assert only(diagnose(lambda: tf.argmax(w), w)) == ("none", "non_differentiable_op")
    assert only(diagnose(lambda: tf.cast(w, tf.int32), w)) == ("none", "integer_dtype")


# --------------------------------------------------------------------------- broken


def test_python_control_flow_is_diagnosed_without_the_graph():
    w = weights()

    def loss():
        if tf.reduce_sum(w) > 100.0:  # a Python bool of a tensor: cannot be traced
            return tf.reduce_sum(w)
        return tf.reduce_sum(tf.nn.relu(w - 10.0))

    finding = diagnose(loss, w)[0]
    assert finding.status == "zero" and "could not trace" in finding.explanation


def test_a_loop_too_long_to_open_is_a_guess_that_says_so():
    w = weights()

    def loss():
        _, total = tf.while_loop(
            lambda i, total: i < 100,  # more iterations than diagnose copies
            lambda i, total: (i + 1, total + tf.nn.relu(w - 10.0)),
            (0, tf.zeros(3)),
        )
        return tf.reduce_sum(total)

    finding = diagnose(loss, w)[0]
    assert (finding.status, finding.cause) == ("zero", "unused")
    assert "could not open" in finding.explanation and "guess" in finding.explanation


def test_diagnose_prints_nothing(capfd):
    x = points()
    diagnose(lambda: tf.reduce_sum(tf.where(x > 0, tf.math.log(x), 0.0)), x)
    diagnose(lambda: tf.reduce_sum(x.numpy()), x)
    assert capfd.readouterr() == ("", "")


def test_a_raising_loss_fn_is_a_finding_quoting_the_error():
    w = weights()

    def broken():
        raise ValueError("shapes (3,) and (4,) are incompatible")

    report = diagnose(broken, [w, points()])
    assert [(f.status, f.cause) for f in report] == [("none", "left_tensorflow")] * 2
    assert "ValueError: shapes (3,) and (4,) are incompatible" in report[0].explanation


def test_a_failure_inside_diagnose_is_a_finding_not_an_exception(monkeypatch):
    def failing(*args):
        raise RuntimeError("inspection failed")

    monkeypatch.setattr(rules, "kill_verdicts", failing)
    monkeypatch.setattr(rules, "blocker_verdict", failing)
    w = weights()
    zero = diagnose(lambda: tf.reduce_sum(tf.nn.relu(w - 10.0)), w)[0]
    none = diagnose(lambda: tf.reduce_sum(tf.stop_gradient(w)), w)[0]
    # the status still comes from the tape; the cause is a guess, and says so
    assert (zero.status, none.status) == ("zero", "none")
    for finding in (zero, none):
        assert "RuntimeError: inspection failed" in finding.explanation
        assert "guess" in finding.explanation


def test_a_loss_fn_failing_on_an_integer_tensor_is_integer_dtype():
    w, counts = weights(), tf.constant([1, 2, 3])
    report = diagnose(lambda: tf.reduce_sum(w * counts), w)
    assert only(report) == ("none", "integer_dtype")


def test_a_loss_fn_returning_none():
    w = weights()
    report = diagnose(lambda: None, w)
    assert only(report) == ("none", "left_tensorflow")
    assert "None" in report[0].explanation


@pytest.mark.parametrize(
    "loss_fn, variables, words",
    [
        ("loss", [tf.Variable(1.0)], "callable"),
        (lambda w: w, [tf.Variable(1.0)], "no arguments"),
        (lambda: tf.constant(1.0), "w", "tf.Variable"),
        (lambda: tf.constant(1.0), 3, "tf.Variable"),
        (lambda: tf.constant(1.0), [np.ones(2)], "tf.Variable"),
        (lambda: tf.constant(1.0), None, "tf.Variable"),
        (lambda: tf.constant(1.0), keras.layers.Dense(2), "trainable_variables"),
    ],
)
def test_bad_arguments_raise_type_error_saying_what_to_pass(loss_fn, variables, words):
    with pytest.raises(TypeError, match=words):
        diagnose(loss_fn, variables)


# --------------------------------------------------------------------------- bodies
# Programs whose ops run inside a function body: a tf.function loss, a nested
# tf.function, tf.cond, tf.switch_case, tf.while_loop and a Keras RNN (a while loop).


def test_a_tf_function_loss_fn_is_opened():
    w = weights()

    @tf.function
    def dead():
        return tf.reduce_sum(tf.nn.relu(w - 10.0))

    @tf.function
    def stopped():
        return tf.reduce_sum(tf.stop_gradient(w) ** 2)

    assert only(diagnose(dead, w)) == ("zero", "dead_relu")
    assert only(diagnose(stopped, w)) == ("none", "stop_gradient")


def test_a_tf_function_using_numpy_raises_and_is_left_tensorflow():
    w = weights()

    @tf.function
    def loss():
        return tf.reduce_sum(w.numpy())  # a symbolic tensor has no .numpy()

    report = diagnose(loss, w)
    assert only(report) == ("none", "left_tensorflow")
    assert "loss_fn raised" in report[0].explanation


def test_a_nested_tf_function_inside_a_keras_loss_is_opened():
    model = mlp()

    @tf.function
    def squash(logits):
        return tf.sigmoid(100.0 * logits + 1000.0)

    report = diagnose(
        lambda: tf.reduce_sum(squash(model(INPUTS))), model.layers[1].trainable_variables
    )
    assert [(f.status, f.cause) for f in report] == [("zero", "saturation")] * 2
    assert "inside tf.function 'squash'" in report[0].explanation


def test_the_branch_a_tf_cond_took_is_opened():
    w = weights()

    def loss():
        return tf.cond(
            tf.reduce_sum(w) > 0,  # true: w sums to 2.5
            lambda: tf.reduce_sum(tf.stop_gradient(w) * 2.0),
            lambda: tf.reduce_sum(w),
        )

    # eagerly tf.cond runs the branch as Python: None, as without the cond; compiled,
    # the cond's gradient turns the None into zeros. The comparison is not the cut.
    report = diagnose(loss, w)
    assert only(report) == ("none", "stop_gradient")
    assert "(true branch)" in report[0].explanation
    assert only(diagnose(tf.function(loss), w)) == ("zero", "stop_gradient")


def test_a_nan_inside_a_tf_cond_branch():
    x = points()

    def loss():
        return tf.cond(
            tf.reduce_max(x) > 0,
            lambda: tf.reduce_sum(tf.where(x > 0, tf.math.log(x), 0.0)),
            lambda: tf.reduce_sum(x),
        )

    assert only(diagnose(loss, x)) == ("nan", "nan_from_unselected_branch")


def test_the_branch_a_switch_case_took_is_opened():
    w = weights()

    def loss(index):
        branches = [lambda: tf.nn.relu(w - 10.0), lambda: tf.sigmoid(40.0 * w)]
        return tf.reduce_sum(tf.switch_case(tf.constant(index), branches))

    assert only(diagnose(lambda: loss(0), w)) == ("zero", "dead_relu")
    # sigmoid(-20) has slope 2e-9: vanishing, not exactly zero
    assert only(diagnose(lambda: loss(1), w)) == ("zero", "saturation")


def test_every_iteration_of_a_while_loop_is_opened():
    w = weights()

    def loss():
        _, total = tf.while_loop(
            lambda i, total: i < 3,
            lambda i, total: (i + 1, total + tf.round(w * tf.cast(i, tf.float32))),
            (0, tf.zeros(3)),
        )
        return tf.reduce_sum(total)

    assert only(diagnose(loss, w)) == ("none", "non_differentiable_op")
    # compiled, the loop's gradient turns Round's None into zeros
    report = diagnose(tf.function(loss), w)
    assert only(report) == ("zero", "non_differentiable_op")
    assert "tf.while_loop 'while' (iteration 1)" in report[0].explanation


def test_a_tf_cond_nested_in_a_while_loop_is_opened():
    w = weights()

    def step(i, total):
        late = tf.cond(i > 1, lambda: tf.sigmoid(100.0 * w + 1000.0), lambda: tf.zeros(3))
        return i + 1, total + late

    def loss():
        return tf.reduce_sum(tf.while_loop(lambda i, t: i < 4, step, (0, tf.zeros(3)))[1])

    assert only(diagnose(loss, w)) == ("zero", "saturation")


def test_a_saturated_keras_rnn_is_opened_step_by_step():
    big = keras.initializers.Constant(20.0)
    model = keras.Sequential(
        [
            keras.Input((5, 3)),
            keras.layers.SimpleRNN(
                2, kernel_initializer=big, recurrent_initializer=big, bias_initializer=big
            ),
            keras.layers.Dense(1),
        ]
    )
    sequences = tf.abs(tf.reshape(tf.tile(INPUTS[:6], [5, 1]), (6, 5, 3))) + 0.5
    report = diagnose(lambda: tf.reduce_sum(model(sequences) ** 2), model.weights)
    # tanh of every pre-activation (>= 20) is 1 in float32: the cell's weights learn
    # nothing; the Dense head after it does
    assert [(f.status, f.cause) for f in report] == (
        [("zero", "saturation")] * 3 + [("ok", None)] * 2
    )


def test_custom_gradients_returning_zeros_or_none_and_a_straight_through_one():
    w = weights()

    @tf.custom_gradient
    def gated(x):  # the gradient function lets nothing through below 10
        return tf.nn.relu(x - 10.0), lambda dy: dy * tf.cast(x > 10.0, tf.float32)

    @tf.custom_gradient
    def forgetful(x):
        return tf.identity(x), lambda dy: None

    @tf.custom_gradient
    def straight_through(x):  # round forward, identity backward (lesson 06)
        return tf.round(x), lambda dy: dy

    report = diagnose(lambda: tf.reduce_sum(gated(w)), w)
    assert only(report) == ("zero", "non_differentiable_op")
    assert "tf.custom_gradient" in report[0].explanation
    report = diagnose(lambda: tf.reduce_sum(forgetful(w)), w)
    assert only(report) == ("none", "non_differentiable_op")
    assert "returns None" in report[0].explanation
    assert only(diagnose(lambda: tf.reduce_sum(straight_through(w) * w), w)) == (
        "ok",
        None,
    )
    # a zero arriving at a custom gradient is not its fault: the ReLU after it is dead
    report = diagnose(lambda: tf.reduce_sum(tf.nn.relu(straight_through(w) - 10.0)), w)
    assert only(report) == ("zero", "dead_relu")


def test_an_unused_variable_beside_a_random_loss_is_unused_not_left_tensorflow():
    w, x = weights(), points()
    # the loss changes at every call, so nudging x cannot show that it does not matter
    report = diagnose(lambda: tf.reduce_sum(tf.random.normal([3]) * w), [w, x])
    assert [(f.status, f.cause) for f in report] == [("ok", None), ("none", "unused")]
    assert "random" in report[1].explanation


# --------------------------------------------------------------------------- nearest


@pytest.mark.parametrize(
    "loss_fn, cause",
    [
        (lambda w: tf.round(tf.stop_gradient(w) * 2.0), "stop_gradient"),
        (lambda w: tf.stop_gradient(tf.round(w) * 2.0), "non_differentiable_op"),
        (lambda w: tf.stop_gradient(tf.cast(w, tf.int32)), "integer_dtype"),
        (lambda w: tf.sigmoid(tf.nn.relu(w - 10.0) - 100.0), "dead_relu"),
        (lambda w: tf.nn.relu(tf.sigmoid(100.0 * w) - 2.0), "saturation"),
    ],
)
def test_of_several_causes_the_one_nearest_the_source_is_reported(loss_fn, cause):
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(loss_fn(w)), w)
    assert report[0].cause == cause


def test_a_comparison_steering_tf_where_is_not_blamed_for_a_cut_value_path():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(tf.where(w > 0, tf.stop_gradient(w), 0.0)), w)
    assert only(report) == ("none", "stop_gradient")


def test_an_integer_result_on_the_path_blocks_even_beside_a_float_one():
    w = weights()
    # top_k has a gradient for its values, none for its indices
    report = diagnose(
        lambda: tf.reduce_sum(tf.cast(tf.math.top_k(w, 2).indices, tf.float32)), w
    )
    assert only(report) == ("none", "non_differentiable_op")


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("activation", [tf.nn.softplus, tf.nn.elu, tf.nn.selu])
def test_saturated_smooth_activations(activation):
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(activation(100.0 * w - 500.0)), w)
    assert only(report) == ("zero", "saturation")


def test_a_leaky_relu_with_slope_zero_dies_like_a_relu():
    w = weights()
    report = diagnose(lambda: tf.reduce_sum(tf.nn.leaky_relu(w, alpha=0.0)), w)
    assert only(report) == ("partly_zero", "dead_relu")


def test_softmax_sum_through_exp_of_log_softmax():
    logits = tf.Variable([0.3, -1.2, 2.0])
    report = diagnose(lambda: tf.reduce_sum(tf.exp(tf.nn.log_softmax(logits))), logits)
    assert only(report) == ("zero", "softmax_sum")


def test_softmax_sum_of_each_row_of_a_batch():
    dense = keras.layers.Dense(3)
    dense.build((None, 3))
    report = diagnose(
        lambda: tf.reduce_sum(tf.nn.softmax(dense(INPUTS)), axis=-1),
        dense.trainable_variables,
    )
    assert [(f.status, f.cause) for f in report] == [("zero", "softmax_sum")] * 2


def test_units_dead_for_the_whole_batch_leave_the_rest_learning():
    dead_bias = keras.initializers.Constant([-100.0, -100.0, 0.0, 0.0])
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu", bias_initializer=dead_bias),
            keras.layers.Dense(2),
        ]
    )
    report = diagnose(
        lambda: tf.reduce_mean(model(INPUTS) ** 2), model.trainable_variables
    )
    assert [(f.status, f.cause) for f in report] == (
        [("partly_zero", "dead_relu")] * 3 + [("ok", None)]
    )


def test_a_dead_conv_layer_starves_the_dense_layer_after_flatten():
    model = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            keras.layers.Conv2D(
                2,
                3,
                activation="relu",
                bias_initializer=keras.initializers.Constant(-50.0),
            ),
            keras.layers.Flatten(),
            keras.layers.Dense(2, bias_initializer=keras.initializers.Constant(1.0)),
        ]
    )
    images = tf.reshape(tf.tile(INPUTS[:2], [1, 16])[:, :16], (2, 4, 4, 1))
    report = diagnose(
        lambda: tf.reduce_mean(model(images) ** 2), model.trainable_variables
    )
    assert [(f.status, f.cause) for f in report] == (
        [("zero", "dead_relu")] * 3 + [("ok", None)]
    )


def test_a_python_float_loss_and_a_numpy_mean_are_left_tensorflow():
    w = weights()
    for loss_fn in (lambda: float(tf.reduce_sum(w**2)), lambda: np.mean(w * 2.0)):
        assert only(diagnose(loss_fn, w)) == ("none", "left_tensorflow")


def test_a_tensorflow_error_is_quoted_without_its_node_prefix():
    w = weights()
    report = diagnose(lambda: tf.matmul(w, w), w)  # rank 1: matmul raises
    assert report[0].status == "none"
    assert "InvalidArgumentError: In[0] and In[1]" in report[0].explanation
    assert "{" not in report[0].explanation


# --------------------------------------------------------------------------- report


def test_report_text_and_html_forms():
    w, x = weights(), tf.constant([1.0, 2.0])
    report = diagnose(lambda: tf.reduce_sum(w**2) + tf.reduce_sum(x), {"w": w, "x": x})
    text = str(report)
    assert text == repr(report)
    assert text.splitlines()[0].split() == ["source", "status", "cause"]
    assert "x       none    not_watched" in text and "fix: Call tape.watch(x)" in text
    html = report._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 3
    assert "<code>not_watched</code>" in html and "0x" not in text + html


def test_report_vocabulary_and_lookup():
    x = points()
    report = diagnose(lambda: tf.reduce_sum(tf.where(x > 0, x, 0.0)), [x, x])
    assert [f.name for f in report] == ["x", "x_1"]
    for finding in report:
        assert finding.status in ("ok", "none", "zero", "partly_zero", "nan")
        assert finding.cause in CAUSES
        assert finding.explanation.endswith(".") and finding.fix.endswith(".")
    with pytest.raises(KeyError, match="x, x_1"):
        report["y"]
    assert helpers.diagnose is diagnose


vectors = hnp.arrays(
    np.float32,
    st.integers(1, 6),
    elements=st.floats(-4, 4, width=32).filter(lambda v: abs(v) > 0.01),
)


@settings(max_examples=8, deadline=None)
@given(vectors)
def test_relu_status_follows_the_signs_of_the_pre_activations(values):
    w = tf.Variable(values)
    finding = diagnose(lambda: tf.reduce_sum(tf.nn.relu(w)), w)[0]
    alive = values > 0
    expected = "ok" if alive.all() else "zero" if not alive.any() else "partly_zero"
    assert finding.status == expected
    assert finding.cause == (None if expected == "ok" else "dead_relu")
    np.testing.assert_array_equal(finding.gradient, alive.astype(np.float32))


@settings(max_examples=8, deadline=None)
@given(vectors)
def test_softmax_sum_is_zero_for_any_logits_and_cross_entropy_is_not(values):
    logits = tf.Variable(values)
    assert diagnose(lambda: tf.nn.softmax(logits), logits)[0].cause == "softmax_sum"
    labels = tf.one_hot(0, len(values))
    finding = diagnose(lambda: helpers.cross_entropy_stable(labels, logits), logits)[0]
    if len(values) > 1:
        assert finding.status == "ok"


# --------------------------------------------------------------------------- issue 9
# Programs from real TensorFlow bug reports, and TensorFlow internals that may change.


def test_a_value_stored_with_assign_and_read_back_is_assigned():
    x, w = points(), tf.Variable(tf.zeros(3), name="w")

    def loss():
        w.assign(x * 2.0)
        return tf.reduce_sum(w * 3.0)

    report = diagnose(loss, [x, w])
    assert [(f.status, f.cause) for f in report] == [("none", "assigned"), ("ok", None)]
    assert "AssignVariableOp" in report[0].explanation
    assert "numpy" not in report[0].explanation.lower()
    assert "instead of storing it in a variable" in report[0].fix


def test_a_keras_layer_that_assigns_its_input_to_a_weight_is_assigned():
    class Memory(keras.layers.Layer):  # call() stores its input, then computes with it
        def build(self, shape):
            self.memory = self.add_weight(
                shape=(8, 4), initializer="zeros", trainable=False
            )

        def call(self, inputs):
            self.memory.assign(inputs)
            return self.memory * 2.0

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), Memory()])
    model.add(keras.layers.Dense(2))
    report = diagnose(
        lambda: tf.reduce_mean(model(INPUTS) ** 2), model.trainable_variables
    )
    assert [(f.status, f.cause) for f in report] == (
        [("none", "assigned")] * 2 + [("ok", None)] * 2
    )


def test_an_assign_into_the_source_itself_is_not_its_cause():
    w, x = weights(), points()

    def loss():
        w.assign(x)
        return tf.reduce_sum(tf.stop_gradient(w))

    assert only(diagnose(loss, w)) == ("none", "stop_gradient")


def test_clip_by_value_counts_both_bounds_and_speaks_of_clipping():
    # every logit beyond +-10: the Minimum clips 44% of them, the Maximum the rest
    kernel = tf.Variable(
        np.random.default_rng(6).normal(size=(3, 4)) * 60, dtype=tf.float32
    )
    logits = (INPUTS @ kernel).numpy()
    assert np.all(np.abs(logits) > 10) and 0 < np.mean(logits > 10) < 1

    def loss():
        return tf.reduce_sum(tf.sigmoid(tf.clip_by_value(INPUTS @ kernel, -10, 10)))

    finding = diagnose(loss, kernel)[0]
    assert (finding.status, finding.cause) == ("zero", "where_masked")
    assert "tf.clip_by_value" in finding.explanation and "Minimum" in finding.explanation
    assert "Maximum" in finding.explanation and "every element" in finding.explanation
    assert "tf.where" not in finding.explanation + finding.fix
    assert "clip" in finding.fix


def test_a_tensorflow_that_hides_function_bodies_makes_the_cause_a_guess(monkeypatch):
    def renamed_internals(op):  # what a future TensorFlow might do to _get_function
        raise AttributeError("'FuncGraph' object has no attribute '_get_function'")

    monkeypatch.setattr(graph, "_body_graphs", renamed_internals)
    w = weights()

    @tf.function
    def dead():
        return tf.reduce_sum(tf.nn.relu(w - 10.0))

    def cond_loss():
        branches = (lambda: tf.reduce_sum(tf.stop_gradient(w)), lambda: tf.reduce_sum(w))
        return tf.cond(tf.reduce_sum(w) > 0, *branches)

    for loss_fn, status in (
        (dead, "zero"),
        (cond_loss, "none"),
        (tf.function(cond_loss), "zero"),
    ):
        finding = diagnose(loss_fn, w)[0]
        assert finding.status == status  # from the tape, as always
        assert "could not open" in finding.explanation
        assert "AttributeError" in finding.explanation and "guess" in finding.explanation
