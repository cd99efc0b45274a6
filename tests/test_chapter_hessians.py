"""The step model, Newton, and the demos of lecture_code.chapters.hessians against independent references."""

import math

import numpy as np
import pytest
import torch

from lecture_code.chapters.hessians import (
    CLIFF, ZIGZAG, clipping_demo, directional_curvature, draw_clipping, draw_ill_conditioning,
    draw_zigzag, eigen_arrows, ill_conditioning_run, lecture_examples, newton_run, optimal_step,
    step_model, zigzag_demo,
)
from lecture_code.core.surfaces import get_surface, quadratic


def _signature(fig):
    return [type(t).__name__ for t in fig.data], len(fig.layout.annotations)


def test_optimal_step_minimizes_the_quadratic_model_by_brute_force():
    r = np.random.default_rng(0)
    A = r.standard_normal((4, 4))
    H = A @ A.T + 0.5 * np.eye(4)
    g = r.standard_normal(4)
    alphas = np.linspace(0, 5, 200001)
    model = -alphas * (g @ g) + 0.5 * alphas**2 * (g @ H @ g)
    assert optimal_step(g, H) == pytest.approx(alphas[np.argmin(model)], abs=5e-5)


def test_optimal_step_along_eigenvectors_is_one_over_lambda():
    s = quadratic(20.0, 0.4, 2.0)
    H = s.hess([0, 0])
    lam, V = np.linalg.eigh(H)
    assert optimal_step(3.0 * V[:, 1], H) == pytest.approx(1 / lam[1])
    assert optimal_step(-0.1 * V[:, 0], H) == pytest.approx(1 / lam[0])
    assert optimal_step([1.0, 0.0], np.diag([-1.0, 2.0])) == math.inf  # negative curvature along g


def test_step_model_is_exact_on_a_quadratic_and_increase_starts_at_two_alpha_star():
    s = quadratic(**{k: ZIGZAG[k] for k in ("condition_number", "angle", "lambda_max")})
    m = step_model(s, ZIGZAG["start"], np.linspace(0, 3, 31))
    np.testing.assert_allclose(m.actual, m.second_order, atol=1e-10)
    eps = 1e-3
    m2 = step_model(s, ZIGZAG["start"], [m.alpha_break * (1 - eps), m.alpha_break * (1 + eps)])
    assert m2.actual[0] < 0 < m2.actual[1]
    # first-order prediction is the tangent: exact derivative at alpha = 0
    g = s.grad(ZIGZAG["start"])
    assert m.first_order[1] == pytest.approx(-m.alphas[1] * (g @ g))


def test_step_model_error_is_third_order_on_rosenbrock():
    s = get_surface("rosenbrock")
    a = np.array([1e-4, 2e-4])
    m = step_model(s, (-1.0, 1.0), a)
    err = np.abs(m.actual - m.second_order)
    assert err[1] / err[0] == pytest.approx(8.0, rel=0.05)  # doubling α multiplies the error by 2³


def test_directional_curvature_is_bounded_by_the_eigenvalues():
    H = get_surface("beale").hess([1.3, -0.6])
    lam = np.linalg.eigvalsh(H)
    phi = np.linspace(0, np.pi, 20001)
    c = directional_curvature(H, phi)
    assert c.max() == pytest.approx(lam[1], rel=1e-6)
    assert c.min() == pytest.approx(lam[0], rel=1e-6, abs=1e-6)
    pairs = eigen_arrows(H)
    assert pairs[0][0] == pytest.approx(lam[1]) and np.linalg.norm(pairs[0][1]) == pytest.approx(1.0)
    np.testing.assert_allclose(H @ pairs[0][1], lam[1] * pairs[0][1], atol=1e-10)


def test_lecture_examples_table():
    rows = {r["name"]: r for r in lecture_examples()}
    assert rows["bowl"]["hessian_test"] == "minimum"
    assert rows["saddle"]["hessian_test"] == "saddle"
    for name in ("x2_plus_y4", "x2_minus_y4", "neg_quartic", "monkey_saddle"):
        assert rows[name]["hessian_test"] == "degenerate"
    assert rows["x2_plus_y4"]["truth"] == "minimum" and rows["x2_minus_y4"]["truth"] == "saddle"


def test_newton_solves_a_quadratic_in_one_step_and_jumps_onto_saddles():
    for name in ("bowl", "saddle", "saddle_x1x2"):
        tr = newton_run(get_surface(name), (1.3, -0.7), 2)
        np.testing.assert_allclose(tr.points[1], [0.0, 0.0], atol=1e-12)
        assert tr.diverged_at is None
    # on a quadratic with any A: one step to the minimum
    s = quadratic(50.0, 1.0)
    np.testing.assert_allclose(newton_run(s, (4.0, -2.0), 1).points[1], 0.0, atol=1e-12)


def test_newton_converges_quadratically_on_rosenbrock():
    tr = newton_run(get_surface("rosenbrock"), (-1.2, 1.0), 8)
    np.testing.assert_allclose(tr.points[-1], [1.0, 1.0], atol=1e-10)


def test_newton_reports_a_singular_hessian_instead_of_raising():
    tr = newton_run(get_surface("x2_plus_y4"), (1.0, 0.0), 5)  # H = diag(2, 0) on the x axis
    assert tr.diverged_at == 1 and len(tr.points) == 1


def test_zigzag_contracts_at_the_predicted_rate_and_reports_divergence():
    d = zigzag_demo(1.0, 50)
    s = quadratic(**{k: ZIGZAG[k] for k in ("condition_number", "angle", "lambda_max")})
    lam, V = np.linalg.eigh(s.hess([0, 0]))
    comp = d.trajectory.points @ V[:, 0]  # component along v_min
    np.testing.assert_allclose(comp[1:] / comp[:-1], 1 - 1.0 * lam[0], rtol=1e-9)
    assert not d.trajectory.diverged
    bad = zigzag_demo(2.1, 50)
    assert bad.trajectory.diverged and bad.trajectory.diverged_at > 1
    ok = zigzag_demo(1.9, 50)
    assert not ok.trajectory.diverged
    assert _signature(draw_zigzag(ok)) == _signature(draw_zigzag(bad)) == _signature(draw_zigzag(zigzag_demo(0.2, 1)))


@pytest.mark.parametrize("lr", [2.05, 2.1, 2.5])
def test_zigzag_diverges_beyond_two_over_lambda_max(lr):
    tr = zigzag_demo(lr, 400).trajectory
    assert tr.diverged
    # closed form: the component c_i along eigenvector v_i is multiplied by (1 - η λ_i) per step,
    # so the loss is Σ ½ λ_i c_i² (1 - η λ_i)^(2t); the run is flagged at the first step where it
    # exceeds ZIGZAG["growth"] times its start
    s = quadratic(**{k: ZIGZAG[k] for k in ("condition_number", "angle", "lambda_max")})
    lam, V = np.linalg.eigh(s.hess([0, 0]))
    c = np.asarray(ZIGZAG["start"]) @ V
    loss = [0.5 * np.sum(lam * c**2 * (1 - lr * lam) ** (2 * t)) for t in range(401)]
    predicted = next(t for t in range(401) if loss[t] > ZIGZAG["growth"] * loss[0])
    assert tr.diverged_at == predicted
    # the chapter's slider (at most 50 steps) flags 2.1 within its range
    if lr == 2.1:
        assert predicted <= 50 and "diverged at step" in draw_zigzag(zigzag_demo(lr, 50)).layout.annotations[-1].text


def test_clipping_bounds_every_step_and_plain_gd_is_catapulted():
    d = clipping_demo(0.5, 1.0)
    steps = np.linalg.norm(np.diff(d.clipped.points, axis=0), axis=1)
    assert steps.max() <= 0.5 * 1.0 + 1e-12
    plain = np.linalg.norm(np.diff(d.plain.points, axis=0), axis=1)
    assert plain.max() > 10.0                       # the catapult
    assert d.max_grad > 40.0
    assert d.clipped.losses.max() <= d.clipped.losses[0] + 1e-12  # clipped run never climbs above its start
    other = clipping_demo(0.2, 5.0)
    assert _signature(draw_clipping(d)) == _signature(draw_clipping(other))


def test_ill_conditioning_run_records_curvature_along_the_gradient():
    from lecture_code.core.hessian import exact_hessian
    from lecture_code.core.synthetic import spirals
    from lecture_code.core.models import flatten_params, make_loss_fn, mlp

    c = ill_conditioning_run(lr=0.5, steps=3, hidden=4, n=20, eig_every=2)
    data = spirals(20, noise=0.35, seed=0)
    model = mlp([2, 4, 4, 2], "tanh", seed=0)
    f = make_loss_fn(model, data.X, data.y, "cross_entropy")
    theta = flatten_params(model)
    g = torch.func.grad(f)(theta)
    H = exact_hessian(f, theta)
    assert c.loss[0] == pytest.approx(float(f(theta)))
    assert c.grad_sq[0] == pytest.approx(float(g @ g))
    assert c.curvature[0] == pytest.approx(float(g @ H @ g) / float(g @ g), rel=1e-8)
    assert c.lambda_max[0] == pytest.approx(float(torch.linalg.eigvalsh(H)[-1]), rel=1e-4)
    np.testing.assert_allclose(c.decrease, 0.5 * c.grad_sq)
    # second step: theta - lr g
    theta1 = theta - 0.5 * g
    assert c.loss[1] == pytest.approx(float(f(theta1)))
    assert len(draw_ill_conditioning(c).data) == 5


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: optimal_step([0.0, 0.0], np.eye(2)), "g must be non-zero"),
        (lambda: optimal_step([1.0, 0.0], np.eye(3)), "H must have shape"),
        (lambda: step_model(get_surface("bowl"), (0.0, 0.0), [0.1]), "point"),
        (lambda: step_model(get_surface("bowl"), (np.nan, 0.0), [0.1]), "point"),
        (lambda: step_model(get_surface("bowl"), (1.0, 0.0), [np.inf]), "alphas"),
        (lambda: newton_run(get_surface("bowl"), (1.0, 2.0, 3.0), 3), "start"),
        (lambda: newton_run(get_surface("bowl"), (1.0, 2.0), -1), "steps"),
        (lambda: directional_curvature(np.eye(3), [0.0]), "H must have shape"),
        (lambda: ill_conditioning_run(lr=-1.0), "lr must be > 0"),
        (lambda: ill_conditioning_run(steps=0), "steps"),
        (lambda: clipping_demo(0.5, 0.0), "max_norm"),
        (lambda: zigzag_demo(-0.1, 5), "lr"),
    ],
)
def test_bad_inputs_name_the_parameter(call, match):
    with pytest.raises(ValueError, match=match):
        call()



def test_the_self_checks_best_step_agrees_with_a_line_search_and_its_saddle_with_classify():
    """The quiz's α* on x² + 3y² from (1, 1) (computed by :func:`optimal_step`) against a brute-force
    line search of the loss after one gradient step; its Hessian 3, 0, −1 is a saddle for classify."""
    from lecture_code.chapters.hessians import self_check_quiz
    from lecture_code.core.critical import classify

    questions = self_check_quiz().questions
    number = questions[-1]
    bowl = get_surface("bowl")
    start = np.array([1.0, 1.0])
    alphas = np.linspace(0.0, 1.0, 100_001)
    losses = [bowl.f(start - a * bowl.grad(start)) for a in alphas]
    best = alphas[int(np.argmin(losses))]
    assert number.answer == pytest.approx(best, abs=1e-5) and number.accepts("5/28")
    # the first question: eigenvalues 3, 0, −1 make a saddle, the option marked right
    assert classify([3.0, 0.0, -1.0]).kind == "saddle"
    assert [(text, correct) for text, correct, _ in questions[0].options if correct] == [("a saddle point", True)]
