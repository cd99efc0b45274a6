"""The chapter module of "Seeing the landscape": figures, sliders and the stored results."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.landscape import (
    Profiles, draw_connectivity, draw_gammabeta, draw_interpolation, draw_lottery, draw_propagation,
    draw_rescaling, draw_skip, draw_smoothness, draw_surface, interpolation_demo, load_results, lottery_summary,
    propagation_demo, rescale_layers, rescaling_demo, skip_demo,
)
from lecture_code.core.data import digits
from lecture_code.core.interactive import Slider, explore
from lecture_code.core.models import flatten_params, make_loss_fn, mlp


@pytest.fixture(scope="module")
def results():
    return load_results()


def test_stored_results_have_every_part(results):
    for part in ("paths", "skip", "batchnorm", "gammabeta", "lottery"):
        assert part in results, f"lecture_code/data/landscape.json lacks {part!r}: run make data"


def test_lottery_fractions_follow_the_pruning_schedule(results):
    """Kept fraction after k rounds, from the layer sizes alone: 20 % per round, 10 % in the output layer."""
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


def test_skip_slider_frames_are_consistent(results):
    skip = results["skip"]
    fig = explore(skip_demo, draw_skip, Slider("depth", skip["depths"], fmt="{:d}"), fixed=dict(results=skip)).static_figure()
    assert len(fig.frames) == len(skip["depths"])
    with pytest.raises(ValueError, match="depth"):
        skip_demo(7, skip)


def test_static_figures_from_results(results):
    p = results["paths"]
    draw_connectivity(np.asarray(p["ts"]), {"line": p["line"]["train"]}, p["a_bezier_b"])
    draw_surface(p["surface"]["xs"], p["surface"]["xs"], p["surface"]["loss"], "t")
    draw_smoothness(results["batchnorm"])
    draw_gammabeta(results["gammabeta"])
    draw_lottery(results["lottery"])


def test_interpolation_figure_frames():
    al = np.linspace(0, 1, 5)
    plane = dict(xs=[0, 1, 2], ys=[0, 1], loss=[[1, 2, 3], [2, 3, 4]], coords=[[0, 0], [2, 0], [1, 1]])
    prof = Profiles(al, al[::-1] + 0.1, al[::-1] + 0.2, 1 + al * (1 - al), plane)
    fig = explore(interpolation_demo, draw_interpolation, Slider("alpha", [0.0, 0.5, 1.0]),
                  fixed=dict(profiles=prof)).static_figure()
    assert len(fig.frames) == 3
    with pytest.raises(ValueError, match="alpha"):
        interpolation_demo(2.0, prof)


def test_rescaling_is_the_same_function_and_same_filter_view():
    tr, _ = digits(n_train=200)
    m = mlp([64, 16, 16, 10], "relu", seed=0)
    theta = flatten_params(m)
    d = rescaling_demo(3.0, m, theta, tr.X, tr.y, n=9)
    assert d.output_change < 1e-10
    assert np.allclose(d.filter_original, d.filter_rescaled, rtol=1e-9)
    assert not np.allclose(d.raw_original, d.raw_rescaled, rtol=1e-3)
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    assert np.isclose(d.raw_original[4], float(lf(theta)))       # t = 0 is the network itself
    draw_rescaling(d)
    with pytest.raises(ValueError, match="c must be"):
        rescale_layers(m, theta, -1.0)


def test_propagation_demo_relu_he_is_stable_and_lecun_vanishes():
    he = propagation_demo(2.0, "relu", depth=20, width=128, n=128)
    lecun = propagation_demo(1.0, "relu", depth=20, width=128, n=128)
    assert 0.3 < he.measured_forward[-1] < 3
    assert lecun.measured_forward[-1] < 1e-4      # halves every layer: 2^-19 ≈ 2e-6
    assert np.isclose(lecun.predicted_forward[-1], 0.5 ** 19)
    fig = explore(propagation_demo, draw_propagation, Slider("gain", [1.0, 2.0]),
                  Slider("activation", ["tanh", "relu"], fmt="{}"), fixed=dict(depth=6, width=32, n=32)).static_figure()
    assert len(fig.frames) == 4
