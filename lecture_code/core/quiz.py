"""Self-check quizzes that work on the static site (no kernel, no network), in JupyterLab and
in the in-browser site.

A quiz is plain HTML with a few lines of inline JavaScript. It holds two kinds of question.

**Multiple choice** (:class:`Question`). The reader ticks the options they believe and presses
*Check*:

* right: "Correct." and the reasons for every option;
* wrong, first try: the reasons for the options they chose only, then they try again;
* wrong again, or *Show answer*: the full answer, every option marked right or wrong.

**A number** (:class:`NumericQuestion`). The reader types a number (``0.25``, ``1e-3``, ``1/4``,
``−2``; a decimal comma is refused with a message) and presses *Check* (or Enter):

* within the tolerance: "Correct.", the answer and the explanation;
* outside it, first try: whether it is too large or too small, then they try again;
* outside it again, or *Show answer*: the answer, the accepted range and the explanation.
  Text that is not a number costs no try: the quiz says what it could not read.

Nothing of the answer is in the page's visible text until then. For multiple choice, which
options are right is in a JSON block the script reads and the reasons are hidden until
revealed. For a number, the accepted range, the answer and the explanation are not in the
page's text or source as written: they are stored XOR-scrambled with a random key kept next to
them, so they do not show up in a search of the page or its source. Anyone who runs the
script's decoder can read them: these quizzes are for self-checking, not for grading (graded
work lives in ``exercises/``)::

    from lecture_code.core.quiz import NumericQuestion, Question, quiz

    quiz(
        Question(
            "With momentum α = 0.9, the maximal speed-up is a factor ...",
            [("1.9", False, "That is 1 + α, only the first two steps."),
             ("10", True, "A constant gradient is summed with weights αᵏ: 1/(1−α) = 10.")],
            multiple=False,
        ),
        NumericQuestion(
            "With α = 0.95, by what factor does momentum multiply the step in a direction where the "
            "gradient never changes?",
            answer=20, tolerance=0.01, relative=True, format_hint="a fraction such as 1/4 is fine",
            explanation="The steps add up to γ g (1 + α + α² + …) = γ g / (1 − α).",
        ),
    )

**Where a chapter's quiz lives.** A quiz's definition is its answer key. The site shows a quiz
cell by its output only (``remove-input``), but JupyterLab, the in-browser site and a
downloaded ``.ipynb`` show the cell's source. So a chapter's quiz is built by a function of its
module, ``lecture_code/chapters/<chapter>.py`` (``def warmup_quiz() -> Quiz``, its numeric
answers computed there by the library, the chapter's own results passed in as arguments), and
the chapter's cell only calls it (``warmup_quiz()``): one definition, shown by the site and by
every notebook, and no answer in any notebook's source (``tests/test_quiz_chapters.py``).

The prompt says nothing about how many answers to give: the quiz adds "(tick all that
apply)" or "(choose one answer)" itself, and "(a number ...)" for a numeric question. Text may
contain inline math between ``$...$`` (typeset by MathJax on the site and in JupyterLab),
``**bold**`` and ```code```. A numeric explanation is shown only after the answer is revealed;
on the site its math is typeset then, elsewhere prefer Unicode (α, ², −) to ``$...$`` in it.

Numbers are read the same way in Python (:func:`parse_number`, :meth:`NumericQuestion.accepts`)
and in the page's script (``window.lcQuizParse``); a browser test compares the two.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
import secrets
import uuid
from dataclasses import KW_ONLY, dataclass
from numbers import Real
from typing import Sequence

__all__ = ["Question", "NumericQuestion", "Quiz", "quiz", "parse_number", "HINT_MULTIPLE", "HINT_SINGLE",
           "HINT_NUMBER"]

HINT_MULTIPLE = "tick all that apply"
HINT_SINGLE = "choose one answer"
HINT_NUMBER = "a number"
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
        _check_prompt(self.prompt)
        object.__setattr__(self, "options", opts)

    @property
    def hint(self) -> str:
        return HINT_MULTIPLE if self.multiple else HINT_SINGLE


def _check_prompt(prompt: str) -> None:
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"prompt must be a non-empty string, got {prompt!r}")
    if _HINT_IN_PROMPT.search(prompt):
        raise ValueError(
            f"Question prompt must not say how many options to tick (the quiz adds "
            f"'({HINT_MULTIPLE})' or '({HINT_SINGLE})' from `multiple`), got {prompt!r}"
        )


# --------------------------------------------------------------------------- numbers as typed

#: One number as a reader types it: optional sign, digits with an optional decimal point, an
#: optional exponent. The page's script uses the same pattern (``_NUMBER_JS`` below).
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(rf"({_NUMBER})")
_FRACTION_RE = re.compile(rf"({_NUMBER})[ \t]*/[ \t]*({_NUMBER})")
_MINUS = "\u2212\u2013"  # the minus sign and the en dash, both read as "-"
#: The spaces stripped around what was typed (the same set in the page's script; ASCII digits
#: only, since Python's float() would read other scripts' digits and JavaScript's Number() not).
_SPACE = " \t\n\r\f\v\u00a0\u2009\u202f"


def parse_number(text: str, unit: str = "") -> float:
    """The number a reader typed: ``"0.5"``, ``"1e-3"``, ``"−2"``, ``"1/4"``, ``"20 %"``.

    Leading and trailing spaces are ignored, the Unicode minus sign counts as ``-``, and a
    trailing ``unit`` (if given and typed) is dropped. A fraction ``a/b`` is ``a`` divided by
    ``b`` in floating point. Anything else (a decimal comma, ``inf``, words, ``2/0``) raises
    ``ValueError`` with a message meant for the reader.

    The page's script implements exactly this (``window.lcQuizParse``); the browser tests
    compare the two on many strings.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    s = text.strip(_SPACE)
    for m in _MINUS:
        s = s.replace(m, "-")
    if unit and s.endswith(unit):
        s = s[: len(s) - len(unit)].strip(_SPACE)
    if not s:
        raise ValueError("type a number first")
    if "," in s:
        raise ValueError(f"could not read {text.strip()!r}: use a decimal point (0.5), not a comma")
    if _NUMBER_RE.fullmatch(s):
        value = float(s)
    else:
        frac = _FRACTION_RE.fullmatch(s)
        if not frac:
            raise ValueError(f"could not read {text.strip()!r} as a number: write e.g. 0.25, 1e-3 or 1/4")
        num, den = float(frac.group(1)), float(frac.group(2))
        if den == 0:
            raise ValueError(f"could not read {text.strip()!r}: division by zero")
        value = num / den
    if not math.isfinite(value):
        raise ValueError(f"could not read {text.strip()!r}: the number is too large")
    return value


def _number_text(x: float) -> str:
    """``0.178571``, ``20``, ``1.5e-05``: six significant digits, no trailing zeros."""
    if float(x) == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


@dataclass(frozen=True)
class NumericQuestion:
    """A question whose answer is a number, checked against a tolerance.

    Parameters
    ----------
    prompt:
        The question. The quiz adds "(a number ...)" with the unit and format hint.
    answer:
        The right answer (a finite real number; compute it with the library, never type it).
    tolerance:
        Accepted distance from ``answer`` (``>= 0``): absolute, or a fraction of ``|answer|``
        when ``relative=True`` (then ``< 1`` and ``answer != 0``). Bounds are inclusive:
        ``answer ± tolerance`` themselves are accepted.
    relative:
        Whether ``tolerance`` is relative.
    unit:
        Shown after the input box (e.g. ``"steps"``, ``"%"``); a reader may type it too.
    format_hint:
        Added to the hint, e.g. ``"a fraction such as 1/4 is fine"``.
    explanation:
        Why the answer is what it is; shown only once the answer is revealed.
    """

    prompt: str
    answer: float
    tolerance: float
    _: KW_ONLY
    relative: bool = False
    unit: str = ""
    format_hint: str = ""
    explanation: str = ""

    def __post_init__(self) -> None:
        _check_prompt(self.prompt)
        for name in ("answer", "tolerance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
                raise ValueError(f"{name} must be a finite real number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.tolerance < 0:
            raise ValueError(f"tolerance must be >= 0, got {self.tolerance!r}")
        if not isinstance(self.relative, bool):
            raise ValueError(f"relative must be True or False, got {self.relative!r}")
        if self.relative:
            if not self.tolerance < 1:
                raise ValueError(f"a relative tolerance must be in [0, 1), got {self.tolerance!r}")
            if self.answer == 0:
                raise ValueError("a relative tolerance needs a nonzero answer (use an absolute one for 0)")
        for name in ("unit", "format_hint", "explanation"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string, got {getattr(self, name)!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        """The accepted range ``(lo, hi)``, both included."""
        width = self.tolerance * abs(self.answer) if self.relative else self.tolerance
        return self.answer - width, self.answer + width

    def accepts(self, text: str) -> bool:
        """Whether the typed ``text`` is a right answer (``ValueError`` if it is not a number)."""
        lo, hi = self.bounds
        return lo <= parse_number(text, self.unit) <= hi

    @property
    def hint(self) -> str:
        parts = [HINT_NUMBER + (f", in {self.unit}" if self.unit else "")]
        if self.format_hint:
            parts.append(self.format_hint)
        return "; ".join(parts)

    def _payload(self) -> dict:
        lo, hi = self.bounds
        answer = _number_text(self.answer) + (f" {self.unit}" if self.unit else "")
        if self.tolerance == 0:
            accepted = "exactly"
        elif self.relative:
            accepted = f"within ± {self.tolerance * 100:.6g} %"
        else:
            accepted = f"within ± {_number_text(self.tolerance)}"
        return {"lo": lo, "hi": hi, "answer": html.escape(answer, quote=False), "accepted": accepted,
                "why": _format(self.explanation)}


def _scramble(payload: dict) -> tuple[str, str]:
    """``(key, data)``, base64: the payload's JSON XOR a random key (see the module docstring)."""
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    key = secrets.token_bytes(16)
    data = bytes(b ^ key[i % len(key)] for i, b in enumerate(raw))
    return base64.b64encode(key).decode("ascii"), base64.b64encode(data).decode("ascii")


def _unscramble(key: str, data: str) -> dict:
    """The inverse of :func:`_scramble` (what the page's script does)."""
    k, d = base64.b64decode(key), base64.b64decode(data)
    return json.loads(bytes(b ^ k[i % len(k)] for i, b in enumerate(d)).decode("utf-8"))


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
.lc-quiz .lc-q,.lc-quiz .lc-qn{margin:.4em 0 1em 0}
.lc-quiz .lc-prompt{font-weight:600;margin-bottom:.3em}
.lc-quiz .lc-hint{font-weight:400;color:#555;font-size:.9em}
.lc-quiz label{display:block;margin:.15em 0;cursor:pointer}
.lc-quiz .lc-qn label{display:inline-block}
.lc-quiz input.lc-num{width:9em;max-width:100%;padding:.15em .3em;border:1px solid #57606a;border-radius:4px;font:inherit}
.lc-quiz .lc-why{margin:.1em 0 .4em 1.7em;font-size:.92em}
.lc-quiz .lc-qn .lc-why{margin-left:0}
.lc-quiz .lc-why[hidden]{display:none}
.lc-quiz .lc-right .lc-why{color:#1a7f37}
.lc-quiz .lc-wrong .lc-why{color:#B00020}
.lc-quiz button{margin:.3em .5em 0 0;padding:.2em .9em;border-radius:4px;border:1px solid #0072B2;background:#fff;color:#0072B2;cursor:pointer}
.lc-quiz .lc-score{font-weight:600}
</style>
"""

# The number pattern of _NUMBER, for the script (JavaScript regex syntax is the same here).
_NUMBER_JS = _NUMBER.replace("\\", "\\\\")

# Multiple choice: the answer key is read from the quiz's JSON block (one entry per `.lc-q`); a
# reason is shown only for the options the reader chose (first wrong try) or for all options
# (right, second wrong try, or "Show answer"). Numbers: each `.lc-qn` carries its scrambled
# payload (data-k, data-p), unscrambled when the reader checks or asks for the answer.
_SCRIPT = """
<script>
(function () {
  var root = document.getElementById('%(id)s');
  if (!root) { return; }
  var NUM = '%(number)s', MINUS = /[\\u2212\\u2013]/g, SPACE = /^[ \\t\\n\\r\\f\\v\\u00a0\\u2009\\u202f]+|[ \\t\\n\\r\\f\\v\\u00a0\\u2009\\u202f]+$/g;
  var numRe = new RegExp('^(' + NUM + ')$'), fracRe = new RegExp('^(' + NUM + ')[ \\t]*/[ \\t]*(' + NUM + ')$');
  function strip(t) { return t.replace(SPACE, ''); }
  function parse(text, unit) {
    var shown = String(text).trim(), s = strip(String(text)).replace(MINUS, '-');
    if (unit && s.length >= unit.length && s.slice(s.length - unit.length) === unit) {
      s = strip(s.slice(0, s.length - unit.length));
    }
    if (!s) { return {error: 'type a number first'}; }
    if (s.indexOf(',') >= 0) { return {error: "could not read '" + shown + "': use a decimal point (0.5), not a comma"}; }
    var m = numRe.exec(s), v;
    if (m) { v = Number(m[1]); } else {
      var f = fracRe.exec(s);
      if (!f) { return {error: "could not read '" + shown + "' as a number: write e.g. 0.25, 1e-3 or 1/4"}; }
      var den = Number(f[2]);
      if (den === 0) { return {error: "could not read '" + shown + "': division by zero"}; }
      v = Number(f[1]) / den;
    }
    if (!isFinite(v)) { return {error: "could not read '" + shown + "': the number is too large"}; }
    return {value: v};
  }
  window.lcQuizParse = window.lcQuizParse || parse;
  function unpack(el) {
    var k = atob(el.getAttribute('data-k')), p = atob(el.getAttribute('data-p')), b = new Uint8Array(p.length);
    for (var i = 0; i < p.length; i++) { b[i] = p.charCodeAt(i) ^ k.charCodeAt(i %% k.length); }
    return JSON.parse(new TextDecoder('utf-8').decode(b));
  }
  function typeset(el) {
    if (window.MathJax && window.MathJax.typesetPromise) { window.MathJax.typesetPromise([el]).catch(function () {}); }
  }
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
  root.querySelectorAll('.lc-qn').forEach(function (q) {
    var tries = 0, input = q.querySelector('input.lc-num'), score = q.querySelector('.lc-score');
    var why = q.querySelector('.lc-why'), unit = q.getAttribute('data-unit') || '';
    function reveal(message, right) {
      var d = unpack(q);
      why.innerHTML = '<span class="lc-mark">The answer: ' + d.answer + ' (accepted: ' + d.accepted + ').</span> ' + d.why;
      why.hidden = false;
      q.classList.remove('lc-right', 'lc-wrong');
      q.classList.add(right ? 'lc-right' : 'lc-wrong');
      score.textContent = message;
      typeset(why);
    }
    function check() {
      var got = parse(input.value, unit);
      if (got.error) { score.textContent = got.error.charAt(0).toUpperCase() + got.error.slice(1) + '.'; return; }
      var d = unpack(q);
      tries += 1;
      if (got.value >= d.lo && got.value <= d.hi) { reveal(tries === 1 ? 'Correct.' : 'Correct, on try ' + tries + '.', true); return; }
      if (tries >= 2) { reveal('Not quite. Here is the answer.', false); return; }
      score.textContent = 'Not right: ' + input.value.trim() + ' is too ' + (got.value > d.hi ? 'large' : 'small') + '. Try again.';
    }
    q.querySelector('.lc-check').addEventListener('click', check);
    input.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); check(); } });
    q.querySelector('.lc-show').addEventListener('click', function () { reveal('The answer:', false); });
  });
})();
</script>
"""


class Quiz:
    """A group of questions; displays itself as HTML (see module docstring)."""

    def __init__(self, questions: Sequence[Question | NumericQuestion], title: str = "Self-check"):
        if not questions:
            raise ValueError("quiz needs at least one Question or NumericQuestion")
        for q in questions:
            if not isinstance(q, (Question, NumericQuestion)):
                raise ValueError(f"quiz takes Question and NumericQuestion objects, got {type(q).__name__}")
        self.questions = tuple(questions)
        self.title = title
        self.id = "lc-quiz-" + uuid.uuid4().hex[:10]

    def answer_key(self) -> list[list[int]]:
        """For each multiple-choice question (in order), the indices of its correct options.

        Numeric questions carry their answer themselves, scrambled (module docstring).
        """
        return [[i for i, (_, correct, _) in enumerate(q.options) if correct]
                for q in self.questions if isinstance(q, Question)]

    def to_html(self) -> str:
        key = json.dumps(self.answer_key()).replace("</", "<\\/")
        parts = [
            _STYLE,
            f'<div class="lc-quiz mathjax_process" id="{self.id}"><p><strong>{_format(self.title)}</strong></p>',
            f'<script type="application/json" class="lc-key">{key}</script>',
        ]
        for qi, q in enumerate(self.questions):
            if isinstance(q, NumericQuestion):
                parts.append(self._numeric_html(qi, q))
                continue
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
        parts.append(_SCRIPT % {"id": self.id, "number": _NUMBER_JS})
        return "".join(parts)

    def _numeric_html(self, qi: int, q: NumericQuestion) -> str:
        k, p = _scramble(q._payload())
        unit = html.escape(q.unit, quote=True)
        unit_text = f' <span class="lc-unit">{html.escape(q.unit, quote=False)}</span>' if q.unit else ""
        return (
            f'<div class="lc-qn" data-unit="{unit}" data-k="{k}" data-p="{p}">'
            f'<div class="lc-prompt">{qi + 1}. {_format(q.prompt)} <span class="lc-hint">({_format(q.hint)})</span></div>'
            f'<label>Your answer: <input type="text" class="lc-num" name="{self.id}-q{qi}" autocomplete="off" '
            f'spellcheck="false" inputmode="text"></label>{unit_text}'
            '<div><button type="button" class="lc-check">Check</button>'
            '<button type="button" class="lc-show">Show answer</button>'
            '<span class="lc-score" aria-live="polite"></span></div>'
            '<div class="lc-why" hidden></div></div>'
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<quiz: {len(self.questions)} question(s)>"


def quiz(*questions: Question | NumericQuestion, title: str = "Self-check") -> Quiz:
    """Build a :class:`Quiz` from questions; the result displays itself in a notebook."""
    return Quiz(questions, title=title)
