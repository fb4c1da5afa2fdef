"""The tape's view of softmax for one example of three logits (lessons 03 and 04).

jacobian_state: d softmax(z)_i / d z_j = p_i (delta_ij - p_j), row k picked by
output_gradients = e_k, and the gradient of sum(p) = 1, which is 0.
cross_entropy_state: L = -sum(y * log softmax(z)) naive and stable, with dL/dz = p - y.
Both are compiled once for NUM_LOGITS float32 logits, so an explorer's slider move runs
no Python op by op.
"""

import tensorflow as tf

from helpers import softmax

NUM_LOGITS = 3


@tf.function(
    input_signature=[
        tf.TensorSpec([NUM_LOGITS], tf.float32),
        tf.TensorSpec([], tf.int32),
    ]
)
def jacobian_state(logits, output_index):
    """Probabilities, the tape's Jacobian, the gradient of p_k and of sum(p) (lesson 03).

    Compiled once for three logits, so a slider move runs no Python op by op.
    """
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        probs = softmax.softmax_stable(logits)
    jacobian = tape.jacobian(probs, logits)
    # output_gradients = e_k picks row k of J: e_k^T J = d p_k / d z
    grad_output = tape.gradient(
        probs, logits, output_gradients=tf.one_hot(output_index, NUM_LOGITS)
    )
    # no output_gradients: the tape uses ones, i.e. differentiates sum(p) = 1
    grad_sum = tape.gradient(probs, logits)
    return {
        "probs": probs,
        "jacobian": jacobian,
        "grad_output": grad_output,
        "grad_sum": grad_sum,
    }


@tf.function(
    input_signature=[
        tf.TensorSpec([NUM_LOGITS], tf.float32),
        tf.TensorSpec([], tf.int32),
    ]
)
def cross_entropy_state(logits, true_class):
    """Both losses, both tape gradients and p - y for one example (lesson 04).

    Compiled once for three logits, so a slider move runs no Python op by op.
    """
    labels = tf.one_hot(true_class, NUM_LOGITS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        loss_naive = softmax.cross_entropy_naive(labels, logits)
        loss_stable = softmax.cross_entropy_stable(labels, logits)
    probs_naive = softmax.softmax_naive(logits)
    return {
        "loss_naive": loss_naive,
        "loss_stable": loss_stable,
        "grad_naive": tape.gradient(loss_naive, logits),
        "grad_stable": tape.gradient(loss_stable, logits),
        # dL/dz = p - y, with p from the stable softmax
        "expected": softmax.softmax_stable(logits) - labels,
        "probs_naive": probs_naive,
    }
