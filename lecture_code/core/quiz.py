"""Self-check quizzes that work on the static site (no kernel, no network) and in JupyterLab.

A quiz is plain HTML with a few lines of inline JavaScript: the reader ticks the options
they believe, presses *Check*, and every option is marked right or wrong with the reason.
Answers are in the page source: these quizzes are for self-checking, not for grading
(graded work lives in ``exercises/``)::

    from lecture_code.core.quiz import Question, quiz

    quiz(
        Question(
            "With momentum α = 0.9, the maximal speed-up is a factor ...",
            [("1.9", False, "That is 1 + α, only the first two steps."),
             ("10", True, "A constant gradient is summed with weights αᵏ: 1/(1−α) = 10.")],
            multiple=False,
        ),
    )

Text may contain inline math between ``$...$`` (typeset by MathJax on the site and in
JupyterLab), ``**bold**`` and ```code```.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from typing import Sequence

__all__ = [
    "Question",
    "Quiz",
    "quiz",
]


@dataclass(frozen=True)
class Question:
    """A multiple-choice question.

    Parameters
    ----------
    prompt:
        The question.
    options:
        ``(text, is_correct, explanation)`` triples, in the order shown.
    multiple:
        ``True``: tick all that apply (checkboxes); ``False``: exactly one answer (radio).
    """

    prompt: str
    options: Sequence[tuple[str, bool, str]]
    multiple: bool = True

    def __post_init__(self) -> None:
        opts = tuple(tuple(o) for o in self.options)
        if len(opts) < 2:
            raise ValueError(f"Question options must have at least 2 entries, got {len(opts)}")
        for o in opts:
            if len(o) != 3 or not isinstance(o[0], str) or not isinstance(o[1], bool) or not isinstance(o[2], str):
                raise ValueError(f"Question options must be (text: str, correct: bool, explanation: str), got {o!r}")
        n_correct = sum(o[1] for o in opts)
        if not self.multiple and n_correct != 1:
            raise ValueError(f"a single-answer Question (multiple=False) needs exactly 1 correct option, got {n_correct}")
        object.__setattr__(self, "options", opts)


_MATH = re.compile(r"\$(.+?)\$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`(.+?)`")


def _format(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _MATH.sub(lambda m: r"\(" + m.group(1) + r"\)", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _CODE.sub(r"<code>\1</code>", out)
    return out


_STYLE = """
<style>
.lc-quiz{border:1px solid #d0d7de;border-left:4px solid #0072B2;border-radius:6px;padding:.6em 1em;margin:1em 0;background:#fafbfc}
.lc-quiz .lc-q{margin:.4em 0 1em 0}
.lc-quiz .lc-prompt{font-weight:600;margin-bottom:.3em}
.lc-quiz .lc-hint{font-weight:400;color:#555;font-size:.9em}
.lc-quiz label{display:block;margin:.15em 0;cursor:pointer}
.lc-quiz .lc-why{display:none;margin:.1em 0 .4em 1.7em;font-size:.92em}
.lc-quiz .lc-right .lc-why,.lc-quiz .lc-wrong .lc-why{display:block}
.lc-quiz .lc-right .lc-why{color:#1a7f37}
.lc-quiz .lc-wrong .lc-why{color:#B00020}
.lc-quiz button{margin-top:.3em;padding:.2em .9em;border-radius:4px;border:1px solid #0072B2;background:#fff;color:#0072B2;cursor:pointer}
.lc-quiz .lc-score{margin-left:.8em;font-weight:600}
</style>
"""

_SCRIPT = """
<script>
(function () {
  var root = document.getElementById('%(id)s');
  if (!root) { return; }
  root.querySelectorAll('.lc-q').forEach(function (q) {
    q.querySelector('button').addEventListener('click', function () {
      var right = 0, opts = q.querySelectorAll('.lc-opt');
      opts.forEach(function (o) {
        var ticked = o.querySelector('input').checked;
        var correct = o.getAttribute('data-correct') === '1';
        var ok = (ticked === correct);
        o.classList.remove('lc-right', 'lc-wrong');
        o.classList.add(ok ? 'lc-right' : 'lc-wrong');
        if (ok) { right += 1; }
        o.querySelector('.lc-mark').textContent =
          (ok ? '✔ ' : '✘ ') + (correct ? 'True. ' : 'False. ');
      });
      q.querySelector('.lc-score').textContent = (right === opts.length)
        ? 'All correct.' : right + ' of ' + opts.length + ' options right.';
    });
  });
})();
</script>
"""


class Quiz:
    """A group of questions; displays itself as HTML (see module docstring)."""

    def __init__(self, questions: Sequence[Question], title: str = "Self-check"):
        if not questions:
            raise ValueError("quiz needs at least one Question")
        for q in questions:
            if not isinstance(q, Question):
                raise ValueError(f"quiz takes Question objects, got {type(q).__name__}")
        self.questions = tuple(questions)
        self.title = title
        self.id = "lc-quiz-" + uuid.uuid4().hex[:10]

    def to_html(self) -> str:
        parts = [_STYLE, f'<div class="lc-quiz mathjax_process" id="{self.id}"><p><strong>{_format(self.title)}</strong></p>']
        for qi, q in enumerate(self.questions):
            kind = "checkbox" if q.multiple else "radio"
            hint = "tick all that apply" if q.multiple else "one answer"
            parts.append(
                f'<div class="lc-q"><div class="lc-prompt">{qi + 1}. {_format(q.prompt)} '
                f'<span class="lc-hint">({hint})</span></div>'
            )
            for oi, (text, correct, why) in enumerate(q.options):
                parts.append(
                    f'<div class="lc-opt" data-correct="{int(correct)}"><label>'
                    f'<input type="{kind}" name="{self.id}-q{qi}" value="{oi}"> {_format(text)}</label>'
                    f'<div class="lc-why"><span class="lc-mark"></span>{_format(why)}</div></div>'
                )
            parts.append('<button type="button">Check</button><span class="lc-score"></span></div>')
        parts.append("</div>")
        parts.append(_SCRIPT % {"id": self.id})
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<quiz: {len(self.questions)} question(s)>"


def quiz(*questions: Question, title: str = "Self-check") -> Quiz:
    """Build a :class:`Quiz` from questions; the result displays itself in a notebook."""
    return Quiz(questions, title=title)
