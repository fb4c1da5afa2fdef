"""Every explorer, found by name: it launches with no arguments, its controls reach their
extremes without raising, and moving them changes the figure."""

import html
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

import helpers
from helpers.explorer import Explorer

EXPLORER_NAMES = sorted(
    name for name in dir(helpers.widgets) if name.endswith("_explorer")
)


def settings_of(control):
    """The values worth trying for one control: its extremes, or every option."""
    if isinstance(
        control,
        (
            widgets.FloatSlider,
            widgets.IntSlider,
            widgets.FloatLogSlider,
            widgets.BoundedFloatText,
            widgets.BoundedIntText,
        ),
    ):
        if isinstance(control, widgets.FloatLogSlider):
            return [control.base**control.min, control.base**control.max, control.value]
        return [control.min, control.max, control.value]
    if isinstance(
        control,
        (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons, widgets.Select),
    ):
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
    assert isinstance(explorer, Explorer), (
        f"{name} must return a helpers.explorer.Explorer"
    )
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
            assert_no_error(
                explorer, f"{name}: control {index} ({control.description!r}) = {value!r}"
            )
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


# ---- every numeric control at an extreme at the same time (logits of ±1000, the
# smallest temperature, the largest learning rate together), with each option of
# every menu: still no error, and inf or NaN in the figure is explained in the status

NUMERIC = (
    widgets.FloatSlider,
    widgets.IntSlider,
    widgets.FloatLogSlider,
    widgets.BoundedFloatText,
    widgets.BoundedIntText,
)
MENUS = (
    widgets.Dropdown,
    widgets.ToggleButtons,
    widgets.RadioButtons,
    widgets.Select,
    widgets.Checkbox,
    widgets.ToggleButton,
)
# "NaN", "inf", "+inf", "-inf" as words in the figure's text (not "info", not "infinite")
NONFINITE_TEXT = re.compile(r"\bNaN\b|(?<![A-Za-z])[+-]?inf(?![A-Za-z])")
# a reason, beyond the red "... contains NaN" warning: what overflowed, what was log(0)
WARNING = re.compile(r"<span style='color:#b00'>.*?</span>")
EXPLAINS = re.compile(
    r"overflow|underflow|log\(|where|exp\(|inf\b|0 [×·*]|saturat", re.IGNORECASE
)


def extremes(control):
    """(lowest, highest) value of a numeric control."""
    if isinstance(control, widgets.FloatLogSlider):
        return control.base**control.min, control.base**control.max
    return control.min, control.max


def corners(controls):
    """Names of the settings where every numeric control sits at one of its ends."""
    numeric = [c for c in controls if isinstance(c, NUMERIC)]
    return {
        "all lowest": [(c, extremes(c)[0]) for c in numeric],
        "all highest": [(c, extremes(c)[1]) for c in numeric],
        "alternating": [(c, extremes(c)[i % 2]) for i, c in enumerate(numeric)],
        "alternating the other way": [
            (c, extremes(c)[1 - i % 2]) for i, c in enumerate(numeric)
        ],
    }


def menu_values(control):
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [not control.value, control.value]
    return [value for _, value in _labelled(control.options)]


def shown_text(explorer):
    """Every visible text in the explorer's figure (labels, notes, titles)."""
    return " ".join(
        text.get_text()
        for text in explorer.view.figure.findobj(Text)
        if text.get_visible()
    )


def assert_nonfinite_is_explained(explorer, what):
    if NONFINITE_TEXT.search(shown_text(explorer)):
        assert EXPLAINS.search(WARNING.sub("", explorer.status.value)), (
            f"{what}: the figure shows inf or NaN but the status does not say why: "
            f"{explorer.status.value!r}"
        )


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_explorer_survives_every_control_at_an_extreme_at_once(name):
    explorer = getattr(helpers.widgets, name)()
    menus = [c for c in explorer.controls if isinstance(c, MENUS)]
    for corner, settings in corners(explorer.controls).items():
        for control, value in settings:
            control.value = value
        assert_no_error(explorer, f"{name} at {corner}")
        assert_nonfinite_is_explained(explorer, f"{name} at {corner}")
        for menu in menus:
            start = menu.value
            for value in menu_values(menu):
                if menu.disabled:
                    break
                menu.value = value
                what = f"{name} at {corner}, {menu.description!r} = {value!r}"
                assert_no_error(explorer, what)
                assert_nonfinite_is_explained(explorer, what)
            menu.value = start


def test_the_extremes_reach_the_values_the_lessons_promise():
    # the cross-entropy explorer reaches logits of ±1000, the training explorer a
    # learning rate of 10, the softmax explorer a temperature of 0.01
    controls = {
        name: getattr(helpers.widgets, name)().controls
        for name in (
            "cross_entropy_explorer",
            "training_explorer",
            "softmax_forward_explorer",
        )
    }
    logit, scale = (
        controls["cross_entropy_explorer"][0],
        controls["cross_entropy_explorer"][3],
    )
    assert extremes(logit)[1] * extremes(scale)[1] == pytest.approx(1000.0)
    assert extremes(logit)[0] * extremes(scale)[1] == pytest.approx(-1000.0)
    learning_rate = controls["training_explorer"][0]
    assert extremes(learning_rate)[1] == pytest.approx(10.0)
    temperature = controls["softmax_forward_explorer"][-1]
    assert extremes(temperature)[0] == pytest.approx(0.01)


@pytest.mark.parametrize("name", EXPLORER_NAMES)
def test_explorer_takes_a_committed_prediction_before_it_explains(name):
    explorer = getattr(helpers.widgets, name)()
    prediction = explorer.prediction
    assert prediction is not None, f"{name} asks for no prediction"
    assert prediction.answer in prediction.choices and len(set(prediction.choices)) >= 2
    assert explorer.verdict.value == "", "explained before the learner committed"
    assert prediction.explanation not in explorer.status.value
    other = next(choice for choice in prediction.choices if choice != prediction.answer)
    explorer.predict.value = other
    assert explorer.predict.disabled
    assert f"it is {html.escape(prediction.answer)}." in explorer.verdict.value
    assert prediction.explanation in explorer.verdict.value
