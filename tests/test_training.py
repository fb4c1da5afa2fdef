"""Lesson 05: the compiled Adam trainer, the explorer's status and the exercise checks."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import helpers
from helpers import training
from helpers.lessons import l05_training as lesson
from helpers.lessons.l05_training import describe_run, settled_step, training_explorer

MODELS = list(training.MODELS)
# softmax applied twice: p in [0, 1] as logits, so the best case p = e_y gives
# -log(e / (e + 2)) = log(e + 2) - 1 for 3 classes, never 0
SOFTMAX_TWICE_FLOOR = np.log(np.e + 2) - 1
# training runs take milliseconds once compiled; hypothesis must not count the compile
TRAIN_SETTINGS = settings(max_examples=15, deadline=None)


@pytest.mark.parametrize("model", MODELS)
def test_result_has_one_loss_and_one_norm_per_step(model):
    result = helpers.train(model, steps=37)
    assert result.losses.shape == (37,)
    assert list(result.grad_norms) == list(training.MODELS[model])
    assert all(norms.shape == (37,) for norms in result.grad_norms.values())
    assert {name: value.shape for name, value in result.params.items()} == (
        training.MODELS[model]
    )
    np.testing.assert_allclose(result.final_probs.sum(), 1.0, rtol=1e-6)


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_gives_identical_runs(model):
    first = helpers.train(model, steps=200, seed=3)
    second = helpers.train(model, steps=200, seed=3)
    np.testing.assert_array_equal(first.losses, second.losses)


@pytest.mark.parametrize("model", MODELS)
def test_different_seeds_start_from_different_weights(model):
    first = helpers.train(model, steps=50, seed=1)
    second = helpers.train(model, steps=50, seed=2)
    assert not np.allclose(first.losses, second.losses)


@pytest.mark.parametrize("model", MODELS)
def test_loss_falls_a_hundredfold_at_the_default_settings(model):
    losses = helpers.train(model).losses
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0] / 100


@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"model": "cnn"}, ValueError, "model"),
        ({"momentum": 0.9}, ValueError, "momentum"),
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": -5}, ValueError, "steps"),
        ({"steps": 10.0}, TypeError, "steps"),
        ({"steps": True}, TypeError, "steps"),
        ({"steps": training.MAX_STEPS + 1}, ValueError, "steps"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": -0.01}, ValueError, "learning_rate"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate"),
        ({"learning_rate": "0.01"}, TypeError, "learning_rate"),
        ({"seed": -1}, ValueError, "seed"),
        ({"model": "linear", "activation": "tanh"}, ValueError, "activation"),
        ({"model": "mlp", "activation": "swish"}, ValueError, "activation"),
        ({"loss": "hinge"}, ValueError, "loss"),
        ({"init_scale": 0.0}, ValueError, "init_scale"),
    ],
)
def test_bad_input_raises_an_error_naming_the_parameter(kwargs, error, named):
    with pytest.raises(error, match=named):
        helpers.train(**kwargs)


def test_new_hyperparameters_reuse_the_trace():
    for model in MODELS:
        helpers.train(model, steps=10)  # the first call of a kernel may trace
    before = dict(training.trace_counts)
    helpers.train("linear", steps=321, learning_rate=0.3, seed=7, loss="naive")
    helpers.train("mlp", steps=55, learning_rate=1e-4, activation="tanh", init_scale=3.0)
    helpers.train("custom_square", steps=999, bias_init=-0.5, loss="softmax_twice")
    assert dict(training.trace_counts) == before
    assert all(count == 1 for count in before.values())


def test_the_eager_loop_does_not_count_as_a_trace():
    helpers.train("linear", steps=10)
    before = dict(training.trace_counts)
    training.train_eagerly("linear", steps=3)
    assert dict(training.trace_counts) == before


@pytest.mark.parametrize("model", MODELS)
def test_compiled_loop_matches_the_eager_loop(model):
    compiled = helpers.train(model, steps=8, learning_rate=0.05, seed=4).losses
    eager = training.train_eagerly(model, steps=8, learning_rate=0.05, seed=4)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("model", MODELS)
def test_our_adam_matches_keras_adam(model):
    steps, learning_rate, seed = 6, 0.05, 5
    start = training.initial_params(model, seed, init_scale=1.0, bias_init=0.1)
    variables = {name: tf.Variable(value) for name, value in start.items()}
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            logits = training.forward(model, variables, tf.constant(0))
            loss = training.loss_from_logits(logits, tf.constant(0))
        grads = tape.gradient(loss, list(variables.values()))
        optimizer.apply_gradients(zip(grads, variables.values()))
    ours = helpers.train(
        model, steps=steps, learning_rate=learning_rate, seed=seed, bias_init=0.1
    )
    for name, variable in variables.items():
        np.testing.assert_allclose(ours.params[name], variable.numpy(), atol=1e-5)
    # the weights moved: the comparison is not between two copies of the start
    assert not np.allclose(ours.params["bias" if model != "mlp" else "output/bias"], 0.1)


@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 5),
        elements=st.floats(-3, 3).filter(lambda value: abs(value) > 1e-3),
    )
)
@settings(max_examples=30, deadline=None)
def test_custom_square_gradient_matches_finite_differences(point):
    def objective(z):
        # a non-linear use of square, so that d/dz = cos(z) z² + sin(z) 2z
        return tf.reduce_sum(tf.sin(z) * training.square(z))

    z = tf.constant(point)
    with tf.GradientTape() as tape:
        tape.watch(z)
        value = objective(z)
    np.testing.assert_allclose(
        tape.gradient(value, z).numpy(),
        helpers.numeric_gradient(objective, point),
        rtol=1e-6,
        atol=1e-8,
    )


@given(st.floats(1e-9, 1e3), st.floats(1e-4, 0.5))
@settings(max_examples=30, deadline=None)
def test_keras_adam_first_step_is_lr_times_g_over_g_plus_eps_over_sqrt_1_minus_beta_2(
    size, learning_rate
):
    # epsilon is added to the raw sqrt(v) = sqrt(1 - beta_2) |g|, not to |g|: the step
    # is the learning rate only for |g| well above 1e-7 / sqrt(0.001) = 3.2e-6
    weight = tf.Variable([0.0])
    keras.optimizers.Adam(learning_rate).apply_gradients([(tf.constant([size]), weight)])
    scale = training.EPSILON / np.sqrt(1 - training.BETA_2)
    expected = learning_rate * size / (size + scale)
    np.testing.assert_allclose(-weight.numpy()[0], expected, rtol=1e-4)


@given(st.floats(1e-4, 0.5), st.integers(0, 1000))
@TRAIN_SETTINGS
def test_adam_first_step_moves_every_weight_by_the_learning_rate(learning_rate, seed):
    # after one step m_hat = g and v_hat = g^2, so the step is lr * g / |g|
    start = training.initial_params("linear", seed, init_scale=1.0, bias_init=0.0)
    result = helpers.train("linear", steps=1, learning_rate=learning_rate, seed=seed)
    for name, value in start.items():
        moved = np.abs(result.params[name] - value.numpy())
        np.testing.assert_allclose(moved, learning_rate, rtol=1e-3)


def test_naive_loss_turns_nan_where_the_stable_loss_trains():
    naive = helpers.train("custom_square", init_scale=10.0, loss="naive").losses
    stable = helpers.train("custom_square", init_scale=10.0).losses
    assert np.isnan(naive).all()
    assert np.isfinite(stable).all() and stable[-1] < 1e-3


@given(st.floats(1e-4, 10.0), st.integers(0, 1000), st.floats(0.1, 100.0))
@TRAIN_SETTINGS
def test_the_linear_models_loss_never_rises_at_any_learning_rate(lr, seed, init_scale):
    # p - y keeps its signs and x = [1, 2] > 0: every Adam step raises the true logit
    # and lowers the others, which can only lower the loss
    result = helpers.train("linear", 300, lr, seed, init_scale=init_scale)
    assert np.all(np.diff(result.losses) <= 0)


def test_softmax_twice_never_goes_below_its_floor():
    losses = helpers.train("linear", learning_rate=1.0, loss="softmax_twice").losses
    assert losses.min() >= SOFTMAX_TWICE_FLOOR - 1e-5
    np.testing.assert_allclose(losses[-1], SOFTMAX_TWICE_FLOOR, atol=1e-3)


@given(hnp.arrays(np.bool_, st.integers(1, 30)))
def test_settled_step_is_where_the_mask_holds_to_the_end(mask):
    step = settled_step(mask)
    if step is None:
        assert not mask[-1]
    else:
        assert mask[step:].all() and (step == 0 or not mask[step - 1])


# why a run ends as it does is the prediction's explanation and the lesson's, not the
# status line's
WHY = re.compile(r"because|underflow|saturat|log\(|momentum|choose|p - y", re.IGNORECASE)


def test_status_says_where_the_loss_is_nan_or_exactly_zero_and_never_why():
    nan_run = helpers.train("custom_square", learning_rate=1.0, loss="naive")
    assert "NaN from step 3." in describe_run(nan_run)
    saturated = helpers.train("linear", learning_rate=10.0)
    assert "exactly 0 from step 1 on" in describe_run(saturated)
    assert "NaN" not in describe_run(saturated)
    # the gradient vanishes at steps 3-5, yet Adam's momentum moves on: the loss rises
    rebound = helpers.train("mlp", steps=7, learning_rate=10.0, init_scale=100.0)
    assert "touched exactly 0 at step 3, then rose" in describe_run(rebound)
    settled = helpers.train("mlp", steps=40, learning_rate=10.0, init_scale=100.0)
    assert "Every gradient is exactly 0 from step 8 on" in describe_run(settled)
    for run in (nan_run, saturated, rebound, settled):
        assert not WHY.search(describe_run(run)), describe_run(run)


def test_the_predictions_answer_is_what_every_model_does_at_init_scale_100():
    assert lesson.PREDICTION.answer == "still above 100"
    for model in MODELS:
        losses = helpers.train(model, init_scale=100.0).losses
        assert np.isfinite(losses).all() and losses[-1] > 100, model
    explorer = training_explorer()
    explorer.set({"init scale": 100.0})  # the state the saved lesson shows
    final_loss = re.search(r"→ (\S+) after 1000 steps", explorer.status.value).group(1)
    assert float(final_loss) > 100 and explorer.error is None


# a move of every control, at its extremes and in between
CONTROL_MOVES = [
    ("steps", 5000),
    ("steps", 10),
    ("learning rate", 10.0),
    ("learning rate", 1e-4),
    ("steps", 2000),
    ("model", "mlp"),
    ("activation", "tanh"),
    ("activation", "linear"),
    ("init scale", 100.0),
    ("loss", "naive"),
    ("loss", "softmax_twice"),
    ("init scale", 0.1),
    ("model", "custom_square"),
]


def test_explorer_shows_nan_at_the_extremes():
    explorer = training_explorer()
    controls = {control.description: control for control in explorer.controls}
    controls["model"].value = "custom_square"
    controls["loss"].value = "naive"
    controls["init scale"].value = 100.0
    controls["learning rate"].value = 10.0
    assert explorer.error is None
    assert "contains NaN" in explorer.status.value


def test_explorer_never_retraces():
    explorer = training_explorer()
    controls = {control.description: control for control in explorer.controls}
    for model in MODELS:
        controls["model"].value = model
    before = dict(training.trace_counts)
    for name, value in CONTROL_MOVES:
        controls[name].value = value
        assert explorer.error is None, (name, value, explorer.error)
    assert dict(training.trace_counts) == before
    assert controls["activation"].disabled  # custom_square has no hidden layer


def test_check_adam_first_step():
    assert lesson.check_adam_first_step(0.05)
    wrong = lesson.check_adam_first_step(50.0)  # 1000 x the learning rate
    assert not wrong and wrong.hint
    assert not lesson.check_adam_first_step(...)


def test_check_nan_learning_rate():
    assert lesson.check_nan_learning_rate(2.0)
    for answer in (0.01, -1.0, "fast", 1.0):  # 1.0: the lesson's own run
        feedback = lesson.check_nan_learning_rate(answer)
        assert not feedback and feedback.hint, answer
    blank = lesson.check_nan_learning_rate(...)
    assert not blank and "replace the ... with your" in blank.message.lower()


def test_check_adam_half_step():
    right_reason = "epsilon is added to sqrt(1 - beta_2) |g|"
    assert right_reason in lesson.REASONS
    derived = 1e-7 / np.sqrt(1 - 0.999)
    for printed in (derived, 3.1623e-6, np.float32(derived), tf.constant(derived)):
        assert lesson.check_adam_half_step(printed, right_reason), printed
    # Keras' own first step is half the learning rate there
    weight = tf.Variable([0.0])
    keras.optimizers.Adam(0.01).apply_gradients([(tf.constant([derived]), weight)])
    np.testing.assert_allclose(-weight.numpy()[0], 0.005, rtol=1e-4)
    # the value found by trying sizes is not enough: the reason must match it
    for reason in set(lesson.REASONS) - {right_reason}:
        wrong = lesson.check_adam_half_step(derived, reason)
        assert not wrong and wrong.hint and "reason" in wrong.message
    for size in (1e-7, 1e-6, 3.16e-6, 0.005):  # epsilon, epsilon / (1 - beta_1), ...
        wrong = lesson.check_adam_half_step(size, right_reason)
        assert not wrong and wrong.hint, size
        assert "3.16" not in wrong.message and "e-06" not in wrong.message
        assert "4 significant digits" in wrong.hint  # the precision expected
