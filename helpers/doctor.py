"""`diagnose`: why a gradient comes out None, zero or NaN (lesson 10).

How it works. `loss_fn` runs once under a default `tf.GradientTape`: the gradients it
gives set each source's status. For every source whose gradient is not fine, the loss
is traced once more with `tf.function`, and in that graph the ops between the source
and the loss are collected, with their values, the gradient arriving at each op and
each op's own contribution to the gradient (its vector-Jacobian product). The cause is
the op nearest the source that blocks (None), kills (zero) or poisons (NaN) the
gradient. A source with no path through TensorFlow is perturbed: if the loss still
moves, the value left TensorFlow; if not, the source is unused.
"""

import html
import inspect
import re
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

STATUSES = ("ok", "none", "zero", "partly_zero", "nan")
CAUSES = (
    "not_watched",
    "not_trainable",
    "no_variables",
    "left_tensorflow",
    "stop_gradient",
    "integer_dtype",
    "non_differentiable_op",
    "unused",
    "dead_relu",
    "saturation",
    "where_masked",
    "nan_from_unselected_branch",
    "softmax_sum",
)

# A slope below this is "vanished": sigmoid'(-20) = 2.1e-9; float32 rounding leaves
# about 1e-7 where an exact zero is due (the gradient of sum(softmax) through a matmul).
VANISHING = 1e-6
# Relative perturbations of a variable's value used to see whether the loss moves.
PERTURBATIONS = (1e-3, 0.37)


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Finding:
    """One source's diagnosis: status, cause (None when ok), why, and the fix."""

    name: str
    status: str
    cause: str | None
    explanation: str
    fix: str
    gradient: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Report:
    """The findings of `diagnose`, one per source; prints as a table (lesson 10)."""

    findings: tuple

    @property
    def ok(self):
        """True when every source has a finite, nonzero gradient."""
        return all(finding.status == "ok" for finding in self.findings)

    def __len__(self):
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __getitem__(self, key):
        """A finding by position or by source name."""
        if isinstance(key, str):
            for finding in self.findings:
                if finding.name == key:
                    return finding
            names = ", ".join(finding.name for finding in self.findings)
            raise KeyError(f"no source named {key!r}; the sources are: {names}.")
        return self.findings[key]

    def __str__(self):
        rows = [("source", "status", "cause")]
        rows += [(f.name, f.status, f.cause or "-") for f in self.findings]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        for finding in self.findings:
            lines += [
                "",
                f"{finding.name}: {finding.status}"
                + (f" ({finding.cause})" if finding.cause else ""),
                f"  why: {finding.explanation}",
                f"  fix: {finding.fix}",
            ]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colours = {"ok": "#1a7f37", "nan": "#cf222e"}
        header = "".join(
            f"<th style='text-align:left'>{title}</th>"
            for title in ("source", "status", "cause", "why", "fix")
        )
        rows = []
        for finding in self.findings:
            colour = colours.get(finding.status, "#b35900")
            cells = [
                f"<code>{html.escape(finding.name)}</code>",
                f"<b style='color:{colour}'>{finding.status}</b>",
                f"<code>{finding.cause}</code>" if finding.cause else "-",
                html.escape(finding.explanation),
                html.escape(finding.fix),
            ]
            rows.append(
                "<tr>"
                + "".join(f"<td style='text-align:left'>{cell}</td>" for cell in cells)
                + "</tr>"
            )
        return f"<table><tr>{header}</tr>{''.join(rows)}</table>"


# --------------------------------------------------------------------------- entry


def diagnose(loss_fn, variables):
    """Why the gradient of `loss_fn()` w.r.t. each of `variables` is None, zero or NaN.

    `loss_fn` takes no arguments and returns the loss (it is called several times);
    `variables` is a tf.Variable, keras.Variable or tensor, or a list, tuple or dict
    (name -> source) of them. Follows the default tape's rules: plain tensors are not
    watched. Returns a `Report`; never raises on a broken program (lesson 10).
    """
    sources = _named_sources(variables)
    _check_loss_fn(loss_fn)
    if not sources:
        return Report((_no_variables_finding(),))
    run = _run_under_tape(loss_fn, [source for _, source in sources])
    finished = run.error is None and run.gradient_error is None
    needs_graph = finished and any(g is None or not _all_fine(g) for g in run.grads)
    trace = _trace(loss_fn, [source for _, source in sources]) if needs_graph else None
    findings = [
        _diagnose_source(index, name, source, loss_fn, run, trace)
        for index, (name, source) in enumerate(sources)
    ]
    return Report(tuple(findings))


def _check_loss_fn(loss_fn):
    """A TypeError unless `loss_fn` is a callable that can be called with no arguments."""
    example = "e.g. diagnose(lambda: tf.reduce_sum(w ** 2), [w])"
    if not callable(loss_fn):
        raise TypeError(
            f"loss_fn must be a zero-argument callable that returns the loss, "
            f"{example}; got {type(loss_fn).__name__}."
        )
    try:
        signature = inspect.signature(loss_fn)
    except (TypeError, ValueError):
        return
    required = [
        p.name
        for p in signature.parameters.values()
        if p.default is p.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if required:
        raise TypeError(
            f"loss_fn must take no arguments, but it needs {required}; wrap "
            f"it, {example}."
        )


def _named_sources(variables):
    """[(name, source)] from one source, a list/tuple or a dict; TypeError otherwise."""
    if isinstance(variables, dict):
        pairs = list(variables.items())
    elif isinstance(variables, (list, tuple)):
        pairs = [(None, source) for source in variables]
    else:
        pairs = [(None, variables)]
    for index, (_, source) in enumerate(pairs):
        _check_source(source, "variables" if len(pairs) == 1 else f"variables[{index}]")
    names = [
        str(name) if name is not None else _default_name(source, index)
        for index, (name, source) in enumerate(pairs)
    ]
    return _unique(names, [source for _, source in pairs])


def _check_source(source, label):
    """A TypeError saying what to pass unless `source` is a variable or an eager tensor."""
    if isinstance(source, (tf.Variable, keras.Variable)):
        return
    if isinstance(source, tf.Tensor) and hasattr(source, "numpy"):
        return
    hint = (
        "pass model.trainable_variables"
        if isinstance(source, keras.layers.Layer)
        else "make it a tf.Variable (or a tf.constant, to see it reported as unwatched)"
    )
    raise TypeError(
        f"{label} has type {type(source).__name__}; diagnose needs tf.Variable, "
        f"keras.Variable or tensor sources (one, or a list of them): {hint}."
    )


def _default_name(source, index):
    """A readable name: the Keras path, the tf.Variable name, or `tensor_<index>`."""
    if isinstance(source, keras.Variable):
        return source.path
    if isinstance(source, tf.Variable):
        return source.name.split(":")[0]
    return f"tensor_{index}"


def _unique(names, sources):
    """The (name, source) pairs with repeated names numbered: w, w_1, w_2."""
    seen = {}
    pairs = []
    for name, source in zip(names, sources):
        count = seen.get(name, 0)
        seen[name] = count + 1
        pairs.append((name if count == 0 else f"{name}_{count}", source))
    return pairs


def _no_variables_finding():
    """The finding for an empty list of variables."""
    return Finding(
        "(no variables)",
        "none",
        "no_variables",
        "There is nothing to differentiate with respect to: the list of "
        "variables is empty (a frozen model, or one not built yet).",
        "Build the model by calling it once, unfreeze the layers that should "
        "learn, then pass model.trainable_variables.",
    )


# --------------------------------------------------------------------------- eager run


@dataclass
class EagerRun:
    """What the default tape gave: the loss, one gradient per source, or the error."""

    loss: object = None
    grads: list = field(default_factory=list)
    error: Exception | None = None  # loss_fn raised
    gradient_error: Exception | None = None  # tape.gradient raised (non-tensor loss)


def _run_under_tape(loss_fn, sources):
    """Run `loss_fn` under a default tape and ask for every source's gradient."""
    run = EagerRun(grads=[None] * len(sources))
    try:
        with tf.GradientTape() as tape:
            run.loss = loss_fn()
    except Exception as error:  # noqa: BLE001  (a broken program is a finding)
        run.error = error
        return run
    try:
        grads = tape.gradient(run.loss, list(sources))
    except Exception as error:  # noqa: BLE001  (NumPy or Python result)
        run.gradient_error = error
        return run
    run.grads = [
        None if grad is None else tf.convert_to_tensor(grad).numpy() for grad in grads
    ]
    return run


def _all_fine(grad):
    """True when every element of the gradient is finite and not (near) zero."""
    return bool(np.all(np.isfinite(grad)) and np.all(np.abs(grad) >= VANISHING))


def _loss_is_finite(loss):
    """True when every float in the loss (a tensor or a structure of them) is finite."""
    values = [np.asarray(t) for t in tf.nest.flatten(loss) if tf.is_tensor(t)]
    return all(np.all(np.isfinite(value)) for value in values)


# --------------------------------------------------------------------------- graph


@dataclass
class Site:
    """One op between a source and the loss, with what it computed in the traced graph.

    `inputs` and `outputs` hold values, `upstream` the gradient of the loss arriving at
    each output, `local` this op's vector-Jacobian product for each input on the path
    (None where the op passes no gradient back). `distance` counts ops from the source;
    `downstream` names the path ops this one feeds.
    """

    name: str
    type: str
    distance: int
    path_inputs: list
    input_ops: list  # (type, name) of the op producing each input
    input_dtypes: list
    output_dtypes: list
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    upstream: dict = field(default_factory=dict)
    local: dict = field(default_factory=dict)
    downstream: set = field(default_factory=set)


@dataclass
class Trace:
    """The traced graph's sites per source, or the error that stopped the tracing."""

    paths: list = field(default_factory=list)  # one list of Site per source
    error: Exception | None = None


def _trace(loss_fn, sources):
    """Trace `loss_fn` with tf.function and evaluate every op between sources and loss."""
    structure = {}

    def probe():
        loss = loss_fn()
        targets = [t for t in tf.nest.flatten(loss) if tf.is_tensor(t)]
        if not targets:
            raise TypeError(f"loss_fn returned {type(loss).__name__}, not a tensor")
        graph = tf.compat.v1.get_default_graph()
        captured = {id(external): internal for external, internal in graph.captures}
        starts = [captured.get(id(_graph_key(source))) for source in sources]
        structure["paths"] = [_path_ops(start, targets) for start in starts]
        return _evaluate_sites(structure["paths"], targets)

    try:
        concrete = tf.function(probe, autograph=False).get_concrete_function()
        values = tf.nest.map_structure(lambda t: t.numpy(), concrete())
    except Exception as error:  # noqa: BLE001  (.numpy(), float(), Python control flow)
        return Trace(error=error)
    return Trace(paths=[_sites(path, values) for path in structure["paths"]])


def _graph_key(source):
    """The eager object a traced function captures for `source`: a handle or the tensor."""
    variable = _tape_variable(source)
    return variable.handle if variable is not None else source


def _tape_variable(source):
    """The tf.Variable the tape sees behind a tf.Variable or keras.Variable, else None."""
    if isinstance(source, keras.Variable) and isinstance(source.value, tf.Variable):
        return source.value
    return source if isinstance(source, tf.Variable) else None


def _ancestors(targets):
    """Every op the target tensors depend on (data inputs only)."""
    seen = set()
    stack = [t.op for t in targets]
    while stack:
        op = stack.pop()
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(t.op for t in op.inputs)
    return seen


@dataclass
class PathOp:
    """A graph op on the path from a source to the loss (collected while tracing)."""

    op: object
    distance: int
    path_inputs: list
    downstream: set


def _path_ops(start, targets):
    """The ops between tensor `start` and the targets, nearest first, as PathOps."""
    if start is None:
        return []
    ancestors = _ancestors(targets)
    order, distances = [], {}
    frontier = [(consumer, 1) for consumer in start.consumers()]
    while frontier:
        op, distance = frontier.pop(0)
        if op.name in distances or op.name not in ancestors:
            continue
        distances[op.name] = distance
        order.append((op, distance))
        frontier += [(c, distance + 1) for t in op.outputs for c in t.consumers()]
    return [
        PathOp(
            op,
            distance,
            [
                index
                for index, t in enumerate(op.inputs)
                if t.name == start.name or t.op.name in distances
            ],
            _downstream(op, distances),
        )
        for op, distance in order
    ]


def _downstream(op, names):
    """Names of the path ops that `op` feeds, directly or not."""
    seen, stack = set(), [op]
    while stack:
        current = stack.pop()
        for tensor in current.outputs:
            for consumer in tensor.consumers():
                if consumer.name in names and consumer.name not in seen:
                    seen.add(consumer.name)
                    stack.append(consumer)
    return seen


def _gradient_dtype(dtype):
    """True for dtypes a gradient can flow into: floats, complex and resource handles."""
    return dtype.is_floating or dtype.is_complex or dtype == tf.resource


def _numeric(tensor):
    """True for tensors whose values can come back as NumPy arrays (not handles)."""
    dtype = tensor.dtype
    return dtype.is_floating or dtype.is_integer or dtype.is_bool or dtype.is_complex


def _float_output(tensor):
    """True for a float or complex tensor: one a gradient can arrive at."""
    return tensor.dtype.is_floating or tensor.dtype.is_complex


def _evaluate_sites(paths, targets):
    """Graph tensors for every path op: values, arriving gradients and local VJPs."""
    path_ops = {entry.op.name: entry for path in paths for entry in path}
    float_outputs = [
        t for entry in path_ops.values() for t in entry.op.outputs if _float_output(t)
    ]
    upstream = dict(
        zip([t.name for t in float_outputs], _safe_gradients(targets, float_outputs))
    )
    values = {}
    for name, entry in path_ops.items():
        op = entry.op
        values[name] = {
            "inputs": {str(i): t for i, t in enumerate(op.inputs) if _numeric(t)},
            "outputs": {str(i): t for i, t in enumerate(op.outputs) if _numeric(t)},
            "upstream": {
                str(i): upstream[t.name]
                for i, t in enumerate(op.outputs)
                if upstream.get(t.name) is not None
            },
            "local": _local_vjps(op, entry.path_inputs, upstream),
        }
    return values


def _local_vjps(op, path_inputs, upstream):
    """This op's contribution to the gradient of each of its path inputs (dict by index)."""
    outputs = [t for t in op.outputs if _float_output(t)]
    grad_ys = [upstream.get(t.name) for t in outputs]
    if all(g is None for g in grad_ys):
        return {}
    grad_ys = [tf.zeros_like(t) if g is None else g for t, g in zip(outputs, grad_ys)]
    local = {}
    for index in path_inputs:
        tensor = op.inputs[index]
        if _gradient_dtype(tensor.dtype):
            (grad,) = _safe_gradients(outputs, [tensor], grad_ys)
            if grad is not None:
                local[str(index)] = grad
    return local


def _safe_gradients(ys, xs, grad_ys=None):
    """tf.gradients, with None where an op's gradient is missing or fails to build."""
    try:
        grads = tf.gradients(ys, xs, grad_ys=grad_ys)
    except (LookupError, TypeError, ValueError):
        return [None] * len(xs)
    return [None if g is None else tf.convert_to_tensor(g) for g in grads]


def _sites(path, values):
    """The Site list for one source's path, from the traced ops and their values."""

    def by_index(mapping):
        return {int(key): value for key, value in mapping.items()}

    return [
        Site(
            name=entry.op.name,
            type=entry.op.type,
            distance=entry.distance,
            path_inputs=entry.path_inputs,
            input_ops=[(t.op.type, t.op.name) for t in entry.op.inputs],
            input_dtypes=[t.dtype for t in entry.op.inputs],
            output_dtypes=[t.dtype for t in entry.op.outputs],
            inputs=by_index(values[entry.op.name]["inputs"]),
            outputs=by_index(values[entry.op.name]["outputs"]),
            upstream=by_index(values[entry.op.name]["upstream"]),
            local=by_index(values[entry.op.name]["local"]),
            downstream=entry.downstream,
        )
        for entry in path
    ]


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Verdict:
    """A cause found for one source: where (ops from the source), how much, why, fix."""

    cause: str
    explanation: str
    fix: str
    distance: int = 0
    share: float = 1.0  # the fraction of the op's elements it affects


FIXES = {
    "not_watched": "Call tape.watch({name}) inside the tape, or make it a tf.Variable.",
    "not_trainable": "Create it with trainable=True, or call tape.watch({name}) inside "
    "the tape if you want its gradient anyway.",
    "left_tensorflow": "Use TensorFlow ops all the way to the loss: no .numpy(), np.* "
    "or float() between {name} and the loss inside the tape.",
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


# Verdicts found at an op are made before the source is named: _finding fills this in.
NAME_SLOT = "{name}"


def _verdict(cause, explanation, name=NAME_SLOT, fix=None, **where):
    """A Verdict for `cause`, with its standard fix for source `name` unless given."""
    return Verdict(cause, explanation, fix or FIXES[cause].format(name=name), **where)


def _op(site):
    """How an op is named in a sentence: its type, and its name when that differs."""
    return _op_words(site.type, site.name)


def _op_words(op_type, op_name):
    """'Relu', "Relu in 'model/dense'" or "RealDiv 'truediv'"."""
    scope, _, short = op_name.rpartition("/")
    if short != op_type:
        return f"{op_type} '{op_name}'"
    return f"{op_type} in '{scope}'" if scope else op_type


def _share_words(share):
    """'every element' or 'p% of the elements'."""
    return "every element" if share >= 1.0 else f"{share:.0%} of the elements"


def _diagnose_source(index, name, source, loss_fn, run, trace):
    """The Finding for one source, from the eager run and (when needed) the trace."""
    if run.error is not None:
        return _raised_finding(name, run.error)
    if run.gradient_error is not None:
        return _non_tensor_finding(name, source, loss_fn, run)
    grad = run.grads[index]
    sites = trace.paths[index] if trace is not None and trace.paths else []
    if grad is None:
        verdict = (
            _source_verdict(name, source)
            or _blocker_verdict(name, sites)
            or _detour_verdict(name, source, loss_fn, run, trace)
        )
        return Finding(name, "none", verdict.cause, verdict.explanation, verdict.fix)
    untraced = trace.error if trace is not None else None
    return _value_finding(name, grad, sites, run, untraced)


def _raised_finding(name, error):
    """loss_fn raised: no loss, so no gradient; the cause is read from the error."""
    message = _first_line(error)
    # a float op fed an integer tensor: "... expected to be a float tensor but is int32"
    integer = re.search(r"\bu?int(8|16|32|64)\b", message) is not None
    cause = "integer_dtype" if integer else "left_tensorflow"
    return Finding(
        name,
        "none",
        cause,
        f"loss_fn raised {type(error).__name__}: {message}, so there is no "
        "loss to differentiate.",
        "Make loss_fn() run on its own first and return a tf.Tensor "
        "computed with TensorFlow ops.",
    )


def _non_tensor_finding(name, source, loss_fn, run):
    """loss_fn returned something the tape cannot differentiate (NumPy, float, None)."""
    verdict = _source_verdict(name, source)
    if verdict is not None:
        return Finding(name, "none", verdict.cause, verdict.explanation, verdict.fix)
    kind = type(run.loss).__module__.split(".")[0] + "." + type(run.loss).__name__
    kind = kind.removeprefix("builtins.")
    if run.loss is None:
        return Finding(
            name,
            "none",
            "left_tensorflow",
            "loss_fn returned None (a missing return?), so there is no loss "
            "to differentiate.",
            "Return the loss tensor from loss_fn.",
        )
    if not _loss_moves(loss_fn, source, run):
        return Finding(
            name,
            "none",
            "unused",
            f"loss_fn returned a {kind}, not a tensor, and it does not change "
            f"when {name} changes.",
            FIXES["unused"].format(name=name),
        )
    return Finding(
        name,
        "none",
        "left_tensorflow",
        f"loss_fn returned a {kind}, not a tensor: the loss was computed "
        f"outside TensorFlow, so the tape cannot connect it to {name} "
        f"(tape.gradient raised {type(run.gradient_error).__name__}: "
        f"{_first_line(run.gradient_error)}).",
        FIXES["left_tensorflow"].format(name=name),
    )


def _first_line(error, limit=160):
    """The first line of an exception's message, shortened."""
    lines = str(error).strip().splitlines() or [""]
    line = lines[0].rstrip(".")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _source_verdict(name, source):
    """A cause in the source itself: integer dtype, plain tensor, trainable=False."""
    dtype = tf.as_dtype(source.dtype)
    if dtype.is_integer or dtype.is_bool:
        return _verdict(
            "integer_dtype",
            f"{name} has dtype {dtype.name}; gradients only "
            "flow into floating-point values.",
            name,
        )
    variable = _tape_variable(source)
    if variable is None:
        return _verdict(
            "not_watched",
            f"{name} is a plain tensor, and the tape watches "
            "only trainable variables unless told to.",
            name,
        )
    if not variable.trainable:
        return _verdict(
            "not_trainable",
            f"{name} is a variable created with "
            "trainable=False, which the tape does not watch.",
            name,
        )
    return None


# Ops that pass no gradient back, by what they mean; any other blocking op has no
# gradient defined (argmax, comparisons, round, shape ops): non_differentiable_op.
BLOCKER_CAUSES = {
    "StopGradient": "stop_gradient",
    "PreventGradient": "stop_gradient",
    "PyFunc": "left_tensorflow",
    "PyFuncStateless": "left_tensorflow",
    "EagerPyFunc": "left_tensorflow",
}


# Ops that read only a tensor's shape: no gradient, but no value flows through them.
SHAPE_OPS = ("Shape", "ShapeN", "Size", "Rank")


def _blocks(site):
    """True when the gradient stops at this op: it passes nothing back to its path input."""
    if site.type in SHAPE_OPS:
        return False
    if not any(dtype.is_floating for dtype in site.output_dtypes):
        return True  # an integer or boolean result carries no gradient
    inputs = [i for i in site.path_inputs if _gradient_dtype(site.input_dtypes[i])]
    return bool(site.upstream) and any(index not in site.local for index in inputs)


def _blocker_verdict(name, sites):
    """The blocking op nearest the source, as a Verdict (None if nothing blocks)."""
    for site in sites:
        if not _blocks(site):
            continue
        cause = BLOCKER_CAUSES.get(site.type, "non_differentiable_op")
        if site.type == "Cast" and not site.output_dtypes[0].is_floating:
            cause = "integer_dtype"
        explanation = {
            "stop_gradient": f"tf.stop_gradient ({site.name}) on the path from {name} to "
            "the loss passes no gradient back.",
            "integer_dtype": f"{_op(site)} turns the path from {name} into "
            f"{site.output_dtypes[0].name}, and an integer carries no gradient.",
            "left_tensorflow": f"{name} reaches the loss through a Python function "
            f"({_op(site)}) that the tape cannot look into.",
            "non_differentiable_op": f"{_op(site)} on the path from "
            f"{name} is piecewise constant or passes no gradient back.",
        }[cause]
        return _verdict(cause, explanation, name, distance=site.distance)
    return None


def _detour_verdict(name, source, loss_fn, run, trace):
    """No TensorFlow path from the source: left TensorFlow if the loss still moves."""
    if not _loss_moves(loss_fn, source, run):
        return _verdict(
            "unused",
            f"{name} does not take part in computing the loss "
            "(changing it does not change the loss).",
            name,
        )
    how = (
        f"tracing the loss as a graph fails with {type(trace.error).__name__}: "
        f"{_first_line(trace.error)}"
        if trace is not None and trace.error is not None
        else "the traced graph has no path from it to the loss"
    )
    return _verdict(
        "left_tensorflow",
        f"The loss changes when {name} changes, yet the "
        f"tape saw no path: the value went through NumPy or Python ({how}).",
        name,
    )


def _loss_moves(loss_fn, source, run):
    """True when nudging the variable's value changes loss_fn()'s result."""
    variable = _tape_variable(source)
    baseline = _as_floats(run.loss)
    if variable is None or baseline is None:
        return False
    original = variable.numpy()
    for scale in PERTURBATIONS:
        step = scale * (1.0 + np.abs(original))
        try:
            variable.assign((original + step).astype(original.dtype))
            moved = _as_floats(loss_fn())
        except Exception:  # noqa: BLE001  (raising at a new value is a change too)
            moved = None
        finally:
            variable.assign(original)
        if (
            moved is None
            or moved.shape != baseline.shape
            or not np.array_equal(moved, baseline, equal_nan=True)
        ):
            return True
    return False


def _as_floats(value):
    """All numbers in a loss (tensor, NumPy, float or a structure of them), or None."""
    try:
        leaves = [
            np.asarray(leaf, dtype=np.float64).ravel()
            for leaf in tf.nest.flatten(value)
            if leaf is not None
        ]
    except (TypeError, ValueError):
        return None
    return np.concatenate(leaves) if leaves else None


# --------------------------------------------------------------------------- zero


def _relu_kill(site):
    """ReLU passes no gradient where its pre-activation is <= 0 (ReLU6 also >= 6)."""
    pre_activation = site.inputs[0]
    dead = pre_activation <= 0
    if site.type == "Relu6":
        dead |= pre_activation >= 6
    return _masked_verdict(
        "dead_relu",
        site,
        dead,
        lambda words: (
            f"{_op(site)} has pre-activations "
            f"<= 0 for {words}, so it passes back zero there."
        ),
    )


def _sigmoid_tanh_kill(site):
    """sigmoid' = s (1 - s) and tanh' = 1 - t^2 underflow when the output hits 0 or +-1."""
    out = site.outputs[0].astype(np.float64)
    slope = out * (1 - out) if site.type == "Sigmoid" else 1 - out**2
    return _masked_verdict(
        "saturation",
        site,
        slope < VANISHING,
        lambda words: (
            f"{_op(site)} is saturated for {words}: its slope underflows to (near) zero."
        ),
    )


def _softmax_kill(site):
    """Softmax's VJP p * (g - <g, p>) is zero when g is constant over classes or p one-hot."""
    probs = site.outputs[0].astype(np.float64)
    probs = probs.reshape(-1, probs.shape[-1])
    grad_probs = site.upstream.get(0, np.zeros_like(probs)).astype(np.float64)
    grad_probs = grad_probs.reshape(probs.shape)
    scale = np.abs(grad_probs).max(axis=1)
    # the gradient of sum(p) (or of any c * sum(p)) is the same for every class
    flat = (np.ptp(grad_probs, axis=1) <= 1e-6 * scale) & (scale > 0)
    saturated = (probs * (1 - probs)).max(axis=1) < VANISHING
    if flat.any() and flat.sum() >= saturated.sum():
        return _masked_verdict(
            "softmax_sum",
            site,
            flat,
            lambda words: (
                f"the gradient arriving at {_op(site)} is the same for "
                f"every class in {words.replace('element', 'row')}, as for a sum of "
                "probabilities (always 1), so softmax passes back zero."
            ),
        )
    return _masked_verdict(
        "saturation",
        site,
        saturated,
        lambda words: (
            f"{_op(site)} is saturated (one-hot) in "
            f"{words.replace('element', 'row')}: its slope underflows."
        ),
    )


def _exp_kill(site):
    """exp' = exp: where exp(x) underflows to 0 (x below about -87) so does its slope."""
    return _masked_verdict(
        "saturation",
        site,
        site.outputs[0] < VANISHING,
        lambda words: (
            f"{_op(site)} underflows to (near) zero for "
            f"{words}, and so does its slope: what is built on it is saturated."
        ),
    )


def _softmax_loss_kill(site):
    """Fused softmax losses pass back p - y: zero in rows where p is one-hot and right."""
    grad_logits = site.local.get(0)
    if grad_logits is None:
        return None
    rows = np.abs(grad_logits).reshape(-1, grad_logits.shape[-1])
    return _masked_verdict(
        "saturation",
        site,
        rows.max(axis=1) < VANISHING,
        lambda words: (
            f"{_op(site)} passes back p - y = 0 in "
            f"{words.replace('element', 'row')}: the softmax is "
            "saturated on the labelled class."
        ),
    )


def _where_kill(site):
    """tf.where passes the gradient only to the branch it selected, element by element."""
    branches = [index for index in site.path_inputs if index in (1, 2)]
    if not branches:
        return None
    out_shape = site.outputs[0].shape
    condition = site.inputs[0].astype(bool)
    if site.type == "Select" and condition.ndim == 1 and len(out_shape) > 1:
        condition = condition.reshape((-1,) + (1,) * (len(out_shape) - 1))
    condition = np.broadcast_to(condition, out_shape)
    masked = np.ones(out_shape, dtype=bool)
    for index in branches:
        masked &= ~condition if index == 1 else condition
    return _masked_verdict(
        "where_masked",
        site,
        masked,
        lambda words: (
            f"tf.where ({_op(site)}) selected the other "
            f"branch for {words}, and those get a zero gradient."
        ),
    )


def _selecting_kill(site):
    """max, min and clip pass the gradient only to the operand they picked.

    tf.maximum(z, 0) is a ReLU written out, so its flat part is reported as dead_relu.
    """
    index = site.path_inputs[0]
    grad_out = site.upstream.get(0)
    if index not in site.local or grad_out is None:
        return None
    flat = (site.local[index] == 0) & (grad_out != 0)  # same shape, or skipped
    others = [site.inputs[i] for i in (0, 1) if i != index and i in site.inputs]
    if site.type == "Maximum" and others and np.all(others[0] == 0):
        return _masked_verdict(
            "dead_relu",
            site,
            flat,
            lambda words: (
                f"{_op(site)} with 0 is a ReLU whose input is <= 0 for "
                f"{words}, so it passes back zero there."
            ),
        )
    return _masked_verdict(
        "where_masked",
        site,
        flat,
        lambda words: (
            f"{_op(site)} picked the other operand (or the clip bound) for "
            f"{words}, and those get a zero gradient, as in tf.where."
        ),
    )


def _step_kill(site):
    """Piecewise-constant ops (sign, round, floor, ceil) have a zero slope everywhere."""
    return _verdict(
        "non_differentiable_op",
        f"{_op(site)} is piecewise constant: its slope is zero wherever it is defined.",
        distance=site.distance,
    )


KILLERS = {
    "Relu": _relu_kill,
    "Relu6": _relu_kill,
    "Sigmoid": _sigmoid_tanh_kill,
    "Tanh": _sigmoid_tanh_kill,
    "Softmax": _softmax_kill,
    "Exp": _exp_kill,
    "LogSoftmax": _softmax_loss_kill,
    "SoftmaxCrossEntropyWithLogits": _softmax_loss_kill,
    "Select": _where_kill,
    "Maximum": _selecting_kill,
    "Minimum": _selecting_kill,
    "ClipByValue": _selecting_kill,
    "SelectV2": _where_kill,
    "Sign": _step_kill,
    "Round": _step_kill,
    "Rint": _step_kill,
    "Floor": _step_kill,
    "Ceil": _step_kill,
}


def _masked_verdict(cause, site, mask, describe):
    """A Verdict for the share of `mask` that is True, or None when none is."""
    if not np.any(mask):
        return None
    share = float(np.mean(mask))
    return _verdict(
        cause,
        describe(_share_words(share)),
        distance=site.distance,
        share=share,
    )


# Ops whose gradient for one input is the other input times the arriving gradient.
MULTIPLYING_OPS = ("MatMul", "BatchMatMulV2", "Mul", "Einsum", "Conv2D")


def _dead_feed(site):
    """A ReLU outputting zeros into a product on the path: its weights get zero there."""
    feeds = [
        (index, _op_words(op_type, op_name))
        for index, (op_type, op_name) in enumerate(site.input_ops)
        if index not in site.path_inputs and op_type in ("Relu", "Relu6")
    ]
    if site.type not in MULTIPLYING_OPS or not feeds:
        return None
    index, relu = feeds[0]
    return _masked_verdict(
        "dead_relu",
        site,
        site.inputs[index] == 0,
        lambda words: (
            f"{relu}, which feeds {_op(site)}, outputs zero for "
            f"{words}, so what it multiplies gets zero gradient there."
        ),
    )


def _kill_verdicts(sites):
    """Every op on the path that zeroes some of the gradient, nearest the source first."""
    inspectors = [(KILLERS[site.type], site) for site in sites if site.type in KILLERS]
    inspectors += [(_dead_feed, site) for site in sites]
    verdicts = [_inspect(inspector, site) for inspector, site in inspectors]
    return sorted((v for v in verdicts if v is not None), key=lambda v: v.distance)


def _inspect(inspector, site):
    """The inspector's verdict, or None when the op's values have an unexpected shape."""
    try:
        return inspector(site)
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def _value_finding(name, grad, sites, run, untraced=None):
    """The Finding for a gradient that exists: ok, zero, partly_zero or nan.

    `untraced` is the error that stopped tracing the loss, if any: then no op can be
    inspected and the finding says so.
    """
    if not np.all(np.isfinite(grad)):
        verdict = _untraced(untraced, "non_differentiable_op") or _nan_verdict(sites, run)
        return _finding(
            name, "nan", verdict, grad, _count(~np.isfinite(grad), "NaN or inf")
        )
    kills = _kill_verdicts(sites)
    # vanishing (not exactly zero) slopes count only when saturation or a sum explains it
    tolerant = any(v.cause in ("saturation", "softmax_sum") for v in kills)
    zero = np.abs(grad) < VANISHING if tolerant else grad == 0
    if not zero.any():
        return Finding(
            name,
            "ok",
            None,
            "Every element of the gradient is finite and nonzero.",
            "Nothing to fix.",
            grad,
        )
    status = "zero" if zero.all() else "partly_zero"
    total = [v for v in kills if v.share >= 1.0] if status == "zero" else []
    fallback = _untraced(untraced, "unused") or _unexplained_zero(sites)
    verdict = (total or kills or [fallback])[0]
    return _finding(name, status, verdict, grad, _count(zero, "zero"))


def _untraced(error, cause):
    """A verdict saying the loss could not be traced as a graph (None if it could)."""
    if error is None:
        return None
    # the message goes through str.format in _finding: double any braces it holds
    message = _first_line(error).replace("{", "{{").replace("}", "}}")
    return _verdict(
        cause,
        "diagnose could not trace the loss as a graph to inspect its "
        f"ops ({type(error).__name__}: {message}), so this cause is a guess.",
    )


# Ops that run a whole function (tf.cond, tf.switch_case, tf.while_loop, a nested
# tf.function): diagnose sees them as one op and does not look inside.
FUNCTION_OPS = (
    "If",
    "StatelessIf",
    "Case",
    "StatelessCase",
    "While",
    "StatelessWhile",
    "PartitionedCall",
    "StatefulPartitionedCall",
)


def _unexplained_zero(sites):
    """No op explains the zeros: the elements do not change the loss to first order."""
    hidden = [_op(site) for site in sites if site.type in FUNCTION_OPS]
    if hidden:
        return _verdict(
            "unused",
            f"the zeros arise inside {hidden[0]} (a tf.cond, tf.switch_case, loop or "
            "nested tf.function), which diagnose does not open, so this cause is a "
            "guess.",
        )
    return _verdict(
        "unused",
        "no op on the path explains them: those elements of {name} "
        "do not move the loss to first order (multiplied by zero, or at a "
        "flat point).",
    )


def _count(mask, what):
    """'all 6 elements are zero' or '2 of 6 elements are zero'."""
    total = mask.size
    if mask.all():
        return f"all {total} elements are {what}" if total > 1 else f"it is {what}"
    count = int(mask.sum())
    return f"{count} of {total} elements {'is' if count == 1 else 'are'} {what}"


def _finding(name, status, verdict, grad, counted):
    """A Finding whose explanation says how many elements are affected, then why."""
    explanation = verdict.explanation.format(name=name)
    return Finding(
        name,
        status,
        verdict.cause,
        f"{counted[0].upper()}{counted[1:]}: {explanation}",
        verdict.fix.format(name=name),
        grad,
    )


# --------------------------------------------------------------------------- nan


def _births_nan(site):
    """True when a finite gradient arrives at this op and a NaN or inf leaves it."""
    arriving = list(site.upstream.values())
    leaving = list(site.local.values())
    return all(np.all(np.isfinite(g)) for g in arriving) and any(
        not np.all(np.isfinite(g)) for g in leaving
    )


def _saturated_exactly(site):
    """A softmax / sigmoid / tanh output that reached exactly 0 or +-1 (log(0) = -inf)."""
    if site.type not in ("Softmax", "Sigmoid", "Tanh"):
        return False
    out = site.outputs[0]
    return bool(np.any(out == 0) or np.any(np.abs(out) == 1))


def _makes_nonfinite(site):
    """True when finite values go into this op and a NaN or inf comes out."""
    return all(
        np.all(np.isfinite(v))
        for v in site.inputs.values()
        if np.issubdtype(np.asarray(v).dtype, np.floating)
    ) and any(
        not np.all(np.isfinite(v))
        for v in site.outputs.values()
        if np.issubdtype(np.asarray(v).dtype, np.floating)
    )


def _nan_verdict(sites, run):
    """Where a NaN gradient is born and why: saturation, an unselected branch, or the op."""
    births = [site for site in sites if _births_nan(site) or _makes_nonfinite(site)]
    return (
        _saturation_nan(sites, births)
        or _branch_nan(sites, births, run)
        or _op_nan(births)
    )


def _saturation_nan(sites, births):
    """A softmax / sigmoid saturated to exactly 0 or 1, or an exp overflowing, before it."""
    for born in births:
        for site in sites:
            feeds = born.name in site.downstream or site is born
            if feeds and _saturated_exactly(site):
                return _verdict(
                    "saturation",
                    f"{_op(site)} saturated to exactly 0 or 1, so "
                    f"{_op(born)} after it meets an infinite slope and the gradient "
                    "turns NaN.",
                    fix=STABLE_LOSS_FIX,
                    distance=site.distance,
                )
            if feeds and site.type == "Exp" and _makes_nonfinite(site):
                return _verdict(
                    "saturation",
                    f"{_op(site)} overflows to inf (an input above about "
                    "88 in float32), so the ratio after it is inf / inf = NaN.",
                    fix=STABLE_LOSS_FIX,
                    distance=site.distance,
                )
    return None


STABLE_LOSS_FIX = (
    "Use the stable forms: tf.nn.softmax or exp(z - max z), and a loss "
    "from logits (log_softmax, from_logits=True), never log(softmax(z))."
)


def _branch_nan(sites, births, run):
    """A NaN born inside the branch of a tf.where that the loss did not use."""
    if not _loss_is_finite(run.loss):
        return None
    by_name = {site.name: site for site in sites}
    for born in births:
        selects = [
            by_name[name]
            for name in born.downstream
            if by_name[name].type in ("Select", "SelectV2")
        ]
        if selects:
            select = min(selects, key=lambda site: site.distance)
            return _verdict(
                "nan_from_unselected_branch",
                f"{_op(born)} in the branch "
                f"tf.where ({_op(select)}) did not select has an infinite "
                "slope there, and 0 x inf = NaN flows back although the loss "
                "is finite.",
                distance=select.distance,
            )
    return None


def _op_nan(births):
    """No saturation and no tf.where: the op whose slope is infinite or undefined."""
    if births:
        born = births[-1]
        return _verdict(
            "non_differentiable_op",
            f"{_op(born)} has an infinite or "
            "undefined slope at these values (like log or 1/x at 0).",
            fix=SINGULAR_FIX,
            distance=born.distance,
        )
    return _verdict(
        "non_differentiable_op",
        "the values on the path are already NaN or "
        "inf in the forward pass (check the inputs and the variables).",
        fix=SINGULAR_FIX,
    )


SINGULAR_FIX = (
    "Keep the op's input away from its singular point (clip it, add a small "
    "epsilon) or use a stable formulation."
)
