"""Input checks shared by the helpers: clear errors that say what to pass instead."""

import math
import numbers

import numpy as np
import tensorflow as tf

FLOAT_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def _dtype_name(value):
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return getattr(dtype, "name", str(dtype))
    return type(value).__name__


def float_tensor(value, name, min_rank=1, allow_nonfinite=False):
    """`value` as a floating-point tensor, or a TypeError / ValueError naming `name`."""
    example = f"e.g. {name}=tf.constant([1.0, 2.0, 3.0])"
    if value is None:
        raise TypeError(f"{name} is None; pass a float tensor or array, {example}.")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} is a string; pass a float tensor or array, {example}.")
    if isinstance(value, (tf.RaggedTensor, tf.SparseTensor)):
        raise TypeError(
            f"{name} is a {type(value).__name__}; pass a dense float tensor, e.g. "
            f"{name}.to_tensor() for a ragged one or tf.sparse.to_dense({name})."
        )
    if isinstance(value, tf.Variable):
        value = tf.convert_to_tensor(value)
    if not tf.is_tensor(value):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{name} could not be read as an array ({error}); "
                f"pass a rectangular list or array of floats, {example}."
            ) from None
        if array.dtype == object:
            raise TypeError(
                f"{name} holds Python objects (ragged lists or None entries); "
                f"pass a rectangular array of floats, {example}."
            )
        if np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float64 if array.dtype == np.float64 else np.float32)
        value = array
    dtype = tf.as_dtype(value.dtype) if hasattr(value, "dtype") else None
    if dtype is None or dtype not in FLOAT_DTYPES:
        hint = (
            f"cast it first: tf.cast({name}, tf.float32)"
            if dtype is not None and (dtype.is_integer or dtype.is_bool)
            else "pass floats"
        )
        raise TypeError(
            f"{name} must have a floating-point dtype (float32 or float64); "
            f"got {_dtype_name(value)}. Gradients only flow through floats: {hint}."
        )
    tensor = tf.convert_to_tensor(value)
    rank = tensor.shape.rank
    if rank is not None and rank < min_rank:
        raise ValueError(
            f"{name} must have at least {min_rank} dimension(s) (the classes on the "
            f"last axis); got shape {tensor.shape}. {example}."
        )
    if rank is not None and tensor.shape.num_elements() == 0:
        raise ValueError(f"{name} is empty (shape {tensor.shape}); pass at least one value.")
    finite_check = not allow_nonfinite and tf.executing_eagerly()
    if finite_check and not bool(tf.reduce_all(tf.math.is_finite(tensor))):
        raise ValueError(
            f"{name} contains NaN or inf; pass finite values "
            "(a logit of 1000 is fine: it is finite)."
        )
    return tensor


def axis_index(axis, rank, name="axis"):
    """A valid axis for a tensor of `rank`, as a non-negative int."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an int such as -1; got {axis!r}.")
    if not -rank <= axis < rank:
        raise ValueError(
            f"{name}={axis} is out of range for a tensor of rank {rank}; "
            f"pass an int in [{-rank}, {rank - 1}], usually -1."
        )
    return axis % rank


def positive_number(value, name, example):
    """A finite number > 0 (Python number, NumPy scalar or scalar tensor)."""
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a number > 0 such as {example}; got {value!r}.")
    if tf.is_tensor(value) or isinstance(value, (np.ndarray, np.generic)):
        dtype = tf.as_dtype(value.dtype) if _is_tf_dtype(value.dtype) else None
        if dtype is None or not (dtype.is_floating or dtype.is_integer):
            raise TypeError(
                f"{name} must be a real number > 0 such as {example}; got "
                f"{_dtype_name(value)}."
            )
        if getattr(value, "shape", ()) not in ((), tf.TensorShape([])):
            raise ValueError(f"{name} must be a scalar such as {example}; got shape "
                             f"{value.shape}.")
        if tf.executing_eagerly() or not tf.is_tensor(value):
            number = float(np.asarray(value))
        else:
            return value
    elif isinstance(value, numbers.Real):
        number = float(value)
    else:
        raise TypeError(f"{name} must be a number > 0 such as {example}; got {value!r}.")
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0 such as {example}; "
                         f"got {number}.")
    return value


def _is_tf_dtype(dtype):
    """Whether TensorFlow has a dtype for this NumPy / TF dtype (not for str, object)."""
    try:
        tf.as_dtype(dtype)
    except TypeError:
        return False
    return True


@tf.autograph.experimental.do_not_convert  # plain Python, also inside a tf.function
def representable(value, name, dtype, example):
    """A ValueError unless the number `value` stays finite and > 0 once cast to `dtype`
    (a temperature of 1e-50 is 0 in float32). A symbolic tensor is not checked."""
    if tf.is_tensor(value) and not tf.executing_eagerly():
        return
    number = float(np.asarray(value))
    with tf.init_scope():  # eager even inside a tf.function
        cast = float(tf.cast(tf.constant(number, tf.float64), dtype))
    if not (math.isfinite(cast) and cast > 0):
        raise ValueError(
            f"{name}={number:g} becomes {cast:g} in {dtype.name} (the dtype it is used "
            f"in); pass a number > 0 that {dtype.name} holds (at most {dtype.max:.3g} "
            f"and not so small that it rounds to 0), such as {example}."
        )


def integer(value, name, low, high, example):
    """An int in [low, high] (Python or NumPy int; not a bool, not a float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int in [{low}, {high}] such as {example}; got {value!r}."
        )
    if not low <= value <= high:
        raise ValueError(
            f"{name} must be in [{low}, {high}] such as {example}; got {value}."
        )
    return int(value)


def choice(value, name, choices):
    """One of `choices` (strings), or an error listing them."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {list(choices)} (a str); got "
            f"{type(value).__name__} {value!r}."
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}.")
    return value


def text(value, name, example):
    """A str, e.g. a label."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str such as {example}; got {type(value).__name__}."
        )
    return value


def function(value, name, example):
    """A callable."""
    if not callable(value):
        raise TypeError(
            f"{name} must be a callable such as {example}; got {type(value).__name__}."
        )
    return value


def real_array(value, name, what):
    """`value` as a float64 NumPy array of real numbers (NaN and inf allowed), not empty.

    `what` says what to pass instead, e.g. "the tape's gradient".
    """
    if value is None or isinstance(value, (str, bytes, dict)):
        raise TypeError(
            f"{name} is {type(value).__name__}; pass {what} (numbers: a "
            "tensor, array or list)."
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} could not be read as an array (ragged lists?); pass "
            f"{what} (a rectangular tensor, array or list)."
        ) from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} has dtype {array.dtype}; pass {what} as real numbers "
            "(float or int; not bool, complex or text)."
        )
    if array.size == 0:
        raise ValueError(
            f"{name} is empty (shape {array.shape}); pass {what}, at least one number."
        )
    return array.astype(np.float64)


def distribution(labels, logits, name="labels"):
    """`labels` as a probability distribution over the last axis of `logits`."""
    labels = float_tensor(labels, name)
    ranks_known = labels.shape.rank is not None and logits.shape.rank is not None
    if ranks_known and labels.shape != logits.shape:
        raise ValueError(
            f"{name} must have the same shape as logits {logits.shape} (one "
            f"probability per class); got {labels.shape}. For class indices use "
            f"tf.one_hot(indices, depth={logits.shape[-1]})."
        )
    labels = tf.cast(labels, logits.dtype)
    if tf.executing_eagerly():
        values = labels.numpy().astype(np.float64)
        sums = values.sum(axis=-1)
        if values.min() < 0 or values.max() > 1 or not np.allclose(sums, 1.0, atol=1e-3):
            raise ValueError(
                f"{name} must be a probability distribution over the last axis "
                f"(entries in [0, 1] that sum to 1); got sums {np.round(sums, 4)}. "
                "Pass one-hot rows, e.g. tf.one_hot(class_index, depth)."
            )
    return labels
