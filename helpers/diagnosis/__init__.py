"""`diagnose`: why a gradient comes out None, zero or NaN (lesson 10).

    tape_run  loss_fn runs under a default tf.GradientTape: each source's gradient
              gives its status (report.status_of)
    graph     for a source that is not ok, the loss is traced, and the ops between the
              source and the loss are read (values, arriving gradients, slopes), inside
              tf.function, tf.cond, tf.switch_case and tf.while_loop bodies too
    rules     the cause: the op nearest the source that blocks (None), kills (zero) or
              poisons (NaN) the gradient; with no path, nudging the source tells
              left_tensorflow (the loss moves) from unused
    report    a Finding per source (status, cause, why, fix) in a Report

Causes are read from what TensorFlow recorded, never matched against known programs;
an error in loss_fn or in the reading becomes a finding, never an exception.
"""

import inspect

import numpy as np
import tensorflow as tf

from helpers import validate
from helpers.diagnosis import graph, rules, tape_run
from helpers.diagnosis.report import Finding, Report, described, status_of
from helpers.diagnosis.rules import CAUSES

__all__ = ["CAUSES", "Finding", "Report", "diagnose"]


def diagnose(loss_fn, variables):
    """Why the gradient of `loss_fn()` w.r.t. each of `variables` is None, zero or NaN.

    `loss_fn` takes no arguments and returns the loss (it is called several times);
    `variables` is a tf.Variable, keras.Variable or tensor, or a list, tuple or dict
    (name -> source) of them. Follows the default tape's rules: plain tensors are not
    watched. Returns a `Report`; never raises on a broken program (lesson 10).
    """
    sources = _named_sources(variables)
    validate.of_type(loss_fn, "loss_fn", callable, "lambda: tf.reduce_sum(w ** 2)")
    try:
        inspect.signature(loss_fn).bind()
    except TypeError as error:  # it has parameters without defaults
        raise TypeError(
            f"loss_fn must take no arguments ({error}); wrap it, e.g. "
            "diagnose(lambda: tf.reduce_sum(w ** 2), [w])."
        ) from None
    except ValueError:  # a builtin without a signature
        pass
    if not sources:
        empty = rules.verdict("no_variables", rules.WHY["no_variables"])
        return Report([Finding.of("(no variables)", "none", None, empty)])
    values = [source for _, source in sources]
    run = tape_run.run_under_tape(loss_fn, values)
    finished = run.error is None and run.gradient_error is None
    trace = [], None  # the Sites of each source, or the error that stopped the tracing
    if finished and any(status_of(grad)[0] != "ok" for grad in run.grads):
        # what a trace captures for each source: a variable's handle, or the tensor
        keys = [getattr(tape_run.tape_variable(v), "handle", v) for v in values]
        trace = graph.trace(loss_fn, keys)
    return Report(
        _finding(index, name, source, loss_fn, run, *trace)
        for index, (name, source) in enumerate(sources)
    )


def _finding(index, name, source, loss_fn, run, paths, untraced):
    """One source's Finding: status from the tape, cause from the rules (or a guess)."""
    grad, sites = run.grads[index], paths[index] if paths else []
    status, mask = status_of(grad)
    try:
        if status == "ok":
            return Finding.of(name, status, mask, None, grad)
        if run.error is not None:
            return Finding.of(name, status, mask, rules.raised_verdict(run.error))
        if status == "none":
            found = rules.source_verdict(name, source)
            found = found or rules.blocker_verdict(name, sites)
            if found is None:
                moves = tape_run.loss_moves(loss_fn, source, run)
                found = rules.detour_verdict(name, run, moves, untraced)
        elif untraced is not None:
            raise untraced  # no ops to read: the cause is the guess below
        elif status == "nan":
            losses = [t for t in tf.nest.flatten(run.loss) if tf.is_tensor(t)]
            found = rules.nan_verdict(sites, all(np.all(np.isfinite(t)) for t in losses))
        else:
            found = rules.zero_verdict(name, status, sites)
        return Finding.of(name, status, mask, rules.marked_if_closed(found, sites), grad)
    except Exception as error:  # noqa: BLE001  (diagnose never raises on a program)
        cause = "non_differentiable_op" if status == "nan" else "unused"
        why = rules.WHY["untraced"].format(error=described(error))
        guess = rules.verdict(cause, why, name)
        if status == "none":
            guess = rules.source_verdict(name, source) or guess
        return Finding.of(name, status, mask, guess, grad)


def _named_sources(variables):
    """[(name, source)], by key, Keras path, tf.Variable name or tensor_<i>; w, w_1."""
    named, seen = [], {}
    for index, (name, source) in enumerate(validate.sources(variables)):
        if name is None:
            variable = tape_run.tape_variable(source)
            name = f"tensor_{index}" if variable is None else source.name.split(":")[0]
            name = getattr(source, "path", name)  # a Keras variable's path
        count = seen.get(str(name), 0)
        seen[str(name)] = count + 1
        named.append((str(name) if count == 0 else f"{name}_{count}", source))
    return named
