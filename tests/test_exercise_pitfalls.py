"""Every mistake an exercise notebook warns about is caught by its public checks, and costs points.

Each exercise notebook (``solutions/<name>.md``, student form in ``exercises/``) states
conventions and warns about slips: δ after the square root, a tolerance on both sides of zero,
an exact ``int``, the unbiased variance for running statistics, ... For each such warning this
file plants the wrong answer into the reference solution and asserts

* that ``check("qN")`` (the public checks shipped to students) fails it, so a student hears
  about it before handing in; and
* that the hidden checks (run here in-process, with the grader's own probe runner and judge)
  take points for it, so the public case is about a real mistake.

It also holds the notebooks to what a student sees: no MyST directive or role (they show as raw
text in JupyterLab and in the in-browser site), the two lines on how to submit and what each
question is worth (matching the grader's points), and no worked answer of a graded question in
the text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Callable

import nbformat
import numpy as np
import pytest

from grading.compare import decode
from grading.judge import judge, solution_cells
from grading.source import load, load_all
from grading.worker import run_probe
from lecture_code.student import Checker

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = {ex.name: ex for ex in load_all()}


def _namespace(name: str) -> dict[str, Any]:
    """The reference solution's namespace (its code cells run here, trusted)."""
    import os

    ns: dict[str, Any] = {"__name__": "__main__"}
    old = os.environ.get("GRADING_RUN")
    os.environ["GRADING_RUN"] = "1"  # the notebook's own check() lines stay quiet
    try:
        for src in solution_cells(EXERCISES[name]):
            if src.strip():
                exec(compile(src, name, "exec"), ns)  # noqa: S102 - the repository's own solution
    finally:
        if old is None:
            os.environ.pop("GRADING_RUN", None)
        else:
            os.environ["GRADING_RUN"] = old
    return ns


_REFERENCE: dict[str, dict[str, Any]] = {}


def _reference(name: str) -> dict[str, Any]:
    if name not in _REFERENCE:
        _REFERENCE[name] = _namespace(name)
    return _REFERENCE[name]


def _hidden_points(name: str, question: str, ns: dict[str, Any]) -> tuple[float, float, str]:
    """(points, max points, message) the grader's judge gives ``ns`` for ``question``."""
    q = next(h for h in EXERCISES[name].hidden if h.name == question)
    ref_ns = _reference(name)
    refs = [decode(run_probe({**p.wire(), "show": p.show}, ref_ns)["ok"]) for p in q.probes]
    recs = [run_probe({**p.wire(), "show": p.show}, ns) for p in q.probes]
    s = judge(q, recs, refs, None)
    return s.points, s.max_points, s.message


# ------------------------------------------------------------------------------ the wrong answers
# Each pitfall: (exercise, question, name to replace, the wrong value or a function making it
# from the reference namespace, what the notebook says that this breaks).

def _sign_at_zero_plus(ns):           # sgn(0) taken as +1 (np.sign gives 0, as the notebook says)
    def gd_steps(w0, eta, n_steps):
        path = [np.array(w0, dtype=float)]
        for _ in range(n_steps):
            w = path[-1]
            path.append(w - eta * np.array([1.0 if w[0] >= 0 else -1.0, 75.0 * (1.0 if w[1] >= 0 else -1.0)]))
        return np.array(path)
    return gd_steps


def _gd_in_place(ns):                 # "Do not modify w0"
    def gd_steps(w0, eta, n_steps):
        path = [np.array(w0, dtype=float)]
        for _ in range(n_steps):
            w0 -= eta * ns["grad_E"](w0)
            path.append(np.array(w0, dtype=float))
        return np.array(path)
    return gd_steps


def _momentum_first_step_doubled(ns):  # Δw(0) = −η∇E(w0) instead of 0
    def momentum_steps(w0, eta, alpha, n_steps):
        path = [np.array(w0, dtype=float)]
        dw = -eta * ns["grad_E"](path[-1])
        for _ in range(n_steps):
            dw = -eta * ns["grad_E"](path[-1]) + alpha * dw
            path.append(path[-1] + dw)
        return np.array(path)
    return momentum_steps


def _adam_delta_inside(ns):           # the notebook: δ *after* the square root
    def adam_update(grads, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
        g = np.asarray(grads, dtype=float)
        s, r, t = state
        t = t + 1
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        return -lr * (s / (1 - rho1**t)) / np.sqrt(r / (1 - rho2**t) + delta), (s, r, t)
    return adam_update


def _adam_no_correction(ns):          # bias correction forgotten
    def adam_update(grads, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
        g = np.asarray(grads, dtype=float)
        s, r, t = state
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        return -lr * s / (np.sqrt(r) + delta), (s, r, t + 1)
    return adam_update


def _adam_in_place(ns):               # "Do not modify the arguments in place"
    def adam_update(grads, state, lr=1e-3, rho1=0.9, rho2=0.999, delta=1e-8):
        g = np.asarray(grads, dtype=float)
        s, r, t = state
        t = t + 1
        s *= rho1
        s += (1 - rho1) * g
        r *= rho2
        r += (1 - rho2) * g * g
        return -lr * (s / (1 - rho1**t)) / (np.sqrt(r / (1 - rho2**t)) + delta), (s, r, t)
    return adam_update


def _strict_signs(ns):                # the tolerance ignored in the sign test
    def classify(H, tol=1e-8):
        lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))
        if lam.max() > 0 and lam.min() < 0:
            return "saddle"
        if np.abs(lam).min() <= tol:
            return "degenerate"
        return "minimum" if lam.min() > 0 else "maximum"
    return classify


def _degenerate_first(ns):            # a zero eigenvalue tested before the sign mix
    def classify(H, tol=1e-8):
        lam = np.linalg.eigvalsh(np.asarray(H, dtype=float))
        if np.abs(lam).min() <= tol:
            return "degenerate"
        if lam.max() > tol and lam.min() < -tol:
            return "saddle"
        return "minimum" if lam.min() > 0 else "maximum"
    return classify


def _optimal_step_zero_curvature(ns):  # gᵀHg = 0 not treated as "no minimum along −g"
    def optimal_step(g, H):
        g = np.asarray(g, dtype=float)
        curv = float(g @ np.asarray(H, dtype=float) @ g)
        return np.inf if curv < 0 else float(g @ g) / curv
    return optimal_step


def _clip_in_place(ns):               # "as a new array (do not change g)"
    def clip_by_norm(g, h):
        norm = np.linalg.norm(g)
        if norm > h:
            g *= h / norm
        return g
    return clip_by_norm


def _variance_not_second_moment(ns):  # ⟨g²⟩ is not the variance
    def moments(g):
        g = np.asarray(g, dtype=float)
        return g.mean(axis=0), g.var(axis=0)
    return moments


def _online_weights_swapped(ns):      # s ← (1 − ρ₁) s + ρ₁ g
    def online_moments(g, rho1, rho2):
        g = np.asarray(g, dtype=float)
        s, r, S, R = np.zeros(g.shape[1]), np.zeros(g.shape[1]), [], []
        for row in g:
            s = (1 - rho1) * s + rho1 * row
            r = (1 - rho2) * r + rho2 * row * row
            S.append(s)
            R.append(r)
        return np.array(S), np.array(R)
    return online_moments


def _online_bias_corrected(ns):       # Adam's ŝ, r̂ instead of the running averages asked for
    def online_moments(g, rho1, rho2):
        g = np.asarray(g, dtype=float)
        s, r, S, R = np.zeros(g.shape[1]), np.zeros(g.shape[1]), [], []
        for t, row in enumerate(g, start=1):
            s = rho1 * s + (1 - rho1) * row
            r = rho2 * r + (1 - rho2) * row * row
            S.append(s / (1 - rho1**t))
            R.append(r / (1 - rho2**t))
        return np.array(S), np.array(R)
    return online_moments


def _float_factorial(ns):             # "as an exact Python int"
    return lambda n, m: float(math.factorial(n)) ** m


def _int64_factorial(ns):             # numpy's fixed-size integers overflow
    return lambda n, m: int(np.prod(np.arange(1, n + 1, dtype=np.int64)) ** m)


def _inverse_permutation(ns):         # neuron i is the old neuron perm[i], not the other way round
    def permute_hidden(W1, b1, w2, perm):
        inv = np.argsort(np.asarray(perm))
        return np.asarray(W1)[inv], np.asarray(b1)[inv], np.asarray(w2)[inv]
    return permute_hidden


def _split_swapped(ns):               # the copy gets w* − a, the old neuron a
    def split_neuron(W1, b1, w2, j, a):
        W1, b1, w2 = (np.asarray(x, dtype=float) for x in (W1, b1, w2))
        new_w2 = np.append(w2, w2[j] - a)
        new_w2[j] = a
        return np.vstack([W1, W1[j]]), np.append(b1, b1[j]), new_w2
    return split_neuron


def _ordered_pairs(ns):               # the order inside the doubled pair counted
    return lambda n: math.factorial(n) * (n - 1)


def _float_regions(ns):               # "as an exact int"
    return lambda n, d: float(sum(math.comb(n, j) for j in range(d + 1)))


def _float_sum_regions(ns):           # floating-point binomials, summed
    def n_regions(n, d):
        total = 0.0
        for j in range(d + 1):
            total += math.gamma(n + 1) / (math.gamma(j + 1) * math.gamma(n - j + 1)) if j <= n else 0.0
        return int(round(total))
    return n_regions


def _grid_regions(ns):                # "a grid of sample points undercounts thin regions"
    def count_line_regions(lines):
        L = np.asarray(lines, dtype=float)
        g = np.linspace(-10, 10, 401)
        X, Y = np.meshgrid(g, g)
        signs = (L[:, 0, None, None] * X + L[:, 1, None, None] * Y + L[:, 2, None, None]) > 0
        return len({tuple(col) for col in signs.reshape(len(L), -1).T})
    return count_line_regions


def _pairwise_crossings(ns):          # every pair's crossing counted, shared points too
    def count_line_regions(lines):
        lines = [tuple(int(v) for v in row) for row in lines]
        regions = 1
        for k, (a, b, c) in enumerate(lines):
            regions += 1 + sum(1 for a2, b2, c2 in lines[:k] if a * b2 - a2 * b != 0)
        return regions
    return count_line_regions


def _float_crossings(ns):             # crossing points solved in floating point, compared exactly
    def count_line_regions(lines):
        L = np.asarray(lines, dtype=float)
        regions = 1
        for k in range(len(L)):
            pts = set()
            for j in range(k):
                A = L[[k, j], :2]
                if abs(np.linalg.det(A)) > 1e-12:
                    pts.add(tuple(np.linalg.solve(A, -L[[k, j], 2])))
            regions += 1 + len(pts)
        return regions
    return count_line_regions


def _accuracy_on_all_points(ns):      # the fraction of points *not* in train_idx
    def off_training_accuracies(learner, n_points, train_idx):
        train_idx = [int(i) for i in train_idx]
        acc = np.zeros(2**n_points)
        for t in range(2**n_points):
            labels = np.array([(t >> i) & 1 for i in range(n_points)])
            pred = np.asarray(learner(np.array(train_idx), labels[train_idx], np.arange(n_points)))
            acc[t] = np.mean(pred == labels)
        return acc
    return off_training_accuracies


def _bits_reversed(ns):               # target t gives point i the label (t >> i) & 1
    def off_training_accuracies(learner, n_points, train_idx):
        train_idx = [int(i) for i in train_idx]
        test_idx = [i for i in range(n_points) if i not in train_idx]
        acc = np.zeros(2**n_points)
        for t in range(2**n_points):
            labels = np.array([(t >> (n_points - 1 - i)) & 1 for i in range(n_points)])
            pred = np.asarray(learner(np.array(train_idx), labels[train_idx], np.array(test_idx)))
            acc[t] = np.mean(pred == labels[test_idx])
        return acc
    return off_training_accuracies


def _bn_eps_outside(ns):              # ε inside the square root, as torch.nn.BatchNorm1d
    def bn_train(x, gamma, beta, eps=1e-5):
        x = np.asarray(x, dtype=float)
        mean, var = x.mean(axis=0), x.var(axis=0)
        return np.asarray(gamma) * (x - mean) / (np.sqrt(var) + eps) + np.asarray(beta), mean, var
    return bn_train


def _bn_unbiased(ns):                 # the (biased) mini-batch variance normalizes
    def bn_train(x, gamma, beta, eps=1e-5):
        x = np.asarray(x, dtype=float)
        mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
        return np.asarray(gamma) * (x - mean) / np.sqrt(var + eps) + np.asarray(beta), mean, var
    return bn_train


def _running_biased(ns):              # the running variance uses the unbiased batch variance
    def bn_running(batches, momentum=0.1):
        d = np.shape(batches[0])[1]
        mean, var = np.zeros(d), np.ones(d)
        for b in batches:
            mean = (1 - momentum) * mean + momentum * np.mean(b, axis=0)
            var = (1 - momentum) * var + momentum * np.var(b, axis=0)
        return mean, var
    return bn_running


def _running_momentum_swapped(ns):    # running = (1 − momentum)·running + momentum·batch
    def bn_running(batches, momentum=0.1):
        d = np.shape(batches[0])[1]
        mean, var = np.zeros(d), np.ones(d)
        for b in batches:
            m = len(b)
            mean = momentum * mean + (1 - momentum) * np.mean(b, axis=0)
            var = momentum * var + (1 - momentum) * np.var(b, axis=0) * m / (m - 1)
        return mean, var
    return bn_running


def _running_from_zero_variance(ns):  # the running variance starts at 1, not 0
    def bn_running(batches, momentum=0.1):
        d = np.shape(batches[0])[1]
        mean, var = np.zeros(d), np.zeros(d)
        for b in batches:
            m = len(b)
            mean = (1 - momentum) * mean + momentum * np.mean(b, axis=0)
            var = (1 - momentum) * var + momentum * np.var(b, axis=0) * m / (m - 1)
        return mean, var
    return bn_running


def _layer_normalize(ns):             # one norm for the whole matrix, not row by row
    def filter_normalize(D, W):
        D, W = np.asarray(D, float), np.asarray(W, float)
        return D * np.linalg.norm(W) / np.linalg.norm(D)
    return filter_normalize


def _prune_forgets_mask(ns):          # already-pruned weights stay pruned
    def prune_and_rewind(W_trained, W_init, mask, rate):
        w = np.abs(np.asarray(W_trained, float)).reshape(-1)
        keep = np.ones(w.size, bool)
        keep[np.argsort(w, kind="stable")[: int(round(rate * w.size))]] = False
        m = keep.reshape(np.shape(W_trained)).astype(float)
        return m, np.asarray(W_init) * m
    return prune_and_rewind


def _prune_ties_last(ns):             # ties: the one listed first in row-major order goes first
    def prune_and_rewind(W_trained, W_init, mask, rate):
        W_trained = np.asarray(W_trained, dtype=float)
        keep = np.asarray(mask, dtype=float).reshape(-1) > 0
        present = np.flatnonzero(keep)
        n_remove = int(round(rate * present.size))
        vals = np.abs(W_trained.reshape(-1)[present])
        order = np.lexsort((-np.arange(vals.size), vals))   # among equal |w|, the later one first
        keep[present[order[:n_remove]]] = False
        new_mask = keep.reshape(W_trained.shape).astype(float)
        return new_mask, np.asarray(W_init, dtype=float) * new_mask
    return prune_and_rewind


def _prune_round_half_up(ns):         # round(rate × k): Python's round, not int(x + 0.5)
    def prune_and_rewind(W_trained, W_init, mask, rate):
        W_trained = np.asarray(W_trained, dtype=float)
        keep = np.asarray(mask, dtype=float).reshape(-1) > 0
        present = np.flatnonzero(keep)
        n_remove = int(rate * present.size + 0.5)
        order = np.argsort(np.abs(W_trained.reshape(-1)[present]), kind="stable")
        keep[present[order[:n_remove]]] = False
        new_mask = keep.reshape(W_trained.shape).astype(float)
        return new_mask, np.asarray(W_init, dtype=float) * new_mask
    return prune_and_rewind


def _first_step_ratio(ns):            # the ratio to ε returned instead of the step |Δθ₁|
    return lambda lr, rho1, rho2: (1 - rho1) / np.sqrt(1 - rho2)


def _limit_signed(ns):                # the limit of |Δw₂|, not of Δw₂ at an odd step
    return lambda eta, alpha: (-eta / (1 - alpha), -75 * eta / (1 + alpha))


def _limit_no_alternation(ns):        # the w₂ gradient switches sign at every step
    return lambda eta, alpha: (-eta / (1 - alpha), 75 * eta / (1 - alpha))


def _escape_checked_after_the_step(ns):
    """saddle_escape q1: f tested after the step, so the start is never step 0."""
    f, grad_f = ns["f"], ns["grad_f"]

    def gd_escape_step(x0, lr, max_steps):
        x = np.array(x0, float)
        for t in range(max_steps + 1):
            x = x - lr * grad_f(x)
            if f(x) <= -0.005:
                return t
        return -1
    return gd_escape_step


def _escape_signed_offset(ns):
    """saddle_escape q2: log(0.1 / offset) without the absolute value."""
    return lambda offset, lr: math.log(0.1 / offset) / math.log(1 + lr)


def _kick_without_waiting(ns):
    """saddle_escape q3: a kick at every small gradient, ignoring t_thres."""
    f, grad_f = ns["f"], ns["grad_f"]

    def perturbed_gd(x0, lr, radius, t_thres, kicks, max_steps):
        x, used = np.array(x0, float), 0
        for t in range(max_steps + 1):
            if np.linalg.norm(grad_f(x)) <= radius and used < len(kicks):
                x, used = x + np.asarray(kicks[used], float), used + 1
            if f(x) <= -0.005:
                return t, used
            x = x - lr * grad_f(x)
        return -1, used
    return perturbed_gd


PITFALLS: list[tuple[str, str, str, Callable[[dict], Any], str]] = [
    ("saddle_escape", "q1", "gd_escape_step", _escape_checked_after_the_step, "the start is step 0"),
    ("saddle_escape", "q2", "predicted_steps", _escape_signed_offset, "a small nonzero number of either sign"),
    ("saddle_escape", "q3", "perturbed_gd", _kick_without_waiting, "there was no kick in the last"),
    ("narrow_valley", "q1", "gd_steps", _sign_at_zero_plus, "sgn(0) = 0"),
    ("narrow_valley", "q1", "gd_steps", _gd_in_place, "do not modify w0"),
    ("narrow_valley", "q4", "momentum_steps", _momentum_first_step_doubled, "Δw(0) = 0"),
    ("narrow_valley", "q5", "momentum_limit", _limit_signed, "the limit of |Δw₂|"),
    ("narrow_valley", "q5", "momentum_limit", _limit_no_alternation, "∂E/∂w₂ switches sign"),
    ("adam", "q1", "adam_update", _adam_delta_inside, "δ after the square root"),
    ("adam", "q1", "adam_update", _adam_no_correction, "bias correction"),
    ("adam", "q1", "adam_update", _adam_in_place, "do not modify the arguments in place"),
    ("adam", "q3", "first_step_without_correction", _first_step_ratio, "its size |Δθ₁|"),
    ("hessian_critical_points", "q2", "classify", _strict_signs, "tolerance on both sides of zero"),
    ("hessian_critical_points", "q2", "classify", _degenerate_first, "saddle before degenerate"),
    ("hessian_critical_points", "q4", "L3_origin", lambda ns: "minimum", "a zero eigenvalue: undecided"),
    ("hessian_critical_points", "q4", "L3_origin", lambda ns: "saddle", "what the test says, not what the point is"),
    ("hessian_critical_points", "q4", "L3_at_001", lambda ns: "degenerate", "both signs: a saddle anyway"),
    ("step_size_clipping", "q1", "optimal_step", _optimal_step_zero_curvature, "np.inf when gᵀHg ≤ 0"),
    ("step_size_clipping", "q3", "clip_by_norm", _clip_in_place, "a new array (do not change g)"),
    ("signal_to_noise", "q1", "moments", _variance_not_second_moment, "second moment, not variance"),
    ("signal_to_noise", "q3", "online_moments", _online_weights_swapped, "s ← ρ₁ s + (1 − ρ₁) g"),
    ("signal_to_noise", "q3", "online_moments", _online_bias_corrected, "running averages from s = r = 0"),
    ("weight_space_symmetries", "q1", "permute_hidden", _inverse_permutation, "neuron i is old neuron perm[i]"),
    ("weight_space_symmetries", "q2", "n_equivalent_minima", _float_factorial, "an exact Python int"),
    ("weight_space_symmetries", "q2", "n_equivalent_minima", _int64_factorial, "an exact Python int"),
    ("weight_space_symmetries", "q3", "split_neuron", _split_swapped, "the copy gets a"),
    ("weight_space_symmetries", "q4", "n_permutation_lines", _ordered_pairs, "the order in the pair"),
    ("regions_nfl", "q1", "n_regions", _float_regions, "an exact int"),
    ("regions_nfl", "q1", "n_regions", _float_sum_regions, "an exact int"),
    ("regions_nfl", "q2", "count_line_regions", _grid_regions, "a grid undercounts thin regions"),
    ("regions_nfl", "q2", "count_line_regions", _pairwise_crossings, "distinct crossing points"),
    ("regions_nfl", "q2", "count_line_regions", _float_crossings, "exactly"),
    ("regions_nfl", "q3", "off_training_accuracies", _accuracy_on_all_points, "points not in train_idx"),
    ("regions_nfl", "q3", "off_training_accuracies", _bits_reversed, "label (t >> i) & 1"),
    ("batchnorm_landscape", "q1", "bn_train", _bn_eps_outside, "ε inside the square root"),
    ("batchnorm_landscape", "q1", "bn_train", _bn_unbiased, "the biased mini-batch variance"),
    ("batchnorm_landscape", "q2", "bn_running", _running_biased, "the unbiased variance for running"),
    ("batchnorm_landscape", "q2", "bn_running", _running_momentum_swapped, "torch's momentum convention"),
    ("batchnorm_landscape", "q2", "bn_running", _running_from_zero_variance, "variance starts at 1"),
    ("batchnorm_landscape", "q3", "filter_normalize", _layer_normalize, "row by row"),
    ("batchnorm_landscape", "q4", "prune_and_rewind", _prune_forgets_mask, "pruned weights stay pruned"),
    ("batchnorm_landscape", "q4", "prune_and_rewind", _prune_ties_last, "ties: row-major first"),
    ("batchnorm_landscape", "q4", "prune_and_rewind", _prune_round_half_up, "round(rate × k)"),
]


def test_every_exercise_has_pitfalls_listed():
    assert {p[0] for p in PITFALLS} == set(EXERCISES)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_reference_solution_passes_every_public_check(name):
    check = Checker(name)
    ns = _reference(name)
    for q in EXERCISES[name].questions:
        ok, msg = check._run(q, ns)
        assert ok, (q, msg)


@pytest.mark.parametrize("name, question, target, make, warning", PITFALLS,
                         ids=[f"{p[0]}-{p[1]}-{p[4]}" for p in PITFALLS])
def test_a_warned_mistake_fails_check_and_loses_points(name, question, target, make, warning):
    ns = dict(_reference(name))
    ns[target] = make(ns)
    # the grader takes points for it (the warning is about a real mistake) ...
    points, full, message = _hidden_points(name, question, ns)
    assert points < full, f"{name} {question}: the hidden checks give full marks to '{warning}'"
    # ... and check("qN") says so before the student hands in
    ok, msg = Checker(name)._run(question, ns)
    assert not ok, f"{name} {question}: check() passes '{warning}' (the grader then gives {points}/{full})"


# ------------------------------------------------------------------------- what the notebook says
#: Text that would give a graded answer away (the worked answers live in solution cells only).
GIVEAWAYS = {
    "narrow_valley": ["1/(1-\\alpha)", "1/(1+\\alpha)", "(1+\\alpha)", "1/(1 - alpha)", "factor $1/("],
    "adam": ["(1 - rho1) / np.sqrt", "\\sqrt{1-\\rho_2}", "3.16"],
    "hessian_critical_points": ['"degenerate"  # L3', "so flat", "L3_origin = \"", "L3_at_001 = \""],
}

_DIRECTIVE = re.compile(r"^\s*(:::+|```+)\s*\{[\w:-]+\}", re.M)
_ROLE = re.compile(r"\{[a-z][\w:-]*\}`")


def _student(name: str):
    return nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_student_notebook_has_no_myst_markup(name):
    """MyST directives and roles show as raw text in JupyterLab and in the in-browser site."""
    for i, cell in enumerate(_student(name).cells):
        if cell.cell_type == "markdown":
            assert not _DIRECTIVE.search(cell.source), f"{name} cell {i}: a MyST directive: {cell.source[:120]!r}"
            assert not _ROLE.search(cell.source), f"{name} cell {i}: a MyST role: {cell.source[:120]!r}"


def test_the_markup_check_finds_what_it_looks_for():
    assert _DIRECTIVE.search(":::{admonition} What do you conclude?\n:class: tip\n")
    assert _DIRECTIVE.search("```{note}\nx\n```") and _ROLE.search("see {doc}`momentum`")
    assert not _DIRECTIVE.search("```python\nx = 1\n```") and not _ROLE.search("a set {1, 2} and `code`")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_notebook_says_how_to_hand_in_and_what_each_question_is_worth(name):
    text = "\n".join(c.source for c in _student(name).cells if c.cell_type == "markdown")
    assert re.search(r"^- \*\*Handing in:\*\* .*hand in this `\.ipynb` file", text, re.M), name
    line = re.search(r"^- \*\*Points:\*\* (.*)$", text, re.M)
    assert line, f"{name}: no points line"
    stated = {q: float(v) for q, v in re.findall(r"(q\d+): (\d+(?:\.\d+)?)", line.group(1))}
    points = EXERCISES[name].points
    assert stated == points, f"{name}: the notebook says {stated}, the grader gives {points}"
    total = float(re.search(r"\((\d+(?:\.\d+)?) in all\)", line.group(1)).group(1))
    assert total == sum(points.values()), name
    # and check() says it too
    out = Checker(name)._line("q1", False, "x")
    assert out.endswith(f"(worth {points['q1']:g} point{'' if points['q1'] == 1 else 's'})"), out


@pytest.mark.parametrize("name", sorted(GIVEAWAYS))
def test_the_notebook_does_not_give_a_graded_answer_away(name):
    nb = _student(name)
    text = "\n".join(c.source for c in nb.cells).replace(" ", "")
    for phrase in GIVEAWAYS[name]:
        assert phrase.replace(" ", "") not in text, f"{name}: the student notebook contains {phrase!r}"
