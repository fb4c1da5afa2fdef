"""Input checks for the drawing functions: a TypeError / ValueError that names the
parameter and says what to pass. Values to draw may be NaN or inf (the plots show them
plainly); everything else (axes, names, limits, sizes) must make sense."""

import numbers

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import is_color_like

DTYPE_KINDS = {
    "b": "booleans",
    "c": "complex numbers",
    "U": "strings",
    "S": "bytes",
    "O": "ragged lists or objects that are not numbers",
    "M": "dates",
    "m": "time spans",
    "V": "raw bytes",
}


def kind(value):
    """A short description of what `value` is, for error messages."""
    if value is None:
        return "None"
    dtype = getattr(value, "dtype", None)
    if dtype is not None and hasattr(value, "shape"):
        return f"{type(value).__name__} of dtype {dtype} and shape {tuple(value.shape)}"
    return type(value).__name__


def axes(ax, name="ax"):
    """`ax` if it is a matplotlib Axes."""
    if not isinstance(ax, Axes):
        raise TypeError(
            f"{name} must be a matplotlib Axes, e.g. {name} = figure.subplots() or "
            f"plt.subplots()[1]; got {kind(ax)}."
        )
    return ax


def labels(values, name, example="['z0', 'z1', 'z2']"):
    """A non-empty list of str (class or variable names)."""
    if isinstance(values, (str, bytes)) or not _is_sequence(values):
        raise TypeError(
            f"{name} must be a list of str such as {example}; got {kind(values)}."
        )
    values = list(values)
    if not values:
        raise ValueError(f"{name} is empty; pass at least one name, e.g. {example}.")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise TypeError(
                f"{name}[{index}] is {kind(value)}; every entry of {name} must be a str, "
                f"e.g. {example}."
            )
    return values


def text(value, name, example):
    """A str (a title, a label, a program's code)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str such as {example}; got {kind(value)}.")
    return value


def colour(value, name, example="'#4C72B0'"):
    """A matplotlib colour (a name, '#rrggbb', or an RGB(A) tuple)."""
    if not isinstance(value, (str, tuple, list)):
        raise TypeError(
            f"{name} must be a matplotlib colour such as {example} or "
            f"'black'; got {kind(value)}."
        )
    if not is_color_like(value):
        raise ValueError(
            f"{name} must be a matplotlib colour such as {example} or "
            f"'black'; got {value!r}."
        )
    return value


def number(value, name, example, positive=False, finite=True):
    """A real number as a float (NumPy scalars, 0-d arrays and tensors too), checked."""
    if not isinstance(value, numbers.Number) and getattr(value, "shape", None) == ():
        value = np.asarray(value)[()]  # a 0-d array or tensor: its one number
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number such as {example}; got {kind(value)}."
        )
    number_ = float(value)
    if finite and not np.isfinite(number_):
        raise ValueError(
            f"{name} must be a finite number such as {example}; got {number_}."
        )
    if positive and not number_ > 0:
        raise ValueError(f"{name} must be a number > 0 such as {example}; got {number_}.")
    return number_


def count(value, name, low, example):
    """An int >= low (a number of points, steps, classes, pixels)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int >= {low} such as {example}; got {kind(value)}."
        )
    if value < low:
        raise ValueError(
            f"{name} must be an int >= {low} such as {example}; got {value}."
        )
    return int(value)


def limits(value, name, example="(0.0, 1.0)"):
    """(low, high): two finite numbers with low < high."""
    if isinstance(value, (str, bytes)) or not _is_sequence(value) or len(value) != 2:
        raise TypeError(
            f"{name} must be a pair (low, high) such as {example}; got {kind(value)}."
        )
    low = number(value[0], f"{name}[0]", example)
    high = number(value[1], f"{name}[1]", example)
    if not low < high:
        raise ValueError(
            f"{name} must be (low, high) with low < high, such as {example}; "
            f"got {tuple(value)}."
        )
    return low, high


def values(data, name, size=None, ndim=1, example="[0.25, -0.5, 1.0]", finite=False):
    """Numbers to draw as a float64 array: NaN and inf allowed unless `finite`; the
    shape is checked (`ndim` dimensions, any if None; `size` values along each)."""
    if data is None or isinstance(data, (str, bytes, dict)):
        raise TypeError(
            f"{name} must be an array or list of numbers such as {example}; "
            f"got {kind(data)}."
        )
    try:
        array = np.asarray(data)
    except (TypeError, ValueError):
        array = None
    if array is None or array.dtype.kind not in "iuf":
        what = DTYPE_KINDS.get(getattr(array, "dtype", np.dtype(object)).kind, "")
        raise TypeError(
            f"{name} must hold real numbers, e.g. {example}; got {what or array.dtype}."
        )
    array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), e.g. {example}; got "
            f"shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one number, e.g. {example}.")
    if size is not None and any(side != size for side in array.shape):
        raise ValueError(
            f"{name} must hold {size} values per axis (one per bar, cell or "
            f"point drawn); got shape {array.shape}."
        )
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or inf); got {array}.")
    return array


def optional_values(data, name, size):
    """A list of `size` entries, each None or a real number (NaN and inf allowed)."""
    if isinstance(data, (str, bytes, dict)) or not _is_sequence(data):
        raise TypeError(
            f"{name} must be a list with a number or None per bar, e.g. "
            f"[1.5, None]; got {kind(data)}."
        )
    data = list(data)
    if len(data) != size:
        raise ValueError(
            f"{name} must hold {size} entries (one per bar); got {len(data)}."
        )
    return [
        None
        if value is None
        else number(value, f"{name}[{index}]", "1.5 or None", finite=False)
        for index, value in enumerate(data)
    ]


def flags(data, name, size):
    """A list of `size` booleans."""
    if isinstance(data, (str, bytes, dict)) or not _is_sequence(data):
        raise TypeError(
            f"{name} must be a list of booleans, one per bar; got {kind(data)}."
        )
    data = list(data)
    if len(data) != size:
        raise ValueError(
            f"{name} must hold {size} booleans (one per bar); got {len(data)}."
        )
    for index, value in enumerate(data):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}[{index}] must be True or False; got {kind(value)}.")
    return [bool(value) for value in data]


def artist_dict(artists, keys, made_by, name="artists"):
    """The dict a draw_... function returned (it must hold `keys`)."""
    if not isinstance(artists, dict) or not set(keys) <= set(artists):
        raise TypeError(
            f"{name} must be the dict that {made_by}(...) returned; got {kind(artists)}."
        )
    return artists


def artist_list(items, name, made_by, size=None):
    """A list of matplotlib artists, as a draw_... function returned them."""
    if isinstance(items, Artist) or not _is_sequence(items):
        raise TypeError(
            f"{name} must be the artists {made_by}(...) returned; got {kind(items)}."
        )
    items = list(items)
    if not items or not all(isinstance(item, Artist) for item in items):
        raise TypeError(
            f"{name} must be the artists {made_by}(...) returned (a non-empty "
            f"list of matplotlib artists)."
        )
    if size is not None and len(items) != size:
        raise ValueError(f"{name} must hold {size} artists; got {len(items)}.")
    return items


def artist(item, name, made_by, cls=Artist):
    """One matplotlib artist of class `cls`, as a draw_... function returned it."""
    if not isinstance(item, cls):
        raise TypeError(
            f"{name} must be the {cls.__name__} {made_by}(...) returned; got "
            f"{kind(item)}."
        )
    return item


def bars_and_labels(bars, labels_, made_by, prefix=""):
    """(bars, labels) as a bar-drawing function returned them: equally many of each.
    `prefix` names where they came from in messages, e.g. "panels' "."""
    bars = artist_list(bars, f"{prefix}bars", made_by)
    labels_ = artist_list(labels_, f"{prefix}labels", made_by, size=len(bars))
    return bars, labels_


def _is_sequence(value):
    """A list, tuple, array or other sized iterable (not a mapping)."""
    return (
        hasattr(value, "__len__")
        and hasattr(value, "__iter__")
        and not isinstance(value, dict)
    )
