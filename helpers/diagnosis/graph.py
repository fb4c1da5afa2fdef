"""Reading the traced graph: the ops between each source and the loss (Sites), with
their values, arriving gradients and slopes. The body a tf.function, tf.cond,
tf.switch_case or tf.while_loop ran is copied in, fed with the op's own inputs."""

from collections import deque, namedtuple
from dataclasses import dataclass, field

import tensorflow as tf

BRANCH_OPS = ("If", "StatelessIf", "Case", "StatelessCase")
LOOP_OPS = ("While", "StatelessWhile")
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
FUNCTION_OPS = BRANCH_OPS + LOOP_OPS + CALL_OPS
# Variable.assign and its kin store a value, which a later read gives back.
ASSIGN_OPS = ("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp")
MAX_UNROLL = 64  # a loop is copied once per iteration; longer loops stay closed
MAX_ROUNDS = 4  # each trace opens one more level of nested tf.cond / loops


@dataclass
class Site:
    """One op on a source's path to the loss: its values, the gradient arriving at each
    output (`upstream`) and its own slope (its VJP of ones) for each path input."""

    op: object = field(repr=False)
    name: str
    type: str
    distance: int  # ops from the source
    path_inputs: list
    path_outputs: list  # the outputs that lead on to the loss
    label: str  # the op's name in the program
    within: str  # where it ran, for an op copied out of a function body
    closed: str  # why diagnose could not open this function op's body
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    upstream: dict = field(default_factory=dict)
    slopes: dict = field(default_factory=dict)


def gradient_dtype(dtype, result=False):
    """True for floats and variable handles (and, as a `result`, TensorLists)."""
    kinds = (tf.resource, tf.variant) if result else (tf.resource,)
    return dtype.is_floating or dtype in kinds


def trace(loss_fn, keys):
    """([the Sites of each source], None) or ([], the error that stopped tracing); `keys`
    are what a trace captures. Each round copies in the bodies the last round saw run."""
    plan, paths, traced = {}, [], None

    def probe():  # the loss, with the bodies `plan` names copied in
        loss = loss_fn()
        targets = [t for t in tf.nest.flatten(loss) if tf.is_tensor(t)]
        if not targets:
            raise TypeError(f"loss_fn returned {type(loss).__name__}, not a tensor")
        graph = tf.compat.v1.get_default_graph()
        captured = {id(external): internal for external, internal in graph.captures}
        inlines, closed = _inline_bodies(graph, plan)
        starts = [captured.get(id(key)) for key in keys]
        paths[:] = [_path(start, targets, inlines, closed) for start in starts]
        return _site_tensors(paths, targets, inlines)

    for _ in range(MAX_ROUNDS):
        try:
            values = tf.function(probe, autograph=False).get_concrete_function()()
        except Exception as error:  # noqa: BLE001  (.numpy(), float(), Python control flow)
            return (traced, None) if traced is not None else ([], error)
        traced, choices = list(paths), {}
        for site in (site for path in traced for site in path):
            for kind, tensors in values[site.name].items():
                setattr(site, kind, {i: t.numpy() for i, t in tensors.items()})
            site.slopes = {i: s for i, s in site.slopes.items() if i in site.path_inputs}
            if site.name in plan:
                continue
            if site.type in LOOP_OPS and 0 in site.outputs:
                choices[site.name] = int(site.outputs[0])
            elif site.type in BRANCH_OPS and 0 in site.inputs:
                taken = int(site.inputs[0])  # a Case's branch, or an If's condition
                choices[site.name] = taken if "Case" in site.type else 1 - taken
        if not choices:
            break
        plan |= choices
    return traced, None


# --------------------------------------------------------------------------- bodies
# A function op's body copied in: its results (`exits`) and {copied op: (label, within)}
Inline = namedtuple("Inline", "op exits labels")


class Closed(Exception):
    """Why a function op's body is not copied in (a reason written for the learner)."""


# The attributes that name the functions a function op can run (Case: "branches").
BODY_ATTRIBUTES = {"If": ("then_branch", "else_branch"), "While": ("body",)}
BODY_ATTRIBUTES |= {"PartitionedCall": ("f",), "StatefulPartitionedCall": ("f",)}
BODY_ATTRIBUTES |= {"StatelessIf": BODY_ATTRIBUTES["If"], "StatelessWhile": ("body",)}


def _body_graphs(op):
    """The FuncGraphs a function op can run: the one use of TensorFlow internals. If a
    future TensorFlow changes them, this raises: the op stays closed, causes are guesses."""
    names = [op.get_attr(attribute) for attribute in BODY_ATTRIBUTES.get(op.type, ())]
    names = names or op.get_attr("branches")  # a Case's list of branches
    return [op.graph._get_function(function.name).graph for function in names]


def _inline_bodies(graph, plan):
    """Copy in every body that can be opened; {op name: why} for those left closed."""
    inlines, closed, originals = [], {}, {}  # a copied function op -> the original
    pending = deque(graph.get_operations())
    while pending:
        op = pending.popleft()
        if op.type not in FUNCTION_OPS:
            continue
        count = len(graph.get_operations())
        try:
            inlines.append(_inline(op, originals.get(op.name, op), plan, originals))
        except Exception as error:  # noqa: BLE001  (a body that cannot be copied stays closed)
            reason = f"{type(error).__name__}: {error}"
            closed[op.name] = str(error) if isinstance(error, Closed) else reason
            continue
        pending.extend(graph.get_operations()[count:])
    return inlines, closed


def _inline(op, original, plan, originals):
    """Copy in the bodies `op` ran (`original`: `op` as built, if `op` is a copy)."""
    bodies, scope, feeds = _body_graphs(original), original.name, list(op.inputs)
    if op.type in CALL_OPS:
        within = f"tf.function '{bodies[0].name}'"
    elif op.name not in plan:
        raise Closed("diagnose did not see which body it ran")
    elif op.type in LOOP_OPS:
        if plan[op.name] > MAX_UNROLL:
            raise Closed(f"a loop of {plan[op.name]} iterations, more than {MAX_UNROLL}")
        bodies, within = bodies * plan[op.name], f"tf.while_loop '{scope}'"
    else:
        taken = plan[op.name] if 0 <= plan[op.name] < len(bodies) else len(bodies) - 1
        bodies, feeds = [bodies[taken]], feeds[1:]  # the first input picks the branch
        within = f"tf.switch_case '{scope}' (branch {taken})"
        if op.type in ("If", "StatelessIf"):
            within = f"tf.cond '{scope}' ({('true', 'false')[taken]} branch)"
    graph, labels = op.graph, {}
    for iteration, body in enumerate(bodies):
        # a body whose gradient was taken keeps extra outputs after its own ones
        if len(body.inputs) != len(feeds) or len(body.outputs) < len(op.outputs):
            raise Closed("its body's inputs and outputs do not match the op's")
        prefix = graph.unique_name(f"{op.name}_body")  # an unused, absolute name scope
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
        inner = [inner for inner in body.get_operations() if inner.type in FUNCTION_OPS]
        originals.update((f"{prefix}/{function.name}", function) for function in inner)
    return Inline(op, list(feeds), labels)


# --------------------------------------------------------------------------- paths
def _path(start, targets, inlines, closed):
    """The Sites between tensor `start` and the targets, nearest first (no values yet);
    through a copied body, and up to a Variable.assign into a variable the loss reads."""
    if start is None:
        return []
    ancestors, stack = set(), [t.op for t in targets]
    stack += [t.op for inline in inlines for t in inline.exits]
    while stack:
        op = stack.pop()
        if op.name not in ancestors:
            ancestors.add(op.name)
            stack.extend(t.op for t in op.inputs)
            # the value a Variable.assign stored into a variable read here leads on too
            readers = [c for t in op.outputs for c in t.consumers()]
            stack += [c for c in readers if c.type in ASSIGN_OPS and c.inputs[0].op is op]
    links = {}  # an exit of a copied body feeds what the opened op's output fed
    for inline in inlines:
        for exit_tensor, output in zip(inline.exits, inline.op.outputs):
            links.setdefault(exit_tensor.name, []).extend(output.consumers())
    opened = {inline.op.name for inline in inlines}
    labels = {name: label for inline in inlines for name, label in inline.labels.items()}

    def consumers(tensor):
        return list(tensor.consumers()) + links.get(tensor.name, [])

    def on_path(op):  # an ancestor of the loss, not an assign into the source itself
        into_source = op.type in ASSIGN_OPS and op.inputs[0].name == start.name
        return op.name in ancestors and not into_source

    order, carried = [], set()  # carried: the path ops and the opened ops on it
    frontier = deque((consumer, 1) for consumer in consumers(start))
    while frontier:
        op, distance = frontier.popleft()
        if op.name not in carried and on_path(op):
            carried.add(op.name)
            if op.name not in opened:
                order.append((op, distance))
                frontier += [(c, distance + 1) for t in op.outputs for c in consumers(t)]
    ends = {t.name for t in targets}
    carried.add(start.op.name)
    sites = []
    for op, distance in order:
        inputs = [i for i, t in enumerate(op.inputs) if t.op.name in carried]
        outputs = [
            i
            for i, t in enumerate(op.outputs)
            if t.name in ends or any(c.name in carried for c in consumers(t))
        ]
        label, within = labels.get(op.name, (op.name, ""))
        why = closed.get(op.name, "")
        site = Site(op, op.name, op.type, distance, inputs, outputs, label, within, why)
        sites.append(site)
    return sites


# --------------------------------------------------------------------------- values
def _site_tensors(paths, targets, inlines):
    """{op name: tensors to read}: the values, arriving gradients and slopes of each."""
    ops, indices = {}, {}
    for site in (site for path in paths for site in path):
        ops[site.name] = site.op
        indices.setdefault(site.name, set()).update(site.path_inputs)
    floats = [t for op in ops.values() for t in op.outputs if t.dtype.is_floating]
    upstream = _upstream(targets, floats, inlines)
    handles = (tf.resource, tf.variant, tf.string)  # the rest come back as NumPy
    return {
        name: {
            "inputs": {i: t for i, t in enumerate(op.inputs) if t.dtype not in handles},
            "outputs": {i: t for i, t in enumerate(op.outputs) if t.dtype not in handles},
            "upstream": {
                i: upstream[t.name]
                for i, t in enumerate(op.outputs)
                if upstream.get(t.name) is not None
            },
            "slopes": _slopes(op, sorted(indices[name])),
        }
        for name, op in ops.items()
    }


def _upstream(targets, tensors, inlines):
    """The gradient of the loss arriving at each tensor, by name (None: none arrives);
    inside a copied body, that of its results seeded with what reaches the opened op."""
    opened = [t for inline in inlines for t in inline.op.outputs]
    tensors = tensors + [t for t in opened if gradient_dtype(t.dtype, result=True)]
    copied = {name for inline in inlines for name in inline.labels}
    asked = [t for t in tensors if t.op.name not in copied]
    upstream = dict(zip([t.name for t in asked], _gradients(targets, asked)))
    for inline in inlines:  # an outer body before those inside it
        pairs = zip(inline.exits, [upstream.get(t.name) for t in inline.op.outputs])
        seeds = [(exit_tensor, seed) for exit_tensor, seed in pairs if seed is not None]
        asked = [t for t in tensors if t.op.name in inline.labels]
        if seeds and asked:
            exits, seeded = zip(*seeds)
            grads = _gradients(list(exits), asked, list(seeded))
            upstream.update(zip([t.name for t in asked], grads))
    return upstream


def _slopes(op, path_inputs):
    """{index: the op's VJP of ones} for each path input it has a gradient for."""
    outputs = [t for t in op.outputs if t.dtype.is_floating]
    ones = [tf.ones_like(t) for t in outputs]
    inputs = [i for i in path_inputs if outputs and gradient_dtype(op.inputs[i].dtype)]
    slopes = {i: _gradients(outputs, [op.inputs[i]], ones)[0] for i in inputs}
    return {i: slope for i, slope in slopes.items() if slope is not None}


def _gradients(ys, xs, grad_ys=None):
    """tf.gradients, with None where an op's gradient is missing or fails to build."""
    try:
        grads = tf.gradients(ys, xs, grad_ys=grad_ys)
    except (LookupError, TypeError, ValueError):
        return [None] * len(xs)
    return [None if grad is None else tf.convert_to_tensor(grad) for grad in grads]
