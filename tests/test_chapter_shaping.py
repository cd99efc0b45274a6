"""The chapter module of "What shapes the landscape": figures, sliders and the stored results."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.shaping import (
    draw_gammabeta, draw_lottery, draw_noise, draw_propagation, draw_smoothness, draw_strong, lottery_summary,
    noise_summary, propagation_demo, propagation_spread, strong_summary,
)
from lecture_code.core.data import stored_results
from lecture_code.core.interactive import Slider, explore


@pytest.fixture(scope="module")
def results():
    return stored_results("landscape")


def test_stored_results_have_every_part(results):
    for part in ("batchnorm", "noise", "gammabeta", "lottery", "strong", "paths"):
        assert part in results, f"lecture_code/data/landscape.json lacks {part!r}: run make data"


def test_lottery_fractions_follow_the_pruning_schedule(results):
    """Kept fraction after k rounds, from the layer sizes alone: the rate per round, half of it in the output layer."""
    lt = results["lottery"]
    sizes = lt["sizes"]
    layers = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    kept = np.array(layers, dtype=float)
    expected = [1.0]
    for k in range(1, len(lt["runs"][0]["kept"])):
        for i in range(len(kept)):
            rate = lt["rate"] / 2 if i == len(kept) - 1 else lt["rate"]
            kept[i] -= round(rate * kept[i])
        expected.append(kept.sum() / sum(layers))
    for run in lt["runs"]:
        assert np.allclose(run["kept"], expected, atol=1e-4)
        assert all(0.0 <= a <= 1.0 for a in run["rewind"] + run["reinit"])


def test_lottery_summary_by_hand():
    res = {"runs": [{"kept": [1.0, 0.5, 0.25, 0.1], "rewind": [0.9, 0.91, 0.85, 0.95], "reinit": [0.9, 0.8, 0.7, 0.6]}]}
    s = lottery_summary(res, tolerance=0.01)
    assert s["dense"] == 0.9
    assert s["kept_rewind"] == 0.5     # 0.85 at 25 % breaks the run, even if 10 % recovers
    assert s["kept_reinit"] == 1.0
    assert s["last_kept"] == 0.1


def test_noise_summary_by_hand():
    run = lambda loss, acc, shift, div=None: dict(loss=loss, test_acc=acc, shift=shift, diverged_at=div)
    res = {"runs": [{"plain": run([None], None, None, 25), "plain_small_lr": run([1.0, 0.1], 0.9, 0.2),
                     "bn": run([1.0, 0.2], 0.8, 0.1), "noisy": run([1.0, 0.4], 0.7, 0.5)},
                    {"plain": run([1.0, 0.5], 0.5, 0.3), "plain_small_lr": run([1.0, 0.3], 0.7, 0.4),
                     "bn": run([1.0, 0.4], 0.6, 0.3), "noisy": run([1.0, 0.2], 0.9, 0.7)}]}
    s = noise_summary(res)
    assert s["plain"]["diverged"] == 1 and s["plain"]["diverged_at"] == [25] and s["plain"]["loss"] == 0.5
    assert np.isclose(s["bn"]["loss"], 0.3) and np.isclose(s["noisy"]["test_acc"], 0.8)
    assert np.isclose(s["noisy"]["shift"], 0.6) and s["noisy"]["test_acc_min"] == 0.7


def test_strong_summary_by_hand():
    base = dict(width=8, fraction=0.5, weights=100, kept=50, small_width=3, small_weights=45, train_acc=1.0,
                dense_train_acc=1.0, all_weights_acc=0.1, dense_test_acc=0.9, small_test_acc=0.8,
                fresh_weights_acc=0.1, random_mask_acc=0.1)
    res = {"runs": [dict(base, test_acc=0.7), dict(base, test_acc=0.9)]}
    s = strong_summary(res)[(8, 0.5)]
    assert np.isclose(s["test_acc"], 0.8) and s["test_acc_min"] == 0.7 and s["test_acc_max"] == 0.9 and s["seeds"] == 2


def test_static_figures_from_results(results):
    draw_smoothness(results["batchnorm"])
    draw_noise(results["noise"])
    draw_gammabeta(results["gammabeta"])
    draw_lottery(results["lottery"])
    draw_strong(results["strong"])


def test_stored_noise_runs_are_complete(results):
    nz = results["noise"]
    for run in nz["runs"]:
        for key, r in run.items():
            if r["diverged_at"] is None:
                assert len(r["loss"]) == nz["steps"] // nz["every"] + 1 and all(v is not None for v in r["loss"])
                assert 0 <= r["test_acc"] <= 1
            else:
                assert r["loss"][-1] is None and r["test_acc"] is None


def test_propagation_demo_relu_he_is_stable_and_lecun_vanishes():
    he = propagation_demo(2.0, "relu", depth=20, width=128, n=128)
    lecun = propagation_demo(1.0, "relu", depth=20, width=128, n=128)
    assert 0.3 < he.measured_forward[-1] < 3
    assert lecun.measured_forward[-1] < 1e-4      # halves every layer: 2^-19 ≈ 2e-6
    assert np.isclose(lecun.predicted_forward[-1], 0.5 ** 19)
    fig = explore(propagation_demo, draw_propagation, Slider("gain", [1.0, 2.0]),
                  Slider("activation", ["tanh", "relu"], fmt="{}"), fixed=dict(depth=6, width=32, n=32)).static_figure()
    assert len(fig.frames) == 4


def test_propagation_spread_keeps_the_mean_and_matches_the_demo():
    """He + ReLU: the seeds' mean forward variance is the mean-field value (in expectation exactly),
    seed 0 is the figure's network, and the predictions are the closed forms 2 and 1/2."""
    sp = propagation_spread(2.0, "relu", seeds=30, depth=8, width=64, n=128)
    assert len(sp["forward"]) == len(sp["backward"]) == 30
    assert np.isclose(sp["predicted_forward"], 2.0) and np.isclose(sp["predicted_backward"], 0.5)
    demo = propagation_demo(2.0, "relu", depth=8, width=64, n=128, seed=0)
    assert sp["forward"][0] == demo.measured_forward[-1] and sp["backward"][0] == demo.measured_backward[0]
    assert 0.7 * 2.0 < sp["forward"].mean() < 1.3 * 2.0
    assert 0.7 * 0.5 < sp["backward"].mean() < 1.3 * 0.5
    with pytest.raises(ValueError, match="seeds"):
        propagation_spread(2.0, "relu", seeds=0)


def test_the_self_checks_initializations_agree_with_the_library_and_the_mean_field():
    """The quiz's right initialization answers against :mod:`lecture_code.core.initialization`:
    Xavier's uniform bound for 100 → 50 is √(6/150) = 0.2, and of LeCun, Xavier and He for square
    ReLU layers only He's variance keeps the forward signal's variance over 20 layers."""
    import math

    from lecture_code.chapters.shaping import self_check_quiz
    from lecture_code.core.initialization import init_bound, init_variance, mean_field_variances

    questions = self_check_quiz().questions
    right = lambda q: [text for text, correct, _ in q.options if correct]   # noqa: E731
    assert right(questions[3]) == ["√(6/150) = 0.2"]
    assert init_bound("xavier", 100, 50) == pytest.approx(math.sqrt(6 / 150)) == pytest.approx(0.2)
    n, kept = 64, []
    for text, scheme in (("1/n (LeCun)", "lecun"), ("2/(n_in + n_out) (Xavier)", "xavier"), ("2/n (He)", "he")):
        forward = mean_field_variances(20, "relu", n * init_variance(scheme, n, n)).forward
        if forward[-1] / forward[0] == pytest.approx(1.0, rel=1e-6):
            kept.append(text)
    assert right(questions[2]) == kept == ["2/n (He)"]
