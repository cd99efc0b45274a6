"""The interactive-figure pattern: sliders, precomputed frames, the two views."""

import json
import re

import os

import numpy as np
import plotly.graph_objects as go
import pytest

from lecture_code.chapters.intro import draw_parabola_run, gd_on_parabola
from lecture_code.core.interactive import STATIC_ENV, Explorer, Slider, explore
from lecture_code.core.plotting import figure_html, new_figure, status_annotation


def _explorer():
    return explore(
        gd_on_parabola,
        draw_parabola_run,
        Slider("lr", [0.1, 1.5, 2.5], default=0.1, label="η"),
        Slider("steps", [2, 5], default=5, fmt="{:d}"),
    )


def test_one_frame_per_combination_with_the_demo_data():
    ex = _explorer()
    fig = ex.static_figure()
    assert len(fig.frames) == 6
    frames = {f.name: f for f in fig.frames}
    # frame "i_j" holds draw(demo(lr=values[i], steps=values[j])): compare with a direct call
    for i, lr in enumerate([0.1, 1.5, 2.5]):
        for j, steps in enumerate([2, 5]):
            run = gd_on_parabola(lr=lr, steps=steps)
            frame = frames[f"{i}_{j}"]
            path = frame.data[list(frame.traces).index(1)]  # frames carry only the traces that change
            np.testing.assert_allclose(np.asarray(path.x, dtype=float), np.clip(run.w, -16, 16), rtol=1e-6)
            assert frame.layout.title.text.startswith(f"η = {lr:.3g}")


def test_default_frame_is_what_the_page_shows_first():
    ex = _explorer()
    fig = ex.static_figure()
    direct = draw_parabola_run(gd_on_parabola(lr=0.1, steps=5))
    assert fig.layout.title.text == direct.layout.title.text
    assert [s.active for s in fig.layout.sliders] == [0, 1]
    np.testing.assert_allclose(np.asarray(fig.data[1].x, dtype=float), np.asarray(direct.data[1].x, dtype=float))


def test_diverging_parameters_are_reported_not_raised():
    ex = _explorer()
    frames = {f.name: f for f in ex.static_figure().frames}
    # lr = 2.5 > 2/λ: the status line of that frame says it diverges
    assert "diverg" in frames["2_1"].layout.annotations[0].text
    assert "diverg" not in frames["0_1"].layout.annotations[0].text


def test_slider_steps_carry_their_indices_for_the_page_script():
    fig = _explorer().static_figure()
    for k, slider in enumerate(fig.layout.sliders):
        assert [tuple(step.args) for step in slider.steps] == [(k, i) for i in range(len(slider.steps))]
        assert all(step.method == "skip" for step in slider.steps)


def test_static_html_is_self_contained_and_switches_frames():
    html = _explorer().static_html()
    assert "plotly_sliderchange" in html and "Plotly.animate" in html
    assert "cdn" not in html.lower()
    assert "<script src" not in html  # plotly.js is loaded once by the page


def test_mimebundle_static_only_outside_a_kernel(monkeypatch):
    monkeypatch.setenv(STATIC_ENV, "static")
    bundle = _explorer()._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}


def _counting(ex):
    """``ex`` with a demo that records its calls: ``(explorer, calls)``."""
    calls = []

    def spy(**kw):
        calls.append(kw)
        return ex.demo(**kw)

    return Explorer(spy, ex.draw, ex.sliders, ex.fixed), calls


def test_a_live_kernel_computes_the_figure_once_for_the_widget_and_the_html(monkeypatch):
    """In a live kernel: the widget, and as HTML the defaults' figure, the one the widget shows
    first, for a front end that shows HTML instead of widgets; the demo runs once (no frames
    precomputed)."""
    import lecture_code.core.interactive as interactive

    monkeypatch.delenv(STATIC_ENV, raising=False)
    monkeypatch.setattr(interactive, "_live_kernel", lambda: True)
    ex, calls = _counting(_explorer())
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    assert calls == [{"lr": 0.1, "steps": 5}]
    html = bundle["text/html"]
    assert "Plotly.animate" not in html and "run the notebook in Jupyter to draw it and move its sliders" in html
    # the same figure as the one the widget's first view holds, and as figure() alone draws
    box = ex.widget()
    assert _without_ids(html).startswith(_without_ids(box.children[-1].outputs[0]["data"]["text/html"]))
    assert _without_ids(html).startswith(_without_ids(figure_html(ex.figure())))


def _without_ids(html: str) -> str:
    """Plotly's HTML fragment without its element id (a new uuid each time)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", html)


def test_a_live_kernel_raises_when_the_defaults_figure_fails(monkeypatch):
    import lecture_code.core.interactive as interactive

    def demo(lr):
        raise RuntimeError("boom")

    monkeypatch.setattr(interactive, "_live_kernel", lambda: True)
    with pytest.raises(RuntimeError, match="boom"):
        explore(demo, draw_parabola_run, Slider("lr", [0.5, 2.0], default=0.5))._repr_mimebundle_()


def test_widget_view_recomputes_on_slider_change(monkeypatch):
    ex, calls = _counting(_explorer())
    box = ex.widget()
    lr_slider, out = box.children[0], box.children[-1]
    before = out.outputs[0]["data"]["text/html"]
    lr_slider.value = 1.5
    assert calls[-1]["lr"] == 1.5 and calls[-1]["steps"] == 5
    # the Output widget now holds the new figure (JupyterLab renders its plotly JSON)
    (output,) = out.outputs
    assert output["data"]["text/html"] != before
    assert "application/vnd.plotly.v1+json" in output["data"]
    assert output["data"]["application/vnd.plotly.v1+json"]["layout"]["title"]["text"].startswith("η = 1.5")


def test_widget_view_shows_an_error_instead_of_dying():
    def demo(lr):
        if lr > 1:
            raise RuntimeError("boom")
        return gd_on_parabola(lr, steps=3)

    box = explore(demo, draw_parabola_run, Slider("lr", [0.5, 2.0], default=0.5)).widget()
    box.children[0].value = 2.0
    assert "boom" in box.children[-1].outputs[0]["data"]["text/html"]


def test_live_values_offer_a_finer_grid():
    ex = explore(gd_on_parabola, draw_parabola_run,
                 Slider("lr", [0.1, 1.0], default=0.1, live_values=np.linspace(0.1, 1.0, 10)))
    assert len(ex.widget().children[0].options) == 10


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(name="lr", values=[]), "non-empty"),
        (dict(name="lr", values=[0.1, 0.2], default=0.3), "default must be one of"),
        (dict(name="not an identifier", values=[1]), "identifier"),
        (dict(name="lr", values=[0.1], live_values=[0.2, 0.3]), "live_values must contain"),
    ],
)
def test_bad_sliders_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Slider(**kwargs)


def test_unknown_parameter_and_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="no parameter"):
        explore(gd_on_parabola, draw_parabola_run, Slider("momentum", [0.5]))
    with pytest.raises(ValueError, match="unique"):
        explore(gd_on_parabola, draw_parabola_run, Slider("lr", [0.1]), Slider("lr", [0.2]))
    with pytest.raises(ValueError, match="at least one"):
        explore(gd_on_parabola, draw_parabola_run)


def test_frames_with_different_traces_are_rejected():
    def demo(n):
        return n

    def draw(n):
        fig = new_figure()
        for _ in range(n):
            fig.add_trace(go.Scatter(x=[0], y=[0]))
        fig.add_annotation(status_annotation(""))
        return fig

    with pytest.raises(ValueError, match="same traces"):
        explore(demo, draw, Slider("n", [1, 2], default=1)).static_figure()


def test_frames_are_json_serialisable_and_small():
    fig = _explorer().static_figure()
    payload = json.dumps(fig.to_plotly_json(), cls=__import__("plotly").utils.PlotlyJSONEncoder)
    assert len(payload) < 200_000


def test_plain_figures_carry_json_for_jupyterlab_and_html_for_the_book(monkeypatch):
    fig = draw_parabola_run(gd_on_parabola(0.3, steps=3))
    monkeypatch.delenv(STATIC_ENV, raising=False)
    bundle = fig._repr_mimebundle_()
    assert {"application/vnd.plotly.v1+json", "text/html"} <= set(bundle)
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "scatter"
    monkeypatch.setenv(STATIC_ENV, "static")
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {"text/html"} and "Plotly.newPlot" in bundle["text/html"]


def test_importing_and_showing_figures_has_no_side_effects():
    """No global plotly setting changes, and no nbformat/jsonschema (nor torch) in a kernel
    that imports a torch-free chapter and shows its figures."""
    import subprocess
    import sys

    code = (
        "import os, sys\n"
        "before = os.environ.get('OPENBLAS_NUM_THREADS')\n"
        "import lecture_code.chapters.momentum as m\n"
        "from lecture_code.core.interactive import Slider, explore\n"
        "b = m.draw_rate_map(m.rate_map_data(n=11))._repr_mimebundle_()\n"
        "e = explore(m.quadratic_demo, m.draw_quadratic, Slider('lr', [0.5, 1.0]), fixed={'steps': 5})\n"
        "e._repr_mimebundle_()\n"
        "assert 'text/html' in b\n"
        "assert os.environ.get('OPENBLAS_NUM_THREADS') == before\n"
        "bad = [k for k in ('nbformat', 'jsonschema', 'torch', 'plotly.io._renderers') if k in sys.modules]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_quadratic_level_lines_lie_on_their_level_sets():
    from lecture_code.core.plotting import quadratic_level_lines

    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    xs, ys = quadratic_level_lines(A, [0.5, 2.0], n=30)
    pts = np.stack([xs, ys], axis=1).astype(float)
    ok = ~np.isnan(pts[:, 0])
    values = 0.5 * np.einsum("ni,ij,nj->n", pts[ok], A, pts[ok])
    np.testing.assert_allclose(np.sort(np.unique(np.round(values, 4))), [0.5, 2.0], rtol=1e-4)
    assert np.isnan(xs).sum() == 2
    with pytest.raises(ValueError, match="positive definite"):
        quadratic_level_lines(np.diag([1.0, -1.0]), [1.0])


def test_a_trace_no_slider_changes_is_left_out_of_the_frames():
    def demo(a=1.0):
        return a

    def draw(a):
        fig = new_figure()
        fig.add_trace(go.Scatter(x=[0, 1, 2], y=[0, 1, 4], name="fixed"))
        fig.add_trace(go.Scatter(x=[0, 1, 2], y=[0, a, 2 * a], name="moving"))
        fig.update_layout(annotations=[status_annotation("")])
        return fig

    static = explore(demo, draw, Slider("a", [1.0, 2.0, 3.0], default=1.0)).static_figure()
    assert [t.name for t in static.data] == ["fixed", "moving"]
    for frame, a in zip(static.frames, [1.0, 2.0, 3.0]):
        assert list(frame.traces) == [1] and [t.name for t in frame.data] == ["moving"]
        assert list(frame.data[0].y) == [0, a, 2 * a]
