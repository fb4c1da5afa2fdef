"""The handwritten digits shipped in helpers/data (lessons 11 and 12): no download."""

from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "digits.npz"
NUM_CLASSES = 10


def load_digits():
    """(features, labels): 1,797 rows of 64 pixels scaled to [0, 1] (float32) and the
    digits 0..9 (int32). Where the data comes from: helpers/data/README.md."""
    with np.load(DATA) as data:
        images, labels = data["images"], data["labels"]
    features = images.reshape(len(images), -1).astype(np.float32) / 16.0
    return features, labels.astype(np.int32)
