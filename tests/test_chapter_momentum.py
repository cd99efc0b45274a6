"""Predicted convergence rates on quadratics against measured trajectories and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.momentum import (
    draw_momentum_steps, draw_quadratic, gd_rate, lr_change_gap, measured_rate, momentum_rate, momentum_steps,
    nesterov_comparison, optimal_gd, optimal_momentum, quadratic_demo, rate_map, rate_map_data,
    stability_boundary, valley_lr_table, valley_runs,
)
from lecture_code.core.optimizers import momentum, sgd
from lecture_code.core.runner import run
from lecture_code.core.surfaces import quadratic

KAPPA = 25.0
EIGS = [1.0, 1.0 / KAPPA]


@pytest.mark.parametrize("lr, beta", [(1.0, 0.5), (0.5, 0.9), (1.5, 0.2), (0.3, 0.0), (1.9, 0.7)])
def test_predicted_rate_matches_measured(lr, beta):
    s = quadratic(KAPPA, 0.7)
    t = run(momentum(lr, beta), s, (1.0, -2.0), 400)
    assert not t.diverged
    assert measured_rate(t.points) == pytest.approx(float(momentum_rate(lr, beta, EIGS)), abs=3e-3)


def test_predicted_rate_matches_the_matrix_power():
    """ρ is the spectral radius: compare with ‖Mᵗ‖^(1/t) for a large t (brute force)."""
    for lr, beta in [(1.0, 0.5), (0.2, 0.95), (2.5, 0.4)]:
        radii = []
        for lam in EIGS:
            M = np.array([[1 - lr * lam, beta], [-lr * lam, beta]])
            radii.append(np.linalg.norm(np.linalg.matrix_power(M, 2000), 2) ** (1 / 2000))
        assert float(momentum_rate(lr, beta, EIGS)) == pytest.approx(max(radii), rel=5e-3)


def test_gd_is_momentum_with_beta_zero():
    lrs = np.linspace(0.01, 2.5, 50)
    assert np.allclose(gd_rate(lrs, EIGS), momentum_rate(lrs, 0.0, EIGS))


def test_optimal_parameters_beat_every_grid_point():
    mu, L = EIGS[1], EIGS[0]
    eta, rho = optimal_gd(mu, L)
    lrs = np.linspace(0.01, 2.2, 2001)
    assert gd_rate(lrs, EIGS).min() >= rho - 1e-12
    assert float(gd_rate(eta, EIGS)) == pytest.approx(rho)
    eta_m, beta_m, rho_m = optimal_momentum(mu, L)
    grid = rate_map(EIGS, np.linspace(0.05, 4.0, 400), np.linspace(0.0, 0.99, 400))
    assert grid.rates.min() >= rho_m - 1e-9
    assert float(momentum_rate(eta_m, beta_m, EIGS)) == pytest.approx(rho_m, rel=1e-6)
    assert rho_m == pytest.approx((np.sqrt(KAPPA) - 1) / (np.sqrt(KAPPA) + 1))
    assert rho_m < rho  # momentum is faster: 1 − 2/√κ instead of 1 − 2/κ


def test_stability_region():
    """ρ < 1 exactly when η L < 2(1 + β) (with η μ > 0)."""
    betas = np.linspace(0, 0.95, 20)
    for b in betas:
        edge = float(stability_boundary(b, 1.0))
        assert float(momentum_rate(edge * 0.999, b, EIGS)) < 1
        assert float(momentum_rate(edge * 1.001, b, EIGS)) > 1
    # and the runner reports divergence just beyond it
    t = run(momentum(float(stability_boundary(0.5, 1.0)) * 1.05, 0.5), quadratic(KAPPA, 0.0), (1.0, 1.0), 2000)
    assert t.diverged


def test_gd_optimum_rate_measured():
    eta, rho = optimal_gd(EIGS[1], EIGS[0])
    t = run(sgd(eta), quadratic(KAPPA, 0.3), (1.0, 2.0), 300)
    assert measured_rate(t.points) == pytest.approx(rho, abs=1e-3)


def test_bad_input():
    with pytest.raises(ValueError, match="eigenvalues must be"):
        momentum_rate(0.1, 0.5, [-1.0])
    with pytest.raises(ValueError, match="need 0 < mu <= L"):
        optimal_gd(2.0, 1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: momentum_rate(-1.0, 0.5, EIGS), r"lr must be > 0 \(and finite\), got -1.0"),
    (lambda: momentum_rate(0.0, 0.5, EIGS), r"lr must be > 0"),
    (lambda: momentum_rate([0.5, float("nan")], 0.5, EIGS), r"lr must be > 0"),
    (lambda: momentum_rate(0.5, 1.0, EIGS), r"beta must be in \[0, 1\), got 1.0"),
    (lambda: momentum_rate(0.5, [0.2, -0.1], EIGS), r"beta must be in \[0, 1\)"),
    (lambda: momentum_rate(0.5, 0.5, "x"), r"eigenvalues must be"),
    (lambda: gd_rate(-0.1, EIGS), r"lr must be > 0"),
    (lambda: rate_map(EIGS, [0.1, -0.2], [0.5]), r"lrs must be > 0"),
    (lambda: rate_map(EIGS, [0.1], [0.5, 1.2]), r"betas must be in \[0, 1\)"),
    (lambda: optimal_momentum(-1.0, 1.0), r"mu must be > 0"),
    (lambda: optimal_gd(0.1, float("inf")), r"L must be > 0 \(and finite\)"),
    (lambda: stability_boundary(1.5, 1.0), r"beta must be in \[0, 1\)"),
    (lambda: stability_boundary(0.5, 0.0), r"L must be > 0"),
    (lambda: measured_rate(np.zeros(10)), r"points must be a \(T\+1, d\) array"),
    (lambda: measured_rate(np.ones((10, 2)), window=2), r"window must be an integer >= 3"),
    (lambda: quadratic_demo(-1.0, 0.5, 10), r"lr must be > 0"),
    (lambda: quadratic_demo(1.0, 1.0, 10), r"momentum must be in \[0, 1\)"),
    (lambda: quadratic_demo(1.0, 0.5, 2.5), r"steps must be an integer >= 0"),
    (lambda: momentum_steps(0.2, 0.5, 0), r"steps must be an integer >= 1"),
    (lambda: momentum_steps(0.2, 1.0, 10), r"alpha must be in \[0, 1\)"),
    (lambda: momentum_steps(-0.2, 0.5, 10), r"lr must be > 0"),
    (lambda: rate_map_data(kappa=0.5), r"kappa must be a finite number >= 1"),
    (lambda: rate_map_data(n=1), r"n must be an integer >= 2"),
    (lambda: valley_lr_table([0.1, -0.1]), r"lrs must be > 0"),
    (lambda: valley_lr_table(steps=0), r"steps must be an integer >= 1"),
    (lambda: nesterov_comparison(-5), r"steps must be an integer >= 0"),
])
def test_every_function_of_the_module_checks_its_arguments(call, message):
    """The chapter module validates like the library: the message names the parameter and the range."""
    with pytest.raises(ValueError, match=message):
        call()


# ---- the chapter's demos: frames swap cleanly and divergence shows on the figure ----------------


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


def test_momentum_steps_frames():
    assert _signature(draw_momentum_steps(momentum_steps(0.2, 0.0, 10))) == _signature(draw_momentum_steps(momentum_steps(0.2, 0.95, 60)))


def test_static_runs():
    gd, unitwise, mom = valley_runs()
    assert len(gd.points) == 5 and len(unitwise.points) == 11 and len(mom.points) == 4


def test_lr_change_gap():
    before, after = lr_change_gap(0.1, 0.9, 20, 0.05, 20)
    assert before < 1e-12 and after[0] > 0.1


def test_valley_lr_table_against_the_closed_form():
    """w1 moves by exactly η per step, so it reaches 0 after 10/η steps (η dividing 10); w2 then
    alternates between two values 75η apart, so its largest |w2| is at least 75η/2 unless a
    jump lands on 0 (η = 2/15: 10 − 75η = 0)."""
    rows = valley_lr_table((0.01, 0.05, 0.1, 2 / 15, 0.2, 0.5), steps=2000)
    for r in rows:
        assert r["steps_w1"] == round(10 / r["lr"])
        if abs(r["lr"] - 2 / 15) < 1e-3:
            assert r["w2_bounce"] == 0.0
        else:
            assert r["w2_bounce"] >= 75 * r["lr"] / 2 - 1e-9


def test_at_the_optimum_the_extreme_roots_are_double():
    """At (η*, β*) the discriminant (1 + β − ηλ)² − 4β vanishes for λ = μ and λ = L, so the error
    decays like t·ρᵗ: the fitted rate lies above ρ* and approaches it as the run gets longer."""
    mu, L = EIGS[1], EIGS[0]
    eta, beta, rho = optimal_momentum(mu, L)
    for lam in (mu, L):
        assert (1 + beta - eta * lam) ** 2 - 4 * beta == pytest.approx(0.0, abs=1e-12)
    r300 = measured_rate(quadratic_demo(eta, beta, 300).trajectory.points)
    r600 = measured_rate(quadratic_demo(eta, beta, 600).trajectory.points)
    assert rho < r600 < r300
    # a fit of log(t ρᵗ) over the second half [T/2, T] has slope ≈ log ρ + 1/(0.75 T) … the gap shrinks like 1/T
    assert (r300 - rho) / (r600 - rho) == pytest.approx(2.0, rel=0.15)


def _heavy_ball(eta: float, beta: float, grad, w0: float, steps: int) -> tuple[float, float]:
    """The momentum iteration itself, v ← βv − η∇E(w), w ← w + v: the last w and v."""
    w, v = w0, 0.0
    for _ in range(steps):
        v = beta * v - eta * grad(w)
        w = w + v
    return w, v


def test_the_self_checks_numbers_agree_with_the_momentum_iteration():
    """The quiz's speed-up on the valley floor (α = 0.95) and its largest stable η (β = 0.5, L = 1),
    computed by the library, against runs of the momentum iteration written out here."""
    from lecture_code.chapters.momentum import self_check_quiz

    *_, speedup, edge = self_check_quiz().questions
    gamma = 0.01
    _, v = _heavy_ball(gamma, 0.95, lambda w: 1.0, 0.0, 2000)    # a constant gradient g = 1 along the floor
    assert -v / gamma == pytest.approx(speedup.answer, rel=1e-9) and speedup.accepts("20")
    below = _heavy_ball(0.999 * edge.answer, 0.5, lambda w: w, 1.0, 5000)[0]
    above = _heavy_ball(1.001 * edge.answer, 0.5, lambda w: w, 1.0, 5000)[0]
    assert abs(below) < 1e-3 and abs(above) > 1e3 and edge.accepts("3")
