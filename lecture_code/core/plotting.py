"""One palette, one layout, one renderer for every figure of the book.

Plotly figures must render in two places:

* **JupyterLab** renders the ``application/vnd.plotly.v1+json`` mimetype itself;
* **the static site** (Jupyter Book 1.x / myst-nb) ignores that mimetype, so the book
  needs ``text/html``. Plotly's own ``notebook`` renderer would inline 4.8 MB of plotly.js
  into every page and request MathJax from a CDN.

:class:`BookRenderer` returns both: the JSON for JupyterLab and a small HTML fragment
(``include_plotlyjs=False``) for the book, which loads ``plotly.min.js`` once per page from
its own ``_static`` folder. Importing :mod:`lecture_code` registers it as the default
renderer under the name ``"book"``.

Keep LaTeX out of plotly labels (MathJax is not wired into plotly on the site): use
Unicode, e.g. ``"η"``, ``"λ_max"``, ``"κ"``.

----

Drawing helpers shared by the optimizer chapters (trajectories over contour lines).

Built on :mod:`lecture_code.core.plotting`; every function returns a ``go.Figure`` (or traces)
and does no optimisation itself.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from lecture_code.core.runner import Trajectory
from lecture_code.core.surfaces import Surface, grid

__all__ = [
    "PALETTE",
    "SEQUENTIAL",
    "DIVERGING",
    "color",
    "new_figure",
    "contour_trace",
    "path_trace",
    "point_trace",
    "quadratic_level_lines",
    "status_annotation",
    "BookRenderer",
    "figure_html",
    "ROLE",
    "legend_on_top",
    "thin",
    "role_of",
    "contours",
    "draw_paths",
    "status_text",
    "draw_losses",
]


#: Named colours used consistently across chapters (colour-blind-safe, Okabe-Ito based).
PALETTE: dict[str, str] = {
    "gd": "#0072B2",          # gradient descent, the reference method
    "momentum": "#D55E00",    # heavy-ball momentum
    "nesterov": "#CC79A7",    # Nesterov momentum
    "adagrad": "#009E73",
    "rmsprop": "#E69F00",
    "adam": "#882255",
    "amsgrad": "#44AA99",
    "newton": "#56B4E9",
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


def color(name_or_index: str | int) -> str:
    """Colour for a named role (``"adam"``, ``"saddle"`` ...) or the ``i``-th cycle colour."""
    if isinstance(name_or_index, (int, np.integer)):
        return CYCLE[int(name_or_index) % len(CYCLE)]
    try:
        return PALETTE[name_or_index]
    except KeyError:
        raise ValueError(
            f"color: unknown role {name_or_index!r}; allowed: {sorted(PALETTE)} or an integer index"
        ) from None


def new_figure(
    title: str | None = None,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    width: int | None = None,
    height: int = 460,
    equal_axes: bool = False,
    **layout: Any,
) -> go.Figure:
    """A figure with the book's layout: white background, light grid, legend on top.

    ``equal_axes=True`` locks the aspect ratio so that contour lines of a quadratic look
    like the ellipses they are.
    """
    fig = go.Figure()
    fig.update_layout(
        template="plotly_white",
        font=_FONT,
        title=dict(text=title, x=0.02, xanchor="left") if title else None,
        height=height,
        width=width,
        margin=dict(l=60, r=20, t=60 if title else 30, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        hovermode="closest",
        **layout,
    )
    if x_title:
        fig.update_xaxes(title_text=x_title)
    if y_title:
        fig.update_yaxes(title_text=y_title)
    if equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
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


def status_annotation(text: str, *, warn: bool = False) -> dict[str, Any]:
    """A status line in the top-left corner of a plot (used for "diverged at step 12").

    Figures whose content changes with a slider always carry this annotation (with empty
    text when there is nothing to say), so every precomputed frame has the same layout keys.
    """
    return dict(
        text=text,
        xref="paper",
        yref="paper",
        x=0.01,
        y=0.99,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=14, color="#B00020" if warn else "#222"),
        bgcolor="rgba(255,255,255,0.85)" if text else "rgba(0,0,0,0)",
    )


def figure_html(fig: go.Figure, *, post_script: str | None = None) -> str:
    """The HTML fragment the static site shows for ``fig`` (plotly.js is loaded by the page)."""
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        post_script=post_script,
        auto_play=False,
        config={"displaylogo": False, "responsive": True},
    )


class BookRenderer(MimetypeRenderer):
    """Emit both the plotly JSON (JupyterLab) and a ``text/html`` fragment (the book)."""

    def to_mimebundle(self, fig_dict: dict) -> dict[str, Any]:
        html = figure_html(go.Figure(fig_dict))
        if os.environ.get("LECTURE_CODE_BUILD") == "static":
            # The book's build shows only the HTML; leaving out the JSON keeps myst-nb's
            # "unknown mime type" warning meaningful (it fails the strict build).
            return {"text/html": html}
        # plotly's JSON renderer does the numpy -> base64 encoding JupyterLab expects.
        bundle = dict(pio.renderers["plotly_mimetype"].to_mimebundle(fig_dict))
        bundle["text/html"] = html
        return bundle


def register_renderer() -> None:
    """Register :class:`BookRenderer` as plotly's default renderer (idempotent)."""
    pio.renderers["book"] = BookRenderer()
    pio.renderers.default = "book"


register_renderer()

#: Palette role of each optimizer name (legend colours are the same in every figure).
ROLE = {
    "GD": "gd",
    "GD (unit-wise η)": "newton",
    "momentum": "momentum",
    "momentum (lecture form)": "momentum",
    "Nesterov": "nesterov",
    "Nesterov (lecture form)": "nesterov",
    "AdaGrad": "adagrad",
    "RMSprop": "rmsprop",
    "RMSprop+Nesterov": "accent",
    "Adam": "adam",
    "Adam (no bias corr.)": "theory",
    "AMSGrad": "amsgrad",
}


def legend_on_top(fig: go.Figure, above_titles: bool = False) -> go.Figure:
    """Horizontal legend above the plot, no figure title (static sliders live below the plot).

    ``above_titles=True`` lifts it over the subplot titles of a ``make_subplots`` figure.
    """
    fig.update_layout(title=None, legend=dict(orientation="h", yanchor="bottom", y=1.12 if above_titles else 1.02,
                                              xanchor="left", x=0.0),
                      margin=dict(t=115 if above_titles else 80))
    return fig


def role_of(name: str, index: int = 0) -> str | int:
    return ROLE.get(name, index)


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
) -> go.Figure:
    """Contour lines of ``surface`` with one path per trajectory, the start and the minimum."""
    win = window if window is not None else surface.window
    fig = new_figure(title, x_title="w₁", y_title="w₂", height=height)
    fig.add_trace(contours(surface, win, n_grid, levels, log))
    for i, t in enumerate(trajectories):
        tr = path_trace(thin(t.points, max_points), name=t.name, role=role_of(t.name, i))
        if not markers:
            tr.mode = "lines"
        fig.add_trace(tr)
    if trajectories:
        fig.add_trace(point_trace([trajectories[0].points[0]], name="start", role="start", size=10))
    if minimum is not None:
        fig.add_trace(point_trace([minimum], name="minimum", role="minimum", symbol="star", size=14))
    fig.update_xaxes(range=list(win[0]))
    fig.update_yaxes(range=list(win[1]))
    fig.update_layout(annotations=[status_annotation(status_text(trajectories), warn=True)])
    return fig


def draw_losses(trajectories: Sequence[Trajectory], *, title: str | None = None, log: bool = True,
                offset: float = 0.0, y_title: str = "loss", height: int = 380) -> go.Figure:
    """Loss (minus ``offset``) against step for each trajectory, log scale by default."""
    fig = new_figure(title, x_title="step", y_title=y_title, height=height)
    for i, t in enumerate(trajectories):
        y = np.maximum(t.losses - offset, 1e-300) if log else t.losses - offset
        fig.add_trace(go.Scatter(x=np.arange(len(y)), y=y.astype(np.float32), mode="lines", name=t.name,
                                 line=dict(color=color(role_of(t.name, i)), width=2)))
    if log:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(annotations=[status_annotation(status_text(trajectories), warn=True)])
    return fig
