"""Reddi, Kale & Kumar's Theorem 1 with the steps it is proved for: Adam with α/√t still fails.

The Adam chapter shows that the failure on Reddi et al.'s online problem is not an artefact of
a constant step. The independent reference is the paper's own algorithm written out here as a
plain loop (their Algorithm 1 with β₁ = 0, no bias correction, steps α/√t and the projection
onto [−1, 1]); the chapter's runs use the library's Adam (with bias correction) and must reach
the same verdict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_code.chapters.adam import (
    adam_decaying, draw_reddi, reddi_decaying_demo, reddi_decaying_rows, reddi_tail,
)


def _reddi_adam_loop(C: float, steps: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """x_t and R_t/t of Adam as Reddi et al. analyse it: β₁ = 0, β₂ = 1/(1 + C²), α_t = α/√t."""
    b2 = 1.0 / (1.0 + C * C)
    x, v = 0.0, 0.0
    xs, regret, loss, best = [x], [], 0.0, 0.0
    for t in range(1, steps + 1):
        g = C if t % 3 == 1 else -1.0
        loss += g * x
        best += -g
        v = b2 * v + (1 - b2) * g * g
        x = min(1.0, max(-1.0, x - alpha / math.sqrt(t) * g / math.sqrt(v)))
        xs.append(x)
        regret.append((loss - best) / t)
    return np.array(xs), np.array(regret)


def test_the_papers_adam_with_decaying_steps_ends_at_the_worst_point():
    xs, regret = _reddi_adam_loop(3.0, 30000, 0.5)
    assert xs[-300:].min() > 0.99            # x = +1, the worst point of [−1, 1]
    assert regret[-1] > 0.6 and regret[-1] > 0.9 * regret[2999]   # R_T/T does not go to 0


def test_the_chapters_adam_with_decaying_steps_agrees_and_amsgrad_converges():
    runs = reddi_decaying_demo(3.0, 3000, 0.05, 0.5)
    assert [r.name for r in runs][-1] == "Adam, η/√t (η = 0.5)"
    adam_decay, ams_decay = runs[3], runs[2]
    assert reddi_tail(adam_decay)[0] > 0.98 and reddi_tail(ams_decay)[1] < -0.99
    ref_x, ref_regret = _reddi_adam_loop(3.0, 3000, 0.5)
    # bias correction changes the first steps only: the same end point and nearly the same regret
    assert abs(adam_decay.x[-1] - ref_x[-1]) < 0.01
    assert adam_decay.average_regret[-1] == pytest.approx(ref_regret[-1], rel=0.05)
    rows = reddi_decaying_rows(3.0, 0.5, (300, 3000, 30000))
    adam = [r["adam_regret"] for r in rows]
    ams = [r["ams_regret"] for r in rows]
    assert min(adam) > 0.6                                          # stays away from zero
    assert ams[2] < ams[1] / 2 < ams[0] / 2 and ams[2] < 0.01        # keeps falling
    fig = draw_reddi(runs)
    assert [t.line.dash for t in fig.data[::2]] == [None, None, "dash", "dash"]


def test_adam_decaying_checks_its_step_size():
    with pytest.raises(ValueError, match="lr must be > 0"):
        adam_decaying(0.0)
