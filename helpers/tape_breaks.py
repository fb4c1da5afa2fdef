"""Broken tapes: programs whose gradient for one source is None, each with its fix
(lesson 08).

Each program has two sources, a = 2 and b = 3, and a loss a² + (something of b): the
path from a is always intact, so d loss / d a = 2a = 4; the path from b is broken in one
way, and the tape returns None for b, or, fixed, d loss / d b = 2b = 6.
"""

import tensorflow as tf

SOURCE_NAMES = ("a", "b")
UNCONNECTED = {
    "None (default)": tf.UnconnectedGradients.NONE,
    "zero": tf.UnconnectedGradients.ZERO,
}

# Each program(fixed) returns (tape, loss, [a, b]). Fixed, loss = a² + b² with every
# step recorded; broken, the tape holds no recorded path from b to the loss.


def _numpy_detour(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        # b.numpy() is a NumPy float: tf.constant makes a new tensor with no history
        # (float32 named: NumPy 1.x promotes float32 ** 2 to float64)
        loss = a * a + (b**2 if fixed else tf.constant(b.numpy() ** 2, tf.float32))
    return tape, loss, [a, b]


def _stop_gradient(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = a * a + (b**2 if fixed else tf.stop_gradient(b**2))
    return tape, loss, [a, b]


def _integer_variable(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0 if fixed else 3)
    with tf.GradientTape() as tape:
        # the tape never records integer sources
        loss = a * a + tf.cast(b, tf.float32) ** 2
    return tape, loss, [a, b]


def _integer_cast(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        b_used = b if fixed else tf.cast(tf.cast(b, tf.int32), tf.float32)
        loss = a * a + b_used**2
    return tape, loss, [a, b]


def _unwatched_tensor(fixed):
    a, b = tf.Variable(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        if fixed:
            tape.watch(b)
        loss = a * a + b**2
    return tape, loss, [a, b]


def _replaced_variable(fixed):
    a, b = tf.Variable(2.0), tf.Variable(2.0)
    if fixed:
        b.assign_add(1.0)
    else:
        b = b + 1.0  # b is now a plain tensor: the variable is gone
    with tf.GradientTape() as tape:
        loss = a * a + b**2
    return tape, loss, [a, b]


def _outside_the_tape(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        b_squared = b**2
        loss_inside = a * a + b_squared
    loss_outside = a * a + b_squared  # after the with block: not recorded
    return tape, (loss_inside if fixed else loss_outside), [a, b]


def _assign_inside(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    hidden = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        if fixed:
            hidden = b + 1.0
        else:
            hidden.assign(b + 1.0)  # assign copies a value: no path back to b
        loss = a * a + hidden**2
    return tape, loss, [a, b]


def _unused_source(fixed):
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        loss = a * a + (b**2 if fixed else a**2)  # the typo: a where b was meant
    return tape, loss, [a, b]


# name -> (program, broken code, fixed code, why the broken one gives None)
PROGRAMS = {
    ".numpy() detour": (
        _numpy_detour,
        "loss = a*a + tf.constant(b.numpy()**2)",
        "loss = a*a + b**2",
        ".numpy() leaves TensorFlow: the new tensor has no history",
    ),
    "tf.stop_gradient": (
        _stop_gradient,
        "loss = a*a + tf.stop_gradient(b**2)",
        "loss = a*a + b**2",
        "stop_gradient makes the tape treat b**2 as a constant",
    ),
    "integer variable": (
        _integer_variable,
        "b = tf.Variable(3)      # int32\n...\nloss = a*a + tf.cast(b, tf.float32)**2",
        "b = tf.Variable(3.0)    # float32\n...\nloss = a*a + tf.cast(b, tf.float32)**2",
        "the tape does not differentiate integer sources",
    ),
    "cast to int": (
        _integer_cast,
        "b_int = tf.cast(b, tf.int32)\nloss = a*a + tf.cast(b_int, tf.float32)**2",
        "loss = a*a + b**2",
        "no gradient flows through an integer tensor",
    ),
    "plain tensor, not watched": (
        _unwatched_tensor,
        "b = tf.constant(3.0)\nwith tf.GradientTape() as tape:\n    loss = a*a + b**2",
        (
            "b = tf.constant(3.0)\nwith tf.GradientTape() as tape:\n    tape.watch(b)\n"
            "    loss = a*a + b**2"
        ),
        "the tape watches variables, not tensors",
    ),
    "variable replaced by a tensor": (
        _replaced_variable,
        (
            "b = b + 1.0     # before the tape\nwith tf.GradientTape() as tape:\n"
            "    loss = a*a + b**2"
        ),
        "b.assign_add(1.0)\nwith tf.GradientTape() as tape:\n    loss = a*a + b**2",
        "b = b + 1 made b a plain tensor, which the tape does not watch",
    ),
    "loss finished outside the tape": (
        _outside_the_tape,
        "with tf.GradientTape() as tape:\n    b_squared = b**2\nloss = a*a + b_squared",
        (
            "with tf.GradientTape() as tape:\n    b_squared = b**2\n"
            "    loss = a*a + b_squared"
        ),
        "the last step ran after the with block: nothing links loss to a or b",
    ),
    "assign inside the tape": (
        _assign_inside,
        (
            "with tf.GradientTape() as tape:\n    hidden.assign(b + 1.0)\n"
            "    loss = a*a + hidden**2"
        ),
        (
            "with tf.GradientTape() as tape:\n    hidden = b + 1.0\n"
            "    loss = a*a + hidden**2"
        ),
        "assign copies a value into the variable: no path back to b",
    ),
    "unused source": (
        _unused_source,
        "loss = a*a + a**2      # typo: b was meant",
        "loss = a*a + b**2",
        "b takes no part in the loss",
    ),
}


def program_gradients(name, fixed, unconnected=tf.UnconnectedGradients.NONE):
    """d loss / d [a, b] of one of PROGRAMS: a float or None per source (lesson 08)."""
    program = PROGRAMS[name][0]
    tape, loss, sources = program(fixed)
    grads = tape.gradient(loss, sources, unconnected_gradients=unconnected)
    return [None if grad is None else float(grad) for grad in grads]
