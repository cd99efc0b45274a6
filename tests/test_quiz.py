"""Self-check quizzes: validation and the HTML they produce."""

import json
import re

import pytest

from lecture_code.core.quiz import Question, quiz


def _visible_text(html: str) -> str:
    """What a browser shows before any click: no scripts, no style, no hidden elements."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<div class="lc-why" hidden>.*?</div>', "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_answers_are_in_the_key_not_in_the_visible_text():
    q = quiz(Question("Is $x^2$ convex?", [("yes", True, "second derivative 2 > 0"), ("no", False, "it curves up")]))
    html = q.to_html()
    key = json.loads(re.search(r'<script type="application/json" class="lc-key">(.*?)</script>', html).group(1))
    assert key == [[0]] == q.answer_key()
    visible = _visible_text(html)
    assert "second derivative" not in visible and "it curves up" not in visible
    assert "data-correct" not in html and "True" not in visible and "False" not in visible
    assert r"\(x^2\)" in html and "$" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert 'type="checkbox"' in html
    assert q.id in html.split("<script>")[1]  # the script finds its own quiz


def test_the_hint_is_written_once_and_says_how_many_to_choose():
    many = quiz(Question("Momentum ...", [("a", True, ""), ("b", True, ""), ("c", False, "")])).to_html()
    one = quiz(Question("Which?", [("a", True, ""), ("b", False, "")], multiple=False)).to_html()
    assert _visible_text(many).count("tick all that apply") == 1
    assert _visible_text(one).count("choose one answer") == 1 and "tick all" not in one
    with pytest.raises(ValueError, match="prompt must not say how many"):
        Question("Momentum ... (tick all that apply)", [("a", True, ""), ("b", False, "")])


def test_a_script_end_tag_in_an_explanation_cannot_close_the_key():
    html = quiz(Question("?", [("a", True, "</script><b>x"), ("b", False, "")])).to_html()
    assert "</script><b>" not in html


def test_single_answer_questions_use_radio_buttons_and_need_one_answer():
    assert 'type="radio"' in quiz(Question("?", [("a", True, ""), ("b", False, "")], multiple=False)).to_html()
    with pytest.raises(ValueError, match="exactly 1 correct"):
        Question("?", [("a", True, ""), ("b", True, "")], multiple=False)


def test_text_is_escaped():
    html = quiz(Question("<b>x</b>", [("<script>", True, ""), ("b", False, "")])).to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("options", [[("a", True, "")], [("a", "yes", ""), ("b", False, "")], [("a", True)] * 2])
def test_bad_options_are_rejected(options):
    with pytest.raises(ValueError, match="options"):
        Question("?", options)


# ---- numeric questions -------------------------------------------------------------------------
import math  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_code.core.quiz import NumericQuestion, _unscramble, parse_number  # noqa: E402


def _numeric_blocks(html: str) -> list[dict]:
    """Each numeric question's scrambled payload, unscrambled as the page's script does."""
    return [_unscramble(k, p) for k, p in re.findall(r'class="lc-qn"[^>]*data-k="([^"]+)" data-p="([^"]+)"', html)]


@pytest.mark.parametrize("text, value", [
    ("0.5", 0.5), (" 0.5 ", 0.5), ("1e-3", 1e-3), ("1E-3", 1e-3), ("−2", -2.0), ("-2", -2.0), ("+3", 3.0),
    (".25", 0.25), ("4.", 4.0), ("1/2", 0.5), ("1 / 4", 0.25), ("-3/4", -0.75), ("3/-4", -0.75),
    ("2/11", 2 / 11), ("1e-3/2", 5e-4), ("007", 7.0), ("\u00a05\u2009", 5.0),
])
def test_numbers_are_read_as_readers_type_them(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, message", [
    ("", "type a number"), ("  ", "type a number"), ("0,5", "decimal point"), ("1,000", "decimal point"),
    ("abc", "as a number"), ("1/0", "division by zero"), ("inf", "as a number"), ("nan", "as a number"),
    ("1e400", "too large"), ("1_000", "as a number"), ("1 000", "as a number"), ("1/2/3", "as a number"),
    ("0x10", "as a number"), ("٣", "as a number"), ("2*3", "as a number"), ("1\n/2", "as a number"),
])
def test_what_is_not_a_number_is_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)


def test_a_typed_unit_is_ignored():
    assert parse_number("20 %", "%") == 20 and parse_number("51 steps", "steps") == 51
    with pytest.raises(ValueError):
        parse_number("20 %")  # no unit declared: the % is not a number
    with pytest.raises(ValueError, match="type a number"):
        parse_number("steps", "steps")


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_any_float_written_by_python_reads_back_exactly(x):
    assert parse_number(repr(x)) == x
    assert parse_number(repr(x).replace("-", "−")) == x


@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6).filter(bool))
def test_a_fraction_is_the_float_quotient(a, b):
    assert parse_number(f"{a}/{b}") == a / b


def test_tolerances_absolute_and_relative_include_their_bounds():
    q = NumericQuestion("Speed-up for α = 0.9?", 10, 0.5)
    assert q.bounds == (9.5, 10.5)
    assert q.accepts("10") and q.accepts("9.5") and q.accepts("10.5") and q.accepts("21/2")
    assert not q.accepts("10.500001") and not q.accepts("9.49") and not q.accepts("-10")
    r = NumericQuestion("Step?", 0.002, 0.01, relative=True)
    assert r.bounds == pytest.approx((0.00198, 0.00202))
    assert r.accepts("2e-3") and r.accepts("0.00201") and r.accepts("1/500")
    assert not r.accepts("0.0021") and not r.accepts("0.002021")
    neg = NumericQuestion("?", -4, 0.25, relative=True)
    assert neg.bounds == (-5.0, -3.0) and neg.accepts("−3") and not neg.accepts("3")
    exact = NumericQuestion("How many regions?", 22, 0)
    assert exact.accepts("22") and exact.accepts("22.0") and exact.accepts("44/2") and not exact.accepts("22.000001")
    with pytest.raises(ValueError):
        exact.accepts("twenty-two")


@given(st.floats(-1e6, 1e6), st.floats(0, 1e3), st.floats(-1, 1))
def test_a_number_is_accepted_exactly_when_it_is_within_the_tolerance(answer, tol, offset):
    q = NumericQuestion("?", answer, tol)
    lo, hi = q.bounds
    x = answer + offset * 2 * tol
    assert q.accepts(repr(x)) == (lo <= x <= hi)


@pytest.mark.parametrize("kwargs, message", [
    (dict(answer=float("nan"), tolerance=0.1), "answer must be a finite"),
    (dict(answer=True, tolerance=0.1), "answer must be a finite"),
    (dict(answer="1", tolerance=0.1), "answer must be a finite"),
    (dict(answer=1.0, tolerance=-0.1), "tolerance must be >= 0"),
    (dict(answer=1.0, tolerance=math.inf), "tolerance must be a finite"),
    (dict(answer=1.0, tolerance=1.0, relative=True), r"relative tolerance must be in \[0, 1\)"),
    (dict(answer=0.0, tolerance=0.1, relative=True), "nonzero answer"),
    (dict(answer=1.0, tolerance=0.1, relative="yes"), "relative must be True or False"),
    (dict(answer=1.0, tolerance=0.1, unit=3), "unit must be a string"),
])
def test_bad_numeric_questions_are_rejected_naming_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NumericQuestion("?", **kwargs)


def test_the_signature_is_prompt_answer_tolerance_then_keywords():
    with pytest.raises(TypeError):
        NumericQuestion("?", 1.0, 0.1, True)  # relative is keyword-only
    q = NumericQuestion("?", 1, 0, relative=False, unit="steps", format_hint="an integer", explanation="why")
    assert (q.answer, q.tolerance, q.unit, q.format_hint, q.explanation) == (1.0, 0.0, "steps", "an integer", "why")


def test_a_numeric_answer_is_neither_visible_nor_in_the_page_source():
    q = NumericQuestion("Largest stable $\\eta$ for $\\lambda = 4$, times 7/8?", 0.4375, 0.0001, unit="per step",
                        format_hint="a fraction such as 1/4 is fine",
                        explanation="Converges for $|1 - \\eta\\lambda| < 1$; 7/16 = 0.4375, REASON-MARK")
    html = quiz(Question("?", [("a", True, "x"), ("b", False, "y")]), q).to_html()
    for secret in ("0.4375", "0.4374", "0.4376", "7/16", "REASON-MARK"):
        assert secret not in html, secret
    visible = _visible_text(html)
    assert "a number, in per step; a fraction such as 1/4 is fine" in visible
    assert "Your answer" in visible and "per step" in visible
    (payload,) = _numeric_blocks(html)
    assert payload["lo"] == 0.4375 - 0.0001 and payload["hi"] == 0.4375 + 0.0001
    assert payload["answer"] == "0.4375 per step" and payload["accepted"] == "within ± 0.0001"
    assert "REASON-MARK" in payload["why"]
    assert r"\(|1 - \eta\lambda| &lt; 1\)" in payload["why"]  # formatted like the rest: math for MathJax
    # the multiple-choice key counts only the multiple-choice questions
    key = json.loads(re.search(r'class="lc-key">(.*?)</script>', html).group(1))
    assert key == [[0]] and html.count('class="lc-q"') == 1 and html.count('class="lc-qn"') == 1


def test_each_render_scrambles_with_a_new_key_and_exact_answers_say_so():
    q = NumericQuestion("How many?", 36, 0, explanation="(3!)^2")
    a, b = quiz(q).to_html(), quiz(q).to_html()
    ka = re.search(r'data-p="([^"]+)"', a).group(1)
    kb = re.search(r'data-p="([^"]+)"', b).group(1)
    assert ka != kb
    assert _numeric_blocks(a) == _numeric_blocks(b) == [
        {"lo": 36.0, "hi": 36.0, "answer": "36", "accepted": "exactly", "why": "(3!)^2"}]


def test_quiz_rejects_other_objects():
    with pytest.raises(ValueError, match="Question and NumericQuestion"):
        quiz("not a question")
