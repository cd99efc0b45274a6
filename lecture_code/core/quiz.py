"""Self-check quizzes that work on the static site (no kernel, no network) and in JupyterLab.

A quiz is plain HTML with a few lines of inline JavaScript. The reader ticks the options
they believe and presses *Check*:

* right: "Correct." and the reasons for every option;
* wrong, first try: the reasons for the options they chose only, then they try again;
* wrong again, or *Show answer*: the full answer, every option marked right or wrong.

Nothing of the answer is in the page's visible text until then: which options are right is
in a JSON block the script reads, the reasons are hidden until revealed. The answers are
still in the page source: these quizzes are for self-checking, not for grading (graded
work lives in ``exercises/``)::

    from lecture_code.core.quiz import Question, quiz

    quiz(
        Question(
            "With momentum α = 0.9, the maximal speed-up is a factor ...",
            [("1.9", False, "That is 1 + α, only the first two steps."),
             ("10", True, "A constant gradient is summed with weights αᵏ: 1/(1−α) = 10.")],
            multiple=False,
        ),
    )

The prompt says nothing about how many answers to give: the quiz adds "(tick all that
apply)" or "(choose one answer)" itself. Text may contain inline math between ``$...$``
(typeset by MathJax on the site and in JupyterLab), ``**bold**`` and ```code```.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Question", "Quiz", "quiz", "HINT_MULTIPLE", "HINT_SINGLE"]

HINT_MULTIPLE = "tick all that apply"
HINT_SINGLE = "choose one answer"
_HINT_IN_PROMPT = re.compile(r"tick all|one answer|all that apply", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """A multiple-choice question.

    Parameters
    ----------
    prompt:
        The question, without a hint on how many options to tick (the quiz adds it).
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
        if _HINT_IN_PROMPT.search(self.prompt):
            raise ValueError(
                f"Question prompt must not say how many options to tick (the quiz adds "
                f"'({HINT_MULTIPLE})' or '({HINT_SINGLE})' from `multiple`), got {self.prompt!r}"
            )
        object.__setattr__(self, "options", opts)

    @property
    def hint(self) -> str:
        return HINT_MULTIPLE if self.multiple else HINT_SINGLE


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
.lc-quiz{border:1px solid #d0d7de;border-left:4px solid #0072B2;border-radius:6px;padding:.6em 1em;margin:1em 0;background:#fafbfc;color:#222}
.lc-quiz .lc-q{margin:.4em 0 1em 0}
.lc-quiz .lc-prompt{font-weight:600;margin-bottom:.3em}
.lc-quiz .lc-hint{font-weight:400;color:#555;font-size:.9em}
.lc-quiz label{display:block;margin:.15em 0;cursor:pointer}
.lc-quiz .lc-why{margin:.1em 0 .4em 1.7em;font-size:.92em}
.lc-quiz .lc-why[hidden]{display:none}
.lc-quiz .lc-right .lc-why{color:#1a7f37}
.lc-quiz .lc-wrong .lc-why{color:#B00020}
.lc-quiz button{margin:.3em .5em 0 0;padding:.2em .9em;border-radius:4px;border:1px solid #0072B2;background:#fff;color:#0072B2;cursor:pointer}
.lc-quiz .lc-score{font-weight:600}
</style>
"""

# The answer key is read from the quiz's JSON block; a reason is shown only for the options
# the reader chose (first wrong try) or for all options (right, second wrong try, or
# "Show answer").
_SCRIPT = """
<script>
(function () {
  var root = document.getElementById('%(id)s');
  if (!root) { return; }
  var key = JSON.parse(root.querySelector('script.lc-key').textContent);
  root.querySelectorAll('.lc-q').forEach(function (q, qi) {
    var correct = key[qi], tries = 0;
    var opts = q.querySelectorAll('.lc-opt');
    var score = q.querySelector('.lc-score');
    function mark(o, oi, show) {
      var ok = correct.indexOf(oi) >= 0, why = o.querySelector('.lc-why');
      o.classList.remove('lc-right', 'lc-wrong');
      why.hidden = !show;
      if (show) {
        o.classList.add(ok ? 'lc-right' : 'lc-wrong');
        o.querySelector('.lc-mark').textContent = ok ? '✔ Right. ' : '✘ Not right. ';
      }
    }
    function reveal(message) {
      opts.forEach(function (o, oi) { mark(o, oi, true); });
      score.textContent = message;
    }
    q.querySelector('.lc-check').addEventListener('click', function () {
      var chosen = [];
      opts.forEach(function (o, oi) { if (o.querySelector('input').checked) { chosen.push(oi); } });
      if (!chosen.length) { score.textContent = 'Choose an answer first.'; return; }
      var right = chosen.length === correct.length && chosen.every(function (c) { return correct.indexOf(c) >= 0; });
      tries += 1;
      if (right) { reveal(tries === 1 ? 'Correct.' : 'Correct, on try ' + tries + '.'); return; }
      if (tries >= 2) { reveal('Not quite. Here is the full answer.'); return; }
      opts.forEach(function (o, oi) { mark(o, oi, chosen.indexOf(oi) >= 0); });
      score.textContent = (correct.length === 1)
        ? 'Not this one: read why, then try again.'
        : 'Not quite: some of your choices are wrong or missing. Read why, then try again.';
    });
    q.querySelector('.lc-show').addEventListener('click', function () { reveal('The full answer:'); });
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

    def answer_key(self) -> list[list[int]]:
        """For each question, the indices of its correct options."""
        return [[i for i, (_, correct, _) in enumerate(q.options) if correct] for q in self.questions]

    def to_html(self) -> str:
        key = json.dumps(self.answer_key()).replace("</", "<\\/")
        parts = [
            _STYLE,
            f'<div class="lc-quiz mathjax_process" id="{self.id}"><p><strong>{_format(self.title)}</strong></p>',
            f'<script type="application/json" class="lc-key">{key}</script>',
        ]
        for qi, q in enumerate(self.questions):
            kind = "checkbox" if q.multiple else "radio"
            parts.append(
                f'<div class="lc-q"><div class="lc-prompt">{qi + 1}. {_format(q.prompt)} '
                f'<span class="lc-hint">({q.hint})</span></div>'
            )
            for oi, (text, _, why) in enumerate(q.options):
                parts.append(
                    f'<div class="lc-opt"><label>'
                    f'<input type="{kind}" name="{self.id}-q{qi}" value="{oi}"> {_format(text)}</label>'
                    f'<div class="lc-why" hidden><span class="lc-mark"></span>{_format(why)}</div></div>'
                )
            parts.append(
                '<button type="button" class="lc-check">Check</button>'
                '<button type="button" class="lc-show">Show answer</button>'
                '<span class="lc-score" aria-live="polite"></span></div>'
            )
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
