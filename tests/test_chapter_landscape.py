"""The chapter module of "Seeing the landscape": figures, sliders and the stored results."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_code.chapters.landscape import (
    RESCALINGS, Profiles, basins_demo, draw_basins, draw_connectivity, draw_dropout_paths, draw_interpolation,
    draw_recurrent, draw_rescaling, draw_skip, draw_surface, interpolation_demo, normalization_comparison, rescale_layers,
    rescaling_demo,
    skip_demo,
)
from lecture_code.core.data import digits, stored_results
from lecture_code.core.interactive import Slider, explore
from lecture_code.core.models import flatten_params, make_loss_fn, mlp


@pytest.fixture(scope="module")
def results():
    return stored_results("landscape")


def test_stored_results_have_every_part(results):
    for part in ("paths", "skip", "dropout", "optimizers", "recurrent"):
        assert part in results, f"lecture_code/data/landscape.json lacks {part!r}: run make data"


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
    draw_recurrent(results["recurrent"])
    run = results["dropout"]["runs"][0]
    ours = dict(alphas=np.linspace(0, 1, 5), line=[1, 2, 3, 2, 1], s=[0, 1, 2], path=[1, 4, 1])
    draw_dropout_paths(ours, run)


def test_stored_dropout_paths_respect_their_bound(results):
    """The construction's guarantee, on the stored curves: never above the highest corner."""
    for run in results["dropout"]["runs"]:
        for kind in ("plain", "dropout"):
            r = run[kind]
            assert max(r["path"]) <= max(r["corners"]) * (1 + 1e-3) + 1e-9
            assert np.isclose(r["path"][0], r["line"][0], rtol=1e-3) and np.isclose(r["path"][-1], r["line"][-1], rtol=1e-3)
            assert len(r["path"]) == 10 * len(r["kinds"]) + 1


def test_basins_slider_and_stored_matrices(results):
    opt = results["optimizers"]
    fig = explore(basins_demo, draw_basins, Slider("width", opt["widths"], fmt="{:d}"),
                  fixed=dict(results=opt)).static_figure()
    assert len(fig.frames) == len(opt["widths"])
    for run in opt["runs"]:
        bar, dist = np.asarray(run["barrier"]), np.asarray(run["distance"])
        assert np.allclose(bar, bar.T) and np.allclose(dist, dist.T) and np.all(np.diag(dist) == 0)
    with pytest.raises(ValueError, match="width"):
        basins_demo(3, opt)


def test_interpolation_figure_frames():
    al = np.linspace(0, 1, 5)
    plane = dict(xs=[0, 1, 2], ys=[0, 1], loss=[[1, 2, 3], [2, 3, 4]], coords=[[0, 0], [2, 0], [1, 1]])
    prof = Profiles(al, al[::-1] + 0.1, al[::-1] + 0.2, 1 + al * (1 - al), plane)
    fig = explore(interpolation_demo, draw_interpolation, Slider("alpha", [0.0, 0.5, 1.0]),
                  fixed=dict(profiles=prof)).static_figure()
    assert len(fig.frames) == 3
    with pytest.raises(ValueError, match="alpha"):
        interpolation_demo(2.0, prof)


def test_rescaling_a_layer_keeps_the_filter_view_and_one_unit_does_not():
    tr, _ = digits(n_train=200)
    m = mlp([64, 16, 16, 10], "relu", seed=0)
    theta = flatten_params(m)
    layer = rescaling_demo(3.0, "whole layer", m, theta, tr.X, tr.y, n=9)
    unit = rescaling_demo(3.0, "one unit", m, theta, tr.X, tr.y, n=9)
    for d in (layer, unit):
        assert d.output_change < 1e-10
    assert layer.filter_difference < 1e-9 and np.allclose(layer.filter_original, layer.filter_rescaled, rtol=1e-9)
    assert unit.filter_difference > 1e-4
    assert not np.allclose(layer.raw_original, layer.raw_rescaled, rtol=1e-3)
    lf = make_loss_fn(m, tr.X, tr.y, "cross_entropy")
    assert np.isclose(layer.raw_original[4], float(lf(theta)))       # t = 0 is the network itself
    fig = explore(rescaling_demo, draw_rescaling, Slider("c", [1.0, 3.0]),
                  Slider("rescaled", list(RESCALINGS), fmt="{}"),
                  fixed=dict(model=m, theta=theta, X=tr.X, y=tr.y, n=9)).static_figure()
    assert len(fig.frames) == 4
    with pytest.raises(ValueError, match="c must be"):
        rescale_layers(m, theta, -1.0)
    with pytest.raises(ValueError, match="rescaled"):
        rescaling_demo(2.0, "one layer", m, theta, tr.X, tr.y)


def test_normalization_comparison_against_hand_computed_norms_and_rescaling_demo():
    """Exercise 1's numbers: norms by hand, the filter curve difference shared with rescaling_demo."""
    tr, _ = digits(n_train=200)
    m = mlp([64, 16, 16, 10], "relu", seed=0)
    theta = flatten_params(m)
    W1, W2 = m[0].weight.detach().double(), m[2].weight.detach().double()
    c = 3.0
    unit = normalization_comparison(c, "one unit", m, theta, tr.X, tr.y, n=9)
    # by hand: unit 0 is row 0 of W1 (times c) and column 0 of W2 (divided by c)
    w1 = np.sqrt(float(W1.pow(2).sum()) + (c ** 2 - 1) * float(W1[0].pow(2).sum())) / float(W1.norm())
    w2 = np.sqrt(float(W2.pow(2).sum()) + (c ** -2 - 1) * float(W2[:, 0].pow(2).sum())) / float(W2.norm())
    assert np.allclose(unit.norm_ratios, (w1, w2), rtol=1e-9)
    assert np.isclose(unit.difference["filter"], rescaling_demo(c, "one unit", m, theta, tr.X, tr.y, n=9).filter_difference)
    assert unit.difference["layer"] > 1e-4 and unit.difference["filter"] > 1e-4
    layer = normalization_comparison(c, "whole layer", m, theta, tr.X, tr.y, n=9)
    assert np.allclose(layer.norm_ratios, (c, 1 / c), rtol=1e-9)
    assert max(layer.difference.values()) < 1e-9                     # both normalizations are invariant
    with pytest.raises(ValueError, match="rescaled"):
        normalization_comparison(2.0, "one layer", m, theta, tr.X, tr.y)
