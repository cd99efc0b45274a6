"""Drawing helpers shared by the optimizer chapters (trajectories over contour lines).

Built on :mod:`lecture_code.plotting`; every function returns a ``go.Figure`` (or traces)
and does no optimisation itself.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from lecture_code.plotting import color, contour_trace, new_figure, path_trace, point_trace, status_annotation
from lecture_code.runner import Trajectory
from lecture_code.surfaces import Surface, grid

__all__ = ["ROLE", "legend_on_top", "thin", "role_of", "contours", "draw_paths", "status_text", "draw_losses"]

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
