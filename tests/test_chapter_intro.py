"""Gradient descent on ½λw²: closed form, regimes, bad input."""

import numpy as np
import pytest

from lecture_code.chapters.intro import GROWTH, draw_parabola_run, gd_on_parabola


@pytest.mark.parametrize("lr, lam", [(0.1, 1.0), (0.4, 4.0), (1.9, 1.0), (0.05, 30.0)])
def test_iterates_follow_the_closed_form(lr, lam):
    run = gd_on_parabola(lr, steps=12, curvature=lam, w0=0.7)
    expected = 0.7 * (1 - lr * lam) ** np.arange(13)
    np.testing.assert_allclose(run.w, expected, rtol=1e-12)
    assert run.diverged_at is None


@pytest.mark.parametrize("lr, lam", [(3.0, 1.0), (2.5, 1.0), (2.05, 1.0), (0.6, 4.0)])
def test_divergence_beyond_two_over_lambda_is_reported_with_its_step(lr, lam):
    # closed form: |w_t| = |1 - ηλ|^t |w_0|, and the loss passes GROWTH times its start at the
    # first t with |1 - ηλ|^(2t) > GROWTH
    run = gd_on_parabola(lr, steps=100, curvature=lam, w0=0.7)
    first = int(np.floor(np.log(GROWTH) / (2 * np.log(abs(1 - lr * lam))))) + 1
    assert run.diverged_at == first
    assert len(run.w) == run.diverged_at  # ends at the last iterate before it
    fig = draw_parabola_run(run)
    assert f"diverged at step {run.diverged_at}" in fig.layout.annotations[0].text


@pytest.mark.parametrize("lr", [2.05, 2.5])
def test_the_introductions_slider_runs_say_when_they_diverge(lr):
    """Every run of the chapter's slider beyond 2/λ (at most 25 steps) is flagged with its step."""
    assert gd_on_parabola(lr, steps=25).diverged_at is not None
    assert all(gd_on_parabola(eta, steps=25).diverged_at is None for eta in (0.1, 1.0, 1.95, 1.999))


@pytest.mark.parametrize("lr, text", [(0.5, "monotonically"), (1.5, "oscillating"), (2.2, "diverg")])
def test_status_line_names_the_regime(lr, text):
    assert text in draw_parabola_run(gd_on_parabola(lr, steps=5)).layout.annotations[0].text


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(lr=0.0, steps=3), "lr"), (dict(lr=-1, steps=3), "lr"), (dict(lr=0.1, steps=-1), "steps"),
     (dict(lr=0.1, steps=2.5), "steps"), (dict(lr=0.1, steps=3, curvature=0), "curvature"),
     (dict(lr=0.1, steps=3, w0=float("nan")), "w0")],
)
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        gd_on_parabola(**kwargs)


class Parabola:
    """E(w) = ½λw² as an Objective of the runner."""

    dim = 1

    def __init__(self, lam):
        self.lam = lam

    def f(self, w):
        return 0.5 * self.lam * float(w[0]) ** 2

    def grad(self, w):
        return self.lam * np.asarray(w, dtype=float)


@pytest.mark.parametrize("lr, lam", [(0.1, 1.0), (0.4, 4.0), (1.9, 1.0), (0.05, 30.0), (2.5, 1.0)])
def test_the_loop_is_the_librarys_gradient_descent(lr, lam):
    """The chapter's float loop and run(sgd(lr), ...) on the same parabola: the same iterates."""
    from lecture_code.core.optimizers import sgd
    from lecture_code.core.runner import run

    mine = gd_on_parabola(lr, steps=30, curvature=lam, w0=0.7)
    from lecture_code.core.runner import growth_bound

    tr = run(sgd(lr), Parabola(lam), (0.7,), 30, max_loss=growth_bound(Parabola(lam), (0.7,), GROWTH))
    theirs = tr.points[:, 0]
    np.testing.assert_allclose(mine.w, theirs, rtol=1e-12)
    assert mine.diverged_at == tr.diverged_at


def test_the_exercise_list_is_the_books():
    """The introduction's count and links come from EXERCISES: the same set as the toc's Exercises
    part and the exercises/ folder, and every chapter named is a chapter of the toc."""
    from pathlib import Path

    import yaml

    from lecture_code.chapters.intro import EXERCISES, graded_exercises

    root = Path(__file__).resolve().parents[1]
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    in_toc = {f.split("/", 1)[1] for f in files if f.startswith("exercises/")}
    on_disk = {p.stem for p in (root / "exercises").glob("*.ipynb")}
    assert set(graded_exercises()) == in_toc == on_disk
    assert len(graded_exercises()) == len(on_disk)
    assert {f"book/{chapter}" for chapter in EXERCISES} <= set(files)
    text = (root / "book" / "intro.md").read_text()
    for chapter, names in EXERCISES.items():
        for name in names:
            assert f"{{doc}}`../exercises/{name}`" in text, (chapter, name)


def test_the_instructors_exercise_table_lists_every_exercise():
    from pathlib import Path

    from lecture_code.chapters.intro import graded_exercises

    text = (Path(__file__).resolve().parents[1] / "docs" / "grading.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in text.splitlines() if line.startswith("| `")}
    assert set(graded_exercises()) <= rows
