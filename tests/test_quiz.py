"""Self-check quizzes: validation and the HTML they produce."""

import re

import pytest

from lecture_code.core.quiz import Question, quiz


def test_html_marks_correct_options_and_converts_math():
    q = quiz(Question("Is $x^2$ convex?", [("yes", True, "second derivative 2 > 0"), ("no", False, "it is")]))
    html = q.to_html()
    assert html.count('data-correct="1"') == 1 and html.count('data-correct="0"') == 1
    assert r"\(x^2\)" in html and "$" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert 'type="checkbox"' in html
    assert q.id in html.split("<script>")[1]  # the script finds its own quiz


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
