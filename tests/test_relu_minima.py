"""Safran & Shamir's setting: closed forms against Monte Carlo, autograd and finite differences;
the minimum test against a brute-force Hessian; the protocol's pieces; the published table; the
committed reproduction."""

import math

import numpy as np
import pytest
import torch

from lecture_code.core import relu_minima as rm


# --------------------------------------------------------------------------- independent references


def torch_loss(w_flat: torch.Tensor, n: int, d: int, k: int) -> torch.Tensor:
    """The population loss written pair by pair in torch (diagonal terms |w|^2/2 directly)."""
    W = w_flat.reshape(n, d)
    V = torch.eye(d, dtype=w_flat.dtype)[:k]

    def kern(a, b):
        cos = (a @ b) / (a.norm() * b.norm())
        th = torch.arccos(cos.clamp(-1 + 1e-15, 1 - 1e-15))
        return a.norm() * b.norm() / (2 * math.pi) * (torch.sin(th) + (math.pi - th) * cos)

    total = sum((W[i] @ W[i]) / 2 for i in range(n))
    total = total + sum(2 * kern(W[i], W[j]) for i in range(n) for j in range(i + 1, n))
    total = total - 2 * sum(kern(W[i], V[j]) for i in range(n) for j in range(k))
    total = total + k / 2 + sum(2 * kern(V[i], V[j]) for i in range(k) for j in range(i + 1, k))
    return 0.5 * total


def brute_force_hessian(W: np.ndarray, k: int, eps: float = 1e-4) -> np.ndarray:
    """Hessian from second differences of the *loss* alone (no gradient, no closed-form Hessian)."""
    P = W.size
    E = (eps * np.eye(P)).reshape(P, *W.shape)
    pp = rm.population_loss(W + E[:, None] + E[None, :], k)
    pm = rm.population_loss(W + E[:, None] - E[None, :], k)
    mp = rm.population_loss(W - E[:, None] + E[None, :], k)
    mm = rm.population_loss(W - E[:, None] - E[None, :], k)
    return (pp - pm - mp + mm) / (4 * eps**2)


@pytest.fixture(scope="module")
def spurious_minimum():
    """A spurious local minimum found by the paper's protocol (k = n = 8, 12.6 % of runs in the paper)."""
    res = rm.run_experiment(8, 8, runs=40, seed=1)
    assert res.n_local >= 1
    i = res.labels.index("local")
    rng = np.random.default_rng(1)
    W, steps, _ = rm.descend(rm.init_weights(40, 8, 8, rng), 8)
    assert steps[i] >= 0 and rm.population_loss(W[i], 8) == pytest.approx(res.losses[i], abs=1e-14)
    return W[i], res.min_eigenvalues[i]


# --------------------------------------------------------------------------- closed forms


def test_kernel_special_cases():
    w = np.array([1.0, 2.0, 0.5])
    assert rm.relu_kernel(w, w) == pytest.approx(w @ w / 2)  # E[relu(w.x)^2] = |w|^2 / 2
    assert rm.relu_kernel(w, -w) == pytest.approx(0.0, abs=1e-15)  # never both positive
    v = np.array([2.0, -1.0, 0.0])  # orthogonal: |w||v| / (2π)
    assert rm.relu_kernel(w, v) == pytest.approx(np.linalg.norm(w) * np.linalg.norm(v) / (2 * math.pi))


def test_kernel_and_loss_vs_monte_carlo():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200_000, 3))
    for _ in range(3):
        w, v = rng.standard_normal(3), rng.standard_normal(3)
        mc = np.mean(np.maximum(X @ w, 0) * np.maximum(X @ v, 0))
        assert rm.relu_kernel(w, v) == pytest.approx(mc, rel=0.02)
    W = 0.7 * rng.standard_normal((5, 4))
    assert float(rm.population_loss(W, 4)) == pytest.approx(rm.monte_carlo_loss(W, 4, seed=3), rel=0.02)


def test_teacher_and_its_permutations_are_global_minima_with_positive_definite_hessian():
    W = np.eye(6)
    assert rm.population_loss(W, 6) == pytest.approx(0.0, abs=1e-13)
    assert np.abs(rm.population_grad(W, 6)).max() < 1e-13
    assert rm.population_loss(W[[3, 1, 0, 5, 2, 4]], 6) == pytest.approx(0.0, abs=1e-13)
    assert np.linalg.eigvalsh(rm.population_hessian(W, 6))[0] > 0.05


@pytest.mark.parametrize("n,d,k", [(4, 5, 3), (5, 5, 5), (6, 5, 5)])
def test_loss_gradient_hessian_vs_torch_autograd(n, d, k):
    rng = np.random.default_rng(n + d + k)
    W = rng.standard_normal((n, d))
    w = torch.tensor(W.ravel(), dtype=torch.float64, requires_grad=True)
    loss = torch_loss(w, n, d, k)
    loss.backward()
    assert float(rm.population_loss(W, k)) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(rm.population_grad(W, k).ravel(), w.grad.numpy(), atol=1e-12)
    H = torch.autograd.functional.hessian(lambda t: torch_loss(t, n, d, k), torch.tensor(W.ravel()))
    np.testing.assert_allclose(rm.population_hessian(W, k), H.numpy(), atol=1e-10)


def test_gradient_and_hessian_vs_finite_differences():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((4, 4))
    eps = 1e-6
    E = (eps * np.eye(W.size)).reshape(W.size, *W.shape)
    fd_grad = (rm.population_loss(W + E, 4) - rm.population_loss(W - E, 4)) / (2 * eps)
    np.testing.assert_allclose(rm.population_grad(W, 4).ravel(), fd_grad, rtol=1e-6, atol=1e-8)
    fd_hess = (rm.population_grad(W + E, 4) - rm.population_grad(W - E, 4)).reshape(W.size, -1) / (2 * eps)
    H = rm.population_hessian(W, 4)
    np.testing.assert_allclose(H, fd_hess, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-14)


def test_batched_equals_one_by_one():
    rng = np.random.default_rng(3)
    Ws = rng.standard_normal((3, 4, 4))
    for r in range(3):
        assert rm.population_loss(Ws, 4)[r] == pytest.approx(float(rm.population_loss(Ws[r], 4)), abs=1e-14)
        np.testing.assert_allclose(rm.population_grad(Ws, 4)[r], rm.population_grad(Ws[r], 4), atol=1e-14)
        np.testing.assert_allclose(rm.population_hessian(Ws, 4)[r], rm.population_hessian(Ws[r], 4), atol=1e-14)


# --------------------------------------------------------------------------- the protocol


def test_init_distributions_have_the_stated_variance_and_shape():
    rng = np.random.default_rng(4)
    g = rm.init_weights(2000, 10, 10, rng)
    u = rm.init_weights(2000, 10, 10, rng, "uniform")
    x = rm.init_weights(2000, 12, 10, rng, "xavier_uniform")
    assert g.shape == (2000, 10, 10) and x.shape == (2000, 12, 10)
    assert g.var() == pytest.approx(0.1, rel=0.02) and u.var() == pytest.approx(0.1, rel=0.02)
    assert x.var() == pytest.approx(2 / 22, rel=0.02)
    assert np.abs(u).max() <= math.sqrt(0.3) and np.abs(g).max() > math.sqrt(0.3)  # Gaussian tails
    # kurtosis tells the two same-variance laws apart: 3 for the Gaussian, 1.8 for the uniform
    assert np.mean(g**4) / g.var() ** 2 == pytest.approx(3.0, rel=0.03)
    assert np.mean(u**4) / u.var() ** 2 == pytest.approx(1.8, rel=0.03)


def test_descend_stops_at_the_papers_tolerance_and_batches_independently():
    rng = np.random.default_rng(5)
    W0 = rm.init_weights(4, 5, 5, rng)
    W, steps, _ = rm.descend(W0, 5)
    assert np.all(steps >= 0)
    for r in range(4):
        G = rm.population_grad(W[r], 5)
        assert np.linalg.norm(G, axis=1).max() <= rm.GRAD_TOL
        # one run alone takes exactly the same steps as in the batch
        W1, s1, _ = rm.descend(W0[r:r + 1], 5)
        assert s1[0] == steps[r]
        np.testing.assert_allclose(W1[0], W[r], atol=1e-13)
        # and one step fewer is not yet converged
        Wm, sm, _ = rm.descend(W0[r:r + 1], 5, max_steps=steps[r] - 1)
        assert sm[0] == -2 and np.linalg.norm(rm.population_grad(Wm[0], 5), axis=1).max() > rm.GRAD_TOL


def test_early_stop_below_the_global_threshold_changes_no_label():
    full = rm.run_experiment(7, 7, runs=30, seed=3, early_stop=False)
    fast = rm.run_experiment(7, 7, runs=30, seed=3)
    assert full.labels == fast.labels
    assert np.all(full.steps >= 0) and np.sum(fast.steps == -1) == full.count("global")
    assert fast.max_loss_increase < 1e-12  # the loss never rose between checks


def test_minimum_test_agrees_with_a_brute_force_hessian(spurious_minimum):
    W, lam = spurious_minimum
    assert lam > rm.LAMBDA_TOL
    H = brute_force_hessian(W, 8)
    assert np.linalg.eigvalsh(0.5 * (H + H.T))[0] == pytest.approx(lam, rel=1e-3)
    assert np.linalg.eigvalsh(rm.population_hessian(W, 8))[0] == pytest.approx(lam, rel=1e-12)


def test_a_spurious_minimum_is_a_minimum_by_brute_force(spurious_minimum):
    W, _ = spurious_minimum
    F0 = float(rm.population_loss(W, 8))
    assert F0 >= rm.GLOBAL_TOL
    rng = np.random.default_rng(6)
    U = rng.standard_normal((500, *W.shape))
    U /= np.linalg.norm(U.reshape(500, -1), axis=1)[:, None, None]
    assert np.all(rm.population_loss(W + 1e-3 * U, 8) > F0)  # higher in every sampled direction
    # and gradient descent from nearby points comes back to the same loss
    Wb, steps, _ = rm.descend(W + 1e-2 * U[:5], 8)
    assert np.all(steps >= 0)
    np.testing.assert_allclose(rm.population_loss(Wb, 8), F0, atol=1e-12)


def test_a_saddle_is_not_counted():
    # a critical point of the k = n = 3 loss found by Newton's method (which converges to critical
    # points of any index): zero gradient, loss above the threshold, a negative Hessian eigenvalue
    W = np.array([[0.1411, 0.1411, 1.258], [-0.0439, -0.0439, 0.0697], [0.9255, 0.9255, -0.2575]])
    for _ in range(20):
        W = W - np.linalg.solve(rm.population_hessian(W, 3), rm.population_grad(W, 3).ravel()).reshape(3, 3)
    assert np.abs(rm.population_grad(W, 3)).max() < 1e-14
    F0 = float(rm.population_loss(W, 3))
    lam, vecs = np.linalg.eigh(rm.population_hessian(W, 3))
    assert F0 > rm.GLOBAL_TOL and lam[0] < -1
    labels, losses, mins, _ = rm.classify(W[None], 3, np.array([True]))
    assert labels == ["unverified"] and mins[0] == pytest.approx(lam[0])
    assert rm.classify(W[None], 3, np.array([False]))[0] == ["not converged"]
    # brute force: the loss falls along the negative-curvature direction, and gradient descent
    # from a nudge away escapes to a global minimum
    assert rm.population_loss(W + 1e-3 * vecs[:, 0].reshape(3, 3), 3) < F0
    Wd, steps, _ = rm.descend(W[None] + 1e-6 * np.random.default_rng(0).standard_normal((1, 3, 3)), 3)
    assert steps[0] > 0 and rm.population_loss(Wd, 3)[0] < 1e-12


# --------------------------------------------------------------------------- published values


def test_published_tables_as_printed_in_the_paper():
    # an independent transcription of a few rows of Tables 1 and 2 (k, n, %, λ_min, loss)
    for k, n, pct, lam, loss in [(6, 6, 0.3, 0.0047, 0.025), (10, 10, 34.6, 0.030, 0.022),
                                 (12, 12, 58.5, 0.035, 0.021), (20, 20, 94.0, 0.038, 0.033),
                                 (8, 9, 0.1, 0.0059, 0.021), (12, 13, 0.3, 0.0054, 0.016),
                                 (19, 20, 49.1, 0.0077, 0.027)]:
        assert rm.PUBLISHED[(k, n)] == (pct, lam, loss)
    assert {k for k, n in rm.PUBLISHED if n == k} == set(range(6, 21))
    assert {k for k, n in rm.PUBLISHED if n == k + 1} == {8} | set(range(10, 20))
    assert all(n - k in (0, 1) for k, n in rm.PUBLISHED) and set(rm.PUBLISHED) <= rm.PAPER_SETTINGS
    # Table 1 grows with k, except the near-ties at the top
    t1 = [rm.PUBLISHED[(k, k)][0] for k in range(6, 21)]
    assert all(b > a for a, b in zip(t1, t1[1:]))
    assert rm.published_percent(9, 10) == 0.0 and rm.published_percent(8, 10) == 0.0  # ran, none found
    assert rm.published_percent(6, 9) is None and rm.published_percent(4, 4) is None  # not run


def test_two_sample_z():
    # pooled two-proportion z statistic, by hand: 361/1000 vs 346/1000
    p = (361 + 346) / 2000
    assert rm.two_sample_z(361, 1000, 346, 1000) == pytest.approx((0.361 - 0.346) / math.sqrt(p * (1 - p) * 2 / 1000))
    assert rm.two_sample_z(2, 1000, 3, 1000) == pytest.approx(-rm.two_sample_z(3, 1000, 2, 1000))
    assert rm.two_sample_z(0, 1000, 0, 1000) == 0.0
    with pytest.raises(ValueError, match="counts must lie"):
        rm.two_sample_z(5, 4, 1, 10)


def test_bad_input():
    with pytest.raises(ValueError, match="W must have shape"):
        rm.population_loss(np.zeros(3), 2)
    with pytest.raises(ValueError, match="k must be <= d"):
        rm.population_loss(np.ones((2, 3)), 4)
    with pytest.raises(ValueError, match="W must be finite"):
        rm.population_grad(np.full((2, 2), np.nan), 2)
    with pytest.raises(ValueError, match="lr must be > 0"):
        rm.descend(np.ones((1, 2, 3)), 2, lr=-0.1)
    with pytest.raises(ValueError, match="W0 must have shape"):
        rm.descend(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        rm.run_experiment(3, 2.5)
    with pytest.raises(ValueError, match="init must be one of"):
        rm.init_weights(2, 2, 2, np.random.default_rng(0), "xavier")


# --------------------------------------------------------------------------- the committed reproduction


def test_committed_results_match_the_paper_within_three_standard_errors():
    data = rm.load_results()
    rows = {(r["k"], r["n"]): r for r in data["rows"]}
    assert all((k, k) in rows and (k, k + 1) in rows for k in range(6, 13))
    for (k, n), r in rows.items():
        assert r["runs"] == data["protocol"]["runs_per_setting"] == 1000
        assert r["percent_local"] == pytest.approx(100 * r["local"] / r["runs"])
        assert r["local"] + r["global"] + r["unverified"] + r["not_converged"] == r["runs"]
        assert sum(f["count"] for f in r["families"]) == r["local"]
        assert all(f["loss"] >= rm.GLOBAL_TOL and f["min_eigenvalue"] > rm.LAMBDA_TOL for f in r["families"])
        pub = rm.published_percent(k, n)
        assert r["published"]["percent_local"] == pub
        assert r["z"] == pytest.approx(rm.two_sample_z(r["local"], r["runs"], pub * 10, 1000))
        assert abs(r["z"]) <= 3, (k, n, r["percent_local"], pub)
    # the ablation's first row is the paper's protocol at the same setting and seed: the same runs
    k, n = data["ablation_setting"]
    assert data["ablation"][0]["name"] == "paper" and data["ablation"][0]["local"] == rows[(k, n)]["local"]


def test_chapter_numbers_and_figures_come_from_the_results_file():
    from lecture_code.chapters import symmetry as ch

    data = rm.load_results()
    nums = ch.reproduction_numbers(data)
    rows = [r for r in data["rows"] if r["published"] is not None]
    assert nums["settings"] == len(rows) and nums["max_abs_z"] == max(abs(r["z"]) for r in rows)
    assert nums["unverified"] == sum(r["unverified"] for r in data["rows"] + data["ablation"])
    # the main kind and the rest mix back into the measured mean loss
    row = next(r for r in data["rows"] if (r["k"], r["n"]) == (10, 10))
    mix = rm.family_mix(row)
    mean = (1 - mix["other_share"]) * mix["main_loss"] + mix["other_share"] * mix["other_loss"]
    assert mean == pytest.approx(row["mean_loss_local"])
    assert mix["other_share"] == pytest.approx(1 - max(f["count"] for f in row["families"]) / row["local"])
    fig = ch.draw_reproduction(data)
    assert len(fig.data) == 6  # measured and published for n = k, k+1, k+2
    measured = fig.data[0]
    assert list(measured.y) == [r["percent_local"] for r in data["rows"] if r["n"] == r["k"]]
    fig = ch.draw_ablation(data)
    assert list(fig.data[0].y)[::-1] == [a["name"] for a in data["ablation"]]
    table = rm.families_table(data, [(10, 10)]).splitlines()
    assert len(table) == 1 + len(row["families"]) and all(line.startswith(" 10  10 |") for line in table[1:])


def test_count_weighted_means_leave_out_failed_families():
    fams = [dict(count=3, loss=0.02, min_eigenvalue=0.03), dict(count=1, loss=0.06, min_eigenvalue=0.01),
            dict(count=2, loss=0.5, min_eigenvalue=-0.1)]
    m = rm.count_weighted_means(fams)
    assert m["count"] == 4 and m["failed"] == 2
    assert m["mean_loss"] == pytest.approx((3 * 0.02 + 0.06) / 4)
    assert m["mean_min_eigenvalue"] == pytest.approx((3 * 0.03 + 0.01) / 4)
    assert rm.count_weighted_means(fams[2:])["mean_loss"] is None


def test_the_authors_stored_minima_against_the_published_tables_and_ours():
    """Safran & Shamir's own Results/newExp-k-n.mat, evaluated by scripts/safran_shamir_authors.py.

    Independent references: the published tables (counts and averages) and our own runs.
    """
    from lecture_code.chapters import symmetry as ch

    authors = rm.load_authors_results()
    rows = {(r["k"], r["n"]): r for r in authors["rows"]}
    assert set(rows) == set(rm.PUBLISHED)  # one file per published setting, no other
    for key, r in rows.items():
        # every stored point is a critical point of our closed-form loss (the authors' stopping rule)
        assert all(f["max_grad_norm"] < 1e-9 for f in r["families"]), key
        assert r == {**r, **rm.count_weighted_means(r["families"])}
    for key in ((6, 6), (7, 7), (8, 9), (9, 9), (10, 11), (11, 12), (12, 12)):
        pct, lam, loss = rm.PUBLISHED[key]
        assert rows[key]["count"] == round(10 * pct)
        assert rows[key]["mean_min_eigenvalue"] == pytest.approx(lam, abs=5e-4)
        assert rows[key]["mean_loss"] == pytest.approx(loss, abs=5e-4)
    # the two published losses the files do not give, and what they give instead: ours
    data = rm.load_results()
    ours = {(r["k"], r["n"]): r for r in data["rows"]}
    for key in ((10, 10), (11, 11)):
        assert abs(rows[key]["mean_loss"] - rm.PUBLISHED[key][2]) > 1.5e-3
        assert rows[key]["mean_loss"] == pytest.approx(ours[key]["mean_loss_local"], abs=5e-4)
        # the main kind is the same point: same loss and eigenvalue to four decimals
        a, b = rows[key]["families"][0], max(ours[key]["families"], key=lambda f: f["count"])
        assert round(a["loss"], 4) == round(b["loss"], 4) and round(a["min_eigenvalue"], 4) == round(b["min_eigenvalue"], 4)
    nums = ch.authors_numbers(data, authors)
    assert nums["settings"] == nums["counts_match"] == sum(k <= 12 for k, _ in rows)
    assert nums["max_loss_gap_rest"] < 6e-4 and nums["max_lambda_gap"] < 5e-4
    table = rm.families_table(data, [(10, 10)], authors).splitlines()
    assert len(table) == 2 + len(ours[(10, 10)]["families"])  # every kind of theirs matches one of ours here
    # the chapter: the kinds only one side met at k = n = 10, 11 are single runs
    for line in rm.families_table(data, [(10, 10), (11, 11)], authors).splitlines()[2:]:
        left, right = line.split("|")[1:]
        if not left.strip() or not right.strip():
            assert (left.strip() or right.strip()).split()[-1] == "1", line
