"""Coin flips, the semicircle index, GD on x1² − x2², the critical-point search and the MLP runs of the saddles chapter."""

import math

import numpy as np
import pytest

from lecture_code.chapters import saddles as sd
from lecture_code.core.critical import find_critical_point, search
from lecture_code.core.mlp import MLPRegression
from lecture_code.chapters.saddles import draw_index_vs_loss, load_critical_points


def test_coin_flip_numbers_from_lecture():
    # N=1: 1/2 minima; N=2: 1/4 minima, 1/4 maxima, 1/2 saddles; N=10: 1/1024
    assert sd.prob_all_positive(1) == 0.5
    assert sd.prob_all_positive(2) == 0.25 and sd.prob_index(2, 2) == 0.25 and sd.prob_index(2, 1) == 0.5
    assert sd.prob_all_positive(10) == 1 / 1024
    assert sum(sd.prob_index(7, k) for k in range(8)) == pytest.approx(1.0)


def test_simulated_signs_match_exact_and_goe_is_rarer():
    r = sd.simulate_signs(4, trials=40_000, seed=1)
    assert r["coins"] == pytest.approx(1 / 16, abs=0.006)
    assert r["goe"] < r["exact"] / 3


def test_semicircle_cdf_vs_numeric_integration_and_simulation():
    x = np.linspace(-2, 2, 20001)
    dens = np.sqrt(4 - x**2) / (2 * math.pi)
    cdf = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(x))])
    for t in (-1.5, -0.3, 0.0, 1.2):
        assert sd.semicircle_cdf(t) == pytest.approx(np.interp(t, x, cdf), abs=1e-6)
    s = sd.spectrum_demo(0.3, N=800, seed=2)
    assert s.index == pytest.approx(s.predicted_index, abs=0.03)
    assert sd.semicircle_index(0.0) == pytest.approx(0.0) and sd.semicircle_index(0.5) == pytest.approx(0.5)


def test_index_grows_like_three_halves_power_near_zero_loss():
    e = np.array([1e-4, 1e-3])
    a = sd.semicircle_index(e)
    slope = math.log(a[1] / a[0]) / math.log(10)
    assert slope == pytest.approx(1.5, abs=0.01)


def test_gd_on_saddle_escape_times():
    # on the stable manifold GD never leaves; off it, |x2| grows by (1 + 2η) per step
    on = sd.saddle_gd(0.0, noise=0.0, steps=200)
    assert on.escape_step is None and abs(on.path[-1][1]) == 0
    for x2 in (1e-2, 1e-6):
        run = sd.saddle_gd(x2, noise=0.0, lr=0.1, steps=200)
        assert run.escape_step == sd.steps_to_escape(x2, 0.1)
    assert sd.saddle_gd(0.0, noise=0.1, steps=200).escape_step is not None  # noise escapes
    assert sd.steps_to_escape(1e-6, 0.1) > 10  # "stuck after ten steps"


def test_saddle_gd_path_matches_closed_form():
    run = sd.saddle_gd(1e-3, lr=0.1, steps=10)
    t = np.arange(11)
    np.testing.assert_allclose(run.path[:, 0], 0.8**t, rtol=1e-6)
    np.testing.assert_allclose(run.path[:, 1], 1e-3 * 1.2**t, rtol=1e-6)


def test_find_critical_point_converges_to_a_saddle_from_small_init():
    net = MLPRegression.default(hidden=4, n_data=32)
    theta0 = net.init(np.random.default_rng(3), scale=0.1)
    theta, rec = find_critical_point(net, theta0)
    assert rec.converged and np.linalg.norm(net.grad(theta)) < 1e-9
    assert rec.kind == "saddle" and 0 < rec.index < 1


def test_search_returns_only_converged_points():
    pts = search(MLPRegression.default(hidden=3, n_data=24), starts=4, seed=0, gd_steps=200)
    assert all(p.converged and p.grad_norm < 1e-9 for p in pts)


def test_stuck_is_not_zero_gradient():
    stuck = sd.stuck_run(lr=0.3, steps=3000)
    ok = sd.stuck_run(lr=0.05, steps=3000)
    late = slice(2000, 3001)
    assert stuck.loss[3000] > 0.5 * stuck.loss[2000]  # no progress over the last 1000 steps
    assert np.median(stuck.grad_norm[late]) > 10 * np.median(ok.grad_norm[late])  # yet a large gradient


def test_sgd_escapes_a_saddle_where_gd_stays():
    net = MLPRegression.default(hidden=8)
    theta, rec = find_critical_point(net, net.init(np.random.default_rng(5), scale=0.1))
    assert rec.converged and rec.kind == "saddle"
    gd = sd.escape_run(theta, None, lr=0.05, steps=300)
    sgd = sd.escape_run(theta, 8, lr=0.05, steps=300, seed=1)
    assert gd.loss[-1] == pytest.approx(rec.loss, rel=1e-6)
    assert sgd.loss[-1] < 0.8 * rec.loss


@pytest.mark.parametrize(
    "call",
    [
        lambda: sd.prob_all_positive(0),
        lambda: sd.prob_all_positive(3.5),
        lambda: sd.prob_index(3, 4),
        lambda: sd.loss_shift(1.5),
        lambda: sd.saddle_gd(0.1, lr=-1),
        lambda: sd.saddle_gd(0.1, noise=-0.1),
        lambda: sd.escape_run(np.zeros(3), None),
        lambda: MLPRegression(np.zeros((3, 2)), np.zeros(4), 2),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_demo_figures_have_the_same_traces_for_every_frame():
    a = sd.draw_spectrum(sd.spectrum_demo(0.0, N=50))
    b = sd.draw_spectrum(sd.spectrum_demo(0.8, N=50))
    assert [t.type for t in a.data] == [t.type for t in b.data] and len(a.layout.annotations) == len(b.layout.annotations)
    c = sd.draw_saddle(sd.saddle_gd(0.0, steps=30))
    d = sd.draw_saddle(sd.saddle_gd(0.1, steps=30))
    assert [t.type for t in c.data] == [t.type for t in d.data] and len(c.layout.annotations) == 1


def test_committed_critical_points_file():
    data = load_critical_points()
    assert [net["hidden"] for net in data["nets"]] == [4, 8]
    for net in data["nets"]:
        pts = net["points"]
        assert net["converged"] == len(pts) > 10
        assert all(p["grad_norm"] < (1e-4 if p["start"] == "trained" else 1e-9) for p in pts)
        assert all(p["index"] == pytest.approx(p["n_negative"] / net["n_params"], abs=1e-6) for p in pts)
        # the trend the chapter shows: the lowest-loss points have the smallest index
        low = min(pts, key=lambda p: p["loss"])
        high = max(pts, key=lambda p: p["loss"])
        assert low["index"] < high["index"]
    fig = draw_index_vs_loss(data)
    assert len(fig.data) == 4


def test_follow_downhill_records_the_trust_region_path():
    """What the chapter prints along the path, against the network itself: the loss and gradient
    norm at each iterate, a loss that never rises (trust-region steps are taken downhill only),
    the tracked units' output weights (signs aligned) and the spread of their incoming vectors."""
    net = MLPRegression.default(hidden=4)
    theta = net.init(np.random.default_rng(3), scale=0.5)
    path = sd.follow_downhill(theta, hidden=4, iterations=40, k=2)
    assert path.loss[0] == pytest.approx(net.f(theta)) and path.grad_norm[0] == pytest.approx(np.linalg.norm(net.grad(theta)))
    assert np.all(np.diff(path.loss) <= 1e-12) and path.loss[-1] < path.loss[0]
    assert len(path.units) == 2 and path.out_weights.shape == (len(path.loss), 2)
    _, a0, _ = net.unpack(theta)
    np.testing.assert_allclose(np.abs(path.out_weights[0]), np.abs(a0[path.units]))
    U0, _, _ = net.unpack(theta)
    gap = min(np.linalg.norm(U0[path.units[0]] - s * U0[path.units[1]]) for s in (1, -1))
    assert path.spread[0] >= gap - 1e-12  # the aligned pair is one of the two sign choices


# ------------------------------------------------------------------ perturbed GD and strict saddles (issue 21)


def _kick_signature(fig):
    return [type(t).__name__ for t in fig.data], len(fig.layout.annotations)


def test_kick_demo_frames_have_the_same_traces_and_gd_never_moves():
    a, b = sd.kick_demo(1, 1e-1, runs=4, steps=300), sd.kick_demo(1000, 1e-7, runs=4, steps=300)
    assert np.all(a.gd_losses == 0) and np.all(b.gd_losses == 0)
    assert _kick_signature(sd.draw_kicks(a)) == _kick_signature(sd.draw_kicks(b))
    assert np.all(a.escape_steps >= 0) and np.all(b.escape_steps >= 0)
    assert a.escape_steps.mean() < b.escape_steps.mean()
    assert b.predicted == pytest.approx(sd.kick_demo(1000, 1e-7, runs=30, steps=300).escape_steps.mean(), abs=8)


def test_escape_slopes_against_the_theory_constants():
    data = sd.load_perturbed_gd()
    s = sd.escape_slopes(data)
    assert s["per_doubling_theory"] == pytest.approx(0.5 * math.log(2) / math.log(1.1))
    assert s["per_decade_theory"] == pytest.approx(math.log(10) / math.log(1.1))
    assert abs(s["per_doubling"] - s["per_doubling_theory"]) < 0.5
    assert abs(s["per_decade"] - s["per_decade_theory"]) < 1.5
    # the average over all doublings is smaller than the fitted slope: the first doublings cost less,
    # as the exact linearised means (digamma formula) say too
    rows = data["by_dimension"]
    assert s["per_doubling_overall"] == pytest.approx((rows[-1]["mean"] - rows[0]["mean"]) / math.log2(rows[-1]["d"]))
    assert s["first_doubling"] < s["per_doubling_overall"] < s["per_doubling"]
    from lecture_code.core.escape import predicted_escape_steps
    gaps = [predicted_escape_steps(2 * d, 1e-3) - predicted_escape_steps(d, 1e-3) for d in (1, 2, 8, 1024)]
    assert gaps == sorted(gaps) and gaps[-1] == pytest.approx(s["per_doubling_theory"], abs=0.01)
    assert s["first_doubling"] == pytest.approx(gaps[0], abs=1.5)
    fig = sd.draw_escape_times(data)
    assert len(fig.data) == 4


def test_deep_linear_hessian_against_autograd():
    import torch

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 6)), rng.standard_normal((2, 6))
    Ws = [rng.standard_normal((2, 2)) * 0.5 for _ in range(3)]
    H = sd.deep_linear_hessian(Ws, X, Y, eps=1e-4)

    def loss(flat):
        W1, W2, W3 = flat[:4].reshape(2, 2), flat[4:8].reshape(2, 2), flat[8:].reshape(2, 2)
        return ((torch.tensor(Y) - W3 @ W2 @ W1 @ torch.tensor(X)) ** 2).sum()

    ref = torch.autograd.functional.hessian(loss, torch.tensor(np.concatenate([W.ravel() for W in Ws])))
    assert np.allclose(H, ref.numpy(), atol=1e-5)


def test_strict_saddle_evidence():
    rows = sd.strict_saddle_evidence()
    by = {(r["model"][:3], r["layers"]): r for r in rows}
    assert by[("(1 ", 2)]["lambda_min"] == pytest.approx(-2.0)
    assert by[("(1 ", 3)]["lambda_min"] == 0.0
    matrix = [r for r in rows if "‖" in r["model"]]
    assert matrix[0]["lambda_min"] == pytest.approx(matrix[0]["predicted"], rel=1e-6) and matrix[0]["lambda_min"] < 0
    assert all(abs(r["lambda_min"]) < 1e-6 for r in matrix[1:])


def test_the_quizs_escape_steps_agree_with_gradient_descent_itself():
    """The quiz's steps to leave x1² − x2² from x2 = 10⁻⁴ with η = 0.1 (computed by
    steps_to_escape) against the gradient-descent iteration itself, and its coin-flip fraction."""
    from lecture_code.chapters.saddles import conjecture_quiz, prob_all_positive

    questions = conjecture_quiz(0.5).questions
    number = questions[-1]
    x1, x2, steps = 1.0, 1e-4, 0
    while abs(x2) < 1:
        x1, x2 = x1 - 0.1 * 2 * x1, x2 - 0.1 * (-2 * x2)   # ∇(x1² − x2²) = (2 x1, −2 x2)
        steps += 1
    assert number.answer == steps and number.accepts(str(steps))
    right = [text for text, correct, _ in questions[1].options if correct]
    assert right == ["1/1024"] and prob_all_positive(10) == 1 / 1024
