"""The figures module of book/good_minima.md: frames with the same traces, the numbers it derives
from the committed results against independent computations."""

import math

import numpy as np
import pytest

from lecture_code.chapters import good_minima as gm
from lecture_code.core.small_classifiers import HIDDEN_SIZES


def _signature(fig):
    return [type(t).__name__ for t in fig.data], len(fig.layout.annotations)


def test_width_frames_share_traces_and_check_m():
    data = gm.load_result("overparameterization")
    widths = [r["m"] for r in data["widths"]["rows"]]
    sigs = {str(_signature(gm.draw_width_frame(gm.width_frame(m, data)))) for m in (widths[0], widths[-1])}
    assert len(sigs) == 1
    f = gm.width_frame(widths[-1], data)
    assert f.zero + f.stuck + f.decreasing == f.runs
    assert np.all(np.diff(f.bound) <= 0) and f.bound[0] > 0
    with pytest.raises(ValueError, match="m must be one of"):
        gm.width_frame(5, data)
    assert len(gm.draw_outcomes_by_width(data).data) == 4


def test_linear_regime_demo_is_a_local_minimum_for_every_slope():
    frames = [gm.linear_regime_demo(s, perturbations=500) for s in (0.0, 0.5, 0.99)]
    for f in frames:
        assert f.local_loss == pytest.approx(1.4) and f.local_grad < 1e-12 and f.worst_drop >= 0
        assert f.better_loss < 1e-20 and f.better_weight == pytest.approx(1 / (1 - f.s_minus))
        # the local minimum's function is the least-squares line y = 1.2 on these points
        assert np.allclose(f.local_output, 1.2, atol=1e-12)
    assert len({str(_signature(gm.draw_linear_regime(f))) for f in frames}) == 1


def test_two_proportion_z_by_hand():
    # 30/100 against 50 % of 100: pooled p = 0.4, se = sqrt(0.24 * 0.02)
    assert gm.two_proportion_z(30, 100, 50.0, 100) == pytest.approx(-0.2 / math.sqrt(0.24 * 0.02))
    assert gm.two_proportion_z(100, 100, 100.0) == 0.0


def test_xor_frames_agree_with_the_committed_counts():
    data = gm.load_result("xor_success")
    for h in (HIDDEN_SIZES[0], HIDDEN_SIZES[-1]):
        f = gm.xor_frame(h, data)
        i = HIDDEN_SIZES.index(h)
        cell = data["variants"][0]["rates"]["adam-relu"][i]
        assert f.ours[0] == pytest.approx(100 * cell["successes"] / cell["runs"])
        assert np.all(f.variant_low <= f.ours + 1e-9) and np.all(f.ours <= f.variant_high + 1e-9)
    assert _signature(gm.draw_xor_frame(gm.xor_frame(2, data))) == _signature(gm.draw_xor_frame(gm.xor_frame(7, data)))
    rows = gm.xor_rows(data)
    assert len(rows) == 4 * len(HIDDEN_SIZES)
    with pytest.raises(ValueError, match="h must be one of"):
        gm.xor_frame(9, data)


def test_dead_frames():
    data = gm.load_result("dead_relu")
    f0, f1 = gm.dead_frame(0.0, data), gm.dead_frame(-1.0, data)
    assert np.all(np.diff(f0.dead, axis=1) >= 0)                     # dead by depth L grows with L
    assert np.all(f1.dead >= f0.dead - 0.05)                         # a negative bias kills more
    assert np.all(f0.dead <= f0.bound + 0.05)                        # the single-input upper bound
    assert _signature(gm.draw_dead_frame(f0)) == _signature(gm.draw_dead_frame(f1))


def test_zero_predictor_loss_of_the_teacher_against_monte_carlo():
    """spin_glass_evidence divides by ½ E[(Σ_j relu(x_j))²] = k/4 + k(k−1)/(4π)."""
    k = 6
    x = np.random.default_rng(0).standard_normal((400_000, k))
    mc = 0.5 * np.mean(np.maximum(x, 0).sum(axis=1) ** 2)
    assert mc == pytest.approx(k / 4 + k * (k - 1) / (4 * math.pi), rel=0.01)
    ev = gm.spin_glass_evidence(gm.load_result("overparameterization"), gm.load_result("safran_shamir"),
                                gm.load_result("critical_points"), gm.load_result("xor_success"))
    for r in ev["ss"]:
        assert r["relative"] == pytest.approx(r["loss"] / (r["k"] / 4 + r["k"] * (r["k"] - 1) / (4 * math.pi)))
    assert ev["tanh"][0]["spread"] >= 1 and len(ev["widths"]) == len(gm.load_result("overparameterization")["widths"]["rows"])
    assert len(gm.draw_band(ev).data) == 3


def test_load_result_names():
    with pytest.raises(ValueError, match="name must be one of"):
        gm.load_result("nope")


def test_the_words_of_the_chapter_hold_on_the_committed_results():
    """Sentences of book/good_minima.md that are words, not glued numbers."""
    ov = gm.load_result("overparameterization")
    rows = ov["widths"]["rows"]
    k = ov["widths"]["setup"]["k"]
    by = {r["m"]: r for r in rows}
    assert by[k]["zero"] < by[k]["runs"] / 2 and by[k]["stuck"] > by[k]["runs"] / 2   # "stuck at a loss far above"
    yun = {r["width"]: r for r in ov["yun"]["rows"]}
    assert yun[max(yun)]["least_squares"] == 0                       # "the wide network never fell into it"
    assert yun[min(yun)]["least_squares"] > 0
    xd = gm.load_result("xor_success")
    rows = gm.xor_rows(xd)
    sig = [r for r in rows if "sigmoid" in r["setting"]]
    worst = max(sig, key=lambda r: abs(r["z"]))
    assert worst["z"] < -3 and worst["published"] > worst["high"]     # "no variant comes higher"
    relu = [r for r in rows if "ReLU" in r["setting"]]
    assert sum(abs(r["z"]) < 2 for r in relu) >= len(relu) - 1       # "the ReLU columns reproduce"
    ev = gm.spin_glass_evidence(ov, gm.load_result("safran_shamir"), gm.load_result("critical_points"), xd)
    assert ev["ss"][-1]["percent"] > ev["ss"][0]["percent"]           # "more common" as k = n grows
    assert ev["ss"][-1]["relative"] < ev["ss"][0]["relative"]         # "good and getting better"
    t4, t8 = ev["tanh"]
    assert t8["worst"] < t4["best"]                                   # "end lower": every 8-unit end below every 4-unit end
    assert t8["spread"] > t4["spread_but_worst"]                      # "... but not closer together"
    # the ends of training are degenerate or not, as the saddles chapter counts them
    cp = gm.load_result("critical_points")
    ends = [[p for p in net["points"] if p["start"] == "trained"] for net in cp["nets"]]
    assert 0 < sum(p["n_zero"] > 0 for p in ends[0]) < len(ends[0]) and all(p["n_zero"] > 0 for p in ends[1])
    # the Safran & Shamir n = k + 1 rows: one extra neuron is not enough for large k, two are in their range
    from lecture_code.core.relu_minima import PAPER_SETTINGS, published_percent
    assert published_percent(19, 20) > 40 and published_percent(14, 15) > 5
    assert all(published_percent(k, n) == 0.0 for k, n in PAPER_SETTINGS if n == k + 2)
    # the born-dead networks did not move at all; one living network also ended at the majority class
    tr = gm.load_result("dead_relu")["training"]
    assert max(tr["dead_moved"]) == 0.0
    assert sum(a <= tr["majority_class"] for a in tr["alive_accuracy"]) == 1
    dr = gm.load_result("dead_relu")
    z = {(r["width"], r["bias"]): r["dead_by_depth"] for r in dr["census"]}
    assert all(z[(w, -1.0)][L] >= z[(w, 0.0)][L] for w, b in z if b == 0.0 for L in range(len(z[(w, 0.0)])))


# ------------------------------------------------------------------ the wrong side of the hill


def test_hill_demo_one_dimension_traps_two_dimensions_go_around():
    from lecture_code.chapters.good_minima import draw_hill_pair, hill_demo, hill_pair
    from lecture_code.core.surfaces import hill

    on_line = hill_demo(0.0, 0.05)
    assert on_line.basin == "local" and abs(on_line.path.points[:, 1]).max() == 0.0   # stays on y = 0
    around = hill_demo(4.0, 0.05)
    assert around.basin == "global" and around.length > around.distance
    # with a weak pull the point behind the hill is a saddle: every start off the line goes around,
    # slower the closer it starts to the line
    weak = [hill_demo(y, 0.03) for y in (0.25, 1.0, 4.0)]
    assert all(d.basin == "global" for d in weak)
    assert weak[0].converged_step > weak[1].converged_step > weak[2].converged_step
    kinds = {c.kind for c in hill(pull=0.03).critical_points}
    assert "saddle" in kinds
    behind = min(hill(pull=0.03).critical_points, key=lambda c: abs(c.point[0] + 1.8) + abs(c.point[1]))
    assert behind.kind == "saddle"
    assert _signature(draw_hill_pair(hill_pair(0.0))) == _signature(draw_hill_pair(hill_pair(4.0)))
    pair = hill_pair(1.0)
    assert [d.pull for d in pair] == [0.05, 0.03] and [d.basin for d in pair] == ["local", "global"]


def test_the_self_checks_dead_layer_chance_agrees_with_random_initialisations():
    """The quiz's chance that a zero-bias ReLU layer of 3 units is dead on one input, against
    :func:`single_point_dead_probability` and the dead layers of 20 000 He initialisations."""
    from lecture_code.core.dead_relu import first_dead_layer, he_init, single_point_dead_probability
    from lecture_code.core.mlp import MLP

    number = gm.self_check_quiz(5, 10, 3, 4, 1e12).questions[2]
    assert number.accepts("1/8")
    assert number.answer == pytest.approx(single_point_dead_probability(3, 1), abs=1e-15)
    net = MLP((2, 3, 1), activation="relu")
    theta = he_init(net, 20_000, np.random.default_rng(0))
    dead = np.mean(first_dead_layer(net, theta, np.array([[0.6, -1.3]])) == 1)
    assert abs(dead - number.answer) < 0.01   # 4 standard errors of the 20 000 runs


def test_the_self_checks_width_is_the_one_passed_in():
    width = gm.self_check_quiz(7, 10, 3, 4, 2.6e12).questions[1]
    assert width.answer == 7 and width.accepts("7") and not width.accepts("6")
    assert "From m = 7 on all 10 starts reach zero" in width.explanation and "3e+12" in width.explanation
