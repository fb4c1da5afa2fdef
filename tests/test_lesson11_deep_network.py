"""Lesson 11: the deep network's claims (vanishing with sigmoid, the He + ReLU band,
BatchNorm, exploding and clipping, the first loss), one trace per depth, the explorer's
status, and the exercise checks."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.lessons import l11_deep_network as deep
from helpers.lessons.l11_deep_network import (
    check_rescue_clip,
    check_subset_initial_loss,
    check_tanh_init_scale,
)

DEPTH = 10
FLOAT32_ROUNDING = 1e-6  # the relative slack of a float32 norm after rescaling


@functools.cache
def run(**settings_):
    """One cached training run at depth 10 (each costs tens of milliseconds)."""
    return deep.train_deep(DEPTH, **settings_)


def spread(norms):
    """How many times the largest hidden-layer norm exceeds the smallest."""
    hidden = norms[:-1]
    return hidden.max() / hidden.min()


def test_the_batches_are_fixed_and_cover_every_class():
    assert deep.BATCH_FEATURES.shape == (56, deep.BATCH, 64)
    assert set(np.unique(deep.BATCH_LABELS)) == set(range(10))
    again = deep.train_deep(DEPTH, "sigmoid", "glorot")
    np.testing.assert_array_equal(
        again.losses, run(activation="sigmoid", init="glorot").losses
    )


def test_sigmoid_at_depth_10_vanishes_by_orders_of_magnitude():
    sigmoid = run(activation="sigmoid", init="glorot")
    first_step = sigmoid.kernel_grad_norms[0]
    assert first_step[-2] / first_step[0] > 1e4  # measured: 3.6e5
    assert sigmoid.falloff > 1e4
    # each sigmoid layer divides the gradient by about 4 (sigmoid' <= 1/4)
    factors = first_step[1:-1] / first_step[:-2]
    assert 3.0 < np.exp(np.log(factors).mean()) < 6.0
    ratios = np.median(sigmoid.update_ratios, axis=0)
    assert ratios[0] < 1e-7 and ratios[-2] > 1e-4  # layer 1 barely moves; layer 10 does
    assert sigmoid.losses[-20:].mean() > 2.2  # and the loss stays near log 10


def test_he_with_relu_keeps_every_layer_within_a_band():
    relu = run(activation="relu", init="he")
    assert spread(relu.kernel_grad_norms[0]) < 5.0  # measured: 3.6
    assert spread(relu.kernel_grad_norms.mean(axis=0)) < 5.0  # measured: 2.3
    # it learns: from log 10 = 2.30 to 1.09 in TF 2.21, to 1.37 in TF 2.16 (the same
    # seeds and steps; the oldest supported version ends elsewhere)
    assert relu.losses[-20:].mean() < 1.5


def test_batchnorm_rescues_sigmoid():
    normalised = run(activation="sigmoid", init="glorot", batchnorm=True)
    assert spread(normalised.kernel_grad_norms[0]) < 3.0  # measured: 1.6
    assert spread(normalised.kernel_grad_norms.mean(axis=0)) < 3.0
    assert normalised.losses[-20:].mean() < 1.0


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_batch_normalize_equals_keras_batchnormalization_in_training(seed):
    inputs = 3.0 * tf.random.stateless_normal((32, 8), [seed, 1]) + 1.5
    ours = deep.batch_normalize(inputs, tf.ones(8), tf.zeros(8))
    theirs = keras.layers.BatchNormalization()(inputs, training=True)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_the_double_where_keeps_an_overflowing_z_from_poisoning_the_gradient():
    z = tf.constant([[np.inf, 1.0], [2.0, -3.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        single = tf.where(False, deep.batch_normalize(z, 1.0, 0.0), z)
        double = tf.where(
            False, deep.batch_normalize(tf.where(False, z, 0.0), 1.0, 0.0), z
        )
    assert np.isnan(tape.gradient(single, z)).any()  # lesson 07's trap
    np.testing.assert_array_equal(tape.gradient(double, z), np.ones((2, 2)))


@pytest.mark.parametrize(
    "index, function", list(enumerate([tf.sigmoid, tf.tanh, tf.nn.relu]))
)
def test_activate_is_the_chosen_function_with_its_own_finite_gradient(index, function):
    z = tf.constant([-np.inf, -30.0, -1.0, 0.0, 2.0, 30.0, np.inf])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        chosen, reference = deep.activate(z, tf.constant(index)), function(z)
    np.testing.assert_array_equal(chosen, reference)
    np.testing.assert_array_equal(tape.gradient(chosen, z), tape.gradient(reference, z))


def test_saturation_and_dead_units_follow_the_stated_definitions():
    sigmoid = tf.constant([[[0.02, 0.5, 0.98], [0.5, 0.5, 0.971]]])  # one layer
    saturated, _ = deep.layer_health(sigmoid, tf.constant(0))
    np.testing.assert_allclose(saturated, [3 / 6])
    tanh = tf.constant([[[0.98, -0.99, 0.5], [0.96, 0.0, -0.5]]])
    saturated, _ = deep.layer_health(tanh, tf.constant(1))
    np.testing.assert_allclose(saturated, [2 / 6])
    relu = tf.constant([[[0.0, 0.0, 3.0], [0.0, 1.0, 0.0]]])  # unit 0 is 0 on both
    saturated, dead = deep.layer_health(relu, tf.constant(2))
    np.testing.assert_allclose(dead, [1 / 3])
    assert saturated.numpy()[0] == 0.0


def test_a_large_learning_rate_explodes_and_clipping_rescues_it():
    exploding = run(activation="relu", init="he", learning_rate=3.0)
    nan_from = np.flatnonzero(~np.isfinite(exploding.losses))[0]
    assert nan_from == 3 and exploding.grad_norms[2] > 1e5  # the lesson's numbers
    clipped = run(activation="relu", init="he", learning_rate=3.0, clip=0.1)
    assert np.isfinite(clipped.losses).all() and clipped.clipped.all()
    assert clipped.losses[-20:].mean() < 1.0


def test_a_large_init_scale_explodes_from_the_first_step():
    wide = run(activation="relu", init="scale", init_scale=1.0)
    assert wide.losses[0] > 1e5 and not np.isfinite(wide.losses).all()


@settings(max_examples=12, deadline=None)
@given(st.floats(1e-3, 50.0), st.floats(1e-3, 5.0))
def test_clipping_bounds_the_global_norm(threshold, learning_rate):
    result = deep.train_deep(4, "relu", "he", clip=threshold, learning_rate=learning_rate)
    threshold32 = float(np.float32(threshold))
    finite = np.isfinite(result.grad_norms)
    assert np.all(result.applied_norms[finite] <= threshold32 * (1 + FLOAT32_ROUNDING))
    np.testing.assert_array_equal(
        result.clipped[finite], result.grad_norms[finite] > threshold32
    )
    unclipped = finite & ~result.clipped
    np.testing.assert_allclose(
        result.applied_norms[unclipped], result.grad_norms[unclipped], rtol=1e-6
    )


def test_clip_off_is_zero_or_inf_and_leaves_the_gradients_alone():
    plain = run(activation="tanh", init="glorot")
    for off in (0.0, np.inf):
        again = run(activation="tanh", init="glorot", clip=off)
        np.testing.assert_array_equal(again.losses, plain.losses)
        assert not again.clipped.any()


def test_the_initial_loss_of_a_well_initialised_network_is_about_log_10():
    for activation, init in (("relu", "he"), ("relu", "glorot"), ("tanh", "glorot")):
        first = run(activation=activation, init=init).losses[0]
        assert abs(first - np.log(10)) < 0.1, (activation, init, first)


def test_one_trace_per_depth_and_no_retrace_for_any_other_setting():
    deep.train_deep(3)
    before = dict(deep.trace_counts)
    for activation in deep.ACTIVATIONS:
        for init in deep.INITS:
            deep.train_deep(3, activation, init, 0.3, True, 1.0, 0.5)
    deep.train_deep(3, "tanh", "he", batchnorm=False, clip=0.0, learning_rate=2.0)
    assert dict(deep.trace_counts) == before and before[3] == 1


def test_each_depth_has_a_python_function_of_its_own():
    # TensorFlow counts traces per Python function and logs a retracing warning after
    # five: one function traced for all nine depths would warn under the explorer.
    functions = {deep.compiled_loop(depth).python_function for depth in range(2, 11)}
    assert len(functions) == 9
    assert deep.compiled_loop(4) is deep.compiled_loop(4)  # cached: traced once


def test_the_status_names_what_is_wrong():
    assert "vanishing" in deep.describe(
        run(activation="sigmoid", init="glorot"), "sigmoid", 0.0
    )
    status = deep.describe(
        run(activation="relu", init="he", learning_rate=3.0), "relu", 0.0
    )
    assert "NaN" in status and "overflowed" in status and "exploding" in status
    status = deep.describe(
        run(activation="relu", init="he", learning_rate=3.0, clip=0.1), "relu", 0.1
    )
    assert "Clipped on 100% of steps" in status and "of ReLU units dead" in status
    assert "rule of thumb: about 1e-3" in status


def test_the_status_of_a_nan_run_reports_no_health_measured_on_nan():
    status = deep.describe(
        run(activation="relu", init="he", learning_rate=3.0), "relu", 0.0
    )
    assert "contains NaN" in status
    assert "dead" not in status and "update/data" not in status


def test_the_zero_entries_of_layer_1s_gradient_are_the_blank_pixels_of_the_batch():
    last_batch = deep.BATCH_FEATURES[(deep.STEPS - 1) % deep.BATCH_FEATURES.shape[0]]
    blank = np.all(last_batch.numpy() == 0, axis=0)  # pixels blank in every image
    rows = np.broadcast_to(blank[:, None], (64, deep.WIDTH))
    for activation, init in (("sigmoid", "glorot"), ("tanh", "glorot")):
        zeros = run(activation=activation, init=init).kernel_grads[0] == 0
        np.testing.assert_array_equal(zeros, rows)  # exactly those rows
    relu_zeros = run(activation="relu", init="he").kernel_grads[0] == 0
    assert np.all(relu_zeros[rows]) and relu_zeros.mean() > rows.mean()  # more


def test_the_explorer_starts_on_the_vanishing_sigmoid():
    explorer = deep.deep_network_explorer()
    assert explorer.error is None and "vanishing" in explorer.status.value
    assert explorer.controls[3].disabled  # init scale: only for init "scale"
    # the loss panel shows no log 10 line or label: lesson 11 asks for the first loss
    loss_ax = explorer.view.figure.axes[0]
    assert loss_ax.get_title() == "loss" and len(loss_ax.lines) == 1
    explorer.set({"BatchNorm": True})
    assert "vanishing" not in explorer.status.value


def test_the_prediction_only_batchnorm_alone_rescues_sigmoid():
    # each choice of the explorer's question alone, sigmoid and Glorot at depth 10
    changes = {
        "init he": run(activation="sigmoid", init="he"),
        "a larger learning rate": run(
            activation="sigmoid", init="glorot", learning_rate=10.0
        ),
        "clipping": run(activation="sigmoid", init="glorot", clip=0.1),
        "BatchNorm": run(activation="sigmoid", init="glorot", batchnorm=True),
    }
    prediction = deep.deep_network_explorer().prediction
    assert set(prediction.choices) == set(changes)
    spreads = {
        name: spread(one.kernel_grad_norms.mean(axis=0)) for name, one in changes.items()
    }
    assert [name for name, value in spreads.items() if value < 10] == [prediction.answer]
    assert min(spreads.values()) < 3 and sorted(spreads.values())[1] > 1e3


def test_check_tanh_init_scale():
    assert check_tanh_init_scale(1 / np.sqrt(32))  # Var(z) kept: 32 scale^2 = 1
    assert not check_tanh_init_scale(0.05)  # balanced, but too small to learn
    assert not check_tanh_init_scale(3.0)  # saturated: the norms spread
    at_one = check_tanh_init_scale(1.0)  # balanced, but saturated: the loss stays
    assert not at_one and "% of activations saturated" in at_one.message
    assert deep.train_deep(8, "tanh", "scale", 1.0).saturated[-1].mean() > 0.5  # 94%
    assert not check_tanh_init_scale(...)


def test_check_subset_initial_loss():
    assert check_subset_initial_loss(np.log(10))
    # the lesson's formula, log C + (1 - 1/C) std^2 / 2 with the logits' std 0.4774
    assert check_subset_initial_loss(np.log(10) + 0.9 * 0.4774**2 / 2)
    assert not check_subset_initial_loss(np.log(4))
    assert not check_subset_initial_loss(1.8)
    assert not check_subset_initial_loss("2.3")


def test_the_subset_loss_is_below_log_10_by_how_much_the_true_logit_is_favoured():
    features, labels = deep.load_digits()
    inputs, labels = features[labels < 4], labels[labels < 4]
    weights = deep.initial_weights(DEPTH)
    logits = deep.forward(weights, inputs, 2, False)[0].numpy().astype(np.float64)
    loss = float(deep.loss_and_gradients(weights, inputs, labels)[0])
    true = logits[np.arange(len(labels)), labels]
    favour = np.mean(true - logits.mean(axis=1))
    spread_part = np.mean(np.log(np.exp(logits).sum(axis=1)) - logits.mean(axis=1))
    np.testing.assert_allclose(loss, spread_part - favour, rtol=1e-5)  # an identity
    assert loss < np.log(10) < spread_part and favour > 0.15  # measured: 0.20
    message = check_subset_initial_loss(np.log(10)).message
    assert f"{loss:.4f}" in message and f"{favour:.4f}" in message


def test_check_rescue_clip():
    # learning rate 30: the lesson's clipped step, 3 x 0.1, is 30 x 0.01
    for threshold in (0.005, 0.01, 0.012):
        assert check_rescue_clip(threshold), threshold
    copied = check_rescue_clip(0.1)  # the lesson's threshold: steps 10 times longer
    assert not copied and "too large" in copied.message and "0.3" not in copied.message
    assert "too small" in check_rescue_clip(0.001).message
    assert not check_rescue_clip(1.0)  # finite, but most ReLUs die
    assert not check_rescue_clip(0.0)
    assert not check_rescue_clip([0.1, 0.2])


def test_clip_by_global_norm_at_inf_gives_nan_so_off_is_a_branch():
    grads = [tf.constant([3.0, 4.0])]
    clipped, norm = tf.clip_by_global_norm(grads, np.inf)
    assert float(norm) == 5.0 and np.isnan(clipped[0]).all()  # inf × 0 = NaN
