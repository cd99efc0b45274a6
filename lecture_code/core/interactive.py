"""The interactive-figure pattern: one call, a live view in JupyterLab and a static view on the site.

Every interactive figure of the book is built from two pure functions and a few sliders::

    from lecture_code.core.interactive import Slider, explore

    def demo(lr: float, steps: int) -> Run:        # parameters -> data (no plotting)
        ...
    def draw(run: Run) -> go.Figure:               # data -> figure (no computation)
        ...

    explore(demo, draw,
            Slider("lr", [0.01, 0.03, 0.1, 0.3], default=0.1, label="learning rate η"),
            Slider("steps", [1, 5, 10, 50], default=10))

The object :func:`explore` returns displays itself twice over, in one output:

* **In JupyterLab** (a live kernel) as ipywidgets sliders above the figure; moving a slider
  calls ``draw(demo(**params))`` again. Sliders may offer a finer grid than the static
  figure (``Slider(..., live_values=...)``).
* **On the static site** (no kernel) as a single plotly figure with one slider per
  parameter over *precomputed frames*: ``demo`` and ``draw`` are evaluated for every
  combination of the slider values when the chapter is executed, and a small script in the
  figure switches frames when a slider moves. No kernel, no network.

In a live kernel the output carries the widget view, which JupyterLab shows, and as
``text/html``, for a front end that shows HTML instead, the figure for the sliders' defaults with
a note to run the notebook in Jupyter (this HTML, like the static site's, draws only where the
page has loaded plotly.js: not in a notebook's HTML export, where the note is what a reader
sees). Precomputing every frame there as well would make a student wait, each time the cell
runs, for frames no one sees, so a live kernel evaluates ``demo`` once per display, for the
widget and the HTML alike. The book's build
(``LECTURE_CODE_BUILD=static``) stores only the static view.

Rules for ``draw`` so that the frames can be swapped:

* every combination must produce the **same traces** (same number, same types, same order);
  hide a trace by giving it empty data rather than leaving it out;
* the same number of **annotations** -- use
  :func:`lecture_code.core.plotting.status_annotation` (with ``""`` when there is nothing to say)
  for messages such as "diverged at step 12";
* keep arrays small (``float32``) and the number of combinations modest (<= ~80): every frame
  is stored in the page.

A demo whose parameters make it diverge must say so in its data (and ``draw`` on the figure);
a demo that raises anyway is shown as an error message in the live view and fails the build
for the static view, which is what we want: it is a bug.
"""

from __future__ import annotations

import html
import inspect
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from lecture_code.core.plotting import BookFigure, book_figure, figure_html

__all__ = [
    "Slider",
    "Explorer",
    "explore",
]


_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Environment variable the book's build sets to ``"static"`` (see :func:`_live_kernel`).
STATIC_ENV = "LECTURE_CODE_BUILD"
#: Height (px) added below the plot for each static slider.
_SLIDER_ROOM = 85
#: Pixels between the x-axis title and the first slider's label.
_AXIS_GAP = 20


@dataclass(frozen=True)
class Slider:
    """One parameter of a demo and the values a reader can choose.

    Parameters
    ----------
    name:
        Keyword argument of the demo function this slider sets.
    values:
        The values offered; the static site precomputes one frame per combination.
    default:
        Initial value; must be one of ``values``. Defaults to the middle value.
    label:
        Human-readable label (Unicode, e.g. ``"learning rate η"``). Defaults to ``name``.
    fmt:
        Format of a value in slider tick labels, e.g. ``"{:.3g}"`` or ``"{:d}"``.
    live_values:
        Optional finer grid for the live JupyterLab slider (must contain ``default``).
    """

    name: str
    values: Sequence[Any]
    default: Any = None
    label: str | None = None
    fmt: str = "{:.3g}"
    live_values: Sequence[Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Slider name must be a Python identifier, got {self.name!r}")
        values = tuple(self.values)
        if len(values) == 0:
            raise ValueError(f"Slider {self.name!r}: values must be a non-empty sequence")
        object.__setattr__(self, "values", values)
        if self.default is None:
            object.__setattr__(self, "default", values[len(values) // 2])
        elif not any(_same(self.default, v) for v in values):
            raise ValueError(
                f"Slider {self.name!r}: default must be one of values {list(values)}, got {self.default!r}"
            )
        if self.live_values is not None:
            live = tuple(self.live_values)
            if not any(_same(self.default, v) for v in live):
                raise ValueError(
                    f"Slider {self.name!r}: live_values must contain the default {self.default!r}"
                )
            object.__setattr__(self, "live_values", live)

    @property
    def title(self) -> str:
        return self.label or self.name

    def format(self, value: Any) -> str:
        try:
            return self.fmt.format(value)
        except (ValueError, TypeError):
            return str(value)

    @property
    def default_index(self) -> int:
        return next(i for i, v in enumerate(self.values) if _same(self.default, v))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
        except (TypeError, ValueError):
            return False
    return a == b


@dataclass
class Explorer:
    """A demo, its drawing and its sliders; see the module docstring.

    Use :func:`explore` to create one. Useful methods besides the display:
    :meth:`data` (the demo's data for given parameters), :meth:`figure` (one figure),
    :meth:`static_figure` (the figure with precomputed frames), :meth:`widget` (the live view).
    """

    demo: Callable[..., Any]
    draw: Callable[[Any], go.Figure]
    sliders: tuple[Slider, ...]
    fixed: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(self.demo) or not callable(self.draw):
            raise ValueError("explore: demo and draw must be callables")
        names = [s.name for s in self.sliders]
        if len(set(names)) != len(names):
            raise ValueError(f"explore: slider names must be unique, got {names}")
        overlap = set(names) & set(self.fixed)
        if overlap:
            raise ValueError(f"explore: parameters {sorted(overlap)} are both sliders and fixed")
        sig = inspect.signature(self.demo)
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        if not accepts_any:
            unknown = [n for n in [*names, *self.fixed] if n not in sig.parameters]
            if unknown:
                raise ValueError(
                    f"explore: {getattr(self.demo, '__name__', 'demo')}() has no parameter(s) "
                    f"{unknown}; its parameters are {list(sig.parameters)}"
                )

    # -- computation -------------------------------------------------------------------
    @property
    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.sliders}

    def data(self, **params: Any) -> Any:
        """The demo's data for ``params`` (missing ones take their slider default)."""
        return self.demo(**{**self.fixed, **self.defaults, **params})

    def figure(self, **params: Any) -> go.Figure:
        """``draw(demo(**params))`` as a plotly figure."""
        fig = self.draw(self.data(**params))
        if not isinstance(fig, go.Figure):
            raise TypeError(f"explore: draw must return a plotly go.Figure, got {type(fig).__name__}")
        return book_figure(fig)

    def combinations(self) -> Iterable[tuple[int, ...]]:
        return itertools.product(*(range(len(s.values)) for s in self.sliders))

    @staticmethod
    def frame_name(indices: Sequence[int]) -> str:
        return "_".join(str(i) for i in indices) or "0"

    def static_figure(self) -> go.Figure:
        """The figure with one precomputed frame per slider combination and static sliders."""
        default_idx = tuple(s.default_index for s in self.sliders)
        base = self.figure()
        signature = _trace_signature(base)
        n_ann = len(base.layout.annotations or ())
        frames = []
        for idx in self.combinations():
            params = {s.name: s.values[i] for s, i in zip(self.sliders, idx)}
            fig = base if idx == default_idx else self.figure(**params)
            if _trace_signature(fig) != signature:
                raise ValueError(
                    f"explore: draw() returned traces {_trace_signature(fig)} for {params}, but "
                    f"{signature} for the defaults; every combination must give the same traces "
                    "(give a trace empty data instead of leaving it out)"
                )
            if len(fig.layout.annotations or ()) != n_ann:
                raise ValueError(
                    f"explore: draw() returned {len(fig.layout.annotations or ())} annotations for "
                    f"{params} but {n_ann} for the defaults; use status_annotation('') to keep them equal"
                )
            frames.append(go.Frame(name=self.frame_name(idx), data=fig.data, layout=_frame_layout(fig)))

        static = BookFigure(base)
        static.frames = _only_changing_traces(base, frames)
        room = _SLIDER_ROOM * len(self.sliders) + _AXIS_GAP
        height = (static.layout.height or 460) + room
        top = static.layout.margin.t if static.layout.margin.t is not None else 60
        axis = static.layout.margin.b if static.layout.margin.b is not None else 50  # ticks and x title
        bottom = axis + room
        plot_height = max(height - top - bottom, 100)
        static.update_layout(
            height=height,
            margin=dict(b=bottom),
            sliders=[
                self._static_slider(k, s, y=-(axis + _AXIS_GAP + _SLIDER_ROOM * k) / plot_height)
                for k, s in enumerate(self.sliders)
            ],
        )
        return static

    def _static_slider(self, k: int, s: Slider, y: float) -> dict[str, Any]:
        # Steps use method "skip": the figure's own script (see _POST_SCRIPT) combines the
        # positions of all sliders into a frame name and shows that frame.
        return dict(
            active=s.default_index,
            name=s.name,
            currentvalue=dict(prefix=f"{s.title} = ", font=dict(size=13)),
            pad=dict(t=0, b=0),
            len=0.95,
            x=0.025,
            y=y,
            yanchor="top",
            steps=[
                dict(label=s.format(v), method="skip", args=[k, i], value=s.format(v))
                for i, v in enumerate(s.values)
            ],
        )

    # -- views ------------------------------------------------------------------------
    def static_html(self) -> str:
        """The HTML fragment of :meth:`static_figure` including its frame-switching script."""
        return figure_html(self.static_figure(), post_script=_POST_SCRIPT)

    def widget(self):
        """Live ipywidgets view: one slider per parameter above the figure."""
        return self._live_view()[0]

    def _live_view(self) -> tuple[Any, dict[str, Any], Exception | None]:
        """The widget view, the output bundle it shows first (the defaults' figure) and the
        exception that figure raised, if any (then the view shows it as an error message)."""
        import ipywidgets as widgets

        controls = {}
        for s in self.sliders:
            options = s.live_values or s.values
            controls[s.name] = widgets.SelectionSlider(
                options=[(s.format(v), v) for v in options],
                value=next(v for v in options if _same(v, s.default)),
                description=s.title,
                continuous_update=True,
                readout=True,
                style={"description_width": "initial"},
                layout=widgets.Layout(width="520px"),
            )
        out = widgets.Output()

        def redraw(change: Any = None) -> Exception | None:
            # Replace the Output widget's content directly (a state update) rather than
            # capturing display messages with `with out:`; headless clients (nbclient,
            # jupytext --execute) handle the latter badly, and it flickers.
            params = {name: control.value for name, control in controls.items()}
            error = None
            try:
                data = dict(self.figure(**params)._repr_mimebundle_())
            except Exception as exc:  # show the problem instead of killing the view
                error = exc
                data = {"text/html": f"<pre style='color:#B00020'>{html.escape(repr(exc))}</pre>"}
            data.setdefault("text/plain", "<figure>")
            # (IPython's display formatter would *publish* a plotly figure to the cell
            # instead of returning its data, so the bundle is built here.)
            out.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)
            return error

        for control in controls.values():
            control.observe(redraw, names="value")
        error = redraw()
        return widgets.VBox([*controls.values(), out]), out.outputs[0]["data"], error

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        names = ", ".join(f"{s.name}={s.format(s.default)}" for s in self.sliders)
        plain = f"<interactive figure: {getattr(self.demo, '__name__', 'demo')}({names})>"
        if not _live_kernel():
            return {"text/plain": plain, "text/html": self.static_html()}
        box, first, error = self._live_view()
        if error is not None:  # the defaults' figure fails: a bug, shown as the cell's error
            for widget in (box, *box.children):
                widget.close()
            raise error
        note = (f"<p><small>Interactive figure ({html.escape(names)}): run the notebook in Jupyter "
                "to draw it and move its sliders.</small></p>")
        return {
            "text/plain": plain,
            "text/html": first["text/html"] + note,
            _WIDGET_MIME: {"version_major": 2, "version_minor": 0, "model_id": box.model_id},
        }


def _live_kernel() -> bool:
    """True in a Jupyter kernel a person is using; False in the book's build and plain Python.

    The book's Sphinx build sets ``LECTURE_CODE_BUILD=static`` for the kernels it starts, so
    executed chapters carry only the static view (no widget state to store in the page).
    """
    if os.environ.get(STATIC_ENV) == "static":
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def explore(
    demo: Callable[..., Any],
    draw: Callable[[Any], go.Figure],
    *sliders: Slider,
    fixed: dict[str, Any] | None = None,
) -> Explorer:
    """Show ``draw(demo(**params))`` with one slider per parameter; see the module docstring.

    ``fixed`` passes further keyword arguments to ``demo`` that have no slider.
    """
    if not sliders:
        raise ValueError("explore: give at least one Slider")
    for s in sliders:
        if not isinstance(s, Slider):
            raise ValueError(f"explore: sliders must be Slider objects, got {type(s).__name__}")
    return Explorer(demo, draw, tuple(sliders), dict(fixed or {}))


def _trace_signature(fig: go.Figure) -> tuple[str, ...]:
    return tuple(t.type for t in fig.data)


def _trace_json(trace) -> str:
    return json.dumps(trace.to_plotly_json(), cls=PlotlyJSONEncoder, sort_keys=True)


def _only_changing_traces(base: go.Figure, frames: list[go.Frame]) -> list[go.Frame]:
    """Frames that carry only the traces some slider changes (``Frame.traces`` says which).

    A trace that is the same in every frame (the contour lines under a trajectory, a
    theory curve) is drawn once by the figure and left out of the frames: on the site the
    page then holds it once instead of once per slider combination.
    """
    first = [_trace_json(t) for t in base.data]
    changing = [i for i, ref in enumerate(first) if any(_trace_json(f.data[i]) != ref for f in frames)]
    if len(changing) == len(first):
        return frames
    return [go.Frame(name=f.name, data=[f.data[i] for i in changing], traces=changing, layout=f.layout)
            for f in frames]


def _frame_layout(fig: go.Figure) -> dict[str, Any]:
    """The parts of a frame's layout that may change between frames (not the template)."""
    layout = fig.layout.to_plotly_json()
    for key in ("template", "sliders", "updatemenus", "height", "width", "margin", "font", "legend"):
        layout.pop(key, None)
    return layout


# Runs in the page after Plotly.newPlot; ``{plot_id}`` is substituted by plotly.
_POST_SCRIPT = """
(function () {
  var gd = document.getElementById('{plot_id}');
  if (!gd || !gd.layout || !gd.layout.sliders) { return; }
  var state = gd.layout.sliders.map(function (s) { return s.active || 0; });
  gd.on('plotly_sliderchange', function (ev) {
    var a = ev.step && ev.step.args;
    if (!a || a.length < 2) { return; }
    state[a[0]] = a[1];
    gd.setAttribute('data-frame', state.join('_'));
    Plotly.animate(gd, [state.join('_')], {
      mode: 'immediate', transition: {duration: 0}, frame: {duration: 0, redraw: true}
    });
  });
})();
"""
