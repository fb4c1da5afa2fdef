"""The digits shipped for lessons 11 and 12 load offline, whole and as documented."""

from pathlib import Path

import numpy as np

from helpers.digits import DATA, NUM_CLASSES, load_digits


def test_digits_are_the_1797_images_of_the_uci_test_set():
    features, labels = load_digits()
    assert features.shape == (1797, 64) and features.dtype == np.float32
    assert labels.shape == (1797,) and labels.dtype == np.int32
    # every class is there, about 180 of each (the smallest class has 174)
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    assert len(counts) == NUM_CLASSES and counts.min() >= 174 and counts.sum() == 1797
    # pixels were counts 0..16, scaled by 1/16 to [0, 1] exactly
    assert features.min() == 0.0 and features.max() == 1.0
    np.testing.assert_array_equal(features * 16, np.round(features * 16))
    # not a constant image: the digits differ
    assert len(np.unique(features, axis=0)) > 1700


def test_the_data_carries_its_source_and_licence():
    readme = (Path(DATA).parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "Alpaydin" in readme
