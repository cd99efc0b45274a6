"""Our optimizers against torch.optim, the lectures' own algorithms and their worked numbers."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from lecture_code.core import optimizers as O
from lecture_code.core.runner import run
from lecture_code.core.surfaces import get_surface, quadratic

torch.set_default_dtype(torch.float64)

# (surface, start point) pairs on which the trajectories are compared
CASES = [
    (get_surface("beale"), (1.0, 1.5)),
    (get_surface("y4_minus_x4"), (0.05, 0.9)),
    (get_surface("rosenbrock"), (-1.2, 1.0)),
    (quadratic(20.0, 0.4), (2.0, -1.5)),
]
IDS = ["beale", "y4-x4", "rosenbrock", "quadratic"]


def torch_trajectory(make_opt, surface, x0, steps):
    """Trajectory of a torch.optim optimizer fed with the surface's analytic gradient."""
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = make_opt([p])
    pts = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        g = surface.grad(p.detach().numpy())
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        pts.append(p.detach().numpy().copy())
    return np.array(pts)


def ours(opt, surface, x0, steps, fast=False):
    traj = run(opt, surface, x0, steps, fast=fast)
    assert not traj.diverged
    return traj.points


# pairs (our optimizer, torch.optim constructor) whose definitions coincide
PAIRS = {
    "sgd": (lambda: O.sgd(0.002), lambda p: torch.optim.SGD(p, lr=0.002)),
    "momentum": (lambda: O.momentum(0.001, 0.9), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9, foreach=False)),
    "nesterov": (lambda: O.nesterov(0.001, 0.8), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.8, nesterov=True, foreach=False)),
    "dampened": (lambda: O.momentum(0.001, 0.9, dampening=0.5), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9, dampening=0.5, foreach=False)),
    "lecture_momentum": (lambda: O.lecture_momentum(0.001, 0.9), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9, foreach=False)),
    "lecture_nesterov": (lambda: O.lecture_momentum(0.001, 0.7, nesterov=True), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.7, nesterov=True, foreach=False)),
    "adagrad": (lambda: O.adagrad(0.1, eps=1e-10), lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10, foreach=False)),
    "adagrad_acc0": (lambda: O.adagrad(0.1, eps=1e-8, initial_accumulator_value=0.5), lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-8, initial_accumulator_value=0.5, foreach=False)),
    "rmsprop": (lambda: O.rmsprop(0.005, rho=0.9, eps=1e-8, eps_inside_sqrt=False), lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=1e-8, foreach=False)),
    "adam": (lambda: O.adam(0.01, 0.9, 0.999, 1e-8, eps_inside_sqrt=False), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8, foreach=False)),
    "adam_b": (lambda: O.adam(0.005, 0.5, 0.9, 1e-6, eps_inside_sqrt=False), lambda p: torch.optim.Adam(p, lr=0.005, betas=(0.5, 0.9), eps=1e-6, foreach=False)),
    "amsgrad": (lambda: O.amsgrad(0.01, 0.9, 0.99, 1e-8, eps_inside_sqrt=False), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8, amsgrad=True, foreach=False)),
}

# weight decay: coupled L2 (torch.optim's weight_decay) and decoupled (torch.optim.AdamW)
DECAY_PAIRS = {
    "sgd_wd": (lambda: O.sgd(0.002, weight_decay=0.5), lambda p: torch.optim.SGD(p, lr=0.002, weight_decay=0.5, foreach=False)),
    "momentum_wd": (lambda: O.momentum(0.001, 0.9, weight_decay=0.3), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9, weight_decay=0.3, foreach=False)),
    "nesterov_wd": (lambda: O.nesterov(0.001, 0.8, weight_decay=0.3), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.8, nesterov=True, weight_decay=0.3, foreach=False)),
    "dampened_wd": (lambda: O.momentum(0.001, 0.9, dampening=0.5, weight_decay=0.2), lambda p: torch.optim.SGD(p, lr=0.001, momentum=0.9, dampening=0.5, weight_decay=0.2, foreach=False)),
    "adagrad_wd": (lambda: O.adagrad(0.1, weight_decay=0.2), lambda p: torch.optim.Adagrad(p, lr=0.1, weight_decay=0.2, foreach=False)),
    "rmsprop_wd": (lambda: O.rmsprop(0.005, 0.9, 0.1, eps_inside_sqrt=False, weight_decay=0.2), lambda p: torch.optim.RMSprop(p, lr=0.005, alpha=0.9, eps=0.1, weight_decay=0.2, foreach=False)),
    "adam_wd": (lambda: O.adam(0.01, eps_inside_sqrt=False, weight_decay=0.5), lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.5, foreach=False)),
    "amsgrad_wd": (lambda: O.amsgrad(0.01, 0.9, 0.99, eps_inside_sqrt=False, weight_decay=0.5), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.99), amsgrad=True, weight_decay=0.5, foreach=False)),
    "adamw": (lambda: O.adamw(0.01, weight_decay=0.5, eps_inside_sqrt=False), lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5, foreach=False)),
    "adamw_default_decay": (lambda: O.adamw(0.01, eps_inside_sqrt=False), lambda p: torch.optim.AdamW(p, lr=0.01, foreach=False)),
    "adamw_amsgrad": (lambda: O.adamw(0.005, 0.5, 0.9, 1e-6, 2.0, eps_inside_sqrt=False, amsgrad=True), lambda p: torch.optim.AdamW(p, lr=0.005, betas=(0.5, 0.9), eps=1e-6, weight_decay=2.0, amsgrad=True, foreach=False)),
}
PAIRS.update(DECAY_PAIRS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("name", sorted(PAIRS))
@pytest.mark.parametrize("fast", [False, True], ids=["array", "fast"])
def test_matches_torch_optim(name, case, fast):
    ours_ctor, torch_ctor = PAIRS[name]
    surface, x0 = case
    steps = 150
    expected = torch_trajectory(torch_ctor, surface, x0, steps)
    got = ours(ours_ctor(), surface, x0, steps, fast=fast)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-10
    # and the comparison is not vacuous: the optimizer moved
    assert np.linalg.norm(expected[-1] - expected[0]) > 1e-3


def test_lecture_and_pytorch_momentum_conventions_coincide():
    """Δw = −γ∇E + αΔw (lecture) and v = βv + g, w −= ηv (PyTorch) with γ = η, α = β."""
    s, x0 = CASES[3]
    a = ours(O.lecture_momentum(0.05, 0.9), s, x0, 300)
    b = ours(O.momentum(0.05, 0.9), s, x0, 300)
    assert np.max(np.abs(a - b)) < 1e-12


def test_moving_average_momentum_needs_rescaled_learning_rate():
    """v = βv + (1−β)g, w −= η_ema v (v(0) = 0) equals heavy ball with η = (1−β) η_ema."""
    s, x0 = CASES[3]
    beta, eta_ema, steps = 0.9, 0.3, 200
    w = np.array(x0, float)
    v = np.zeros(2)
    pts = [w.copy()]
    for _ in range(steps):  # the moving-average form written out by hand
        v = beta * v + (1 - beta) * s.grad(w)
        w = w - eta_ema * v
        pts.append(w.copy())
    ema = np.array(pts)
    rescaled = ours(O.momentum((1 - beta) * eta_ema, beta), s, x0, steps)
    not_rescaled = ours(O.momentum(eta_ema, beta), s, x0, steps)
    assert np.max(np.abs(ema - rescaled)) < 1e-12
    assert np.max(np.abs(ema - not_rescaled)) > 0.1


def test_conventions_differ_when_the_learning_rate_changes():
    """After a change of learning rate the lecture's Δw still carries the old rate."""
    g = np.array([1.0, -2.0])
    lec, pt = O.lecture_momentum(0.1, 0.5), O.momentum(0.1, 0.5)
    p = np.zeros(2)
    u1, s1 = lec.update(g, lec.init(p), p)
    v1, t1 = pt.update(g, pt.init(p), p)
    assert np.allclose(u1, v1)
    lec2, pt2 = O.lecture_momentum(0.2, 0.5), O.momentum(0.2, 0.5)
    u2, _ = lec2.update(g, s1, p)
    v2, _ = pt2.update(g, t1, p)
    # lecture: −0.2 g + 0.5 (−0.1 g);  PyTorch: −0.2 (0.5 g + g)
    assert np.allclose(u2, -0.25 * g) and np.allclose(v2, -0.3 * g)


def test_nesterov_iterates_are_the_lectures_look_ahead_points():
    """Lecture: Δw(m) = −γ∇E(w + αΔw(m−1)) + αΔw(m−1). Our iterate is u = w + αΔw."""
    s, x0 = get_surface("beale"), (1.0, 1.5)
    gamma, alpha, steps = 0.002, 0.9, 200
    w = np.array(x0)
    dw = np.zeros(2)
    look = [w.copy()]
    for _ in range(steps):
        dw = -gamma * s.grad(w + alpha * dw) + alpha * dw
        w = w + dw
        look.append(w + alpha * dw)
    got = ours(O.lecture_momentum(gamma, alpha, nesterov=True), s, x0, steps)
    assert np.max(np.abs(got - np.array(look))) < 1e-12


def test_rmsprop_nesterov_is_goodfellow_algorithm_8_6():
    s, x0 = get_surface("beale"), (1.0, 1.5)
    eps, rho, alpha, delta, steps = 0.001, 0.9, 0.8, 1e-6, 200
    theta = np.array(x0)
    v = np.zeros(2)
    r = np.zeros(2)
    interim = [theta.copy()]
    for _ in range(steps):  # Alg. 8.6 line by line (δ inside the square root)
        tt = theta + alpha * v
        g = s.grad(tt)
        r = rho * r + (1 - rho) * g * g
        v = alpha * v - eps / np.sqrt(delta + r) * g
        theta = theta + v
        interim.append(theta + alpha * v)
    for fast in (False, True):
        got = ours(O.rmsprop_nesterov(eps, rho, alpha, delta), s, x0, steps, fast=fast)
        assert np.max(np.abs(got - np.array(interim))) < 1e-12


def test_adam_is_goodfellow_algorithm_8_7():
    s, x0 = get_surface("beale"), (1.0, 1.5)
    eps, r1, r2, delta, steps = 0.01, 0.9, 0.999, 1e-8, 200
    theta, sm, r = np.array(x0), np.zeros(2), np.zeros(2)
    pts = [theta.copy()]
    for t in range(1, steps + 1):
        g = s.grad(theta)
        sm = r1 * sm + (1 - r1) * g
        r = r2 * r + (1 - r2) * g * g
        theta = theta - eps * (sm / (1 - r1**t)) / np.sqrt(r / (1 - r2**t) + delta)
        pts.append(theta.copy())
    assert np.max(np.abs(ours(O.adam(eps, r1, r2, delta), s, x0, steps) - np.array(pts))) < 1e-12


def test_rmsprop_is_goodfellow_algorithm_8_5():
    s, x0 = get_surface("beale"), (1.0, 1.5)
    eps, rho, delta, steps = 0.005, 0.9, 1e-6, 200
    theta, r = np.array(x0), np.zeros(2)
    pts = [theta.copy()]
    for _ in range(steps):
        g = s.grad(theta)
        r = rho * r + (1 - rho) * g * g
        theta = theta - eps / np.sqrt(delta + r) * g
        pts.append(theta.copy())
    assert np.max(np.abs(ours(O.rmsprop(eps, rho, delta), s, x0, steps) - np.array(pts))) < 1e-12


def test_epsilon_placement_difference_is_pinned():
    """Lecture: g/sqrt(δ + r); torch: g/(sqrt(r) + ε). First step from a small gradient."""
    g = np.array([1e-4, 3.0])
    p = np.zeros(2)
    lr, rho, eps = 0.01, 0.9, 1e-6
    lecture = O.rmsprop(lr, rho, eps)  # eps inside (default)
    u_in, _ = lecture.update(g, lecture.init(p), p)
    t = torch.zeros(2, requires_grad=True)
    opt = torch.optim.RMSprop([t], lr=lr, alpha=rho, eps=eps)
    t.grad = torch.tensor(g)
    opt.step()
    u_torch = t.detach().numpy()
    r = (1 - rho) * g * g
    assert np.allclose(u_in, -lr * g / np.sqrt(eps + r), rtol=1e-14)
    assert np.allclose(u_torch, -lr * g / (np.sqrt(r) + eps), rtol=1e-12)
    # for the small coordinate the two conventions differ by a factor ~1.27, not by rounding
    ratio = u_torch[0] / u_in[0]
    expected = np.sqrt(eps + r[0]) / (np.sqrt(r[0]) + eps)
    assert ratio == pytest.approx(expected, rel=1e-10) and ratio > 1.2

    adam_in = O.adam(lr, 0.9, 0.999, 1e-8)
    u_a, _ = adam_in.update(g, adam_in.init(p), p)
    t2 = torch.zeros(2, requires_grad=True)
    opt2 = torch.optim.Adam([t2], lr=lr, eps=1e-8)
    t2.grad = torch.tensor(g)
    opt2.step()
    # first Adam step: lecture −η g/sqrt(g² + δ); torch −η g/(|g| + ε)
    assert np.allclose(u_a, -lr * g / np.sqrt(g * g + 1e-8), rtol=1e-12)
    assert np.allclose(t2.detach().numpy(), -lr * g / (np.abs(g) + 1e-8), rtol=1e-12)
    assert abs(u_a[0]) < 0.75 * abs(t2.detach().numpy()[0])


def test_bias_correction_first_step():
    """With correction the first Adam step has length η per coordinate; without, (1−ρ1)/sqrt(1−ρ2) η."""
    g = np.array([0.3, -5.0])
    p = np.zeros(2)
    for corrected, factor in ((True, 1.0), (False, 0.1 / math.sqrt(0.001))):
        o = O.adam(0.1, 0.9, 0.999, 1e-30, bias_correction=corrected)
        u, _ = o.update(g, o.init(p), p)
        assert np.allclose(np.abs(u), 0.1 * factor, rtol=1e-9)


def test_clip_by_norm():
    clip = O.clip_by_norm(2.0)
    g = np.array([3.0, 4.0])
    out, _ = clip.update(g, clip.init(g), g)
    assert np.linalg.norm(out) == pytest.approx(2.0) and np.allclose(out / 2.0, g / 5.0)
    small = np.array([0.3, -0.4])
    out2, _ = clip.update(small, clip.init(g), g)
    assert np.array_equal(out2, small)
    # as a piece of a chain: the first step of clipped GD has length η h
    o = O.chain(O.clip_by_norm(1.0), O.sgd(0.5))
    u, _ = o.update(np.array([30.0, -40.0]), o.init(np.zeros(2)), np.zeros(2))
    assert np.linalg.norm(u) == pytest.approx(0.5)
    # and torch's clip_grad_norm_ agrees up to its 1e-6 in the denominator
    t = torch.zeros(2, requires_grad=True)
    t.grad = torch.tensor([30.0, -40.0])
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert np.allclose(-0.5 * t.grad.numpy(), u, rtol=1e-6)


def test_unitwise_learning_rates():
    o = O.sgd([1.0, 1 / 75])
    u, _ = o.update(np.array([1.0, 75.0]), o.init(np.zeros(2)), np.zeros(2))
    assert np.allclose(u, [-1.0, -1.0])


@pytest.mark.parametrize(
    "ctor, kwargs, message",
    [
        (O.sgd, {"lr": 0.0}, "lr must be > 0"),
        (O.sgd, {"lr": -0.1}, "lr must be > 0"),
        (O.sgd, {"lr": [1.0, -1.0]}, "lr must be > 0"),
        (O.momentum, {"lr": 0.1, "beta": 1.0}, r"beta must be in \[0, 1\)"),
        (O.momentum, {"lr": 0.1, "beta": -0.1}, r"beta must be in \[0, 1\)"),
        (O.lecture_momentum, {"lr": 0.1, "alpha": 1.5}, r"alpha must be in \[0, 1\)"),
        (O.nesterov, {"lr": -1.0}, "lr must be > 0"),
        (O.adagrad, {"lr": 0.1, "eps": 0.0}, "eps must be > 0"),
        (O.rmsprop, {"lr": 0.1, "rho": 1.0}, r"rho must be in \[0, 1\)"),
        (O.rmsprop, {"lr": 0.1, "eps": -1e-8}, "eps must be > 0"),
        (O.rmsprop_nesterov, {"lr": 0.1, "alpha": 1.0}, r"alpha must be in \[0, 1\)"),
        (O.adam, {"lr": 0.1, "b1": 1.0}, r"b1 must be in \[0, 1\)"),
        (O.adam, {"lr": 0.1, "b2": -0.5}, r"b2 must be in \[0, 1\)"),
        (O.adam, {"lr": float("nan")}, "lr must be > 0"),
        (O.amsgrad, {"lr": 0.1, "eps": 0.0}, "eps must be > 0"),
        (O.clip_by_norm, {"max_norm": 0.0}, "max_norm must be > 0"),
    ],
)
def test_bad_hyperparameters(ctor, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ctor(**kwargs)


def test_make_by_name():
    assert O.make("adam", lr=0.1).name == "Adam"
    with pytest.raises(ValueError, match="optimizer must be one of"):
        O.make("lbfgs")


# ------------------------------------------------------------- the lecture's narrow valley


def test_narrow_valley_gradient_descent_numbers():
    """E = |w1| + 75|w2| from (10, 10), η = 0.1: the lecture's four steps oscillate in w2."""
    from lecture_code.core.problems import narrow_valley

    pts = run(O.sgd(0.1), narrow_valley(), (10.0, 10.0), 4).points
    assert np.allclose(pts, [[10, 10], [9.9, 2.5], [9.8, -5.0], [9.7, 2.5], [9.6, -5.0]])
    # unit-wise learning rates η1 = 1, η2 = 1/75: straight to the minimum in 10 steps
    pts = run(O.sgd([1.0, 1 / 75]), narrow_valley(), (10.0, 10.0), 12).points
    assert np.allclose(pts[10:], 0.0, atol=1e-12) and np.all(pts[:10, 0] > 0)


def test_the_narrow_valley_exercise_states_what_the_code_computes():
    """The exercise notebook is shown, not executed (no glue there): the number its question 2
    quotes for η = 0.1 is checked here against the runner."""
    import re
    from pathlib import Path

    from lecture_code.core.problems import narrow_valley

    text = Path(__file__).resolve().parents[1].joinpath("solutions", "narrow_valley.md").read_text()
    quoted = float(re.search(r"with \$\\eta = 0\.1\$ it is ([0-9.]+)\)", text).group(1))
    t = run(O.sgd(0.1), narrow_valley(), (10.0, 10.0), 100)
    assert quoted == pytest.approx(t.losses[91:101].max(), abs=0.05)


def test_narrow_valley_momentum_numbers():
    """η = 0.2, α = 0.5 for three steps (worked by hand from the lecture's formula)."""
    from lecture_code.core.problems import narrow_valley

    pts = run(O.lecture_momentum(0.2, 0.5), narrow_valley(), (10.0, 10.0), 3).points
    # Δw(1) = −0.2 (1, 75); Δw(2) = −0.2 (1, −75) + 0.5 Δw(1); Δw(3) = −0.2 (1, 75) + 0.5 Δw(2)
    assert np.allclose(pts, [[10, 10], [9.8, -5.0], [9.5, 2.5], [9.15, -8.75]])


def test_momentum_limit_with_alternating_gradient():
    """g1 = 1 always, g2 = ±75 alternating: Δw → (−η/(1−α), ±75η/(1+α))."""
    from lecture_code.core.problems import momentum_limit

    eta, alpha = 0.2, 0.5
    o = O.lecture_momentum(eta, alpha)
    p = np.zeros(2)
    st = o.init(p)
    for t in range(200):
        u, st = o.update(np.array([1.0, 75.0 * (-1) ** t]), st, p)
    lim = momentum_limit(eta, alpha)
    assert np.allclose(np.abs(u), np.abs(lim), rtol=1e-12)
    assert np.allclose(lim, [-eta / (1 - alpha), 75 * eta / (1 + alpha)])


# ------------------------------------------------------------- composition from named parts


def test_adam_is_its_parts_in_a_loop():
    """The loop the Adam chapter shows, written with the named helpers, is O.adam."""
    s, x0 = get_surface("beale"), np.array([1.0, 1.5])
    lr, r1, r2, eps, steps = 0.01, 0.9, 0.999, 1e-8, 200
    w, m, v = x0.copy(), np.zeros(2), np.zeros(2)
    pts = [w.copy()]
    for t in range(1, steps + 1):
        g = s.grad(w)
        m = O.ema(m, g, r1)
        v = O.ema(v, g * g, r2)
        w = w - lr * O.rms_normalize(O.debias(m, r1, t), O.debias(v, r2, t), eps, False, np)
        pts.append(w.copy())
    got = ours(O.adam(lr, r1, r2, eps, eps_inside_sqrt=False), s, tuple(x0), steps)
    assert np.max(np.abs(got - np.array(pts))) < 1e-13


def test_amsgrad_is_adam_plus_the_running_max_part():
    """While the second moment only grows AMSGrad equals Adam; once it shrinks they part."""
    p = np.zeros(1)
    a, b = O.adam(0.1, 0.9, 0.5), O.amsgrad(0.1, 0.9, 0.5)
    sa, sb = a.init(p), b.init(p)
    grads = [1.0, 2.0, 4.0, 0.1, 0.1, 0.1]
    ua, ub = [], []
    for g in grads:
        u1, sa = a.update(np.array([g]), sa, p)
        u2, sb = b.update(np.array([g]), sb, p)
        ua.append(u1[0]), ub.append(u2[0])
    assert np.allclose(ua[:3], ub[:3], rtol=1e-14)
    assert abs(ub[-1]) < 0.9 * abs(ua[-1])  # the remembered large r keeps AMSGrad's step small
    assert np.all(sb.states[0].nu_max >= sb.states[0].nu)


def test_optimizers_are_chains_of_named_transformations():
    assert [p.factor for p in O.sgd(0.1).parts] == [-0.1]
    assert len(O.adam(0.1).parts) == 2 and O.adam(0.1).parts[-1].factor == -0.1
    assert O.lecture_momentum(0.1, 0.5).parts[0].factor == -0.1  # the lecture's Δw carries γ
    assert O.momentum(0.1, 0.5).parts[-1].factor == -0.1  # PyTorch's buffer does not
    assert [o.kind for o in (O.sgd(1.0), O.nesterov(0.1), O.adam(), O.amsgrad())] == ["gd", "nesterov", "adam", "amsgrad"]


def test_a_gradient_of_the_wrong_shape_is_refused():
    o = O.adam(0.1)
    with pytest.raises(ValueError, match=r"grads must have the shape of the parameters \(2,\), got shape \(3,\)"):
        o.update(np.ones(3), o.init(np.zeros(2)), np.zeros(2))


# ------------------------------------------------------------- weight decay: coupled L2 and AdamW


# Plain RMSprop ends in a sign-like bounce around the minimum (steps of about η whatever the
# gradient) whose dynamics amplify a 1-ulp difference by about 3.5 per step on Rosenbrock: with
# or without weight decay, ours and torch's part after some 400 steps there, and a 1e-10
# comparison over 2000 steps is only meaningful on runs that contract (Beale, the quadratic).
LONG_CASES = {"rmsprop_wd": (CASES[0], CASES[3])}


@pytest.mark.parametrize("name", sorted(DECAY_PAIRS))
@pytest.mark.parametrize("fast", [False, True], ids=["array", "fast"])
def test_weight_decay_matches_torch_over_many_steps(name, fast):
    """2000 steps in float64 on Rosenbrock and a quadratic: still equal to torch.optim to 1e-10,
    and the decay is not a no-op (the same optimizer without it ends elsewhere)."""
    ours_ctor, torch_ctor = DECAY_PAIRS[name]
    for surface, x0 in LONG_CASES.get(name, (CASES[2], CASES[3])):
        expected = torch_trajectory(torch_ctor, surface, x0, 2000)
        got = ours(ours_ctor(), surface, x0, 2000, fast=fast)
        assert np.max(np.abs(got - expected)) < 1e-10
        opt = ours_ctor()
        plain = [p for p in opt.parts if not p.uses_params]
        assert len(plain) == len(opt.parts) - 1  # exactly one add_decayed_weights part
        without = run(O.named(O.chain(*(O.elementwise(p.step, p.start) if p.factor is None else O.scale(p.factor)
                                        for p in plain)), "no decay"), surface, x0, 2000, fast=False).points
        assert np.max(np.abs(without - expected)) > 1e-3


def test_coupled_and_decoupled_decay_are_one_part_in_two_places():
    """adam(weight_decay) puts add_decayed_weights first, adamw after Adam's scaling."""
    coupled, decoupled = O.adam(0.1, weight_decay=0.1), O.adamw(0.1, weight_decay=0.1)
    assert [p.uses_params for p in coupled.parts] == [True, False, False]
    assert [p.uses_params for p in decoupled.parts] == [False, True, False]
    # for plain SGD the two places give the same update: λw + g scaled by −η either way
    w, g = np.array([2.0, -1.0]), np.array([0.3, 0.7])
    a = O.chain(O.add_decayed_weights(0.1), O.scale(-0.5))
    b = O.chain(O.scale(-0.5), O.add_decayed_weights(0.1))
    ua, _ = a.update(g, a.init(w), w)
    ub, _ = O.sgd(0.5, weight_decay=0.1).update(g, O.sgd(0.5, weight_decay=0.1).init(w), w)
    assert np.allclose(ua, -0.5 * (g + 0.1 * w)) and np.allclose(ub, ua)
    uc, _ = b.update(g, b.init(w), w)  # scale first, then decay: a different (unscaled) decay
    assert np.allclose(uc, -0.5 * g + 0.1 * w)
    assert len(O.adam(0.1, weight_decay=0.0).parts) == 2  # λ = 0: no part at all, as in torch


def test_a_weight_without_loss_gradient_decays_differently():
    """Loshchilov & Hutter's point, measured on a weight the loss does not touch (g = 0):
    AdamW shrinks it by (1 − ηλ) per step exactly, as SGD's weight decay does; Adam + L2
    normalizes the decay gradient λw and moves it by about η per step, whatever λ is."""
    lr, steps = 0.01, 50
    moved = {}
    for lam in (0.1, 1e-3):
        w0 = np.array([1.0])
        for opt, expected in ((O.adamw(lr, weight_decay=lam), (1 - lr * lam) ** steps),
                              (O.sgd(lr, weight_decay=lam), (1 - lr * lam) ** steps)):
            w, st = w0.copy(), opt.init(w0)
            for _ in range(steps):
                u, st = opt.update(np.zeros(1), st, w)
                w = w + u
            assert w[0] == pytest.approx(expected, rel=1e-12)
        coupled = O.adam(lr, weight_decay=lam)
        w, st = w0.copy(), coupled.init(w0)
        for _ in range(steps):
            u, st = coupled.update(np.zeros(1), st, w)
            w = w + u
        moved[lam] = 1.0 - w[0]
    # Adam + L2: between 0.8 η and η per step for both λ (the decay gradient λw is normalized
    # away), a hundred times farther than AdamW's (1 − ηλ)^t for λ = 1e-3
    assert all(0.8 * lr * steps < m <= lr * steps for m in moved.values())
    assert moved[1e-3] == pytest.approx(moved[0.1], rel=1e-2)  # (δ = 1e-8 in the root: 0.6 %)
    assert moved[1e-3] > 100 * (1 - (1 - lr * 1e-3) ** steps)


def test_weight_decay_needs_the_parameters_and_a_valid_lambda():
    o = O.add_decayed_weights(0.1)
    with pytest.raises(ValueError, match="needs the parameters"):
        o.update(np.ones(2), o.init(np.zeros(2)))
    for ctor in (O.sgd, O.momentum, O.nesterov, O.adagrad, O.rmsprop, O.adam, O.amsgrad, O.adamw):
        with pytest.raises(ValueError, match=r"weight_decay must be >= 0 \(and finite\), got -0.1"):
            ctor(0.1, weight_decay=-0.1)
        with pytest.raises(ValueError, match=r"weight_decay must be >= 0"):
            ctor(0.1, weight_decay=float("nan"))


def test_scale_by_schedule_is_a_learning_rate_schedule():
    """AMSGrad with η/√t (Reddi et al.'s step sizes) from parts, against the loop written out."""
    grads = [3.0, -1.0, -1.0, 3.0, -1.0, -1.0, 0.5]
    opt = O.chain(O.scale_by_amsgrad(0.0, 0.1, 1e-8), O.scale_by_schedule(lambda t: -0.05 / math.sqrt(t)))
    p = np.zeros(1)
    st = opt.init(p)
    r = r_max = 0.0
    for t, g in enumerate(grads, start=1):
        u, st = opt.update(np.array([g]), st, p)
        r = 0.1 * r + 0.9 * g * g
        r_max = max(r_max, r)
        assert u[0] == pytest.approx(-0.05 / math.sqrt(t) * g / math.sqrt(r_max / (1 - 0.1**t) + 1e-8), rel=1e-12)
    with pytest.raises(ValueError, match="schedule must be a function"):
        O.scale_by_schedule(0.1)


# ------------------------------------------------------------- the shape of the gradient

EVERY = {
    **{name: ctor(0.1) for name, ctor in O.OPTIMIZERS.items()},
    "lecture_momentum": O.lecture_momentum(0.1, 0.5),
    "sgd_unitwise": O.sgd([0.1, 0.2]),
    "adam_wd": O.adam(0.1, weight_decay=0.1),
    "clip": O.clip_by_norm(1.0),
    "clip_then_sgd": O.chain(O.clip_by_norm(1.0), O.sgd(0.1)),
    "schedule": O.scale_by_schedule(lambda t: 1.0 / t),
    "decay": O.add_decayed_weights(0.1),
}


@pytest.mark.parametrize("name", sorted(EVERY))
@pytest.mark.parametrize("bad", [(3,), (2, 1), (1, 2), ()], ids=["longer", "column", "row", "scalar"])
def test_every_optimizer_refuses_a_gradient_of_another_shape(name, bad):
    """Never broadcast: (2, 1) against (2,) would silently give a (2, 2) update."""
    opt = EVERY[name]
    params = np.zeros(2)
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"grads must have the shape of the parameters \(2,\), got shape " + re.escape(str(bad))):
        opt.update(np.ones(bad), state, params)
    u, _ = opt.update(np.ones(2), state, params)  # the right shape still works
    assert u.shape == (2,)


# ------------------------------------------------------------- torch.optim over random inputs (hypothesis)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

_unit = st.floats(0.0, 0.99)
#: Adam's ρ1 against torch: torch updates its first moment with ``lerp`` (s + (1 − ρ1)(g − s)),
#: whose result for a tiny ρ1 carries an absolute rounding error of about one ulp of g whatever the
#: size of ρ1·s; where the second moment is far below δ (a zero gradient after a ρ2 near 0) the step
#: divides that error by δ (hypothesis found ρ1 = 1e-16, δ = 1e-10: 1e-6 apart). Our ``ema`` is the
#: accurate one there; ρ1 is 0 or at least 1e-3, where both round alike.
_rho1 = st.one_of(st.just(0.0), st.floats(1e-3, 0.99))


@st.composite
def torch_counterparts(draw):
    """(our optimizer, the torch.optim constructor that defines the same algorithm) with random
    hyperparameters, for every optimizer that has a torch.optim counterpart."""
    name = draw(st.sampled_from(["sgd", "momentum", "dampened", "nesterov", "lecture_momentum", "adagrad", "rmsprop",
                                 "adam", "amsgrad", "adamw", "adamw_amsgrad"]))
    lr = draw(st.floats(1e-4, 1.0))
    wd = draw(st.sampled_from([0.0, draw(st.floats(1e-4, 1.0))]))
    beta, b1, b2 = draw(_unit), draw(_rho1), draw(_unit)
    eps = draw(st.floats(1e-10, 1e-2))
    if name == "sgd":
        return O.sgd(lr, weight_decay=wd), lambda p: torch.optim.SGD(p, lr=lr, weight_decay=wd, foreach=False)
    if name in ("momentum", "dampened", "nesterov"):
        beta = draw(st.floats(0.01, 0.99))  # torch.optim.SGD with momentum=0 has no buffer (see O.momentum)
        damp = draw(_unit) if name == "dampened" else 0.0
        return (O.momentum(lr, beta, nesterov=name == "nesterov", dampening=damp, weight_decay=wd),
                lambda p: torch.optim.SGD(p, lr=lr, momentum=beta, nesterov=name == "nesterov", dampening=damp,
                                          weight_decay=wd, foreach=False))
    if name == "lecture_momentum":
        return (O.lecture_momentum(lr, beta), lambda p: torch.optim.SGD(p, lr=lr, momentum=beta, foreach=False))
    if name == "adagrad":
        acc0 = draw(st.floats(0.0, 1.0))
        return (O.adagrad(lr, eps, acc0, weight_decay=wd),
                lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps, initial_accumulator_value=acc0, weight_decay=wd,
                                              foreach=False))
    if name == "rmsprop":
        return (O.rmsprop(lr, beta, eps, eps_inside_sqrt=False, weight_decay=wd),
                lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps, weight_decay=wd, foreach=False))
    if name in ("adam", "amsgrad"):
        ours_ctor = O.adam if name == "adam" else O.amsgrad
        return (ours_ctor(lr, b1, b2, eps, eps_inside_sqrt=False, weight_decay=wd),
                lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=eps, amsgrad=name == "amsgrad",
                                           weight_decay=wd, foreach=False))
    ams = name == "adamw_amsgrad"
    return (O.adamw(lr, b1, b2, eps, wd, eps_inside_sqrt=False, amsgrad=ams),
            lambda p: torch.optim.AdamW(p, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd, amsgrad=ams, foreach=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=torch_counterparts(), d=st.integers(1, 5), data=st.data())
def test_updates_match_torch_optim_on_random_gradients(pair, d, data):
    """Random hyperparameters, parameters and gradient sequences: every step of ours is torch.optim's
    step in float64, to rounding. Ours is replayed along torch's own iterates (the weight-decay
    term λw feeds the iterate back into the gradient, and Adam's normalization amplifies rounding
    where g + λw nearly cancels), so what is compared is one step of each algorithm."""
    ours_opt, make_torch = pair
    steps = data.draw(st.integers(1, 25))
    w0 = data.draw(arrays(np.float64, d, elements=st.floats(-5.0, 5.0)))
    grads = data.draw(arrays(np.float64, (steps, d), elements=st.floats(-10.0, 10.0)))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    theirs = make_torch([p])
    w, state = w0.copy(), ours_opt.init(w0)
    for g in grads:
        u, state = ours_opt.update(g, state, w)
        p.grad = torch.tensor(g, dtype=torch.float64)
        theirs.step()
        expected = p.detach().numpy().copy()
        scale = max(1.0, float(np.max(np.abs(w))), float(np.max(np.abs(u))))
        assert np.allclose(w + u, expected, rtol=1e-10, atol=1e-12 * scale)
        w = expected
