"""The machinery every explorer shares: errors are shown, not swallowed; one draw per move."""

import ipywidgets as widgets
import numpy as np
import pytest

from helpers.explorer import Explorer, FigureView, Prediction, number_text, warn_nonfinite


def make_explorer(update):
    view = FigureView(figsize=(2, 1), dpi=50)
    (line,) = view.figure.add_subplot().plot([0.0, 1.0], [0.5, 2.0])
    view.animate(line)
    slider = widgets.FloatSlider(value=1.5, min=-3.0, max=3.0)
    return Explorer("test", [slider], view, lambda: update(slider.value, line)), slider


def test_an_update_that_raises_is_shown_and_cleared_by_the_next_good_one():
    def update(value, line):
        if value < 0:
            raise ZeroDivisionError("negative slider")
        line.set_ydata([value, 2 * value])
        return f"value {value}"

    explorer, slider = make_explorer(update)
    assert explorer.error is None and explorer.status.value == "value 1.5"
    slider.value = -2.0
    assert "ZeroDivisionError: negative slider" in explorer.error
    assert "raised an error" in explorer.status.value
    slider.value = 2.5
    assert explorer.error is None and explorer.status.value == "value 2.5"


def test_a_move_changes_the_image_and_invalidate_redraws_the_background():
    def update(value, line):
        line.set_ydata([value, -value])
        return ""

    explorer, slider = make_explorer(update)
    first = explorer.view.image.value
    slider.value = -2.5
    moved = explorer.view.image.value
    assert moved != first
    axes = explorer.view.figure.axes[0]
    axes.set_ylim(-10.0, 10.0)
    explorer.view.invalidate()
    explorer.update()
    assert explorer.view.image.value != moved


def test_fmt_and_warn_nonfinite_say_inf_and_nan_plainly():
    assert [number_text(v) for v in (np.nan, np.inf, -np.inf, 0.12345)] == [
        "NaN", "+inf", "-inf", "0.123"]
    assert warn_nonfinite("loss", [1.5, 2.5]) == ""
    assert "NaN and inf" in warn_nonfinite("loss", [np.nan, np.inf, 3.0])


def test_a_prediction_is_locked_when_chosen_and_only_then_explained():
    view = FigureView(figsize=(2, 1), dpi=50)
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, description="x")
    prediction = Prediction(("small", "large"), "large", "because <i>reasons</i>.")
    explorer = Explorer("test", [slider], view, lambda: "", prediction=prediction)
    assert explorer.verdict.value == "" and not explorer.predict.disabled
    slider.value = 2.0
    assert explorer.verdict.value == "", "explained before the learner committed"
    explorer.predict.value = "small"
    assert explorer.predict.disabled, "a prediction is committed, not revised"
    assert "You predicted small; it is large." in explorer.verdict.value
    assert "because <i>reasons</i>." in explorer.verdict.value
    right = Explorer("test", [slider], view, lambda: "", prediction=prediction)
    right.predict.value = "large"
    assert "Your prediction held: large." in right.verdict.value


def test_set_moves_several_controls_with_one_update_and_names_bad_ones():
    view = FigureView(figsize=(2, 1), dpi=50)
    sliders = [widgets.FloatSlider(value=0.0, min=-5.0, max=5.0, description=name)
               for name in ("a", "b")]
    calls = []

    def update():
        calls.append([slider.value for slider in sliders])
        return ""

    explorer = Explorer("test", sliders, view, update)
    explorer.set({"a": 3.0, "b": -4.0})
    assert calls[1:] == [[3.0, -4.0]], "one update, after every control moved"
    with pytest.raises(ValueError, match=r"no control named \['c'\]; pass \['a', 'b'\]"):
        explorer.set({"c": 1.0})


def test_the_figure_is_described_by_its_own_labels_and_the_current_status():
    def update(value, line):
        line.set_ydata([value, 2 * value])
        return f"<b>slope</b> &lt; {value}"

    explorer, slider = make_explorer(update)
    axes = explorer.view.figure.axes[0]
    axes.set(title="loss", xlabel="step", ylabel="log scale")
    axes.plot([0.0, 1.0], [1.0, 1.0], label="float32")
    axes.legend()
    slider.value = 0.25
    assert explorer.view.image.tooltip == (
        "test. A figure of 1 panel(s): loss, x: step, y: log scale, float32. slope < 0.25"
    )
    # ipywidgets 8.1 places a tooltip by the widget's description: Image needs one
    assert explorer.view.image.get_state()["description"] == ""
