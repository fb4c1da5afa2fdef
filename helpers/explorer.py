"""What every explorer is made of: a figure drawn once (an Agg Figure shown in an
ipywidgets.Image, never a pyplot figure), controls, a status line and an error pane;
the one number formatter; a function's source shown as text. Artists that change are
`animated`: a draw restores the static background and draws only them (blitting)."""

import html
import inspect
import io
import re
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from IPython.display import Javascript, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer
from traitlets import Unicode

RED = "#b00"  # status lines and labels in trouble
# Okabe & Ito's colours, which colour-blind readers tell apart (Wong, Nat Methods 2011)
OKABE_ITO = "#000000 #E69F00 #56B4E9 #009E73 #F0E442 #0072B2 #D55E00 #CC79A7"
PALETTE = tuple(OKABE_ITO.split())
CHOOSE = "(commit before the explanation)"
LABELS_JS = (Path(__file__).parent / "explorer.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Prediction:
    """The learner's committed answer to an explorer's question: `choices` (text), the
    right one, and the explanation (HTML), shown only once they have chosen."""

    choices: tuple
    answer: str
    explanation: str


class DescribedImage(widgets.Image):
    """An ipywidgets.Image whose `tooltip` is its text alternative (the img's title).
    ipywidgets 8.1's view decides where a tooltip goes by the widget's `description`,
    which Image lacks: without this empty one the view fails to render at all."""

    description = Unicode("").tag(sync=True)


class FigureView:
    """A Figure on the Agg canvas, shown as an ipywidgets.Image and updated in place."""

    def __init__(self, figsize=(8, 3), dpi=96):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        width = f"{figsize[0] * dpi:.0f}px"
        layout = widgets.Layout(width=width, max_width="100%", height="auto")
        self.image = DescribedImage(format="png", layout=layout)
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
        draw renders the whole figure once instead of blitting."""
        self._background = None

    def draw(self):
        """Draw the animated artists over the static background and push the PNG."""
        if self._background is None:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible():
                (artist.axes or self.figure).draw_artist(artist)
        self.image.value = self.png()

    def describe(self):
        """What the figure shows, from each panel's title, axis labels and legend: the
        image's text alternative (an explorer adds its status line)."""
        panels = []
        for axes in self.figure.axes:
            legend = axes.get_legend()
            x, y = axes.get_xlabel(), axes.get_ylabel()
            parts = [axes.get_title(), x and f"x: {x}", y and f"y: {y}"]
            parts += [text.get_text() for text in legend.get_texts()] if legend else []
            panels += [", ".join(filter(None, parts))] if any(parts) else []
        return f"A figure of {len(panels)} panel(s): " + "; ".join(panels)

    def png(self):
        """The canvas as PNG bytes (fast compression: the explorer redraws often)."""
        width, height = self.canvas.get_width_height()
        pixels = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        pixels.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class Explorer(widgets.VBox):
    """Controls, a figure, a status line and an error pane, wired to one update function.

    `update_figure()` reads the controls, pushes new data into the figure's artists and
    returns a status string (HTML) saying what is shown (a value is inf or NaN), never
    why. Its errors show as a traceback under the figure, never swallowed. A saved
    notebook also carries a PNG of the figure. `extra` widgets sit under the figure. With
    a `prediction`, a dropdown under the status takes the learner's answer to the
    question; choosing locks it and reveals whether it held, and why.
    """

    def __init__(
        self, title, controls, view, update_figure, question="", extra=(), prediction=None
    ):
        self.title = title
        self.controls = list(controls)
        self.view = view
        self._update_figure = update_figure
        self.status = widgets.HTML()
        self.errors = widgets.Output()
        self.error = None  # the last update's traceback as text, or None
        self._holding = False  # True while set() moves several controls
        question = f"<br><i>{html.escape(question)}</i>" if question else ""
        header = widgets.HTML(f"<b>{html.escape(title)}</b>{question}")
        control_box = widgets.HBox(self.controls, layout={"flex_flow": "row wrap"})
        self.prediction = prediction
        self.verdict = widgets.HTML()
        self.predict = widgets.Dropdown(
            options=[CHOOSE, *prediction.choices] if prediction else [CHOOSE],
            description="Your prediction",
            style={"description_width": "initial"},
            layout={"width": "max-content"},  # never cut a choice short
        )
        self.predict.observe(lambda _change: self._reveal(), names="value")
        for widget, role in [(self.status, "status"), (self.verdict, "verdict")]:
            widget.add_class(f"explorer-{role}")  # how pages and tests find them
        asked = [self.predict, self.verdict] if prediction else []
        children = [header, control_box, view.image, *extra, self.status, *asked]
        super().__init__([*children, self.errors])
        for control in self.controls:
            if hasattr(control.style, "description_width"):
                control.style.description_width = "initial"  # never cut a label short
            if isinstance(control, widgets.Button):
                control.on_click(lambda _button: self.update())
            else:
                control.observe(lambda _change: self._holding or self.update(), "value")
        self.update()

    def set(self, values):
        """Move controls, named by their description, to `values` with one update: the
        state an explanation is about, which the saved notebook then shows."""
        controls = {control.description: control for control in self.controls}
        if unknown := sorted(set(values) - set(controls)):
            raise ValueError(f"values: no control named {unknown}; pass {list(controls)}")
        self._holding = True
        try:
            for name, value in values.items():
                controls[name].value = value
        finally:
            self._holding = False
        self.update()

    def _reveal(self):
        """Lock the learner's prediction and show whether it held, then the why."""
        if (chosen := self.predict.value) == CHOOSE:
            return
        self.predict.disabled = True
        answer = self.prediction.answer
        held = f"Your prediction held: {html.escape(answer)}."
        if chosen != answer:
            held = f"You predicted {html.escape(chosen)}; it is {html.escape(answer)}."
        self.verdict.value = f"<b>{held}</b> {self.prediction.explanation}"

    def update(self):
        """Run the update function and draw; show its status, or the traceback."""
        if self.error is not None:  # clear the pane only if it shows something
            self.errors.clear_output()
            self.error = None
        try:
            self.status.value = self._update_figure() or ""
            self.view.draw()
            status = html.unescape(re.sub(r"<[^>]+>", "", self.status.value))
            self.view.image.tooltip = f"{self.title}. {self.view.describe()}. {status}"
        except Exception:  # noqa: BLE001  shown to the learner, not hidden
            self.error = traceback.format_exc()
            with self.errors:
                print(self.error)
            self.status.value = red("The update raised an error (traceback below).")

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = self.view.png()
        bundle["text/plain"] = (
            f"{self.title} (an explorer: move its controls in a live kernel)"
        )
        return bundle

    def _ipython_display_(self):
        """The explorer, then the script that names its sliders for screen readers."""
        display(self._repr_mimebundle_(), raw=True)
        display(Javascript(LABELS_JS))


def number_text(value, digits=3):
    """`value` with `digits` significant digits; 'NaN', '+inf', '-inf'; 0 as '0'."""
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    if value == 0:
        return "0"  # also -0.0
    return f"{value:.{digits}g}"


def red(text):
    """`text` (HTML) in the red that status lines use for trouble."""
    return f"<span style='color:{RED}'>{text}</span>"


def warn_nonfinite(name, values):
    """A red status sentence when `values` hold inf or NaN, else ''."""
    values = np.asarray(values, dtype=np.float64)
    nan, inf = np.isnan(values).any(), np.isinf(values).any()
    if not (nan or inf):
        return ""
    kinds = "NaN and inf" if nan and inf else "NaN" if nan else "inf"
    return red(f"{html.escape(name)} contains {kinds}.") + " "


def source_html(function):
    """The source code of `function` as highlighted HTML text that a reader can copy."""
    source = textwrap.dedent(inspect.getsource(function)).strip()
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True))
