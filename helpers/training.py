"""The softmax article's three programs, trained by Adam in one XLA loop (lesson 05).

One example x = [1, 2] with true class 1 of 3, a softmax and a cross-entropy:
  linear         logits = x W + b                      (2 -> 3)
  mlp            logits = act(x W1 + b1) W2 + b2        (2 -> 4 -> 3)
  custom_square  logits = square(x W + b), square has a hand-written gradient

The whole loop (forward, tape, Adam) is one `tf.function` compiled with XLA. Every
hyperparameter enters as a tensor, so a new learning rate, step count, seed or option
reuses the same trace: one trace per model for the life of the kernel.
"""

import collections
import functools
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from helpers.validate import choice, integer, real_number

MAX_STEPS = 20_000
INPUTS = tf.constant([[1.0, 2.0]])
TRUE_CLASS = 1
LABELS = tf.one_hot([TRUE_CLASS], 3)

# variable name -> shape, per model
MODELS = {
    "linear": {"kernel": (2, 3), "bias": (3,)},
    "mlp": {
        "hidden/kernel": (2, 4),
        "hidden/bias": (4,),
        "output/kernel": (4, 3),
        "output/bias": (3,),
    },
    "custom_square": {"kernel": (2, 3), "bias": (3,)},
}
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
LOSSES = ("stable", "naive", "softmax_twice")
DEFAULT_OPTIONS = {
    "init_scale": 1.0,
    "bias_init": 0.0,
    "activation": "relu",
    "loss": "stable",
}
POSITIVE_32 = {"positive": True, "dtype": tf.float32}
# Keras' Adam defaults
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7

trace_counts = collections.Counter()


@tf.custom_gradient
def square(z):
    """z**2 with a hand-written gradient: d(z^2)/dz = 2 z."""
    return z * z, lambda upstream: upstream * 2.0 * z


def forward(model, params, activation_id):
    """The logits of `model` for INPUTS, from a dict of parameters; the mlp's hidden
    activation is chosen by index into ACTIVATIONS, without retracing."""
    if model != "mlp":
        logits = INPUTS @ params["kernel"] + params["bias"]
        return square(logits) if model == "custom_square" else logits
    pre_activation = INPUTS @ params["hidden/kernel"] + params["hidden/bias"]
    branches = [
        lambda: tf.nn.relu(pre_activation),
        lambda: tf.nn.leaky_relu(pre_activation, alpha=0.01),
        lambda: tf.tanh(pre_activation),
        lambda: tf.sigmoid(pre_activation),
        lambda: pre_activation,
    ]
    hidden = tf.switch_case(activation_id, branches)
    return hidden @ params["output/kernel"] + params["output/bias"]


def loss_from_logits(logits, loss_id):
    """Mean cross-entropy against LABELS: stable, naive, or softmax applied twice."""
    branches = [
        # log-sum-exp inside: finite for any finite logits
        lambda: tf.nn.softmax_cross_entropy_with_logits(LABELS, logits),
        # -sum(y log softmax(z)): NaN once a probability underflows
        lambda: -tf.reduce_sum(LABELS * tf.math.log(tf.nn.softmax(logits)), axis=-1),
        # probabilities fed to a loss that expects logits: softmax(softmax(z))
        lambda: tf.nn.softmax_cross_entropy_with_logits(LABELS, tf.nn.softmax(logits)),
    ]
    return tf.reduce_mean(tf.switch_case(loss_id, branches))


def initial_params(model, seed, init_scale, bias_init):
    """Glorot-uniform kernels times init_scale and constant biases (drawn eagerly: XLA's
    random numbers differ from the eager ones, and the compiled and eager loops must
    start from the same point)."""
    params = {}
    for index, (name, shape) in enumerate(MODELS[model].items()):
        if name.endswith("kernel"):
            limit = init_scale * np.sqrt(6.0 / sum(shape))
            params[name] = tf.random.stateless_uniform(
                shape, seed=[seed, index], minval=-limit, maxval=limit
            )
        else:
            params[name] = tf.fill(shape, bias_init)
    return params


def train_loop(model, weights, steps, learning_rate, activation_id, loss_id):
    """Adam on the model from `weights` for `steps` steps; losses and gradient norms."""
    if not tf.executing_eagerly():  # tracing: Python code runs, a reused trace skips it
        trace_counts[model] += 1
    names = list(MODELS[model])
    zeros = [tf.zeros_like(w) for w in weights]
    # XLA needs a fixed size; run eagerly, the arrays hold exactly `steps` entries
    # (padding them to MAX_STEPS would cost the eager baseline seconds of zeros).
    capacity = int(steps) if tf.executing_eagerly() else MAX_STEPS
    losses = tf.TensorArray(tf.float32, size=capacity)
    norms = tf.TensorArray(tf.float32, size=capacity)

    def body(step, weights, m, v, losses, norms):
        with tf.GradientTape() as tape:
            tape.watch(weights)
            loss = loss_from_logits(
                forward(model, dict(zip(names, weights)), activation_id), loss_id
            )
        grads = tape.gradient(loss, weights)
        t = tf.cast(step + 1, tf.float32)
        alpha = learning_rate * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        m = [m_i + (g - m_i) * (1 - BETA_1) for m_i, g in zip(m, grads)]
        v = [v_i + (g * g - v_i) * (1 - BETA_2) for v_i, g in zip(v, grads)]
        weights = [
            w - alpha * m_i / (tf.sqrt(v_i) + EPSILON)
            for w, m_i, v_i in zip(weights, m, v)
        ]
        losses = losses.write(step, loss)
        norms = norms.write(step, tf.stack([tf.norm(g) for g in grads]))
        return step + 1, weights, m, v, losses, norms

    _, weights, _, _, losses, norms = tf.while_loop(
        lambda step, *_: step < steps,
        body,
        (tf.constant(0), weights, zeros, list(zeros), losses, norms),
    )
    final_params = dict(zip(names, weights))
    probs = tf.nn.softmax(forward(model, final_params, activation_id))[0]
    return losses.stack(), norms.stack(), final_params, probs


def _compile(model):
    """train_loop for one model as an XLA-compiled tf.function with a fixed signature:
    weights, steps, learning_rate, activation_id, loss_id."""
    weights = [tf.TensorSpec(shape, tf.float32) for shape in MODELS[model].values()]
    index, scalar = tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32)
    signature = [weights, index, scalar, index, index]
    loop = functools.partial(train_loop, model)  # a tf.while_loop already: no AutoGraph
    return tf.function(loop, input_signature=signature, jit_compile=True, autograph=False)


_compiled = {model: _compile(model) for model in MODELS}


@dataclass
class TrainResult:
    """Per-step losses and gradient norms of one training run."""

    losses: np.ndarray  # shape (steps,)
    grad_norms: dict = field(repr=False)  # variable name -> shape (steps,)
    params: dict = field(repr=False)  # variable name -> final value
    final_probs: np.ndarray = field(repr=False)  # softmax of the final logits


def train(model="linear", steps=1000, learning_rate=0.01, seed=0, **options):
    """Train one of MODELS on x = [1, 2], class 1, with Adam (lesson 05); a TrainResult.

    options: init_scale (> 0, multiplies the Glorot kernels), bias_init (a float),
    activation (mlp only: one of ACTIVATIONS), loss (one of LOSSES).
    """
    args = _validated_args(model, steps, learning_rate, seed, options)
    losses, norms, params, probs = _compiled[model](*args)
    losses, norms = losses.numpy()[:steps], norms.numpy()[:steps]
    return TrainResult(
        losses=losses,
        grad_norms={name: norms[:, i] for i, name in enumerate(MODELS[model])},
        params={name: value.numpy() for name, value in params.items()},
        final_probs=probs.numpy(),
    )


def train_eagerly(model="linear", steps=1000, learning_rate=0.01, seed=0, **options):
    """The same loop, op by op with no compilation: the baseline for benchmarks."""
    args = _validated_args(model, steps, learning_rate, seed, options)
    losses, _, _, _ = train_loop(model, *args)
    return losses.numpy()[:steps]


def _validated_args(model, steps, learning_rate, seed, options):
    """The compiled loop's tensor arguments, or a clear error about the bad one."""
    model = choice(model, "model", sorted(MODELS))
    for option in options:
        choice(option, "each option", sorted(DEFAULT_OPTIONS))
    if "activation" in options and model != "mlp":
        raise ValueError(f"activation is for model='mlp' only: drop it for {model!r}.")
    opts = {**DEFAULT_OPTIONS, **options}
    steps = integer(steps, "steps", 1, MAX_STEPS, "1000")
    seed = integer(seed, "seed", 0, 2**31 - 1, "0")
    # finite in float32, the loop's dtype (1e39 is inf there), and > 0 (1e-50 is 0)
    learning_rate = real_number(learning_rate, "learning_rate", "0.01", **POSITIVE_32)
    init_scale = real_number(opts["init_scale"], "init_scale", "1.0", **POSITIVE_32)
    bias_init = real_number(opts["bias_init"], "bias_init", "0.0", dtype=tf.float32)
    activation = choice(opts["activation"], "activation", ACTIVATIONS)
    loss = choice(opts["loss"], "loss", LOSSES)
    weights = list(initial_params(model, seed, init_scale, bias_init).values())
    return (
        weights,
        tf.constant(steps),
        tf.constant(learning_rate, tf.float32),
        tf.constant(ACTIVATIONS.index(activation)),
        tf.constant(LOSSES.index(loss)),
    )
