"""The one input-checking module: public functions check their arguments here, once,
with a TypeError or ValueError that names the parameter and says what to pass."""

import math
import numbers

import numpy as np
import tensorflow as tf

FLOAT_DTYPES = (tf.float16, tf.bfloat16, tf.float32, tf.float64)


def _kind(value):
    """What `value` is, for a message: its dtype's name, else its type's."""
    dtype = getattr(value, "dtype", None)
    return type(value).__name__ if dtype is None else getattr(dtype, "name", str(dtype))


def float_tensor(value, name, min_rank=1):
    """`value` as a floating-point tensor, or a TypeError / ValueError naming `name`."""
    example = f"e.g. {name}=tf.constant([1.0, 2.0, 3.0])"
    if isinstance(value, (tf.RaggedTensor, tf.SparseTensor)):
        raise TypeError(
            f"{name} is a {type(value).__name__}; pass a dense float tensor, e.g. "
            f"{name}.to_tensor() for a ragged one or tf.sparse.to_dense({name})."
        )
    if not (tf.is_tensor(value) or isinstance(value, tf.Variable)):
        try:  # None, text, sets and ragged lists end as dtype object or text
            array = np.asarray(value)
        except ValueError:
            array = np.asarray(None)
        if array.dtype.kind not in "biufc":
            got = "a string" if isinstance(value, (str, bytes)) else type(value).__name__
            raise TypeError(
                f"{name} must be a rectangular float tensor or array, {example}; "
                f"got {got}."
            )
        if array.dtype.kind == "f" and array.dtype != np.float64:
            array = array.astype(np.float32)  # as tf.constant would make it
        value = array
    dtype = tf.as_dtype(value.dtype)
    if dtype not in FLOAT_DTYPES:
        hint = "pass floats" if dtype.is_complex else f"cast: tf.cast({name}, tf.float32)"
        raise TypeError(
            f"{name} must have a floating-point dtype (float32 or float64); got "
            f"{dtype.name}. Gradients only flow through floats: {hint}."
        )
    tensor = tf.convert_to_tensor(value)
    rank = tensor.shape.rank
    if rank is not None and rank < min_rank:
        raise ValueError(
            f"{name} must have at least {min_rank} dimension(s) (the classes on the "
            f"last axis); got shape {tensor.shape}. {example}."
        )
    if rank is not None and tensor.shape.num_elements() == 0:
        raise ValueError(
            f"{name} is empty (shape {tensor.shape}); pass at least one value."
        )
    if tf.executing_eagerly() and not bool(tf.reduce_all(tf.math.is_finite(tensor))):
        raise ValueError(
            f"{name} contains NaN or inf; pass finite values "
            "(a logit of 1000 is fine: it is finite)."
        )
    return tensor


def axis_index(axis, rank):
    """A valid axis for a tensor of `rank`, as a non-negative int."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int such as -1; got {axis!r}.")
    if not -rank <= axis < rank:
        raise ValueError(
            f"axis={axis} is out of range for a tensor of rank {rank}; "
            f"pass an int in [{-rank}, {rank - 1}], usually -1."
        )
    return axis % rank


@tf.autograph.experimental.do_not_convert  # plain Python, also inside a tf.function
def real_number(
    value, name, example, low=-math.inf, positive=False, dtype=tf.float64, tensors=False
):
    """A real number that is >= `low` (> 0 if `positive`) once cast to `dtype` (1e39 is
    inf in float32 and 1e-50 is 0), as a float. With `tensors`, a scalar tensor or array
    is accepted too and returned as given (a symbolic one, in a tf.function, unchecked)."""
    if tensors and (tf.is_tensor(value) or isinstance(value, np.ndarray)):
        text = getattr(value.dtype, "kind", "") in ("O", "S", "U")  # NumPy text, objects
        value_dtype = tf.string if text else tf.as_dtype(value.dtype)
        if not (value_dtype.is_floating or value_dtype.is_integer):
            raise TypeError(
                f"{name} must be a real number such as {example}; got {_kind(value)}."
            )
        if tuple(value.shape) != ():
            raise ValueError(
                f"{name} must be a scalar such as {example}; got shape {value.shape}."
            )
        if tf.is_tensor(value) and not tf.executing_eagerly():
            return value
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number such as {example} (a Python or NumPy number); "
            f"got {type(value).__name__} {value!r}."
        )
    number = float(np.asarray(value))
    with np.errstate(over="ignore"):  # out of range: inf
        cast = float(np.asarray(number, dtype.as_numpy_dtype))
    if not (math.isfinite(cast) and cast >= low and (cast > 0 or not positive)):
        bound = " > 0" if positive else "" if low == -math.inf else f" >= {low:g}"
        raise ValueError(
            f"{name} must be a finite number{bound} such as {example} in {dtype.name} "
            f"(at most {dtype.max:.3g}, not so small it rounds to 0); got {number:g}."
        )
    return value if tf.is_tensor(value) else number


def integer(value, name, low, high, example):
    """An int in [low, high] (Python or NumPy int; not a bool, not a float)."""
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not (is_int and low <= value <= high):
        error = ValueError if is_int else TypeError
        raise error(
            f"{name} must be an int in [{low}, {high}] such as {example}; got {value!r}."
        )
    return int(value)


def choice(value, name, choices):
    """One of `choices` (strings), or an error listing them."""
    if not isinstance(value, str) or value not in choices:
        error = ValueError if isinstance(value, str) else TypeError
        raise error(f"{name} must be one of {list(choices)}; got {value!r}.")
    return value


def of_type(value, name, expected, example):
    """`value` if it is an instance of `expected`, or callable if `expected` is callable."""
    if not (callable(value) if expected is callable else isinstance(value, expected)):
        what = "a callable" if expected is callable else f"a {expected.__name__}"
        raise TypeError(f"{name} must be {what} such as {example}; got {_kind(value)}.")
    return value


def real_array(value, name, what):
    """`value` as a float64 array of real numbers (NaN and inf allowed), not empty;
    `what` says what to pass instead, e.g. "the tape's gradient"."""
    if value is None or isinstance(value, (str, bytes, dict)):
        got = "None" if value is None else f"a {type(value).__name__}"
    else:
        try:
            array = np.asarray(value)
            got = "" if array.dtype.kind in "iuf" else f"of dtype {array.dtype}"
        except (TypeError, ValueError):
            got = "ragged (rows of different lengths)"
    if got:
        raise TypeError(
            f"{name} is {got}; pass {what} as real numbers (a rectangular tensor, "
            "array or list; not bool, complex or text)."
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass {what}, at least one number.")
    return array.astype(np.float64)


def distribution(labels, logits):
    """`labels` as a probability distribution over the last axis of `logits`."""
    labels = float_tensor(labels, "labels")
    ranks_known = labels.shape.rank is not None and logits.shape.rank is not None
    if ranks_known and labels.shape != logits.shape:
        raise ValueError(
            f"labels must have the same shape as logits {logits.shape} (one "
            f"probability per class); got {labels.shape}. For class indices use "
            f"tf.one_hot(indices, depth={logits.shape[-1]})."
        )
    labels = tf.cast(labels, logits.dtype)
    if tf.executing_eagerly():
        values = labels.numpy().astype(np.float64)
        sums = values.sum(axis=-1)
        if values.min() < 0 or values.max() > 1 or not np.allclose(sums, 1.0, atol=1e-3):
            raise ValueError(
                "labels must be a probability distribution over the last axis "
                f"(entries in [0, 1] that sum to 1); got sums {np.round(sums, 4)}. "
                "Pass one-hot rows, e.g. tf.one_hot(class_index, depth)."
            )
    return labels


def sources(variables):
    """[(key or None, source)] from a tf.Variable, a Keras variable or an eager tensor,
    or a list, tuple or dict (key -> source) of them (what helpers.diagnose takes)."""
    if isinstance(variables, dict):
        pairs = list(variables.items())
    else:
        many = isinstance(variables, (list, tuple))
        pairs = [(None, source) for source in (variables if many else [variables])]
    for index, (_, source) in enumerate(pairs):
        keras_variable = isinstance(getattr(source, "value", None), tf.Variable)
        eager_tensor = isinstance(source, tf.Tensor) and hasattr(source, "numpy")
        if not (isinstance(source, tf.Variable) or keras_variable or eager_tensor):
            hint = "make it a tf.Variable (or a tf.constant, to see it reported as unwatched)"
            if hasattr(source, "trainable_variables"):  # a Keras layer or model
                hint = "pass model.trainable_variables"
            raise TypeError(
                f"{'variables' if len(pairs) == 1 else f'variables[{index}]'} has type "
                f"{type(source).__name__}; diagnose needs tf.Variable, keras.Variable or "
                f"tensor sources (one, or a list of them): {hint}."
            )
    return pairs
