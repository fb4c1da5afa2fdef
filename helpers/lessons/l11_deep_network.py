"""Lesson 11: gradient health in a deep network. An MLP on the digits, trained by SGD
in one XLA-compiled loop that records, per step and layer, the signs of trouble; the
explorer; the checks. Every setting but the depth is a tensor (the init is drawn
eagerly), so each depth traces and compiles once and any other setting reuses it.
"""

import collections
import functools
import itertools
from dataclasses import dataclass

import numpy as np
import tensorflow as tf
from ipywidgets import Checkbox, Dropdown, FloatLogSlider, IntSlider

from helpers import explorer
from helpers.digits import NUM_CLASSES, load_digits
from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite
from helpers.feedback import answer_problem, right, wrong

VERMILLION = explorer.PALETTE[6]  # the clip line, the saturated share
RETRAINS = True  # every move of the explorer trains again (read by the benchmarks)
WIDTH, BATCH, STEPS = 32, 32, 200  # units per hidden layer, examples per batch, steps
ACTIVATIONS, INITS = ("sigmoid", "tanh", "relu"), ("scale", "glorot", "he")
EPSILON = 1e-3  # keras.layers.BatchNormalization's default
CLIPS = (("off", 0.0), ("100", 100.0), ("10", 10.0), ("1", 1.0), ("0.1", 0.1))
trace_counts = collections.Counter()  # depth -> traces of the training loop


def _batches(seed=0):
    """The digits cut into fixed batches of BATCH rows after one seeded shuffle."""
    features, labels = load_digits()
    order = np.random.default_rng(seed).permutation(len(labels))
    order = order[: len(order) // BATCH * BATCH].reshape(-1, BATCH)
    return tf.constant(features[order]), tf.constant(labels[order])


BATCH_FEATURES, BATCH_LABELS = _batches()  # shapes (56, 32, 64) and (56, 32)


def initial_weights(depth, init="he", init_scale=1.0, seed=0):
    """Kernels std × N(0, 1) with std init_scale ("scale"), sqrt(2 / (fan_in + fan_out))
    ("glorot") or sqrt(2 / fan_in) ("he": relu zeroes half of the inputs); zero biases;
    BatchNorm's gamma 1, beta 0. A dict of lists, drawn with stateless seeds (lesson 11)."""
    sizes = [BATCH_FEATURES.shape[-1]] + [WIDTH] * depth + [NUM_CLASSES]
    kernels = []
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        glorot, he = np.sqrt(2.0 / (fan_in + fan_out)), np.sqrt(2.0 / fan_in)
        std = {"scale": init_scale, "glorot": glorot, "he": he}[init]
        kernels.append(std * tf.random.stateless_normal((fan_in, fan_out), [seed, layer]))
    biases = [tf.zeros(size) for size in sizes[1:]]
    gammas, betas = [tf.ones(WIDTH)] * depth, [tf.zeros(WIDTH)] * depth
    return {"kernels": kernels, "biases": biases, "gammas": gammas, "betas": betas}


def batch_normalize(z, gamma, beta):
    """gamma (z - mean) / sqrt(variance + EPSILON) + beta, with the batch's mean and
    variance per unit: BatchNormalization in training mode (lesson 11)."""
    mean = tf.reduce_mean(z, axis=0)
    variance = tf.reduce_mean(tf.square(z - mean), axis=0)
    return gamma * (z - mean) * tf.math.rsqrt(variance + EPSILON) + beta


def activate(z, activation_id):
    """ACTIVATIONS[activation_id] of z: all three are computed and tf.where keeps one;
    their slopes are finite, so the two dropped send back 0 (lesson 11)."""
    relu_or_tanh = tf.where(activation_id == 1, tf.tanh(z), tf.nn.relu(z))
    return tf.where(activation_id == 0, tf.sigmoid(z), relu_or_tanh)


def forward(weights, inputs, activation_id, batchnorm):
    """The logits and the hidden layers' activations, shape (depth, batch, WIDTH)."""
    hidden, activations = inputs, []
    layers = zip(*(weights[key] for key in ("kernels", "biases", "gammas", "betas")))
    for kernel, bias, gamma, beta in layers:  # the hidden layers: zip stops at gammas
        z = hidden @ kernel + bias
        # lesson 07's double where: with BatchNorm off it normalises zeros, never z, so
        # an overflowing z cannot send NaN back through the branch that is not taken
        normalised = batch_normalize(tf.where(batchnorm, z, 0.0), gamma, beta)
        hidden = activate(tf.where(batchnorm, normalised, z), activation_id)
        activations.append(hidden)
    logits = hidden @ weights["kernels"][-1] + weights["biases"][-1]
    return logits, tf.stack(activations)


def loss_and_gradients(weights, inputs, labels, activation_id=2, batchnorm=False):
    """The mean cross-entropy, its gradients (a dict like `weights`; zeros for gamma
    and beta when BatchNorm is off) and the activations; runs eagerly too (lesson 11)."""
    with tf.GradientTape() as tape:
        tape.watch(weights)
        logits, activations = forward(weights, inputs, activation_id, batchnorm)
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
        loss = tf.reduce_mean(losses)
    return loss, tape.gradient(loss, weights, unconnected_gradients="zero"), activations


def layer_health(activations, activation_id):
    """Per hidden layer, the share of saturated activations (sigmoid: |2a - 1| > 0.94,
    i.e. a < 0.03 or a > 0.97; tanh: |a| > 0.97) and of dead ReLU units (lesson 11)."""
    centred = tf.where(activation_id == 0, 2.0 * activations - 1.0, activations)
    limit = tf.gather([0.94, 0.97, np.inf], activation_id)  # a ReLU never saturates
    saturated = tf.reduce_mean(tf.cast(tf.abs(centred) > limit, tf.float32), axis=[1, 2])
    # dead: a ReLU unit that outputs 0 for every example of the batch
    dead = tf.reduce_all(activations == 0.0, axis=1) & (activation_id == 2)
    return saturated, tf.reduce_mean(tf.cast(dead, tf.float32), axis=1)


def train_loop(weights, learning_rate, clip, activation_id, batchnorm):
    """STEPS of SGD, cycling through the batches: a row of measurements per step, and
    the kernels' gradients at the last step (lesson 11)."""
    if not tf.executing_eagerly():  # tracing: a reused trace skips this line
        trace_counts[len(weights["gammas"])] += 1
    clipping = (clip > 0.0) & tf.math.is_finite(clip)  # 0 or inf: off

    def body(step, weights, history, _):
        batch = step % BATCH_LABELS.shape[0]
        loss, grads, activations = loss_and_gradients(
            weights, BATCH_FEATURES[batch], BATCH_LABELS[batch], activation_id, batchnorm
        )
        flat = tf.nest.flatten(grads)
        norm = tf.linalg.global_norm(flat)  # sqrt of the sum of every squared entry
        # all × clip / norm when norm > clip (tf.clip_by_global_norm(g, inf) gives NaN)
        clipped = lambda: tf.clip_by_global_norm(flat, clip, norm)[0]
        applied = tf.nest.pack_sequence_as(
            grads, tf.cond(clipping, clipped, lambda: flat)
        )
        new = tf.nest.map_structure(lambda w, g: w - learning_rate * g, weights, applied)
        kernels = list(zip(weights["kernels"], grads["kernels"], applied["kernels"]))
        grad_norms = tf.stack([tf.norm(g) for _, g, _ in kernels])
        # the update-to-data ratio |Δw| / |w|, Δw = learning_rate × applied gradient
        ratios = learning_rate * tf.stack(
            [tf.norm(a) / tf.norm(w) for w, _, a in kernels]
        )
        fired = tf.cast(clipping & (norm > clip), tf.float32)
        scalars = [loss, norm, tf.linalg.global_norm(tf.nest.flatten(applied)), fired]
        health = layer_health(activations, activation_id)
        row = tf.concat([scalars, grad_norms, ratios, *health], axis=0)
        return step + 1, new, history.write(step, row), grads["kernels"]

    start = (0, weights, tf.TensorArray(tf.float32, STEPS), weights["kernels"])
    _, _, history, grads = tf.while_loop(lambda step, *_: step < STEPS, body, start)
    return history.stack(), grads


@functools.cache
def compiled_loop(depth):
    """train_loop as one tf.function per depth, traced once (lesson 11). TensorFlow
    warns after five traces of one Python function: a partial per depth is its own."""
    loop = functools.partial(train_loop)
    return tf.function(loop, jit_compile=True, autograph=False)


@dataclass
class DeepRun:
    """What one run recorded: per step, and per step and layer (lesson 11)."""

    losses: np.ndarray  # (steps,)
    grad_norms: np.ndarray  # (steps,) the global norm of all gradients, before clipping
    applied_norms: np.ndarray  # (steps,) the same after clipping
    clipped: np.ndarray  # (steps,) True where clipping fired
    kernel_grad_norms: np.ndarray  # (steps, depth + 1), the last is the output layer
    update_ratios: np.ndarray  # (steps, depth + 1) |Δw| / |w| of each kernel
    saturated: np.ndarray  # (steps, depth) the share of saturated activations
    dead: np.ndarray  # (steps, depth) the share of dead ReLU units
    kernel_grads: list  # each kernel's gradient at the last step

    @property
    def falloff(self):
        """How many times smaller the first hidden layer's kernel gradient is than the
        last hidden layer's, on average over the run (below 1: larger, exploding)."""
        norms = self.kernel_grad_norms.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 or inf: no warning
            return norms[-2] / norms[0]


def train_deep(
    depth=10,
    activation="relu",
    init="he",
    init_scale=1.0,
    batchnorm=False,
    clip=0.0,
    learning_rate=0.1,
):
    """STEPS of SGD on the digits with `depth` hidden layers; a DeepRun (lesson 11).
    init_scale is the std of init "scale"; a clip of 0 or inf is no clipping."""
    weights = initial_weights(depth, init, init_scale)
    rates = [tf.constant(value, tf.float32) for value in (learning_rate, clip)]
    options = tf.constant(ACTIVATIONS.index(activation)), tf.constant(bool(batchnorm))
    history, kernel_grads = compiled_loop(depth)(weights, *rates, *options)
    history = history.numpy()
    loss, norm, applied, fired = history[:, :4].T
    splits = np.cumsum([depth + 1, depth + 1, depth])
    per_layer = np.split(history[:, 4:], splits, axis=1)[:4]
    grads = [grad.numpy() for grad in kernel_grads]
    return DeepRun(loss, norm, applied, fired > 0, *per_layer, grads)


LAYERS = np.arange(1, 12)  # x of each kernel: hidden layers 1..depth, then the output
BINS = np.linspace(-12.0, 2.0, 29)  # log10 |gradient entry|, for the histograms


def draw_health(figure):
    """The explorer's six panels on fixed axes; the artists that change (lesson 11)."""
    (loss_ax, norm_ax, hist_ax), (layer_ax, ratio_ax, share_ax) = figure.subplots(2, 3)
    steps = np.arange(STEPS)
    lines = {  # log y axes, fixed: values beyond the limits are drawn on the edge
        "loss": (loss_ax, steps, (1e-2, 1e4), "loss"),
        "norm": (norm_ax, steps, (1e-8, 1e8), "global gradient norm (dashed: clip)"),
        "layer": (layer_ax, LAYERS, (1e-10, 1e4), "|kernel gradient|, mean by layer"),
        "ratio": (ratio_ax, LAYERS, (1e-12, 1e1), "update/data |Δw|/|w| (dashed: 1e-3)"),
    }
    artists = {}
    for name, (ax, x, limits, title) in lines.items():
        artists[name] = ax.plot(x, 0 * x + 1.0, "-" if x is steps else "o-")[0]
        ax.set(yscale="log", ylim=limits, xlim=(x[0] - 0.5, x[-1] + 0.5), title=title)
        ax.set_xlabel("SGD step" if x is steps else "layer (the last: output)")
    artists["clip"] = norm_ax.axhline(1.0, color=VERMILLION, linestyle="--")
    ratio_ax.axhline(1e-3, color="grey", linestyle="--")  # a healthy ratio (CS231n)
    labels = ("layer 1", "last hidden layer")
    artists["hist"] = [hist_ax.stairs(0 * BINS[1:], BINS, label=name) for name in labels]
    artists["hist"][1].set_linestyle("--")  # told apart by more than colour
    artists["zeros"] = hist_ax.text(0.02, 0.97, "", transform=hist_ax.transAxes, va="top")
    hist_ax.set(ylim=(0, 0.6), xlabel="log10 |entry|", title="kernel gradient, last step")
    hist_ax.legend(loc="upper right", fontsize="small")
    artists["bars"] = list(share_ax.bar(LAYERS[:-1], 0 * LAYERS[:-1], color=VERMILLION))
    artists["share"] = share_ax.set_title("saturated activations, last step")
    share_ax.set(ylim=(0, 1), xlim=(0.4, 10.6), xticks=LAYERS[:-1], xlabel="hidden layer")
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.09, top=0.94, hspace=0.5)
    return artists


def show_run(artists, run, activation, clip):
    """Push a DeepRun into draw_health's artists; NaN leaves a gap (lesson 11)."""
    layers = LAYERS[: run.update_ratios.shape[1]]
    means = {"layer": run.kernel_grad_norms.mean(0), "ratio": run.update_ratios.mean(0)}
    for name, values in {"loss": run.losses, "norm": run.grad_norms, **means}.items():
        x = layers if name in means else np.arange(STEPS)
        artists[name].set_data(x, np.clip(values, *artists[name].axes.get_ylim()))
    artists["clip"].set(ydata=[clip, clip], visible=0 < clip < np.inf)
    grads = (run.kernel_grads[0], run.kernel_grads[-2])
    for line, grad in zip(artists["hist"], grads):
        sizes = np.abs(grad[np.isfinite(grad) & (grad != 0)])
        line.set_data(np.histogram(np.log10(sizes), BINS)[0] / grad.size)
    zeros = [np.mean(grad == 0) for grad in grads]
    artists["zeros"].set_text("exactly 0: {:.0%} / {:.0%}".format(*zeros))
    shares = run.dead[-1] if activation == "relu" else run.saturated[-1]
    for bar, share in zip(artists["bars"], np.pad(shares, (0, 10 - len(shares)))):
        bar.set_height(share)
    what = "dead ReLU units" if activation == "relu" else "saturated activations"
    artists["share"].set_text(f"{what}, last step")


def describe(run, activation, clip):
    """The status: what the run measured, in the lesson's words (lesson 11)."""
    losses, falloff, peak = run.losses, run.falloff, np.nanmax(run.grad_norms)
    said = [f"loss {number_text(losses[0])} → {number_text(losses[-1])}."]
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:  # what overflowed, not why: the lesson explains it
        overflow = f"From step {bad[0]}: float32 overflowed."
        said.insert(0, warn_nonfinite("the loss", losses) + overflow)
    with np.errstate(divide="ignore"):  # layer 10's gradient exactly 0: 1 / 0 = inf
        size = number_text(max(falloff, 1 / falloff))
    span = f"{size}× from the last layer to the first"
    if falloff > 100:
        said.append(f"<b>vanishing</b>: the gradient norm falls {span}.")
    if falloff < 0.01 or peak > 1e3:
        grows = f"; it grows {span}" if falloff < 0.01 else ""
        said.append(f"<b>exploding</b>: global norm up to {number_text(peak)}{grows}.")
    if 0 < clip < np.inf:
        said.append(f"Clipped on {run.clipped.mean():.0%} of steps.")
    if not np.isfinite(losses[-1]):  # NaN weights: the measures below mean nothing
        return " ".join(said)
    dead, saturated = run.dead[-1].mean(), run.saturated[-1].mean()
    if activation == "relu" and dead > 0:
        said.append(f"{dead:.0%} of ReLU units dead at the last step.")
    elif saturated > 0.01:
        said.append(f"{saturated:.0%} of activations saturated at the last step.")
    ratio = number_text(np.median(run.update_ratios[:, 0]), 2)
    said.append(f"Layer 1's update/data ratio: {ratio} (rule of thumb: about 1e-3).")
    return " ".join(said)


def deep_network_explorer():
    """Depth, activation, init, BatchNorm, clipping, learning rate → per-layer gradient
    health over STEPS of SGD on the digits (lesson 11)."""
    slow = {"continuous_update": False}  # each move trains again: only on release
    depth = IntSlider(10, min=2, max=10, description="depth", **slow)
    activation = Dropdown(options=ACTIVATIONS, description="activation")
    init = Dropdown(options=INITS, value="glorot", description="init")
    scale = FloatLogSlider(1.0, min=-2, max=1, description="init scale", **slow)
    batchnorm = Checkbox(False, description="BatchNorm")
    clip = Dropdown(options=CLIPS, description="clip at")
    rate = FloatLogSlider(0.1, min=-3, max=1, description="learning rate", **slow)
    controls = [depth, activation, init, scale, batchnorm, clip, rate]
    view = FigureView(figsize=(11, 6))
    artists = draw_health(view.figure)
    singles = [artist for artist in artists.values() if not isinstance(artist, list)]
    view.animate(*singles, *artists["hist"], *artists["bars"])

    def update():
        scale.disabled = init.value != "scale"  # the std of init "scale" only
        run = train_deep(*(control.value for control in controls))
        show_run(artists, run, activation.value, clip.value)
        return describe(run, activation.value, clip.value)

    question = (
        "Sigmoid, depth 10: which one change brings every hidden layer's gradient "
        "within 10× of the others? Then find a second way."
    )
    prediction = Prediction(
        ("init he", "a larger learning rate", "clipping", "BatchNorm"),
        "BatchNorm",
        "BatchNorm divides each pre-activation by its batch's standard deviation, about "
        "0.2 here, so the backward pass multiplies the gradient by about 5 per layer, "
        "which cancels sigmoid's σ' ≤ 1/4. He's weights give only √2 per layer; the "
        "learning rate and clipping scale every layer alike.",
    )
    title = "Gradient health: a deep MLP on the digits, 200 SGD steps per move"
    return Explorer(title, controls, view, update, question, prediction=prediction)


def _one_positive_number(answer, what, hint):
    """(the answer as a float > 0, None), or (None, Feedback saying what to pass)."""
    problem = answer_problem(answer)  # also: replace the ...
    if not problem and np.ndim(answer) != 0:
        problem = f"pass one number, not shape {np.shape(answer)}"
    value = np.nan if problem else float(np.asarray(answer))
    if not problem and not (np.isfinite(value) and value > 0):
        problem = f"{value:g} is not a finite number > 0; pass one"
    return (None, wrong(f"{what}: {problem}.", hint)) if problem else (value, None)


def check_tanh_init_scale(answer):
    """An init scale for tanh at depth 8 that trains and keeps every hidden layer's
    gradient norm within 10× of the others (lesson 11)."""
    hint = "z sums 32 terms w·a: which scale keeps Var(z) equal to Var(a)?"
    scale, feedback = _one_positive_number(answer, "the init scale", hint)
    if feedback is not None:
        return feedback
    run = train_deep(8, "tanh", "scale", scale)
    with np.errstate(divide="ignore", invalid="ignore"):  # norms of 0, inf or NaN
        norms, late_loss = run.kernel_grad_norms.mean(0)[:-1], run.losses[-20:].mean()
        spread, at = norms.max() / norms.min(), f"At scale {scale:g}"
    if not spread <= 10:  # NaN too
        return wrong(f"{at} the gradient norms span {number_text(spread)}×.", hint)
    agree = f"{at} the norms agree within {spread:.1f}×"
    if not late_loss < 1.0:
        saturated = f"{run.saturated[-1].mean():.0%} of activations saturated"
        return wrong(
            f"{agree}, but the loss stays at {late_loss:.2f}: {saturated}.", hint
        )
    return right(f"{agree}, and the loss falls to {late_loss:.2f}.")


def check_subset_initial_loss(answer):
    """The loss at initialisation of the depth-10 He/ReLU network (10 outputs) on the
    digits 0-3 only, predicted within 0.25 (lesson 11)."""
    hint = "Softmax at init is near uniform over the outputs: count outputs, not classes."
    loss, feedback = _one_positive_number(answer, "the initial loss", hint)
    if feedback is not None:
        return feedback
    features, labels = load_digits()
    logits = forward(initial_weights(10), features[labels < 4], 2, False)[0].numpy()
    true = np.take_along_axis(logits, labels[labels < 4, None], axis=1)[:, 0]
    measured = np.mean(np.log(np.exp(logits).sum(1)) - true)  # the cross-entropy
    if abs(loss - np.log(4)) < 0.05:
        return wrong("That is log 4: the softmax still spreads over every output.", hint)
    if abs(loss - measured) > 0.25:
        return wrong(f"{loss:.4f} is more than 0.25 from the loss at init.", hint)
    favour = np.mean(true - logits.mean(1))  # the true logit over the mean of the ten
    return right(
        f"The loss at init on the digits 0-3 is {measured:.4f} = {measured + favour:.4f} "
        f"(about log 10, plus the spread) - {favour:.4f}: on these digits the true "
        f"class's random logit is on average {favour:.4f} above the mean of the ten."
    )


def check_rescue_clip(answer):
    """A clip threshold at which relu, he, depth 10 and learning rate 30 stay finite
    and reach a loss below 1 (lesson 11)."""
    hint = "A clipped step is learning_rate × threshold long: which length worked above?"
    clip, feedback = _one_positive_number(answer, "the clip threshold", hint)
    if feedback is not None:
        return feedback
    run = train_deep(10, "relu", "he", clip=clip, learning_rate=30.0)
    late_loss, at = run.losses[-20:].mean(), f"At threshold {clip:g}"
    # the direction only; the lesson's run (learning rate 3, clip 0.1) steps 0.3 long
    why = "the threshold is too " + ("large" if 30 * clip > 3 * 0.1 else "small")
    if not np.isfinite(run.losses).all():
        return wrong(f"{at} the loss turns NaN or inf: {why}.", hint)
    if not late_loss < 1.0:
        dead = f"{run.dead[-1].mean():.0%} of ReLU units dead"
        return wrong(f"{at} the loss ends at {late_loss:.2f} ({dead}): {why}.", hint)
    return right(f"{at} the loss falls to {late_loss:.2f}, finite at every step.")
