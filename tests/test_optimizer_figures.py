"""The optimizer chapters' demos: frames swap cleanly and divergence shows on the figure."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.adam import (
    RACES, draw_moments, draw_noisy, draw_race, moments_demo, noisy_demo, race_demo,
    race_optimizers,
)
from lecture_code.chapters.momentum import (
    draw_momentum_steps, draw_quadratic, momentum_steps, quadratic_demo, valley_runs,
)
from lecture_code.chapters.momentum import momentum_rate


def _signature(fig):
    return tuple(t.type for t in fig.data), len(fig.layout.annotations or ())


def _status(fig) -> str:
    return fig.layout.annotations[-1].text or ""


def test_quadratic_demo_frames_match_and_divergence_is_reported():
    base = draw_quadratic(quadratic_demo())
    for lr, beta, steps in [(0.25, 0.0, 25), (3.0, 0.0, 300), (3.0, 0.9, 100), (2.0, 0.5, 300)]:
        fig = draw_quadratic(quadratic_demo(lr, beta, steps))
        assert _signature(fig) == _signature(base)
    diverging = quadratic_demo(3.0, 0.0, 300)  # η λmax = 3 > 2: gradient descent diverges
    assert diverging.trajectory.diverged
    assert f"diverged at step {diverging.trajectory.diverged_at}" in _status(draw_quadratic(diverging))
    assert _status(draw_quadratic(quadratic_demo(1.0, 0.5, 100))) == ""


def test_quadratic_demo_prediction_is_the_analysis():
    d = quadratic_demo(1.0, 0.7, 100)
    assert d.predicted == pytest.approx(float(momentum_rate(1.0, 0.7, [1.0, 1 / 25])))


def test_race_frames_match_and_report_divergence_and_escape():
    base = draw_race(race_demo(1.0, 500, "beale"))
    fast = race_demo(4.0, 500, "beale")
    fig = draw_race(fast)
    assert _signature(fig) == _signature(base)
    gone = [t.name for t in fast.trajectories if t.diverged]
    assert "GD" in gone and "Adam" not in gone  # big steps: plain GD blows up, Adam's steps stay ≈ η
    assert "GD diverged at step" in _status(fig)
    saddle = race_demo(1.0, 150, "y4_minus_x4")
    escaped = {t.name for t in saddle.trajectories if t.diverged}
    assert {"AdaGrad", "Adam"} <= escaped and "GD" not in escaped  # GD is stuck at the saddle
    assert _status(draw_race(saddle)).startswith("escaped the saddle")
    assert len(race_optimizers("beale")) == 8 and set(RACES) == {"beale", "y4_minus_x4"}


def test_noisy_demo_adaptive_steps_shrink_in_the_noisy_direction():
    quiet, noisy = noisy_demo(0.0), noisy_demo(4.0)
    assert _signature(draw_noisy(quiet)) == _signature(draw_noisy(noisy))
    # noise in y makes Adam's effective learning rate in y much smaller; x is not affected
    assert noisy.eff_lr[1, -50:].mean() < 0.5 * quiet.eff_lr[1, -50:].mean()
    assert np.allclose(noisy.eff_lr[0], quiet.eff_lr[0])
    # and the Adam path wanders less in y than plain SGD under the same noise
    sgd, _, adam = noisy.trajectories
    assert np.std(adam.points[100:, 1]) < np.std(sgd.points[100:, 1])


def test_moments_and_momentum_steps_frames():
    assert _signature(draw_moments(moments_demo(0.5, False))) == _signature(draw_moments(moments_demo(0.99, True)))
    assert _signature(draw_momentum_steps(momentum_steps(0.2, 0.0, 10))) == _signature(draw_momentum_steps(momentum_steps(0.2, 0.95, 60)))


def test_static_runs():
    gd, unitwise, mom = valley_runs()
    assert len(gd.points) == 5 and len(unitwise.points) == 11 and len(mom.points) == 4
