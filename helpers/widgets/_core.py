"""What every explorer is made of: a figure drawn once, controls, and an error pane.

compute (pure functions) -> draw (helpers.plots, artists on Axes) -> wire (here).
A figure is a plain matplotlib Figure on the Agg canvas shown in an ipywidgets.Image:
no pyplot figure is ever opened, so moving a control never creates a figure. Artists
that change are `animated`: an update restores the static background and draws only
them (blitting), then encodes the pixels as PNG.
"""

import html
import io
import traceback

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


class FigureView:
    """A Figure on the Agg canvas, shown as an ipywidgets.Image and updated in place."""

    def __init__(self, figsize=(8, 3), dpi=96):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            width=f"{figsize[0] * dpi:.0f}px", max_width="100%", height="auto"))
        self._background = None
        self._dynamic = []

    def animate(self, *artists):
        """Mark artists that updates change; they are drawn over a cached background."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic.append(artist)
        self._background = None

    def invalidate(self):
        """Mark the static background stale (limits or tick labels changed): the next
        refresh draws the whole figure once instead of blitting."""
        self._background = None

    def refresh(self):
        """Draw the animated artists over the static background and push the PNG."""
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible() and artist.axes is not None:
                artist.axes.draw_artist(artist)
            elif artist.get_visible():
                self.figure.draw_artist(artist)
        self.image.value = self.png()

    def png(self):
        """The canvas as PNG bytes (fast compression: the explorer redraws often)."""
        width, height = self.canvas.get_width_height()
        pixels = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        pixels.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class Explorer(widgets.VBox):
    """Controls, a figure, a status line and an error pane, wired to one update function.

    `update()` reads the controls, pushes new data into the figure's artists and returns
    a status string (HTML) saying what to notice, e.g. that a value is inf or NaN.
    Errors in `update` are shown as a traceback under the figure, never swallowed.
    In a saved notebook the explorer also carries a PNG of its figure, so the page
    reads without a kernel.
    """

    def __init__(self, title, controls, view, update, question=""):
        self.title = title
        self.controls = list(controls)
        self.view = view
        self._update = update
        self.status = widgets.HTML()
        self.errors = widgets.Output()
        self.error = None  # the last update's traceback as text, or None

        header = widgets.HTML(f"<b>{html.escape(title)}</b>"
                              + (f"<br><i>{html.escape(question)}</i>" if question else ""))
        control_box = widgets.HBox(self.controls, layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([header, control_box, view.image, self.status, self.errors])
        for control in self.controls:
            if hasattr(control.style, "description_width"):
                control.style.description_width = "initial"  # never cut a label short
            if isinstance(control, widgets.Button):
                control.on_click(lambda _button: self.refresh())
            else:
                control.observe(lambda _change: self.refresh(), names="value")
        self.refresh()

    def refresh(self):
        """Run the update; show its status, or the traceback if it raised."""
        try:
            status = self._update()
            self.view.refresh()
        except Exception:  # noqa: BLE001  shown to the learner, not hidden
            self._clear_error()
            self.error = traceback.format_exc()
            with self.errors:
                print(self.error)
            self.status.value = "<span style='color:#b00'>The update raised an error " \
                                "(traceback below).</span>"
            return
        self._clear_error()
        self.status.value = status or ""

    def _clear_error(self):
        """Empty the error pane, only if it shows something (clearing costs a message)."""
        if self.error is not None:
            self.errors.clear_output()
            self.error = None

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = self.view.png()
        bundle["text/plain"] = f"{self.title} (an explorer: move its controls in a live kernel)"
        return bundle


def fmt(value, digits=3):
    """A number as text that says inf / NaN plainly."""
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def warn_nonfinite(name, values):
    """A red status sentence when `values` hold inf or NaN, else ''."""
    values = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(values)):
        return ""
    kinds = [k for k, bad in (("NaN", np.isnan(values).any()),
                              ("inf", np.isinf(values).any())) if bad]
    return f"<span style='color:#b00'>{html.escape(name)} contains {' and '.join(kinds)}.</span> "
