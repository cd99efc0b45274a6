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
