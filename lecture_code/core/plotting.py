"""One palette, one figure layout and the book's figure type, for every figure of the book.

* :func:`new_figure` is the one layout: white background, light grid, the book's font, a
  legend placed by name (``legend="top"``, ``"corner"``, ``"below"``, ``"inside"``,
  ``"header"`` or ``None``) and, with ``rows``/``cols``, subplots. Figures never set margins,
  templates or legend positions themselves, so changing how figures reflow on a phone is one
  edit here. ``status=`` adds a status line that may change from one slider frame to the next.
* :func:`color` chooses colours by *role*: an optimizer's ``kind`` (``"adam"``), a kind of
  critical point (``"saddle"``), ``"theory"`` for predictions drawn over measurements.
* :class:`BookFigure` is a ``plotly.graph_objects.Figure`` that shows itself in both places
  a chapter runs. **JupyterLab** renders the ``application/vnd.plotly.v1+json`` mimetype;
  **the static site** (Jupyter Book 1.x / myst-nb) ignores it and needs ``text/html``, so a
  ``BookFigure`` returns both: the JSON and a small HTML fragment (``include_plotlyjs=False``)
  that uses the ``plotly.min.js`` the page loads once from its own ``_static`` folder. It
  does this itself, without plotly's renderer registry (whose import pulls ``nbformat`` and
  ``jsonschema`` into every kernel) and without changing any global setting: importing this
  module has no side effects. Build kernels (``LECTURE_CODE_BUILD=static``) emit only the HTML.

Keep LaTeX out of plotly labels (MathJax is not wired into plotly on the site): use
Unicode, e.g. ``"η"``, ``"λ_max"``, ``"κ"``.
"""

from __future__ import annotations

import base64
import json
import math
import os
from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from lecture_code.core.runner import Trajectory
from lecture_code.core.surfaces import Surface, grid

__all__ = [
    "PALETTE",
    "CYCLE",
    "SEQUENTIAL",
    "DIVERGING",
    "color",
    "BookFigure",
    "book_figure",
    "new_figure",
    "contour_trace",
    "path_trace",
    "point_trace",
    "quadratic_level_lines",
    "status_annotation",
    "figure_html",
    "label_decades_only",
    "thin",
    "contours",
    "status_text",
    "draw_paths",
    "draw_losses",
]

#: Named colours used consistently across chapters (colour-blind-safe, Okabe-Ito based).
PALETTE: dict[str, str] = {
    "gd": "#0072B2",          # gradient descent, the reference method
    "momentum": "#D55E00",    # heavy-ball momentum
    "nesterov": "#CC79A7",    # Nesterov momentum
    "adagrad": "#009E73",
    "rmsprop": "#E69F00",
    "rmsprop_nesterov": "#F0E442",
    "adam": "#882255",
    "amsgrad": "#44AA99",
    "newton": "#56B4E9",
    "gd_unitwise": "#56B4E9",   # per-coordinate learning rates: Newton's idea for a diagonal H
    "adam_no_bias": "#444444",
    "theory": "#444444",      # predicted curves drawn over measurements
    "minimum": "#009E73",
    "maximum": "#D55E00",
    "saddle": "#CC79A7",
    "degenerate": "#999999",
    "start": "#000000",
    "accent": "#F0E442",
}
#: Colour order for traces that have no named role.
CYCLE: list[str] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#44AA99"]
#: Colour scale for loss surfaces (low = dark).
SEQUENTIAL = "Viridis"
#: Colour scale for signed quantities (eigenvalues, curvature).
DIVERGING = "RdBu_r"

_FONT = dict(family="Inter, Helvetica, Arial, sans-serif", size=13, color="#222")


def color(name_or_index: str | int, alpha: float | None = None) -> str:
    """Colour for a named role (``"adam"``, ``"saddle"`` ...) or the ``i``-th cycle colour.

    With ``alpha`` (in [0, 1]) the same colour as ``rgba(...)``, e.g. for a band of spread
    drawn behind its line.
    """
    if isinstance(name_or_index, (int, np.integer)):
        hex_ = CYCLE[int(name_or_index) % len(CYCLE)]
    else:
        try:
            hex_ = PALETTE[name_or_index]
        except KeyError:
            raise ValueError(
                f"color: unknown role {name_or_index!r}; allowed: {sorted(PALETTE)} or an integer index"
            ) from None
    if alpha is None:
        return hex_
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"color: alpha must be in [0, 1], got {alpha}")
    r, g, b = (int(hex_[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


class BookFigure(go.Figure):
    """A plotly figure that renders in JupyterLab (plotly JSON) and on the static site (HTML)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        html = figure_html(self)
        if os.environ.get("LECTURE_CODE_BUILD") == "static":
            # The book's build shows only the HTML; leaving out the JSON keeps myst-nb's
            # "unknown mime type" warning meaningful (it fails the strict build).
            return {"text/html": html}
        shown = label_decades_only(go.Figure(self))
        data = json.loads(pio.to_json(shown, validate=False, remove_uids=False))
        return {"application/vnd.plotly.v1+json": data, "text/html": html}

    def _ipython_display_(self) -> None:
        # plotly's own display hook would go through its renderer registry; show our bundle.
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)


def book_figure(fig: go.Figure) -> BookFigure:
    """``fig`` as a :class:`BookFigure` (for a figure made by plotly directly)."""
    if isinstance(fig, BookFigure):
        return fig
    out = BookFigure()
    out.__dict__.update(fig.__dict__)  # the same figure object state, no copy of the data
    return out


_AXIS = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", ticks="", title=dict(standoff=15), zerolinecolor="#EBF0F8",
             automargin=True, zerolinewidth=2)
_SCENE_AXIS = dict(backgroundcolor="white", gridcolor="#DFE8F3", linecolor="#EBF0F8", showbackground=True, ticks="",
                   zerolinecolor="#EBF0F8", gridwidth=2)
#: The book's template: the layout part of plotly's "plotly_white" that the book's figures use
#: (its full version also styles every trace type: 10 ms per figure and 7 kB in every page).
_TEMPLATE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", font=dict(color="#2a3f5f"), hoverlabel=dict(align="left"),
    colorway=CYCLE, xaxis=_AXIS, yaxis=_AXIS, scene=dict(xaxis=_SCENE_AXIS, yaxis=_SCENE_AXIS, zaxis=_SCENE_AXIS),
    annotationdefaults=dict(arrowcolor="#2a3f5f", arrowhead=0, arrowwidth=1), shapedefaults=dict(line=dict(color="#2a3f5f")),
    coloraxis=dict(colorbar=dict(outlinewidth=0, ticks="")),
))


#: Legend placements of :func:`new_figure` (``legend=``): plotly legend settings and the top
#: and bottom margins they need (the top margin grows by the title and by subplot titles).
_LEGENDS: dict[str | None, tuple[dict[str, Any], int, int]] = {
    "top": (dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0), 80, 50),
    "corner": (dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0), 30, 50),
    # at the bottom of the whole figure (container coordinates), under the x axis's title
    "below": (dict(orientation="h", yref="container", yanchor="bottom", y=0.0, xanchor="left", x=0.0), 30, 110),
    "inside": (dict(orientation="v", yanchor="top", y=0.99, xanchor="left", x=0.01,
                    bgcolor="rgba(255,255,255,0.8)"), 30, 50),
    None: (dict(), 30, 50),
    # Pinned to the top of the whole figure (container coordinates): on a narrow screen the
    # legend wraps downwards into room kept for it, above the status line and subplot titles,
    # instead of growing over the plot. For figures with panels stacked in one column.
    "header": (dict(orientation="h", yref="container", yanchor="top", y=0.998, xanchor="left", x=0.0,
                    font=dict(size=12)), 72, 50),
}
#: Height (px) of a status line (see ``new_figure(status=...)``) and of a row of subplot titles.
_STATUS_ROOM = 28
_SUBPLOT_TITLE_ROOM = 30
_WARN = "#B00020"


def new_figure(
    title: str | None = None,
    *,
    rows: int = 1,
    cols: int = 1,
    subplot_titles: Sequence[str] | None = None,
    column_widths: Sequence[float] | None = None,
    shared_yaxes: bool = False,
    horizontal_spacing: float | None = None,
    specs: Any = None,
    row_heights: Sequence[float] | None = None,
    vertical_spacing: float | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    width: int | None = None,
    height: int = 460,
    equal_axes: bool = False,
    legend: str | None = "corner",
    status: str | None = None,
    warn: bool = False,
    **layout: Any,
) -> BookFigure:
    """A figure with the book's layout; ``rows``/``cols`` > 1 make subplots.

    Parameters
    ----------
    title : figure title (left-aligned), or ``None``.
    rows, cols, subplot_titles, column_widths, shared_yaxes, horizontal_spacing, specs, row_heights, vertical_spacing :
        the grid, as in ``plotly.subplots.make_subplots``.
    x_title, y_title : axis titles (every subplot).
    equal_axes : lock the aspect ratio (of the first subplot) so that contour lines of a
        quadratic look like the ellipses they are.
    legend : ``"corner"`` (above the plot, right), ``"top"`` (above the plot and the subplot
        titles, left), ``"below"`` (under the x axis), ``"inside"`` (a box in the top-left
        corner), ``"header"`` (at the very top of the figure, left, with room to wrap onto
        three lines on a phone: for panels stacked in one column) or ``None`` (no legend).
    status : a status line above the plot (and its subplot titles), below a ``"header"``
        legend: what the current slider position shows, or "diverged at step 12". It is the
        figure's title slot, which every precomputed slider frame carries, so it can change
        from frame to frame; give ``""`` when there is nothing to say. Not with ``title``.
    warn : draw the status line in the warning colour.
    layout : further ``update_layout`` settings.
    """
    if legend not in _LEGENDS:
        raise ValueError(f"legend must be one of {list(_LEGENDS)}, got {legend!r}")
    if status is not None and title is not None:
        raise ValueError("new_figure: give a title or a status line, not both")
    fig = BookFigure()
    if rows > 1 or cols > 1 or subplot_titles or specs:
        make_subplots(rows=rows, cols=cols, subplot_titles=subplot_titles, column_widths=column_widths,
                      shared_yaxes=shared_yaxes, horizontal_spacing=horizontal_spacing, specs=specs,
                      row_heights=row_heights, vertical_spacing=vertical_spacing, figure=fig)
    placement, top, bottom = _LEGENDS[legend]
    placement = dict(placement)
    heading = dict(text=title, x=0.02, xanchor="left") if title else None
    line = status if status is not None else (title if legend == "header" else None)
    # subplot titles of the first row: one line, plus a line per "<br>" in the longest
    lines = 1 + max((t.count("<br>") for t in (subplot_titles or [])[:cols]), default=0)
    title_room = _SUBPLOT_TITLE_ROOM + 16 * (lines - 1)
    if line is not None:
        # the legend's room (header) or a small gap, then this line, then the subplot titles;
        # pinned in pixels from the top, so it stays put when sliders make the figure taller
        above = top if legend == "header" else 10
        heading = dict(text=line, x=0.01, xanchor="left", yref="container", y=1.0, yanchor="top",
                       pad=dict(t=above), font=dict(size=13, color=_WARN if warn else _FONT["color"]))
        top = above + _STATUS_ROOM + (title_room if subplot_titles else 10)
    elif legend == "header":
        top += title_room if subplot_titles else 0
    elif subplot_titles and legend == "top":
        placement["y"] = 1.12
        top = 115
    elif subplot_titles or title:
        top = max(top, 60)
    fig.update_layout(
        template=_TEMPLATE,
        font=_FONT,
        title=heading,
        height=height,
        width=width,
        margin=dict(l=60, r=20, t=top, b=bottom),
        legend=placement,
        showlegend=legend is not None,
        hovermode="closest",
    )
    if legend == "header" or status is not None:
        fig.update_annotations(font_size=13)   # subplot titles that fit a phone's width
    if layout:
        fig.update_layout(**layout)
    if x_title:
        fig.update_xaxes(title_text=x_title)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    if equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1, row=1 if rows > 1 or cols > 1 else None,
                         col=1 if rows > 1 or cols > 1 else None)
    return fig


def contour_trace(
    xs: np.ndarray,
    ys: np.ndarray,
    zs: np.ndarray,
    *,
    levels: int = 25,
    log: bool = False,
    showscale: bool = False,
    name: str = "loss",
) -> go.Contour:
    """Contour lines of a loss surface sampled on a grid ``zs[i, j] = f(xs[j], ys[i])``.

    ``log=True`` draws ``log10(z - min z + 1e-12)``, which shows the shape of steep valleys
    (Rosenbrock, Beale) far better than linear levels.
    """
    z = np.asarray(zs, dtype=float)
    if log:
        z = np.log10(z - np.nanmin(z) + 1e-12)
    return go.Contour(
        x=np.asarray(xs, dtype=np.float32),
        y=np.asarray(ys, dtype=np.float32),
        z=z.astype(np.float32),
        ncontours=levels,
        colorscale=SEQUENTIAL,
        contours=dict(coloring="lines"),
        line=dict(width=1),
        showscale=showscale,
        name=name,
        hoverinfo="skip",
    )


def path_trace(points: np.ndarray, *, name: str, role: str | int = 0, dash: str | None = None) -> go.Scatter:
    """An optimizer's trajectory ``points[t] = (x_t, y_t)`` as markers joined by lines."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    return go.Scatter(
        x=p[:, 0].astype(np.float32),
        y=p[:, 1].astype(np.float32),
        mode="lines+markers",
        name=name,
        line=dict(color=color(role), width=2, dash=dash),
        marker=dict(size=4),
    )


def quadratic_level_lines(
    hessian: np.ndarray, levels: Iterable[float], n: int = 60
) -> tuple[np.ndarray, np.ndarray]:
    """Level sets ``½ θᵀAθ = c`` of a positive definite quadratic, as one polyline.

    Returns ``xs, ys`` (float32) with the ellipses for each level ``c`` separated by NaN,
    ready for a single ``go.Scatter(mode="lines")`` trace: much lighter than a contour
    trace in every precomputed frame of an interactive figure.
    """
    lam, vec = np.linalg.eigh(np.asarray(hessian, dtype=float))
    if lam.shape != (2,) or lam[0] <= 0:
        raise ValueError(f"hessian must be a 2x2 positive definite matrix, got eigenvalues {lam}")
    a = np.linspace(0, 2 * np.pi, n)
    xs: list[float] = []
    ys: list[float] = []
    for c in levels:
        u = vec @ np.vstack([np.sqrt(2 * c / lam[0]) * np.cos(a), np.sqrt(2 * c / lam[1]) * np.sin(a)])
        xs += [*u[0], np.nan]
        ys += [*u[1], np.nan]
    return np.array(xs, np.float32), np.array(ys, np.float32)


def point_trace(
    points: Iterable[Iterable[float]],
    *,
    name: str,
    role: str | int = "start",
    symbol: str = "circle",
    size: int = 11,
    text: list[str] | None = None,
) -> go.Scatter:
    """A few labelled points (start points, critical points)."""
    p = np.asarray(list(points), dtype=float).reshape(-1, 2)
    return go.Scatter(
        x=p[:, 0],
        y=p[:, 1],
        mode="markers+text" if text else "markers",
        text=text,
        textposition="top center",
        name=name,
        marker=dict(color=color(role), size=size, symbol=symbol, line=dict(width=1, color="white")),
    )


def status_annotation(text: str, *, warn: bool = False, above: bool = False) -> dict[str, Any]:
    """A status line in the top-left corner of a plot (used for "diverged at step 12").

    Figures whose content changes with a slider always carry this annotation (with empty
    text when there is nothing to say), so every precomputed frame has the same layout keys.
    ``above=True`` puts it just above the plot instead of over it, for plots that fill their
    whole area (regions, surfaces); leave room for it in the top margin.
    """
    return dict(
        text=text,
        xref="paper",
        yref="paper",
        x=0 if above else 0.01,
        y=1.0 if above else 0.99,
        xanchor="left",
        yanchor="bottom" if above else "top",
        align="left",
        showarrow=False,
        font=dict(size=14, color="#B00020" if warn else "#222"),
        bgcolor="rgba(255,255,255,0.85)" if text and not above else "rgba(0,0,0,0)",
    )


def _as_array(value: Any) -> np.ndarray:
    """Plotted values as floats, also when plotly holds them base64-encoded ({"bdata", "dtype"})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float).ravel()
    try:
        return np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):  # categories, dates: not a log axis's numbers
        return np.array([])


def _axis_span(fig: go.Figure, name: str) -> float | None:
    """Decades spanned by the log axis ``name`` ("xaxis", "yaxis2", ...): its range if set,
    else the positive data drawn on it."""
    axis = fig.layout[name]
    if axis.range is not None and None not in axis.range:
        return abs(float(axis.range[1]) - float(axis.range[0]))
    letter, suffix = name[0], name[5:]
    values = []
    for trace in fig.data:
        if (getattr(trace, f"{letter}axis", None) or letter) == letter + suffix and getattr(trace, letter, None) is not None:
            v = _as_array(trace[letter])
            values.append(v[np.isfinite(v) & (v > 0)])
    v = np.concatenate(values) if values else np.array([])
    return float(np.log10(v.max() / v.min())) if v.size else None


def label_decades_only(fig: go.Figure) -> go.Figure:
    """Log axes spanning a decade or more label only powers of ten (1, 10, 100 ..., not the
    crowded 2 and 5 in between), every k-th decade when there are more than 8 of them; an
    axis with its own ``dtick`` is left alone. Changes ``fig`` in place and returns it."""
    for name in [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]:
        axis = fig.layout[name]
        if axis.type == "log" and axis.dtick is None:
            span = _axis_span(fig, name)
            if span is not None and span >= 1:
                axis.dtick = max(1, math.ceil(span / 8))
    return fig


def figure_html(fig: go.Figure, *, post_script: str | None = None) -> str:
    """The HTML fragment the static site shows for ``fig`` (plotly.js is loaded by the page)."""
    fig = label_decades_only(go.Figure(fig))
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        post_script=post_script,
        auto_play=False,
        config={"displaylogo": False, "responsive": True},
    )



def thin(points: np.ndarray, max_points: int = 150) -> np.ndarray:
    """Every k-th point (always keeping the last) so a path has at most ``max_points`` points."""
    p = np.asarray(points)
    if len(p) <= max_points:
        return p
    idx = np.unique(np.r_[np.linspace(0, len(p) - 1, max_points).round().astype(int), len(p) - 1])
    return p[idx]


def contours(surface: Surface, window, n: int = 61, levels: int = 25, log: bool = False) -> go.Contour:
    xs, ys, zs = grid(surface, n, window)
    return contour_trace(xs, ys, zs, levels=levels, log=log)


def status_text(trajectories: Sequence[Trajectory]) -> str:
    """One line naming every diverged run (empty if none diverged)."""
    return "; ".join(t.status for t in trajectories if t.diverged)


def _role(t: Trajectory, index: int) -> str | int:
    """A trajectory's colour role: its optimizer's kind, or the ``index``-th cycle colour."""
    return t.kind if t.kind in PALETTE else index


def draw_paths(
    surface: Surface,
    trajectories: Sequence[Trajectory],
    *,
    window=None,
    title: str | None = None,
    log: bool = False,
    levels: int = 25,
    n_grid: int = 61,
    max_points: int = 150,
    markers: bool = True,
    minimum: Sequence[float] | None = None,
    height: int = 480,
    x_title: str = "w₁",
    y_title: str = "w₂",
    equal_axes: bool = False,
    legend: str | None = "corner",
) -> BookFigure:
    """Contour lines of ``surface`` with one path per trajectory, the start and the minimum.

    Paths are coloured by their optimizer's kind; a status line names every run that diverged.
    """
    win = window if window is not None else surface.window
    fig = new_figure(title, x_title=x_title, y_title=y_title, height=height, equal_axes=equal_axes, legend=legend)
    fig.add_trace(contours(surface, win, n_grid, levels, log))
    for i, t in enumerate(trajectories):
        tr = path_trace(thin(t.points, max_points), name=t.name, role=_role(t, i))
        if not markers:
            tr.mode = "lines"
        fig.add_trace(tr)
    if trajectories:
        fig.add_trace(point_trace([trajectories[0].points[0]], name="start", role="start", size=10))
    if minimum is not None:
        fig.add_trace(point_trace([minimum], name="minimum", role="minimum", symbol="star", size=14))
    fig.update_xaxes(range=list(win[0]), constrain="domain" if equal_axes else None)
    fig.update_yaxes(range=list(win[1]), constrain="domain" if equal_axes else None)
    fig.update_layout(annotations=[status_annotation(status_text(trajectories), warn=True)])
    return fig


def draw_losses(trajectories: Sequence[Trajectory], *, title: str | None = None, log: bool = True,
                offset: float = 0.0, y_title: str = "loss", height: int = 380) -> BookFigure:
    """Loss (minus ``offset``) against step for each trajectory, log scale by default."""
    fig = new_figure(title, x_title="step", y_title=y_title, height=height)
    for i, t in enumerate(trajectories):
        y = np.maximum(t.losses - offset, 1e-300) if log else t.losses - offset
        fig.add_trace(go.Scatter(x=np.arange(len(y)), y=y.astype(np.float32), mode="lines", name=t.name,
                                 line=dict(color=color(_role(t, i)), width=2)))
    if log:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(annotations=[status_annotation(status_text(trajectories), warn=True)])
    return fig
