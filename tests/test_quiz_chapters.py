"""The chapters' quizzes: defined in the chapter modules, so that no notebook shows an answer.

A quiz cell's source is its answer key (which options are right, the reasons, the numeric
answer). The site hides it (``remove-input``), but JupyterLab, the in-browser site and a
downloaded ``.ipynb`` show a notebook's source. So a chapter's quiz is a function of its module
(``lecture_code/chapters/<chapter>.py``, named ``..._quiz``) and the chapter's cell only calls
it (docs/CONVENTIONS.md, "Quizzes"). Here:

* no chapter's notebook source builds a question (a chapter not converted yet is named in
  :data:`NOT_YET_CONVERTED`, and the list cannot go stale: each one named must still do so);
* every ``*_quiz`` function of a chapter module returns a quiz, and the intro's warm-up is
  right, against runs of gradient descent (an independent reference: the iteration itself);
* the site shows exactly the module's quizzes (one truth: the page's quiz is the function's; one
  that takes the chapter's results as arguments is compared by the recordings instead).
"""

from __future__ import annotations

import base64
import importlib
import inspect
import json
import re
from pathlib import Path

import jupytext
import pytest

from lecture_code.core.quiz import NumericQuestion, Question, Quiz

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SITE = ROOT / "_build" / "html"

#: Chapters whose quiz cells still define their questions in the notebook (to convert: move the
#: cell's ``quiz(...)`` into a ``..._quiz()`` function of the chapter module, with the numbers it
#: needs as arguments or computed there, and call it from the cell).
NOT_YET_CONVERTED: set[str] = set()

#: What builds a question or imports the means to, in a cell's source.
_DEFINES_QUIZ = re.compile(r"\b(?:Question|NumericQuestion)\s*\(|from\s+lecture_code\.core\.quiz\s+import")


def _chapters() -> list[str]:
    return sorted(p.stem for p in BOOK.glob("*.md")
                  if (ROOT / "lecture_code" / "chapters" / f"{p.stem}.py").is_file())


def _quiz_cells(chapter: str) -> list[str]:
    """The sources of the chapter's code cells that build a question."""
    nb = jupytext.read(BOOK / f"{chapter}.md")
    return [c.source for c in nb.cells if c.cell_type == "code" and _DEFINES_QUIZ.search(c.source)]


def test_the_converted_list_names_chapters():
    assert NOT_YET_CONVERTED <= set(_chapters()), sorted(NOT_YET_CONVERTED - set(_chapters()))


@pytest.mark.parametrize("chapter", _chapters())
def test_no_notebook_source_holds_a_quiz_answer(chapter):
    cells = _quiz_cells(chapter)
    if chapter in NOT_YET_CONVERTED:
        assert cells, f"{chapter} defines no question in its notebook any more: take it off NOT_YET_CONVERTED"
        return
    assert not cells, (f"book/{chapter}.md builds quiz questions in a cell (its source shows the answers in "
                       f"JupyterLab and downloads): move them into a ..._quiz() function of "
                       f"lecture_code/chapters/{chapter}.py and call that:\n" + "\n---\n".join(c[:300] for c in cells))


def _quiz_functions(chapter: str) -> dict[str, object]:
    module = importlib.import_module(f"lecture_code.chapters.{chapter}")
    return {name: f for name, f in inspect.getmembers(module, inspect.isfunction)
            if name.endswith("_quiz") and f.__module__ == module.__name__}


@pytest.mark.parametrize("chapter", sorted(set(_chapters()) - NOT_YET_CONVERTED))
def test_a_converted_chapter_calls_its_modules_quizzes(chapter):
    functions = _quiz_functions(chapter)
    assert functions, f"lecture_code/chapters/{chapter}.py has no ..._quiz() function"
    source = (BOOK / f"{chapter}.md").read_text()
    for name, f in functions.items():
        assert re.search(rf"\b{name}\(", source), f"book/{chapter}.md never calls {name}()"
        if not inspect.signature(f).parameters:
            assert isinstance(f(), Quiz), f"{chapter}.{name}() does not return a Quiz"


def _eta(option_text: str) -> float:
    return float(re.fullmatch(r"η = ([0-9.]+)", option_text).group(1))


def test_the_intro_warm_up_agrees_with_gradient_descent_itself():
    from lecture_code.chapters.intro import gd_on_parabola, warmup_quiz

    lam = 4.0   # the prompt's λ
    choice, number = warmup_quiz().questions
    assert "\\lambda = 4" in choice.prompt and "\\lambda = 4" in number.prompt
    # which learning rates converge: 2000 steps from w = 1 end near 0, or not
    for text, correct, _ in choice.options:
        run = gd_on_parabola(_eta(text), 2000, curvature=lam)
        converged = run.diverged_at is None and abs(run.w[-1]) < 1e-6
        assert converged == correct, f"{text}: marked {'right' if correct else 'wrong'}, but the run ends at {run.w[-1]}"
    # the largest: just below it the runs shrink, just above they grow
    assert isinstance(number, NumericQuestion) and number.accepts("1/2")
    below = gd_on_parabola(0.999 * number.answer, 2000, curvature=lam).w[-1]
    above = gd_on_parabola(1.001 * number.answer, 2000, curvature=lam).w[-1]
    assert abs(below) < 1 < abs(above)


def _normalised(html: str) -> str:
    """A quiz's HTML without what differs from one rendering to the next: the quiz's random id
    and the random key its numeric answers are scrambled with (they are unscrambled instead)."""
    def payload(m: re.Match) -> str:
        k, p = base64.b64decode(m.group(1)), base64.b64decode(m.group(2))
        return "data-payload=" + json.dumps(json.loads(bytes(b ^ k[i % len(k)] for i, b in enumerate(p))),
                                            sort_keys=True, ensure_ascii=False)
    html = re.sub(r'data-k="([^"]+)" data-p="([^"]+)"', payload, html)
    return re.sub(r"lc-quiz-[0-9a-f]{10}", "lc-quiz-ID", html).strip()


def _page_quizzes(chapter: str) -> list[str]:
    html = (SITE / "book" / f"{chapter}.html").read_text()
    return re.findall(r'<style>\s*\.lc-quiz\{.*?\}\)\(\);\s*</script>', html, flags=re.S)


@pytest.mark.browser   # reads the built site
@pytest.mark.parametrize("chapter", sorted(set(_chapters()) - NOT_YET_CONVERTED))
def test_the_site_shows_the_modules_quizzes(chapter):
    assert (SITE / "book" / f"{chapter}.html").is_file(), "the site is not built: run `make book`"
    shown = [_normalised(q) for q in _page_quizzes(chapter)]
    functions = _quiz_functions(chapter).values()
    assert shown and len(shown) == len(functions), \
        f"book/{chapter}.html shows {len(shown)} quizzes, its module defines {len(functions)}"
    # a quiz built from the chapter's own results (arguments) is checked by the recordings
    # (tests/chapter_outputs.py holds every quiz's text); the others must be shown exactly
    made = [_normalised(f().to_html()) for f in functions if not inspect.signature(f).parameters]
    for html in made:
        assert html in shown, f"book/{chapter}.html does not show the quiz its module builds"
