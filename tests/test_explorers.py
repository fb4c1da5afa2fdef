"""Every explorer, found by name: it launches with no arguments, its controls reach their
extremes without raising, and moving them changes the figure."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

import helpers
from helpers.widgets import Explorer

EXPLORER_NAMES = sorted(name for name in dir(helpers.widgets) if name.endswith("_explorer"))


def settings_of(control):
    """The values worth trying for one control: its extremes, or every option."""
    if isinstance(control, (widgets.FloatSlider, widgets.IntSlider,
                            widgets.FloatLogSlider, widgets.BoundedFloatText,
                            widgets.BoundedIntText)):
        if isinstance(control, widgets.FloatLogSlider):
            return [control.base**control.min, control.base**control.max, control.value]
        return [control.min, control.max, control.value]
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons,
                            widgets.Select)):
        return [value for _, value in _labelled(control.options)] + [control.value]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [not control.value, control.value]
    if isinstance(control, (widgets.FloatRangeSlider, widgets.IntRangeSlider)):
        return [(control.min, control.min), (control.min, control.max), control.value]
    return []


def _labelled(options):
    for option in options:
        yield option if isinstance(option, tuple) else (option, option)


def assert_no_error(explorer, what):
    assert explorer.error is None, f"{what} raised:\n{explorer.error}"


def test_there_are_explorers():
    assert "first_slider_explorer" in EXPLORER_NAMES


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_explorer_survives_every_extreme_and_redraws(name):
    figures_before = plt.get_fignums()
    explorer = getattr(helpers.widgets, name)()
    assert isinstance(explorer, Explorer), f"{name} must return a helpers.widgets.Explorer"
    assert_no_error(explorer, f"{name}()")
    assert explorer.controls, f"{name} has no controls"
    images = {explorer.view.image.value}
    for index, control in enumerate(explorer.controls):
        if isinstance(control, widgets.Button):
            control.click()
            assert_no_error(explorer, f"{name}: clicking {control.description!r}")
            images.add(explorer.view.image.value)
            continue
        for value in settings_of(control):
            if control.disabled:
                break
            control.value = value
            assert_no_error(explorer, f"{name}: control {index} "
                            f"({control.description!r}) = {value!r}")
            images.add(explorer.view.image.value)
    assert len(images) > 1, f"moving {name}'s controls never changed its figure"
    assert plt.get_fignums() == figures_before, f"{name} opened a pyplot figure"
    bundle = explorer._repr_mimebundle_()
    assert bundle["image/png"].startswith(b"\x89PNG"), "no static PNG for pages"


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_explorer_figure_is_built_once(name):
    explorer = getattr(helpers.widgets, name)()
    figure = explorer.view.figure
    artists_before = len(figure.findobj())
    for control in explorer.controls:
        values = settings_of(control)
        if values and not control.disabled:
            control.value = values[0]
            control.value = values[-1]
    assert explorer.view.figure is figure
    assert len(figure.findobj()) < 2 * artists_before + 50, "artists pile up on updates"
    assert np.asarray(explorer.view.image.value).size > 0
