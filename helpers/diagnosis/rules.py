"""The rule book: which ops block (None), kill (zero) or poison (NaN) a gradient, read
from their values in the traced graph (see graph.Site), and each cause's explanation
and fix. Of several causes on a path, the one nearest the source counts."""

import re

import numpy as np
import tensorflow as tf

from helpers.diagnosis.graph import ASSIGN_OPS, gradient_dtype
from helpers.diagnosis.report import VANISHING, Verdict, described
from helpers.diagnosis.tape_run import tape_variable

FIXES = {
    "no_variables": "Build the model by calling it once, unfreeze the layers that "
    "should learn, then pass model.trainable_variables.",
    "not_watched": "Call tape.watch({name}) inside the tape, or make it a tf.Variable.",
    "not_trainable": "Create it with trainable=True, or call tape.watch({name}) inside "
    "the tape if you want its gradient anyway.",
    "left_tensorflow": "Use TensorFlow ops all the way to the loss: no .numpy(), np.* "
    "or float() between {name} and the loss inside the tape.",
    "assigned": "Compute with the value itself instead of storing it in a variable: "
    "use the tensor you assign; keep Variable.assign for state that needs no gradient.",
    "stop_gradient": "Remove tf.stop_gradient from the path, or differentiate with "
    "respect to a value after it.",
    "integer_dtype": "Keep values that need a gradient in float32 or float64; cast to "
    "an integer only outside the gradient path.",
    "non_differentiable_op": "Replace the op by a smooth surrogate (softmax for argmax, "
    "sigmoid for a comparison) or a straight-through estimator (lesson 06).",
    "unused": "Check that the loss really uses {name}; if it should not, leave it out "
    "of the list.",
    "dead_relu": "Revive the units: a smaller learning rate, He initialisation, a "
    "small positive bias, or leaky_relu / gelu instead of relu.",
    "saturation": "Keep pre-activations small (normalise inputs, smaller initial "
    "weights) and compute losses from logits (from_logits=True).",
    "where_masked": "If these elements should learn, change the condition or blend "
    "smoothly instead of selecting with tf.where.",
    "nan_from_unselected_branch": "Make the unselected branch safe as well: sanitise "
    "its input first, e.g. tf.where(x > 0, tf.math.log(tf.where(x > 0, x, 1.0)), 0.0).",
    "softmax_sum": "Differentiate a scalar loss of the probabilities (cross-entropy), "
    "or use tape.jacobian for the gradient of each output.",
}
CAUSES = tuple(FIXES)
FIXES |= {  # fixes that fit a particular op or program better than its cause's
    "clip": "An element clipped to a bound gets no gradient: widen the clip range, or "
    "keep the values inside it (normalise the inputs, smaller initial weights).",
    "stable_loss": "Use the stable forms: tf.nn.softmax or exp(z - max z), and a loss "
    "from logits (log_softmax, from_logits=True), never log(softmax(z)).",
    "singular": "Keep the op's input away from its singular point (clip, add epsilon).",
    "raised": "Make loss_fn() run on its own and return a tf.Tensor.",
    "no_loss": "Return the loss tensor from loss_fn.",
}
# Why each rule decided as it did; {op}, {name}, {share} and {rows} are filled in.
WHY = {
    "no_variables": "There is nothing to differentiate with respect to: the list of "
    "variables is empty (a frozen model, or one not built yet).",
    "integer_source": "{name} has dtype {dtype}; gradients only flow into "
    "floating-point values.",
    "not_watched": "{name} is a plain tensor, and the tape watches only trainable "
    "variables unless told to.",
    "not_trainable": "{name} is a variable created with trainable=False, which the "
    "tape does not watch.",
    "raised": "loss_fn raised {error}, so there is no loss to differentiate.",
    "no_loss": "loss_fn returned None (a missing return?): there is no loss.",
    "unused": "{name} does not take part in computing the loss (changing it does not "
    "change the loss).",
    "random": "{name} is not in the traced graph (the loss is random: no nudging).",
    "stop_gradient": "{op} on the path from {name} to the loss is a tf.stop_gradient: "
    "it passes no gradient back.",
    "integer_dtype": "{op} turns the path from {name} into {dtype}: no gradient.",
    "left_tensorflow": "{name} reaches the loss through a Python function ({op}).",
    "assigned": "{name} reaches the loss only through {op}: the tape does not "
    "differentiate Variable.assign, which stored the value that the loss reads back.",
    "custom_none": "{op} is a tf.custom_gradient whose gradient function returns None.",
    "non_differentiable_op": "{op} on the path from {name} is piecewise constant or "
    "passes no gradient back.",
    "Relu": "{op} has pre-activations <= 0 for {share}, so it passes back zero there.",
    "dead_feed": "{relu}, feeding {op}, outputs zero for {share}: zero gradient there.",
    "Sigmoid": "{op} is saturated for {share}: its slope underflows to (near) zero.",
    "softmax_saturated": "{op} is saturated (one-hot) in {rows}: its slope underflows.",
    "softmax_sum": "the gradient arriving at {op} is the same for every class in "
    "{rows}, as for a sum of probabilities (always 1), so softmax passes back zero.",
    "log_softmax_sum": "{op} passes back zero in {rows}, as for sum(exp(log_softmax)).",
    "Select": "tf.where ({op}) selected the other branch for {share}, and those get a "
    "zero gradient.",
    "Maximum": "{op} gave its other operand (a bound) for {share}: zero gradient there.",
    "ClipByValue": "tf.clip_by_value ({op}) clips {share} to its bounds: zero there.",
    "Sign": "{op} is piecewise constant: its slope is zero wherever it is defined.",
    "IdentityN": "{op} is a tf.custom_gradient whose gradient function returns zero.",
    "unexplained": "no op on the path explains them: they do not move the loss.",
    "saturated_nan": "{op} saturated to exactly 0 or 1, so {born} after it meets an "
    "infinite slope and the gradient turns NaN.",
    "overflow_nan": "{op} overflows to inf (above about 88 in float32): inf / inf = NaN.",
    "branch_nan": "{born} in the branch tf.where ({op}) did not select has an infinite "
    "slope there, and 0 x inf = NaN flows back although the loss is finite.",
    "singular_nan": "{op} has an infinite or undefined slope here (like log(x) at 0).",
    "nonfinite_values": "the values on the path are already NaN or inf.",
    "untraced": "diagnose could not trace and read the ops of the loss ({error}), so "
    "this cause is a guess.",
}
WHY |= {"Relu6": WHY["Relu"], "LeakyRelu": WHY["Relu"], "SelectV2": WHY["Select"]}
WHY |= {"Minimum": WHY["Maximum"], "relu_maximum": WHY["Relu"]}
WHY |= dict.fromkeys(("Tanh", "Softplus", "Elu", "Selu", "Exp"), WHY["Sigmoid"])
# Ops that pass no gradient back, by what they mean; any other blocking op has no
# gradient defined (argmax, comparisons, round): non_differentiable_op.
BLOCKER_CAUSES = {"StopGradient": "stop_gradient", "PreventGradient": "stop_gradient"}
BLOCKER_CAUSES |= dict.fromkeys(("PyFunc", "EagerPyFunc"), "left_tensorflow")
BLOCKER_CAUSES |= dict.fromkeys(ASSIGN_OPS, "assigned")
# Element-wise ops whose own slope can be zero, and the cause such a zero is.
FLAT = dict.fromkeys(("Relu", "Relu6", "LeakyRelu"), "dead_relu")
FLAT |= dict.fromkeys(("Sigmoid", "Tanh", "Softplus", "Elu", "Selu", "Exp"), "saturation")
FLAT |= dict.fromkeys(("Select", "SelectV2", "Maximum", "Minimum"), "where_masked")
FLAT |= {"ClipByValue": "where_masked", "Sign": "non_differentiable_op"}
FLAT |= {"IdentityN": "non_differentiable_op"}
# Ops whose gradient for one input is the other input times the arriving gradient.
MULTIPLYING_OPS = ("MatMul", "BatchMatMulV2", "Mul", "Einsum", "Conv2D")
# Ops that only move values around: a zero going in comes out as a zero.
RESHAPING_OPS = ("Identity", "Reshape", "Transpose", "ExpandDims", "Squeeze", "MaxPool")


def verdict(cause, explanation, name="", fix=None, **where):
    """A Verdict for `cause`, with the fix FIXES[fix or cause] for source `name`."""
    fix = FIXES[fix or cause].replace("{name}", name)
    return Verdict(cause, explanation, fix, **where)


def marked_if_closed(found, sites):
    """`found`, marked as a guess when a body diagnose could not open lies before it."""
    for site in sites:
        if site.closed and (found.distance == 0 or site.distance <= found.distance):
            why = f"{found.explanation} But diagnose could not open {_op(site)} "
            return found._replace(explanation=f"{why}({site.closed}), so it is a guess.")
    return found


def _at(site, cause, key, mask=None, fix=None, name="", **words):
    """The Verdict of a rule at `site`, why from WHY[key]; None when `mask` marks nothing."""
    if mask is not None and not np.any(mask):
        return None
    share = 1.0 if mask is None else float(np.mean(mask))
    words = {"op": _op(site), "name": name, **words}
    for word, unit in (("share", "element"), ("rows", "row")):  # 'every row', '31% of'
        words[word] = f"every {unit}" if share >= 1.0 else f"{share:.0%} of the {unit}s"
    why = WHY[key].format(**words)
    return verdict(cause, why, name, fix, distance=site.distance, share=share)


def _op(site):
    """How a site's op is named in a sentence, with the body it ran in."""
    words = _op_words(site.type, site.label)
    return f"{words} inside {site.within}" if site.within else words


def _op_words(op_type, label):
    """'Relu', "Relu in 'model/dense'" or "RealDiv 'truediv'"."""
    scope, _, short = label.rpartition("/")
    if short != op_type:
        return f"{op_type} '{label}'"
    return f"{op_type} in '{scope}'" if scope else op_type


# --------------------------------------------------------------------------- None
def source_verdict(name, source):
    """A cause in the source itself: an integer dtype, a plain tensor, trainable=False."""
    dtype, variable = tf.as_dtype(source.dtype), tape_variable(source)
    if dtype.is_integer or dtype.is_bool:
        why = WHY["integer_source"].format(name=name, dtype=dtype.name)
        return verdict("integer_dtype", why)
    if variable is None or not variable.trainable:
        cause = "not_watched" if variable is None else "not_trainable"
        return verdict(cause, WHY[cause].format(name=name), name)
    return None


def raised_verdict(error):
    """loss_fn raised: an integer in the error ('... but is int32') says why, or not."""
    error = described(error)
    integer = re.search(r"\bu?int(8|16|32|64)\b", error) is not None
    why = WHY["raised"].format(error=error)
    return verdict("integer_dtype" if integer else "left_tensorflow", why, fix="raised")


def detour_verdict(name, run, moves, untraced):
    """No path from the source: it left TensorFlow if the loss moves when it is nudged."""
    traced = run.gradient_error is None and untraced is None
    if run.gradient_error is not None and run.loss is None:
        return verdict("left_tensorflow", WHY["no_loss"], fix="no_loss")
    if moves is False or (moves is None and traced):
        why = WHY["unused" if moves is False else "random"].format(name=name)
        return verdict("unused", why, name)
    if run.gradient_error is not None:
        how = f"loss_fn returned a {type(run.loss).__name__}, not a tensor, so "
        how += f"tape.gradient raised {described(run.gradient_error)}"
    elif traced:
        how = "the traced graph has no path from it to the loss"
    else:
        how = f"tracing the loss as a graph fails with {described(untraced)}"
    seen = f"The tape saw no path from {name}"
    if moves:
        seen = f"The loss changes when {name} changes, yet the tape saw no path"
    why = f"{seen}: the value went through NumPy or Python ({how})."
    return verdict("left_tensorflow", why, name)


def _blocks(site):
    """'cuts' when this op has no gradient for a path input (IdentityN: for all), 'steers'
    for a comparison or argmax (a boolean or integer result, not a Cast's), else None."""
    outputs = [site.op.outputs[i].dtype for i in site.path_outputs]
    if site.type in ("Shape", "ShapeN", "Size", "Rank"):
        return None  # they read only a shape: no value flows through them
    if not any(gradient_dtype(dtype, True) for dtype in outputs):
        return "steers" if outputs and site.type != "Cast" else "cuts"
    inputs = [i for i in site.path_inputs if gradient_dtype(site.op.inputs[i].dtype)]
    passed = [index in site.slopes for index in inputs]
    if site.type == "IdentityN":
        return "cuts" if inputs and not any(passed) else None
    return None if all(passed) else "cuts"


def blocker_verdict(name, sites):
    """The blocking op nearest the source (one that only steers, if nothing cuts)."""
    blockers = [site for site in sites if _blocks(site)]
    for site in ([site for site in blockers if _blocks(site) == "cuts"] or blockers)[:1]:
        dtype = site.op.outputs[0].dtype if site.op.outputs else None
        cause = BLOCKER_CAUSES.get(site.type, "non_differentiable_op")
        if site.type == "Cast" and dtype.is_integer:
            cause = "integer_dtype"
        key = "custom_none" if site.type == "IdentityN" else cause
        return _at(site, cause, key, name=name, dtype=getattr(dtype, "name", ""))
    return None


# --------------------------------------------------------------------------- zero
def kill_verdicts(sites):
    """Every op a gradient reaches that zeroes some of it (a Minimum and a Maximum, one
    feeding the other, are one tf.clip_by_value)."""
    reached = [site for site in sites if site.upstream]
    clips = {
        first.name: second
        for first in reached
        for second in reached
        if {first.type, second.type} == {"Minimum", "Maximum"}
        and first.op in [second.op.inputs[i].op for i in second.path_inputs]
    }
    clipping = [second.name for second in clips.values()]
    found = [_inspect(_dead_feed, site) for site in reached]
    for site in reached:
        if site.type in ("Softmax", "LogSoftmax"):
            found.append(_inspect(_softmax_kill, site))
        elif site.type in FLAT and site.name not in clipping:
            found.append(_inspect(_flat_kill, site, clips.get(site.name)))
    return [verdict for verdict in found if verdict is not None]


def _inspect(rule, *arguments):
    """The rule's verdict, or None when the op's values are missing or shaped otherwise."""
    try:
        return rule(*arguments)
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def _flat(site):
    """Where an element-wise op's own slope is (near) zero for every path input."""
    flat = [np.abs(slope) < VANISHING for slope in site.slopes.values()]
    return np.logical_and.reduce(flat) if flat else np.zeros((), bool)


def _flat_kill(site, clip_partner=None):
    """An element-wise op whose own slope is zero somewhere (a clip: both bounds)."""
    flat, cause, key = _flat(site), FLAT[site.type], site.type
    if clip_partner is not None:
        ops = f"{_op(site)} and {_op(clip_partner)}"
        return _at(site, cause, "ClipByValue", flat | _flat(clip_partner), "clip", op=ops)
    other = [value for i, value in site.inputs.items() if i not in site.path_inputs]
    if site.type == "Maximum" and other and np.all(other[0] == 0):
        cause, key = "dead_relu", "relu_maximum"  # tf.maximum(z, 0): a ReLU written out
    fix = "clip" if key in ("Maximum", "Minimum", "ClipByValue") else None
    return _at(site, cause, key, flat, fix)


def _softmax_kill(site):
    """softmax passes back p (g - <g, p>), log_softmax g - p sum(g): zero in a row where
    the arriving g is the same for every class, or proportional to p, as from a sum of
    probabilities (softmax_sum), or where p is one-hot (saturation)."""
    log = site.type == "LogSoftmax"
    probs = site.outputs[0].astype(np.float64)
    probs = (np.exp(probs) if log else probs).reshape(-1, probs.shape[-1])
    grad = site.upstream[0].astype(np.float64).reshape(probs.shape)
    if log:
        vjp = grad - probs * grad.sum(axis=1, keepdims=True)
    else:
        vjp = probs * (grad - (grad * probs).sum(axis=1, keepdims=True))
    scale = np.abs(grad).max(axis=1)
    zero = (np.abs(vjp).max(axis=1) <= 1e-6 * scale) & (scale > 0)
    one_hot = (probs * (1 - probs)).max(axis=1) < VANISHING  # p (1 - p) = 0
    saturated = zero & one_hot & (probs.shape[1] > 1)  # one class: p is always 1
    summed = zero & ~saturated
    if summed.any() and summed.sum() >= saturated.sum():
        key = "log_softmax_sum" if log else "softmax_sum"
        return _at(site, "softmax_sum", key, summed)
    return _at(site, "saturation", "softmax_saturated", saturated)


def _dead_feed(site):
    """A ReLU outputting zeros into a product on the path: its weights get zero there."""
    feeds = site.op.inputs if site.type in MULTIPLYING_OPS else []
    for index, feed in enumerate(tensor.op for tensor in feeds):
        while feed.type in RESHAPING_OPS and feed.inputs:  # past Flatten, say
            feed = feed.inputs[0].op
        if index not in site.path_inputs and feed.type in ("Relu", "Relu6"):
            relu = _op_words(feed.type, feed.name)
            return _at(site, "dead_relu", "dead_feed", site.inputs[index] == 0, relu=relu)
    return None


def zero_verdict(name, status, sites):
    """Why a gradient is (partly) zero: the op nearest the source that zeroes all of it
    (or, partly zero, some), an op that cuts an arriving gradient, or nothing known."""
    # tf.cond and while loops give zeros, not None, where a path inside them is cut
    cutting = [
        site
        for site in sites
        if _blocks(site) == "cuts"
        and any(np.any(np.abs(grad) > VANISHING) for grad in site.upstream.values())
    ]
    kills = kill_verdicts(sites) + ([blocker_verdict(name, cutting)] if cutting else [])
    kills = sorted(kills, key=lambda verdict: verdict.distance)
    total = [kill for kill in kills if kill.share >= 1.0] if status == "zero" else []
    unexplained = verdict("unused", WHY["unexplained"].format(name=name), name)
    return (total or kills or [unexplained])[0]


# --------------------------------------------------------------------------- NaN
def _finite(values):
    """True when every float among the values (a dict of arrays) is finite."""
    floats = [value for value in values.values() if np.asarray(value).dtype.kind in "f"]
    return all(np.all(np.isfinite(value)) for value in floats)


def nan_verdict(sites, loss_is_finite):
    """Where a NaN is born (a finite gradient meets an infinite slope, or a value turns
    NaN or inf), and why: a saturated op before it, a tf.where after it, or that op."""
    births = [
        site
        for site in sites
        if (_finite(site.upstream) and not _finite(site.slopes))
        or (_finite(site.inputs) and not _finite(site.outputs))
    ]
    for born in births:  # a softmax or sigmoid at exactly 0 or 1, or an exp at inf
        for site in (site for site in sites if site.distance <= born.distance):
            out = site.outputs.get(0, np.nan)
            exact = np.isin(abs(out), (0, 1)).any()  # a probability of exactly 0 or 1
            exact = exact and site.type in ("Softmax", "Sigmoid", "Tanh")
            overflow = site.type == "Exp" and np.isinf(out).any() and _finite(site.inputs)
            if exact or overflow:
                key = "saturated_nan" if exact else "overflow_nan"
                return _at(site, "saturation", key, fix="stable_loss", born=_op(born))
    selects = [site for site in sites if site.type in ("Select", "SelectV2")]
    for born in births if loss_is_finite else []:  # a tf.where after it discarded it
        after = [select for select in selects if select.distance >= born.distance]
        if after:
            cause = "nan_from_unselected_branch"
            return _at(after[0], cause, "branch_nan", born=_op(born))
    if births:
        return _at(births[-1], "non_differentiable_op", "singular_nan", fix="singular")
    return verdict("non_differentiable_op", WHY["nonfinite_values"], fix="singular")
