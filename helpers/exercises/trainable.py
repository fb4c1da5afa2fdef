"""Lesson 09: predict which variables get a gradient; freeze one layer on purpose."""

import keras
import tensorflow as tf

from helpers.feedback import check_kind_predictions, right, wrong

KINDS = ("None", "gradient")


def _frozen_dense_kernel():
    layer = keras.layers.Dense(2, trainable=False)
    layer.build((None, 2))
    return layer.kernel


# case label -> (make the source, whether to tape.watch its tf.Variable first)
CASES = {
    "tf_variable_not_trainable": (lambda: tf.Variable(1.5, trainable=False), False),
    "keras_variable_not_trainable": (lambda: keras.Variable(1.5, trainable=False), False),
    "frozen_dense_kernel_passed_explicitly": (_frozen_dense_kernel, False),
    "tf_variable_not_trainable_watched": (
        lambda: tf.Variable(1.5, trainable=False),
        True,
    ),
}


def case_gradient_kind(label):
    """'None' or 'gradient': the tape's d sum(source**2) / d source (lesson 09)."""
    make_source, watch = CASES[label]
    source = make_source()
    with tf.GradientTape() as tape:
        if watch:
            tape.watch(source)
        loss = tf.reduce_sum(tf.square(source))
    return "None" if tape.gradient(loss, source) is None else "gradient"


def check_none_or_gradient(predictions):
    """A dict case label -> 'None' / 'gradient', checked against the tape."""
    hint = (
        "The tape reads the trainable flag of the tf.Variable inside (for a Keras "
        "variable: source.value.trainable), not the Keras flag. Which of these were "
        "created non-trainable? And what does tape.watch change?"
    )
    return check_kind_predictions(predictions, CASES, KINDS, case_gradient_kind, hint)


def check_only_second_trainable(model):
    """model.trainable_variables must be exactly the second layer's kernel and bias."""
    hint = (
        "Set the first layer's trainable attribute to False: model.layers[0]."
        "trainable = False. Leave the second layer trainable."
    )
    if not isinstance(model, keras.Model) or len(model.layers) != 2:
        return wrong("pass the two-layer model from the cell above.", hint)
    first, second = model.layers
    got = [_short_path(variable) for variable in model.trainable_variables]
    expected = [_short_path(variable) for variable in second.weights]
    if not second.trainable or not expected:
        return wrong("the second layer must stay trainable (and be built).", hint)
    if got != expected:
        return wrong(
            f"model.trainable_variables holds {len(got)} variables "
            f"({', '.join(got) or 'none'}); expected only the second layer's "
            f"{len(expected)}.",
            hint,
        )
    if first.trainable:
        return wrong("the first layer still says trainable=True.", hint)
    return right("only the second layer's kernel and bias will be trained.")


def _short_path(variable):
    """'first/kernel' from 'sequential_3/first/kernel': no counter that varies by run."""
    return variable.path.split("/", 1)[-1]
