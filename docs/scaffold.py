"""Scaffolding for docs/authoring.md: the files a new exercise or chapter needs, and its toc entry.

    make new-exercise NAME=gradient_noise     # = python docs/scaffold.py exercise gradient_noise
    make new-chapter NAME=newton              # = python docs/scaffold.py chapter newton

An **exercise** gets its single source ``solutions/<NAME>.md`` (one question with its reference
solution between ``BEGIN/END SOLUTION``, a public check and hidden probes, the canary line) and
its ``_toc.yml`` entry under "Exercises"; ``make new-exercise`` then runs ``make exercises``'s
generator, which writes the student notebook ``exercises/<NAME>.ipynb`` and its public checks
``lecture_code/student/checks/<NAME>.py``.

A **chapter** gets ``book/<NAME>.md`` (front matter, one section whose figure comes from the
chapter's module, a quiz), its module ``lecture_code/chapters/<NAME>.py`` (a demo/draw pair on the
core, a docstring the API reference can show) and its ``_toc.yml`` entry (a part of its own,
"New chapters", before the exercises: move it where it belongs).

Everything written passes the tests as it is; the author then replaces the placeholder question,
text and figure with the real ones (docs/authoring.md says which tests check what).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"[a-z][a-z0-9_]{2,39}")
CANARY = "LOSSLANDSCAPE-SOLUTION-CANARY-9f41c2"
FRONT_MATTER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {name: python3, display_name: Python 3, language: python}
---
"""


class ScaffoldError(ValueError):
    pass


def _title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def exercise_source(name: str) -> str:
    return FRONT_MATTER + f'''
# Exercise: {_title(name).lower()}

Gradient descent on $E(w) = \\tfrac12 \\lambda w^2$ multiplies the distance to the minimum by
$1 - \\eta\\lambda$ at every step. Write your answers in the cells marked `...  # YOUR CODE HERE`,
then run the `check(...)` line below each question.

```{{code-cell}} ipython3
import numpy as np

from lecture_code.student import Checker

check = Checker("{name}")
```

## Question 1: the contraction factor

Write `factor(eta, lam)` returning $1 - \\eta\\lambda$, the factor by which one step of gradient
descent multiplies $w$.

```{{code-cell}} ipython3
def factor(eta, lam):
    # BEGIN SOLUTION
    # {CANARY}
    return 1 - eta * lam
    # END SOLUTION


factor(0.1, 4.0)
```

```{{code-cell}} ipython3
check("q1")
```

```{{code-cell}} ipython3
:tags: [public-tests]

@public("q1")
def _(factor):
    # worked by hand: 1 - 0.1 * 4 = 0.6; 1 - 0.5 * 4 = -1
    expect_close("factor(0.1, 4)", call(factor, 0.1, 4.0), 0.6)
    expect_close("factor(0.5, 4)", call(factor, 0.5, 4.0), -1.0)
```

```{{code-cell}} ipython3
check.all()
```

```{{code-cell}} ipython3
:tags: [hidden-tests]

# {CANARY}  (hidden checks: never shown to students)
hidden("q1", points=1, probes=[Call("factor", 0.1, 4.0, show=True), Call("factor", 0.25, 2.0),
                               Call("factor", 1.0, 3.0)])
```
'''


def chapter_source(name: str) -> str:
    return FRONT_MATTER + f'''
# {_title(name)}

This chapter follows the lectures' ... (name the lecture by its course and title, as on the
Credits page). One idea per section: text, math, then the few lines of code that show it.

## Gradient descent on a parabola

On $E(w) = \\tfrac12 \\lambda w^2$ one step of gradient descent multiplies $w$ by $1 - \\eta\\lambda$.
How fast does the distance to the minimum shrink for a given learning rate? The slider moves
$\\eta$.

```{{code-cell}} ipython3
from lecture_code.chapters.{name} import contraction, draw_contraction
from lecture_code.core.interactive import Slider, explore

explore(contraction, draw_contraction, Slider("lr", [0.1, 0.2, 0.3, 0.4], default=0.1, label="learning rate η"))
```

```{{code-cell}} ipython3
from lecture_code.chapters.{name} import contraction_quiz
```

```{{code-cell}} ipython3
:tags: [remove-input]
contraction_quiz()
```
'''


def chapter_module(name: str) -> str:
    return f'''"""Figures of the chapter "{_title(name)}" (``book/{name}.md``): demo/draw pairs on the core.

Each ``demo`` is a pure function of its parameters returning the data a figure shows; each
``draw_*`` turns that data into a figure (``lecture_code.core.plotting.new_figure``), so that
``explore(demo, draw, Slider(...))`` gives live sliders in JupyterLab and precomputed frames on
the site. Imports only the core, never another chapter.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lecture_code.core.plotting import BookFigure, color, new_figure
from lecture_code.core.quiz import Question, Quiz, quiz
from lecture_code.core.validate import check_int, check_positive

__all__ = ["Contraction", "contraction", "draw_contraction", "contraction_quiz"]


class Contraction(NamedTuple):
    """The distance to the minimum of ``E(w) = lam/2 w^2`` after each step of gradient descent."""

    lr: float
    lam: float
    distance: np.ndarray


def contraction(lr: float, lam: float = 4.0, steps: int = 10) -> Contraction:
    """``|w_t|`` for ``t = 0..steps`` from ``w_0 = 1``: ``|1 - lr * lam| ** t``."""
    check_positive(lr, "lr")
    check_positive(lam, "lam")
    check_int(steps, "steps", 1, 1000)
    w = np.ones(1)
    out = [1.0]
    for _ in range(steps):
        w = w - lr * lam * w
        out.append(float(abs(w[0])))
    return Contraction(float(lr), float(lam), np.array(out, dtype=np.float32))


def draw_contraction(c: Contraction) -> BookFigure:
    """Distance to the minimum against the step."""
    fig = new_figure(f"η = {{c.lr:g}}, λ = {{c.lam:g}}: factor {{1 - c.lr * c.lam:+.2f}} per step", legend=None)
    fig.add_scatter(x=np.arange(len(c.distance)), y=c.distance, mode="lines+markers", name="|w|",
                    line=dict(color=color("gd")))
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="distance to the minimum |w|")
    return fig


def contraction_quiz() -> Quiz:
    """The chapter's quiz: here, not in the chapter's cell, because a notebook shows its cells' source."""
    return quiz(
        Question(
            "For $\\\\lambda = 4$, which learning rate makes gradient descent converge without oscillating?",
            [
                ("η = 0.1", True, "1 − ηλ = 0.6: the distance shrinks, always on the same side."),
                ("η = 0.4", False, "1 − ηλ = −0.6: it converges, but jumps from side to side."),
            ],
        ),
        title="Check your understanding",
    )
'''


def chapter_test(name: str) -> str:
    return f'''"""Tests of ``lecture_code/chapters/{name}.py`` against independent references."""

import numpy as np
import pytest

from lecture_code.chapters.{name} import contraction, draw_contraction


def test_contraction_follows_the_closed_form():
    # gradient descent on lam/2 w^2 multiplies w by (1 - lr*lam) at every step
    c = contraction(0.1, lam=4.0, steps=8)
    np.testing.assert_allclose(c.distance, np.abs(1 - 0.1 * 4.0) ** np.arange(9), rtol=1e-6)


def test_contraction_checks_its_arguments():
    with pytest.raises(ValueError, match="lr"):
        contraction(-0.1)


def test_the_figure_draws_every_step():
    fig = draw_contraction(contraction(0.3, steps=5))
    assert len(fig.data) == 1 and len(fig.data[0].y) == 6
'''


def _toc_add(text: str, entry: str, caption: str, before_caption: str | None) -> str:
    """``text`` (the toc) with ``- file: entry`` at the end of the part ``caption`` (created
    before ``before_caption`` if missing)."""
    if re.search(rf"^\s*- file: {re.escape(entry)}\s*$", text, re.M):
        raise ScaffoldError(f"_toc.yml already lists {entry}")
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if l.strip() == f"- caption: {caption}"), None)
    if start is None:
        at = next(i for i, l in enumerate(lines) if l.strip() == f"- caption: {before_caption}")
        lines[at:at] = [f"  - caption: {caption}", "    chapters:", f"      - file: {entry}"]
        return "\n".join(lines)
    end = start + 1
    while end < len(lines) and not lines[end].startswith("  - caption:") and lines[end].strip():
        end += 1
    lines.insert(end, f"      - file: {entry}")
    return "\n".join(lines)


#: The kernel's name as JupyterLab writes it into a notebook it saves (ipykernel's kernelspec).
KERNEL_DISPLAY_NAME = "Python 3 (ipykernel)"


def as_saved(text: str) -> str:
    """A MyST notebook ``text`` as jupytext writes it when JupyterLab saves it (its front matter
    spelled out, with jupytext's version; a blank line after a cell's options): a chapter in this
    form is left as it is when a reader opens and saves it (``tests/test_layout.py``)."""
    import jupytext

    notebook = jupytext.reads(text, fmt="md:myst")
    notebook.metadata["kernelspec"]["display_name"] = KERNEL_DISPLAY_NAME
    out = jupytext.writes(notebook, fmt="md:myst")
    return out if out.endswith("\n") else out + "\n"


def _new(path: Path, text: str) -> None:
    if path.exists():
        raise ScaffoldError(f"{path.relative_to(ROOT)} exists already")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".md" and text.startswith(FRONT_MATTER):
        text = as_saved(text)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def new_exercise(name: str, root: Path = ROOT) -> list[Path]:
    files = [root / "solutions" / f"{name}.md"]
    for f in files + [root / "exercises" / f"{name}.ipynb"]:
        if f.exists():
            raise ScaffoldError(f"{f.relative_to(root)} exists already")
    toc = _toc_add((root / "_toc.yml").read_text(), f"exercises/{name}", "Exercises", None)
    _new(files[0], exercise_source(name))
    (root / "_toc.yml").write_text(toc)
    print(f"added exercises/{name} to _toc.yml (Exercises)")
    return files


def new_chapter(name: str, root: Path = ROOT) -> list[Path]:
    files = [root / "book" / f"{name}.md", root / "lecture_code" / "chapters" / f"{name}.py",
             root / "tests" / f"test_chapter_{name}.py"]
    for f in files:
        if f.exists():
            raise ScaffoldError(f"{f.relative_to(root)} exists already")
    toc = _toc_add((root / "_toc.yml").read_text(), f"book/{name}", "New chapters", "Exercises")
    _new(files[0], chapter_source(name))
    _new(files[1], chapter_module(name))
    _new(files[2], chapter_test(name))
    (root / "_toc.yml").write_text(toc)
    print(f"added book/{name} to _toc.yml (part 'New chapters': move it where it belongs)")
    return files


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["exercise", "chapter"])
    ap.add_argument("name", help="lower-case letters, digits and _ (3 to 40), e.g. gradient_noise")
    args = ap.parse_args(argv)
    if not NAME.fullmatch(args.name or ""):
        print(f"NAME must be 3 to 40 lower-case letters, digits or _, starting with a letter, got {args.name!r}",
              file=sys.stderr)
        return 2
    try:
        (new_exercise if args.kind == "exercise" else new_chapter)(args.name)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
