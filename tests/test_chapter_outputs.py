"""Every chapter shows a reader what was recorded: glued values, printed lines, figure summaries
and quizzes (``tests/chapter_outputs.py``, recordings in ``tests/fixtures/chapter_outputs``).

The recordings guard what a reader sees; the results behind them are checked against
independent references by the unit tests of the modules that compute them. When a chapter is
meant to show something new, re-record (``.venv/bin/python -m tests.chapter_outputs record``
after ``make book``) and review the diff of the recording.
"""

from __future__ import annotations

import json

import pytest

from tests import chapter_outputs as co


@pytest.mark.build
@pytest.mark.parametrize("chapter", co.chapters())
def test_chapter_shows_what_was_recorded(chapter):
    assert co.recording_path(chapter).exists(), (
        f"book/{chapter}.md has no recording: `.venv/bin/python -m tests.chapter_outputs record {chapter}`")
    now = co.current(chapter)
    assert now is not None, f"book/{chapter}.md has no executed outputs in {co.CACHE}: run `make book` first"
    diff = co.differences(co.recorded(chapter), now)
    assert not diff, (f"book/{chapter}.md shows something else than recorded ({len(diff)} lines; if meant, re-record "
                      f"with `.venv/bin/python -m tests.chapter_outputs record {chapter}`):\n" + "\n".join(diff[:30]))


def test_every_recording_is_of_a_chapter_and_small_enough_to_review():
    recordings = sorted(p.stem for p in co.FIXTURES.glob("*.txt"))
    assert recordings == co.chapters()
    for name in recordings:
        assert len(co.recorded(name)) <= 400, f"{name}: recording too long to review in a diff"


def test_a_number_matches_to_its_last_digit():
    assert co.same_line("rate 0.9114", "rate 0.9114")
    assert co.same_line("rate 0.9114", "rate 0.9115")  # one unit of the last digit
    assert not co.same_line("rate 0.9114", "rate 0.9120")
    assert not co.same_line("rate 0.9114", "rates 0.9114")
    assert co.same_line("x [1.5e-03, 2]", "x [1.6e-03, 2]") and not co.same_line("x [1.5e-03, 2]", "x [1.7e-03, 2]")
    assert co.same_line("error 4.4e-16", "error -2.2e-17")  # both rounding noise
    assert not co.same_line("error 4.4e-16", "error 1e-3")
    assert co.same_line("κ 19.999999999999993", "κ 20.000000000000004")  # agree to 9 digits
    assert co.same_line("step −0.5 of 12", "step −0.5 of 12")
    assert not co.same_line("137 regions", "138 regions")  # a count: exactly
    assert not co.same_line("x [3.000, 4]", "x [3.002, 4]")


def test_the_comparison_reports_changed_added_and_removed_lines():
    before = ["[printed]", "rate 0.9114", "steps 12"]
    assert co.differences(before, list(before)) == []
    assert co.differences(before, ["[printed]", "rate 0.9115", "steps 12"]) == []
    assert co.differences(before, ["[printed]", "rate 0.9120", "steps 12"]) == ["- rate 0.9114", "+ rate 0.9120"]
    assert co.differences(before, before + ["new line"]) == ["+ new line"]
    assert co.differences(before, before[:2]) == ["- steps 12"]


def _figure_html(fig) -> str:
    import plotly.io as pio

    return pio.to_html(fig, include_plotlyjs=False, full_html=False)


def test_a_figure_is_summarized_by_what_a_reader_sees():
    """Title, axis titles, annotations, slider labels; per trace its size and data range (checked
    against numpy on the same arrays); per frame its range and status."""
    import numpy as np
    import plotly.graph_objects as go

    x = np.linspace(-2.0, 3.0, 11)
    fig = go.Figure([go.Scatter(x=x, y=x**2, name="E(w)"), go.Scatter(x=[0.5], y=[7.0], mode="markers+text", text=["A"])],
                    layout=dict(title="a <b>title</b>", xaxis_title="w", annotations=[dict(text="diverged at step 3")],
                                sliders=[dict(currentvalue=dict(prefix="η = "), steps=[dict(label="0.1"), dict(label="0.2")])]))
    fig.frames = [go.Frame(name="0", data=[go.Scatter(x=x, y=2 * x)], layout=dict(title="η = 0.1")),
                  go.Frame(name="1", data=[go.Scatter(x=x, y=[np.nan] * 11)],
                           layout=dict(annotations=[dict(text="diverged at step 3"), dict(text="ok")]))]
    [summary] = [co.figure_lines(f) for f in co.plotly_figures(_figure_html(fig))]
    assert summary == [
        "title: a title",
        "axis xaxis: w",
        "annotation: diverged at step 3",
        f"trace scatter \"E(w)\": 11 points, x [-2.000, 3.000], y [0, {(x**2).max():#.4g}]",
        "trace scatter: 1 points, x [0.5000, 0.5000], y [7.000, 7.000] | text: A",
        "slider η: 0.1, 0.2",
        "2 frames (each: its data's range, its title, the annotations the figure has not)",
        f"frame 0: x [-2.000, 3.000], y [{2 * x.min():#.4g}, {2 * x.max():#.4g}] | title: η = 0.1",
        "frame 1: x [-2.000, 3.000], y no finite values | annotation: ok",
    ]


def test_glued_values_are_recorded_as_the_text_shows_them():
    """Glued values hidden from the page carry MyST-NB's mime prefix; each reference in the text
    is formatted with its own format, as on the page."""
    prefix = "application/papermill.record/"
    nb = {"cells": [
        {"cell_type": "markdown", "source": "factor {glue:text}`factor:.2f`, again {glue:text}`factor:.0%`, "
                                            "{glue:text}`n` runs; {glue:text}`factor:.2f` once."},
        {"cell_type": "code", "outputs": [
            {"output_type": "display_data", "data": {prefix + "text/plain": "0.9051"},
             "metadata": {"scrapbook": {"name": "factor", "mime_prefix": prefix}}},
            {"output_type": "display_data", "data": {"text/plain": "1000"},
             "metadata": {"scrapbook": {"name": "n", "mime_prefix": ""}}}]},
    ]}
    lines = co.notebook_lines(json.loads(json.dumps(nb)))
    assert lines[:4] == ["[glued values, as the text shows them]", "factor:.2f = 0.91", "factor:.0% = 91%", "n = 1000"]
    assert "[printed]" in lines and not any("0.9051" in line for line in lines)


def test_a_quiz_is_recorded_with_its_right_answers_and_explanations():
    from lecture_code.core.quiz import Question, quiz

    q = quiz(Question("Which is **right**?", [("yes", True, "because"), ("no", False, "it is not")], multiple=False),
             title="Check")
    lines = co.quiz_lines(q._repr_html_())
    assert lines == ["quiz: Check", "1. Which is right? (choose one answer)",
                     "  [x] yes -> because", "  [ ] no -> it is not"]
