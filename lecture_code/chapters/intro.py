"""Gradient descent on a one-dimensional quadratic: the smallest interactive figure.

``E(w) = ½ λ w²`` has gradient ``λ w``, so one step of gradient descent multiplies the
distance to the minimum by ``1 − ηλ``:

    w_{t+1} = w_t − η λ w_t = (1 − ηλ) w_t.

The iteration converges if and only if ``|1 − ηλ| < 1``, i.e. ``0 < η < 2/λ``; it
oscillates when ``η > 1/λ`` and diverges beyond ``2/λ``. The introduction uses it to show
how the book's interactive figures work; the chapters on curvature and momentum build on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lecture_code.core.plotting import color, new_figure, status_annotation
from lecture_code.core.quiz import NumericQuestion, Question, Quiz, quiz
from lecture_code.core.validate import check_int, check_positive

__all__ = [
    "EXERCISES",
    "graded_exercises",
    "Run1D",
    "gd_on_parabola",
    "draw_parabola_run",
    "warmup_quiz",
]


#: The graded exercises (``exercises/<name>.ipynb``, from ``solutions/<name>.md``) by the chapter
#: whose material they practise; an exercise may belong to two chapters. tests/test_chapter_intro.py
#: checks the list against ``_toc.yml`` and the ``exercises/`` folder.
EXERCISES: dict[str, tuple[str, ...]] = {
    "hessians": ("hessian_critical_points", "step_size_clipping"),
    "saddles": ("saddle_escape",),
    "symmetry": ("weight_space_symmetries",),
    "momentum": ("narrow_valley",),
    "adam": ("adam", "signal_to_noise"),
    "nfl": ("regions_nfl",),
    "hyperplanes": ("regions_nfl",),
    "landscape": ("batchnorm_landscape",),
    "shaping": ("batchnorm_landscape",),
}


def graded_exercises() -> list[str]:
    """Every graded exercise once, in the order of :data:`EXERCISES`."""
    return list(dict.fromkeys(name for names in EXERCISES.values() for name in names))


#: A run counts as diverged once its loss exceeds GROWTH times its starting loss (the runner's
#: ``max_loss = growth_bound(..., factor=GROWTH)``): with 4, once the distance to the minimum has
#: doubled, which gradient descent with η < 2/λ never does, and η > 2/λ always does.
GROWTH = 4.0


@dataclass(frozen=True)
class Run1D:
    """Iterates of gradient descent on ``½ λ w²``."""

    lr: float
    curvature: float
    w: np.ndarray            # w_0 ... w_T (ends at the last iterate before divergence)
    diverged_at: int | None  # first step whose loss exceeds GROWTH times the start, or None

    @property
    def factor(self) -> float:
        """The contraction factor ``1 − ηλ`` of one step."""
        return 1.0 - self.lr * self.curvature


def gd_on_parabola(lr: float, steps: int, curvature: float = 1.0, w0: float = 1.0) -> Run1D:
    """Run ``steps`` steps of gradient descent on ``½ λ w²`` from ``w0``.

    Raises ``ValueError`` (naming the parameter and the allowed range, as the library's
    checks do) for ``lr <= 0``, ``curvature <= 0``, ``steps`` that is not an integer >= 0 or a
    non-finite ``w0``. Divergence is not an error: the run stops and reports the step.
    """
    lr = float(check_positive(lr, "lr"))
    curvature = float(check_positive(curvature, "curvature"))
    steps = check_int(steps, "steps", 0)
    if isinstance(w0, bool) or not isinstance(w0, (int, float)) or not math.isfinite(w0):
        raise ValueError(f"w0 must be a finite number, got {w0!r}")
    w = [float(w0)]
    diverged_at = None
    # w ← w − ηλw is sgd(lr)'s step on E = ½λw², written out on one float: it is the recurrence the
    # chapter derives (each step multiplies w by 1 − ηλ) and keeps the slider instant in the browser;
    # tests/test_gd1d.py checks it against run(sgd(lr), ...) on the same E.
    bound = GROWTH * 0.5 * curvature * w[0] ** 2  # the runner's growth_bound(E, w0, GROWTH)
    for t in range(1, steps + 1):
        w_new = w[-1] - lr * curvature * w[-1]
        if not 0.5 * curvature * w_new**2 <= bound:
            diverged_at = t  # the iterate is not kept, as in the runner
            break
        w.append(w_new)
    return Run1D(lr=float(lr), curvature=float(curvature), w=np.array(w), diverged_at=diverged_at)


def draw_parabola_run(run: Run1D) -> go.Figure:
    """The parabola, the iterates on it, and the predicted factor ``|1 − ηλ|`` in the title."""
    lam = run.curvature
    span = 1.6
    xs = np.linspace(-span, span, 121)
    fig = new_figure(
        f"η = {run.lr:.3g}: each step multiplies w by 1 − ηλ = {run.factor:+.2f}",
        x_title="w",
        y_title="E(w) = ½λw²",
        height=380,
    )
    fig.add_trace(go.Scatter(x=xs, y=0.5 * lam * xs**2, mode="lines", name="E(w)",
                             line=dict(color=color("theory"), width=1.5)))
    w = np.clip(run.w, -10 * span, 10 * span)
    fig.add_trace(go.Scatter(x=w, y=0.5 * lam * w**2, mode="lines+markers", name="iterates",
                             line=dict(color=color("gd"), width=1.5), marker=dict(size=7)))
    if run.diverged_at is not None:
        msg, warn = (f"diverged at step {run.diverged_at}: |w| more than doubled "
                     f"(|1 − ηλ| = {abs(run.factor):.2f} > 1, η > 2/λ = {2 / lam:.3g})"), True
    elif abs(run.factor) > 1:
        msg, warn = f"diverging: |1 − ηλ| = {abs(run.factor):.2f} > 1", True
    elif run.factor < 0:
        msg, warn = "converging, but oscillating (η > 1/λ)", False
    else:
        msg, warn = "converging monotonically (η ≤ 1/λ)", False
    fig.add_annotation(status_annotation(msg, warn=warn))
    fig.update_xaxes(range=[-span, span])
    fig.update_yaxes(range=[-0.05, 0.5 * lam * span**2])
    return fig


# ---- the chapter's quiz -----------------------------------------------------------------------
# Defined here, not in the chapter's cell, so that the notebook (JupyterLab, the in-browser site,
# a downloaded .ipynb) shows no answer: the cell only calls it (docs/CONVENTIONS.md, "Quizzes").

def warmup_quiz() -> Quiz:
    """The introduction's warm-up: which learning rates make gradient descent converge on
    ``½ λ w²`` with ``λ = 4``, and the largest one (``2/λ``, checked against runs of
    :func:`gd_on_parabola` in ``tests/test_quiz_chapters.py``)."""
    lam = 4.0
    eta_max = 2 / lam   # 1 − ηλ reaches −1 at η = 2/λ
    return quiz(
        Question(
            "For $E(w) = \\tfrac12 \\lambda w^2$ with $\\lambda = 4$, which learning rates make gradient descent converge?",
            [
                ("η = 0.1", True, "1 − ηλ = 0.6: the distance shrinks by 40 % per step."),
                ("η = 0.4", True, "1 − ηλ = −0.6: it converges while jumping from side to side."),
                ("η = 0.5", False, "1 − ηλ = −1: it bounces between w₀ and −w₀ for ever."),
                ("η = 1.0", False, "1 − ηλ = −3: every step triples the distance."),
            ],
        ),
        NumericQuestion(
            "For the same $E(w) = \\tfrac12 \\lambda w^2$ with $\\lambda = 4$, gradient descent converges for every "
            "learning rate $\\eta > 0$ below which value?",
            eta_max, 1e-9, format_hint="a fraction such as 1/3 is fine",
            explanation="It converges when |1 − ηλ| < 1, that is for 0 < η < 2/λ = 0.5; at η = 0.5 it bounces "
                        "between w₀ and −w₀ for ever.",
        ),
        title="Warm-up",
    )
