"""The setup cell's one call: seeds and print options that make outputs repeat."""

import platform
import random

import keras
import matplotlib
import numpy as np
import tensorflow as tf

from helpers.explorer import PALETTE
from helpers.validate import integer

OLDEST_TENSORFLOW = (2, 16)
DASHES = ["-", "--", ":", "-.", (0, (9, 3)), (0, (1, 4)), (0, (9, 2, 1, 2)), (0, (2, 5))]


def seed_everything(seed=0):
    """Seed Python, NumPy, TensorFlow, Keras 3; deterministic ops; colour-blind-safe lines."""
    # NumPy's legacy seed takes 0 .. 2**32 - 1
    seed = integer(seed, "seed", 0, 2**32 - 1, "0")
    # tf.random.set_seed alone does not seed Keras 3 initialisers; this seeds all four
    keras.utils.set_random_seed(seed)
    random.seed(seed)
    tf.config.experimental.enable_op_determinism()
    np.set_printoptions(precision=4, suppress=False, linewidth=88)
    matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=PALETTE, ls=DASHES)


def environment_report():
    """Versions of what the course runs on, and whether each is new enough."""
    tf_version = tuple(int(part) for part in tf.__version__.split(".")[:2])
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "tensorflow_ok": tf_version >= OLDEST_TENSORFLOW,
        "keras_3": keras.__version__.startswith("3."),
        "devices": [device.device_type for device in tf.config.list_physical_devices()],
    }
