"""`diagnose`: why a gradient comes out None, zero or NaN (lesson 10).

How it works. `loss_fn` runs once under a default `tf.GradientTape`: the gradients it
gives set each source's status. For every source whose gradient is not fine, the loss
is traced once more with `tf.function`, and in that graph the ops between the source
and the loss are collected, with their values, the gradient arriving at each op and
each op's own contribution to the gradient (its vector-Jacobian product). The cause is
the op nearest the source that blocks (None), kills (zero) or poisons (NaN) the
gradient. A source with no path through TensorFlow is perturbed: if the loss still
moves, the value left TensorFlow; if not, the source is unused.

Function bodies are opened: a nested tf.function's body, the branch a tf.cond or
tf.switch_case took and every iteration a tf.while_loop ran are copied into the traced
graph, fed with the op's own inputs, and inspected like the rest (see Inline). Nothing
is matched against known programs: every cause is read from the ops TensorFlow
recorded and the values that went through them. diagnose never raises on a broken
program: an error in loss_fn, or in the inspection, becomes a finding.
"""

import html
import inspect
import re
from collections import deque
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
        _guarded_finding(index, name, source, loss_fn, run, trace)
        for index, (name, source) in enumerate(sources)
    ]
    return Report(tuple(findings))


def _guarded_finding(index, name, source, loss_fn, run, trace):
    """_diagnose_source, or, if inspecting the program fails, a finding that says so.

    The status still comes from the tape; only the cause is then a guess.
    """
    try:
        return _diagnose_source(index, name, source, loss_fn, run, trace)
    except Exception as error:  # noqa: BLE001  (diagnose never raises on a program)
        grad = run.grads[index] if run.error is None and run.grads else None
        if grad is None:
            verdict = _source_verdict(name, source) or _untraced(error, "unused")
            return _finding(name, "none", verdict, None, "there is no gradient")
        if not np.all(np.isfinite(grad)):
            bad, what = ~np.isfinite(grad), "NaN or inf"
            status, verdict = "nan", _untraced(error, "non_differentiable_op")
        else:
            bad, what = grad == 0, "zero"
            status = "ok" if not bad.any() else "zero" if bad.all() else "partly_zero"
            verdict = _untraced(error, "unused")
        if status == "ok":
            return _ok_finding(name, grad)
        return _finding(name, status, verdict, grad, _count(bad, what))


def _ok_finding(name, grad):
    """The finding for a source whose gradient is finite and nonzero everywhere."""
    return Finding(
        name,
        "ok",
        None,
        "Every element of the gradient is finite and nonzero.",
        "Nothing to fix.",
        grad,
    )


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
    if isinstance(source, tf.Variable) or _is_keras_variable(source):
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
    if _is_keras_variable(source):
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
    (absent where the op passes no gradient back or none arrives), `passes` the path
    inputs the op has a gradient for at all. `distance` counts ops from the source;
    `downstream` names the path ops this one feeds. An op copied out of a function
    body (a tf.cond branch, a loop iteration) has its own name in `label` and says
    where it ran in `within`.
    """

    name: str
    type: str
    distance: int
    path_inputs: list
    path_outputs: list  # the outputs that lead on to the loss
    input_ops: list  # (type, name) of the op producing each input, past reshapes
    input_dtypes: list
    output_dtypes: list
    passes: set = field(default_factory=set)
    label: str = ""
    within: str = ""
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


# Ops that run a function body: tf.cond, tf.switch_case, tf.while_loop, a nested
# tf.function. diagnose copies the body that ran into the traced graph (see Inline).
BRANCH_OPS = ("If", "StatelessIf", "Case", "StatelessCase")
LOOP_OPS = ("While", "StatelessWhile")
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
FUNCTION_OPS = BRANCH_OPS + LOOP_OPS + CALL_OPS
# A loop is copied once per iteration; longer loops stay closed.
MAX_UNROLL = 64
# Each round of tracing opens one more level of nested tf.cond / loops.
MAX_ROUNDS = 4


def _trace(loss_fn, sources):
    """Trace `loss_fn` and evaluate every op between sources and loss, in bodies too.

    The branch a tf.cond or switch_case took and the number of iterations a loop ran
    are read from the values of one round, and the next round copies those bodies in;
    nested tf.functions are copied at once.
    """
    plan, trace = {}, None
    for _ in range(MAX_ROUNDS):
        attempt = _trace_once(loss_fn, sources, plan)
        if attempt.error is not None:
            return trace or attempt
        trace = attempt
        choices = {
            site.name: choice
            for path in trace.paths
            for site in path
            if site.name not in plan and (choice := _choice(site)) is not None
        }
        if not choices:
            break
        plan = {**plan, **choices}
    return trace


def _choice(site):
    """The body a function op on the path ran: a branch index or a number of iterations.

    None when the op is not control flow, its values are missing, or the loop is too
    long to copy.
    """
    if site.type in ("If", "StatelessIf") and 0 in site.inputs:
        return 0 if bool(site.inputs[0]) else 1  # then_branch, else_branch
    if site.type in ("Case", "StatelessCase") and 0 in site.inputs:
        return int(site.inputs[0])
    if site.type in LOOP_OPS and 0 in site.outputs:
        iterations = int(site.outputs[0])  # while_v2's first output counts iterations
        return iterations if iterations <= MAX_UNROLL else None
    return None


def _trace_once(loss_fn, sources, plan):
    """One tf.function trace of `loss_fn`, with the bodies `plan` names copied in."""
    structure = {}

    def probe():
        loss = loss_fn()
        targets = [t for t in tf.nest.flatten(loss) if tf.is_tensor(t)]
        if not targets:
            raise TypeError(f"loss_fn returned {type(loss).__name__}, not a tensor")
        graph = tf.compat.v1.get_default_graph()
        captured = {id(external): internal for external, internal in graph.captures}
        inlines = _inline_bodies(graph, plan)
        starts = [captured.get(id(_graph_key(source))) for source in sources]
        structure["paths"] = [_path_ops(start, targets, inlines) for start in starts]
        structure["inlines"] = inlines
        return _evaluate_sites(structure["paths"], targets, inlines)

    try:
        concrete = tf.function(probe, autograph=False).get_concrete_function()
        values = tf.nest.map_structure(lambda t: t.numpy(), concrete())
        labels = {
            name: where
            for inline in structure["inlines"]
            for name, where in inline.labels.items()
        }
        return Trace(paths=[_sites(path, values, labels) for path in structure["paths"]])
    except Exception as error:  # noqa: BLE001  (.numpy(), float(), Python control flow)
        return Trace(error=error)


def _graph_key(source):
    """The eager object a traced function captures for `source`: a handle or the tensor."""
    variable = _tape_variable(source)
    return variable.handle if variable is not None else source


def _tape_variable(source):
    """The tf.Variable the tape sees behind a tf.Variable or keras.Variable, else None."""
    if _is_keras_variable(source):
        return source.value
    return source if isinstance(source, tf.Variable) else None


def _is_keras_variable(source):
    """Whether `source` is a Keras 3 variable (on TensorFlow it holds a tf.Variable).

    Not isinstance(source, keras.Variable): before Keras 3.7 layers' weights were not
    instances of that exported class (keras-team/keras#20330).
    """
    return isinstance(getattr(source, "value", None), tf.Variable)


# --------------------------------------------------------------------------- bodies


@dataclass
class Inline:
    """A function op's body copied into the traced graph, fed with the op's own inputs.

    A tf.cond or switch_case gives the branch it took, a while loop one copy per
    iteration it ran (each fed with the one before), a nested tf.function its body.
    The copy computes what the op computed, so its ops can be inspected like any other;
    `exits` are its results, one per output of `op`. `labels` maps each copied op to
    (its name in the body, where it ran); `origins` maps copied function ops to the
    originals, which hold their own bodies.
    """

    op: object
    exits: list
    labels: dict
    origins: dict


def _inline_bodies(graph, plan):
    """Copy into `graph` every function body that can be opened, nested ones too."""
    inlines, origins = [], {}
    pending = deque(graph.get_operations())
    while pending:
        op = pending.popleft()
        if op.type not in FUNCTION_OPS:
            continue
        count = len(graph.get_operations())
        try:
            inline = _inline(op, origins.get(op.name, op), plan)
        except Exception:  # noqa: BLE001  (a body that cannot be copied stays closed)
            inline = None
        if inline is None:
            continue
        inlines.append(inline)
        origins.update(inline.origins)
        pending.extend(graph.get_operations()[count:])
    return inlines


def _inline(op, original, plan):
    """The Inline of `op`'s body that ran, or None if it cannot be known or copied.

    `original` is the op as tf.cond / tf.while_loop built it (it holds the body
    graphs); for a copy of a nested op it differs from `op`.
    """
    if op.type in CALL_OPS:
        body = _called_graph(original)
        if body is None:
            return None
        return _copy_bodies(
            op, original.name, [body], list(op.inputs), f"tf.function '{body.name}'"
        )
    if op.name not in plan:
        return None
    if op.type in BRANCH_OPS:
        if op.type in ("If", "StatelessIf"):
            kind, bodies = "tf.cond", [original._true_graph, original._false_graph]
        else:
            count = len(op.get_attr("branches"))
            kind = "tf.switch_case"
            bodies = [getattr(original, f"_branch_graph_{i}") for i in range(count)]
        taken = plan[op.name]
        taken = taken if 0 <= taken < len(bodies) else len(bodies) - 1  # the default
        branch = (
            ("true", "false")[taken] + " branch"
            if kind == "tf.cond"
            else f"branch {taken}"
        )
        within = f"{kind} '{original.name}' ({branch})"
        return _copy_bodies(
            op, original.name, [bodies[taken]], list(op.inputs[1:]), within
        )
    bodies = [original._body_graph] * plan[op.name]
    within = f"tf.while_loop '{original.name}'"
    return _copy_bodies(op, original.name, bodies, list(op.inputs), within)


def _called_graph(op):
    """The FuncGraph a PartitionedCall runs, found in the graphs around it, or None."""
    name = op.get_attr("f").name
    graph = op.graph
    while graph is not None:
        function = graph._get_function(name)
        if function is not None:
            return getattr(function, "graph", None)
        graph = getattr(graph, "outer_graph", None)
    return None


def _copy_bodies(op, scope, bodies, feeds, within):
    """Import each body into op's graph in turn, each fed with the previous results.

    `scope` is the op's name where the program made it, `within` says where it ran.
    """
    graph = op.graph
    labels, origins = {}, {}
    for iteration, body in enumerate(bodies):
        # a body whose gradient was taken keeps extra outputs after its own ones
        if len(body.inputs) != len(feeds) or len(body.outputs) < len(op.outputs):
            return None
        # an absolute, unused name scope, so copied names are prefix/original name
        prefix = graph.unique_name(f"{op.name}_body")
        count = len(graph.get_operations())
        feeds = tf.graph_util.import_graph_def(
            body.as_graph_def(),
            input_map={inner.name: outer for inner, outer in zip(body.inputs, feeds)},
            return_elements=[t.name for t in body.outputs[: len(op.outputs)]],
            name=prefix + "/",
        )
        where = within if len(bodies) == 1 else f"{within} (iteration {iteration + 1})"
        for copied in graph.get_operations()[count:]:
            # a body's ops are named in the op's scope: 'cond/Relu' is 'Relu' in 'cond'
            label = copied.name.removeprefix(prefix + "/").removeprefix(scope + "/")
            labels[copied.name] = (label, where)
        origins.update(
            (f"{prefix}/{inner.name}", inner)
            for inner in body.get_operations()
            if inner.type in FUNCTION_OPS
        )
    return Inline(op, list(feeds), labels, origins)


# --------------------------------------------------------------------------- paths


def _ancestors(tensors):
    """Every op the tensors depend on (data inputs only)."""
    seen = set()
    stack = [t.op for t in tensors]
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
    path_outputs: list
    downstream: set
    passes: set = field(default_factory=set)


def _path_ops(start, targets, inlines):
    """The ops between tensor `start` and the targets, nearest first, as PathOps.

    An opened function op is replaced by its copied body: the path runs through the
    copy and on, from its exits, to what the op's outputs feed.
    """
    if start is None:
        return []
    ancestors = _ancestors(targets + [t for inline in inlines for t in inline.exits])
    opened = {inline.op.name for inline in inlines}
    links = _exit_links(inlines)
    order, distances, reached = [], {}, set()
    frontier = deque((consumer, 1) for consumer in _consumers(start, links))
    while frontier:
        op, distance = frontier.popleft()
        if op.name in distances or op.name in reached or op.name not in ancestors:
            continue
        if op.name in opened:
            reached.add(op.name)
            continue
        distances[op.name] = distance
        order.append((op, distance))
        frontier += [(c, distance + 1) for t in op.outputs for c in _consumers(t, links)]
    carried = set(distances) | reached
    ends = {t.name for t in targets}
    return [
        PathOp(
            op,
            distance,
            [
                index
                for index, t in enumerate(op.inputs)
                if t.name == start.name or t.op.name in carried
            ],
            [
                index
                for index, t in enumerate(op.outputs)
                if t.name in ends or any(c.name in carried for c in _consumers(t, links))
            ],
            _downstream(op, distances, links),
        )
        for op, distance in order
    ]


def _exit_links(inlines):
    """Exit tensor name -> the ops that consume the matching output of the opened op."""
    links = {}
    for inline in inlines:
        for exit_tensor, output in zip(inline.exits, inline.op.outputs):
            links.setdefault(exit_tensor.name, []).extend(output.consumers())
    return links


def _consumers(tensor, links):
    """The ops a tensor feeds, with an exit of a copied body feeding what the op fed."""
    return list(tensor.consumers()) + links.get(tensor.name, [])


def _downstream(op, names, links):
    """Names of the path ops that `op` feeds, directly or not."""
    seen, stack = set(), [op]
    while stack:
        current = stack.pop()
        for tensor in current.outputs:
            for consumer in _consumers(tensor, links):
                if consumer.name in names and consumer.name not in seen:
                    seen.add(consumer.name)
                    stack.append(consumer)
    return seen


# --------------------------------------------------------------------------- values


def _gradient_dtype(dtype):
    """True for dtypes a gradient can flow into: floats, complex and resource handles."""
    return dtype.is_floating or dtype.is_complex or dtype == tf.resource


def _carries_gradient(dtype):
    """True for results a gradient can arrive at: floats, complex, handles, lists."""
    return _gradient_dtype(dtype) or dtype == tf.variant


def _numeric(tensor):
    """True for tensors whose values can come back as NumPy arrays (not handles)."""
    dtype = tensor.dtype
    return dtype.is_floating or dtype.is_integer or dtype.is_bool or dtype.is_complex


def _float_output(tensor):
    """True for a float or complex tensor: one a gradient can arrive at."""
    return tensor.dtype.is_floating or tensor.dtype.is_complex


def _evaluate_sites(paths, targets, inlines):
    """Graph tensors for every path op: values, arriving gradients and local VJPs.

    An op on several sources' paths is evaluated once, for all their path inputs; what
    it passes back (`passes`, known without running) is stored on each PathOp.
    """
    path_ops, path_inputs = {}, {}
    for entry in (entry for path in paths for entry in path):
        path_ops[entry.op.name] = entry.op
        path_inputs.setdefault(entry.op.name, set()).update(entry.path_inputs)
    float_outputs = [
        t for op in path_ops.values() for t in op.outputs if _float_output(t)
    ]
    upstream = _upstream(targets, float_outputs, inlines)
    values, passes = {}, {}
    for name, op in path_ops.items():
        indices = sorted(path_inputs[name])
        local = _local_vjps(op, indices, upstream)
        passes[name] = _passes(op, indices, local)
        values[name] = {
            "inputs": {str(i): t for i, t in enumerate(op.inputs) if _numeric(t)},
            "outputs": {str(i): t for i, t in enumerate(op.outputs) if _numeric(t)},
            "upstream": {
                str(i): upstream[t.name]
                for i, t in enumerate(op.outputs)
                if upstream.get(t.name) is not None
            },
            "local": local,
        }
    for entry in (entry for path in paths for entry in path):
        entry.passes = passes[entry.op.name] & set(entry.path_inputs)
    return values


def _upstream(targets, tensors, inlines):
    """The gradient of the loss arriving at each tensor, by name (None: none arrives).

    Outside the copied bodies it is tf.gradients of the loss. A copy is not part of the
    loss: inside it, it is the gradient of the copy's exits, seeded with what arrives
    at the opened op's outputs, which is what the op's own gradient computes.
    """
    owners = {
        name: index for index, inline in enumerate(inlines) for name in inline.labels
    }
    asked = {}  # None (the loss) or an inline's index -> tensors
    opened_outputs = [
        t for inline in inlines for t in inline.op.outputs if _carries_gradient(t.dtype)
    ]
    for tensor in tensors + opened_outputs:
        asked.setdefault(owners.get(tensor.op.name), []).append(tensor)
    upstream = {}

    def ask(ys, xs, grad_ys=None):
        upstream.update(
            (x.name, grad) for x, grad in zip(xs, _safe_gradients(ys, xs, grad_ys))
        )

    ask(targets, asked.get(None, []))
    for index, inline in enumerate(inlines):  # an outer body before those inside it
        seeded = [
            (exit_tensor, upstream.get(output.name))
            for exit_tensor, output in zip(inline.exits, inline.op.outputs)
            if upstream.get(output.name) is not None
        ]
        if seeded and asked.get(index):
            ask([e for e, _ in seeded], asked[index], [g for _, g in seeded])
    return upstream


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


def _passes(op, path_inputs, local):
    """The path inputs this op has a gradient for, whether or not one arrives.

    Found while building the graph: tf.gradients gives None where the op defines no
    gradient for an input (StopGradient, Round, a cast to an integer).
    """
    outputs = [t for t in op.outputs if _float_output(t)]
    passes = {int(index) for index in local}
    for index in path_inputs:
        tensor = op.inputs[index]
        if index in passes or not outputs or not _gradient_dtype(tensor.dtype):
            continue
        (grad,) = _safe_gradients(outputs, [tensor], [tf.zeros_like(t) for t in outputs])
        if grad is not None:
            passes.add(index)
    return passes


def _safe_gradients(ys, xs, grad_ys=None):
    """tf.gradients, with None where an op's gradient is missing or fails to build."""
    try:
        grads = tf.gradients(ys, xs, grad_ys=grad_ys)
    except (LookupError, TypeError, ValueError):
        return [None] * len(xs)
    return [None if g is None else tf.convert_to_tensor(g) for g in grads]


# Ops that only move values around: a zero going in comes out as a zero.
RESHAPING_OPS = ("Identity", "Reshape", "Transpose", "ExpandDims", "Squeeze", "MaxPool")


def _producer(tensor, label):
    """(type, name) of the op that computed `tensor`, looking past reshaping ops."""
    op = tensor.op
    while op.type in RESHAPING_OPS and op.inputs:
        op = op.inputs[0].op
    return op.type, label(op)[0]


def _sites(path, values, labels):
    """The Site list for one source's path, from the traced ops and their values."""

    def by_index(mapping):
        return {int(key): value for key, value in mapping.items()}

    def label(op):
        return labels.get(op.name, (op.name, ""))

    return [
        Site(
            name=entry.op.name,
            type=entry.op.type,
            distance=entry.distance,
            path_inputs=entry.path_inputs,
            path_outputs=entry.path_outputs,
            input_ops=[_producer(t, label) for t in entry.op.inputs],
            input_dtypes=[t.dtype for t in entry.op.inputs],
            output_dtypes=[t.dtype for t in entry.op.outputs],
            passes=entry.passes,
            label=label(entry.op)[0],
            within=label(entry.op)[1],
            inputs=by_index(values[entry.op.name]["inputs"]),
            outputs=by_index(values[entry.op.name]["outputs"]),
            upstream=by_index(values[entry.op.name]["upstream"]),
            local={
                index: vjp
                for index, vjp in by_index(values[entry.op.name]["local"]).items()
                if index in entry.path_inputs
            },
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
    """How an op is named in a sentence: its type, its name, and the body it ran in."""
    words = _op_words(site.type, site.label or site.name)
    return f"{words} inside {site.within}" if site.within else words


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
    if _loss_moves(loss_fn, source, run) is False:
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
    """The first line of an exception's message, shortened, without TF's node prefix."""
    # eager op errors start with '{{function_node __wrapped__MatMul_device_/job:...}} '
    message = re.sub(r"^\{\{function_node [^}]*\}\}\s*", "", str(error).strip())
    lines = message.splitlines() or [""]
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
    """True when the gradient stops at this op: it has none for one of its path inputs."""
    if site.type in SHAPE_OPS:
        return False
    if not any(_carries_gradient(site.output_dtypes[i]) for i in site.path_outputs):
        return True  # an integer or boolean result carries no gradient
    inputs = [i for i in site.path_inputs if _gradient_dtype(site.input_dtypes[i])]
    if site.type == "IdentityN":
        # a tf.custom_gradient: its gradient function replaces the path through the
        # forward ops, so it blocks only when it passes nothing back at all
        return bool(inputs) and not any(index in site.passes for index in inputs)
    return any(index not in site.passes for index in inputs)


def _decides(site):
    """True for a comparison or argmax: an integer or boolean result that only steers.

    Its result picks a tf.where branch or a tf.cond, or indexes; a cast to an integer
    is not one of these: it carries the value on, rounded.
    """
    return site.type != "Cast" and not any(
        _carries_gradient(site.output_dtypes[i]) for i in site.path_outputs
    )


def _cut_verdicts(sites):
    """The op nearest the source that cuts a gradient arriving at it, as [Verdict] or [].

    A blocker whose arriving gradient is zero cuts nothing (the stop_gradient on the
    max in a stable softmax: the loss does not depend on that max).
    """
    cutting = [
        site
        for site in sites
        if _blocks(site)
        and not _decides(site)
        and any(np.any(np.abs(site.upstream[i]) > VANISHING) for i in site.upstream)
    ]
    return [_blocker_verdict(NAME_SLOT, cutting)] if cutting else []


def _blocker_verdict(name, sites):
    """The blocking op nearest the source, as a Verdict (None if nothing blocks).

    When the value's own path is blocked too, a comparison that only steers a
    tf.where or a tf.cond on the way is not the break.
    """
    blockers = [site for site in sites if _blocks(site)]
    on_value_path = [site for site in blockers if not _decides(site)]
    for site in (on_value_path or blockers)[:1]:
        cause = BLOCKER_CAUSES.get(site.type, "non_differentiable_op")
        if site.type == "Cast" and site.output_dtypes[0].is_integer:
            cause = "integer_dtype"
        explanation = {
            "stop_gradient": f"{_op(site)} on the path from {name} to the loss is a "
            "tf.stop_gradient: it passes no gradient back.",
            "integer_dtype": f"{_op(site)} turns the path from {name} into "
            f"{site.output_dtypes[0].name}, and an integer carries no gradient.",
            "left_tensorflow": f"{name} reaches the loss through a Python function "
            f"({_op(site)}) that the tape cannot look into.",
            "non_differentiable_op": (
                f"{_op(site)} on the path from {name} is a tf.custom_gradient whose "
                "gradient function returns None."
                if site.type == "IdentityN"
                else f"{_op(site)} on the path from {name} is piecewise constant or "
                "passes no gradient back."
            ),
        }[cause]
        return _verdict(cause, explanation, name, distance=site.distance)
    return None


def _detour_verdict(name, source, loss_fn, run, trace):
    """No TensorFlow path from the source: left TensorFlow if the loss still moves.

    A loss that changes from call to call by itself (random ops) cannot be nudged;
    then a graph traced without error and with no path says the source is unused.
    """
    moves = _loss_moves(loss_fn, source, run)
    traced = trace is not None and trace.error is None
    if moves is None and traced:
        return _verdict(
            "unused",
            f"{name} takes no part in the traced graph of the loss (the loss is "
            f"random, so nudging {name} to be sure is not possible).",
            name,
        )
    if moves is False:
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
    evidence = (
        f"The loss changes when {name} changes, yet the tape saw no path"
        if moves
        else f"The tape saw no path from {name}"
    )
    return _verdict(
        "left_tensorflow",
        f"{evidence}: the value went through NumPy or Python ({how}).",
        name,
    )


def _loss_moves(loss_fn, source, run):
    """True when nudging the variable's value changes loss_fn()'s result.

    None when loss_fn() changes by itself, with the variable untouched (random ops).
    """
    variable = _tape_variable(source)
    baseline = _as_floats(run.loss)
    if variable is None or baseline is None:
        return False
    try:
        again = _as_floats(loss_fn())
    except Exception:  # noqa: BLE001  (a loss that raises now is no baseline)
        again = None
    if again is None or not _same_floats(again, baseline):
        return None
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
        if moved is None or not _same_floats(moved, baseline):
            return True
    return False


def _same_floats(values, baseline):
    """True when two losses, as float arrays, are identical (NaN equal to NaN)."""
    return values.shape == baseline.shape and np.array_equal(
        values, baseline, equal_nan=True
    )


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
    """log_softmax and fused softmax losses pass back zero rows in two cases.

    A fused loss passes back p - y: zero where p is one-hot on the label (saturated).
    log_softmax passes back g - p sum(g): zero also when g is proportional to p, as
    for a sum of probabilities exp(log_softmax(z)) (always 1).
    """
    grad_logits = site.local.get(0)
    if grad_logits is None:
        return None
    rows = np.abs(grad_logits).reshape(-1, grad_logits.shape[-1]).max(axis=1)
    zero = rows < VANISHING
    if site.type == "LogSoftmax":
        probs = np.exp(site.outputs[0].astype(np.float64))
        probs = probs.reshape(-1, probs.shape[-1])
        summed = zero & ((probs * (1 - probs)).max(axis=1) >= VANISHING)
        if summed.any():
            return _masked_verdict(
                "softmax_sum",
                site,
                summed,
                lambda words: (
                    f"{_op(site)} passes back zero in "
                    f"{words.replace('element', 'row')}: the gradient arriving at it "
                    "is proportional to the probabilities, as for a sum of "
                    "exp(log_softmax) (always 1)."
                ),
            )
    return _masked_verdict(
        "saturation",
        site,
        zero,
        lambda words: (
            f"{_op(site)} passes back p - y = 0 in "
            f"{words.replace('element', 'row')}: the softmax is "
            "saturated on the labelled class."
        ),
    )


def _flat_slope(site):
    """Where an element-wise op passes back (near) zero of a nonzero arriving gradient."""
    index = site.path_inputs[0]
    grad_out = site.upstream.get(0)
    if index not in site.local or grad_out is None:
        return np.zeros((), dtype=bool)
    grad_in = site.local[index].astype(np.float64)
    grad_out = grad_out.astype(np.float64)
    return (np.abs(grad_in) <= VANISHING * np.abs(grad_out)) & (grad_out != 0)


def _smooth_saturation_kill(site):
    """softplus' = sigmoid(x), elu' = exp(x) for x < 0: they underflow far left."""
    return _masked_verdict(
        "saturation",
        site,
        _flat_slope(site),
        lambda words: (
            f"{_op(site)} is saturated for {words}: its slope underflows to (near) zero."
        ),
    )


def _leaky_relu_kill(site):
    """A leaky ReLU with slope alpha = 0 below zero is a ReLU, and dies like one."""
    return _masked_verdict(
        "dead_relu",
        site,
        _flat_slope(site) & (site.inputs[0] <= 0),
        lambda words: (
            f"{_op(site)} has slope 0 (alpha = 0) below zero and pre-activations "
            f"<= 0 for {words}, so it passes back zero there, like a ReLU."
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


def _custom_gradient_kill(site):
    """tf.custom_gradient runs as IdentityN: its gradient function may return zeros."""
    arriving = any(np.any(site.upstream[i] != 0) for i in site.upstream)
    passed = [site.local[i] for i in site.path_inputs if i in site.local]
    if not arriving or not passed or any(np.any(g != 0) for g in passed):
        return None
    return _verdict(
        "non_differentiable_op",
        f"{_op(site)} is a tf.custom_gradient whose gradient function returns zero "
        "here, whatever the forward computation inside it.",
        distance=site.distance,
    )


KILLERS = {
    "IdentityN": _custom_gradient_kill,
    "Relu": _relu_kill,
    "Relu6": _relu_kill,
    "Sigmoid": _sigmoid_tanh_kill,
    "Tanh": _sigmoid_tanh_kill,
    "Softmax": _softmax_kill,
    "Exp": _exp_kill,
    "LogSoftmax": _softmax_loss_kill,
    "Softplus": _smooth_saturation_kill,
    "Elu": _smooth_saturation_kill,
    "Selu": _smooth_saturation_kill,
    "LeakyRelu": _leaky_relu_kill,
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
    """Every op on the path that zeroes some of the gradient, nearest the source first.

    Only ops a gradient reaches count: the forward ops inside a tf.custom_gradient,
    say, are bypassed by its gradient function.
    """
    reached = [site for site in sites if site.upstream]
    inspectors = [(KILLERS[site.type], site) for site in reached if site.type in KILLERS]
    inspectors += [(_dead_feed, site) for site in reached]
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
        return _ok_finding(name, grad)
    status = "zero" if zero.all() else "partly_zero"
    # tf.cond and while loops give zeros, not None, where a path inside them is cut
    kills = sorted(kills + _cut_verdicts(sites), key=lambda v: v.distance)
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
        "diagnose could not trace the loss as a graph and inspect its "
        f"ops ({type(error).__name__}: {message}), so this cause is a guess.",
    )


def _unexplained_zero(sites):
    """No op explains the zeros: the elements do not change the loss to first order."""
    hidden = [_op(site) for site in sites if site.type in FUNCTION_OPS]
    if hidden:
        return _verdict(
            "unused",
            f"the zeros arise inside {hidden[0]}, whose body diagnose could not "
            f"open (a loop of more than {MAX_UNROLL} iterations, or a body it cannot "
            "copy), so this cause is a guess.",
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
