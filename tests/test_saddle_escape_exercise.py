"""The graded exercise on perturbed gradient descent: its public checks accept the reference
solution and catch typical mistakes; the hidden checks (run by the grader's own process on the
values the probes return) accept the reference and reject wrong values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from grading.judge import solution_cells
from grading.source import load
from grading.spec import collect
from lecture_code.student import Checker

ROOT = Path(__file__).resolve().parents[1]
NAME = "saddle_escape"


def _exercise():
    return load(ROOT / "solutions" / f"{NAME}.md")


def _reference_namespace() -> dict:
    ns: dict = {"__name__": "__main__"}
    for src in solution_cells(_exercise()):
        if src.strip() and not src.lstrip().startswith("check"):
            exec(compile(src, NAME, "exec"), ns)  # noqa: S102 - the repository's own solution
    return ns


def _hidden() -> dict:
    src = (ROOT / "solutions" / f"{NAME}.md").read_text()
    cell = src.split(":tags: [hidden-tests]", 1)[1].split("```", 1)[0]
    return {q.name: q for q in collect(cell, NAME)}


def test_reference_passes_the_public_checks_and_mistakes_are_caught():
    check = Checker(NAME)
    ns = _reference_namespace()
    for q in ("q1", "q2", "q3", "q4", "q5", "q6"):
        ok, msg = check._run(q, ns)
        assert ok, (q, msg)
    f, grad_f = ns["f"], ns["grad_f"]

    def gd_off_by_one(x0, lr, max_steps):           # checks f after the step: one step late
        x = np.array(x0, float)
        for t in range(max_steps + 1):
            x = x - lr * grad_f(x)
            if f(x) <= -0.005:
                return t
        return -1

    def kicks_ignore_waiting(x0, lr, radius, t_thres, kicks, max_steps):     # kicks at every small gradient
        x, used = np.array(x0, float), 0
        for t in range(max_steps + 1):
            if np.linalg.norm(grad_f(x)) <= radius and used < len(kicks):
                x, used = x + kicks[used], used + 1
            if f(x) <= -0.005:
                return t, used
            x = x - lr * grad_f(x)
        return -1, used

    def cube(n, d, radius, seed):                   # uniform in the cube, not the ball
        return np.random.default_rng(seed).uniform(-radius, radius, (n, d))

    for q, name, wrong in (("q1", "gd_escape_step", gd_off_by_one), ("q3", "perturbed_gd", kicks_ignore_waiting),
                           ("q4", "uniform_ball", cube)):
        ok, msg = check._run(q, {**ns, name: wrong})
        assert not ok, (q, "a wrong answer passed")


def test_hidden_checks_accept_the_reference_and_reject_wrong_values():
    hidden = _hidden()
    ns = _reference_namespace()
    assert sum(q.points for q in hidden.values()) == 11
    # uniform_ball: the reference passes; a cube, a sphere surface, a shifted ball do not
    q4 = hidden["q4"]
    for probe in q4.probes:
        n, d, r, seed = probe.args
        assert q4.check(ns["uniform_ball"](n, d, r, seed), None, probe) is None
        z = np.random.default_rng(seed).standard_normal((n, d))
        surface = r * z / np.linalg.norm(z, axis=1, keepdims=True)
        assert q4.check(surface, None, probe) is not None
        if d > 1:
            assert q4.check(np.random.default_rng(seed).uniform(-r, r, (n, d)) / math.sqrt(d), None, probe) is not None
    # mean_escape: the reference passes, a value 10 steps off does not
    q5 = hidden["q5"]
    for probe in q5.probes:
        got = ns["mean_escape"](*probe.args)
        assert q5.check(got, None, probe) is None
        assert q5.check(got + 10, None, probe) is not None
    q6 = hidden["q6"]
    assert q6.check(ns["steps_per_doubling"], None, q6.probes[0]) is None
    assert q6.check(math.log(2) / math.log(1.1), None, q6.probes[0]) is not None     # forgot the ½
    # the question asks for the large-d limit of the argument, not a measurement: the exact linearised
    # means from d = 1 to 4,096 give 3.32 steps per doubling, the notebook's d = 2, 16, 128 gave 3.13
    from lecture_code.core.escape import predicted_escape_steps
    measured = (predicted_escape_steps(4096, 1e-3, 0.1) - predicted_escape_steps(1, 1e-3, 0.1)) / 12
    assert abs(measured - 3.32) < 0.01
    assert q6.check(measured, None, q6.probes[0]) is not None
    assert q6.check(3.13, None, q6.probes[0]) is not None
    # the limit itself: successive doublings of the exact linearised mean approach it from below
    want = ns["steps_per_doubling"]
    gaps = [predicted_escape_steps(2 * d, 1e-3, 0.1) - predicted_escape_steps(d, 1e-3, 0.1) for d in (1, 16, 1024)]
    assert gaps[0] < gaps[1] < gaps[2] < want + 1e-6 and want - gaps[2] < 0.01
    assert q6.check(round(want, 2), None, q6.probes[0]) is None
