"""Numeric quiz questions in headless Chromium: what a reader types, what the page answers.

One generated page (the quiz HTML exactly as a chapter emits it, served from a temporary folder
with the fixtures of ``tests/sitecheck.py``) is loaded once and driven through every case: a
right answer within the tolerance is accepted, a wrong one is rejected with too large / too
small, text that is not a number costs no try, the retry and "Show answer" work, and nothing of
the answer is in the page's text before it is revealed. The page's number reader
(``window.lcQuizParse``) is compared with :func:`lecture_code.core.quiz.parse_number` on a few
thousand strings. The built chapters' numeric questions are checked on the site by
``tests/test_site.py``, on each page's one first visit.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from lecture_code.core.quiz import NumericQuestion, Question, _unscramble, parse_number, quiz
from tests.sitecheck import SITE, PageLog, chromium, serve

pytestmark = pytest.mark.browser

QUESTIONS = [
    # 0: absolute tolerance, fractions welcome
    NumericQuestion("Largest stable learning rate for $\\lambda = 4$?", 0.5, 0.001,
                    format_hint="a fraction such as 1/4 is fine", explanation="Converges for η < 2/λ. MARK-ZERO"),
    # 1: relative tolerance
    NumericQuestion("First uncorrected Adam step, in units of η?", 3.1622776601683795, 0.01, relative=True,
                    explanation="(1 − ρ₁)/√(1 − ρ₂). MARK-ONE"),
    # 2: an exact integer with a unit
    NumericQuestion("Steps to escape?", 51, 0, unit="steps", explanation="⌈log 10⁴ / log 1.2⌉. MARK-TWO"),
    # 3: for "Show answer"
    NumericQuestion("Regions of 6 lines?", 22, 0, explanation="1 + 6 + 15. MARK-THREE"),
    # 4: two wrong tries
    NumericQuestion("Speed-up with α = 0.95?", 20, 0.5, explanation="1/(1 − α). MARK-FOUR"),
]
SECRETS = ["MARK-ZERO", "MARK-ONE", "MARK-TWO", "MARK-THREE", "MARK-FOUR", "3.16228", "0.499", "0.501",
           "3.13065", "3.19390"]


def _strings(n: int, seed: int = 0) -> list[str]:
    """Hand-picked edge cases, then random strings from the characters readers type."""
    fixed = ["0.5", " 1/2 ", "1e-3", "1E+3", "−2", "–2", "+.5", "5.", ".", "-", "+", "e3", "1e", "1e+", "1/", "/2",
             "1//2", "1 / 2", "1\t/\t2", "1\n/2", "0,5", "1,000", "1_000", "١", "٣", "½", "0x1A", "Infinity", "NaN",
             "1e308", "1e309", "-1e309", "1e-400", "4e-320", "9" * 400, "1/0", "0/0", "-0", "0/-3", "\u00a012\u202f",
             "\ufeff1", "12 steps", "steps", " 3 % ", "3%", "1/3", "2/11", "22/7", "1e5/1e-5", "+1/-2"]
    rng = random.Random(seed)
    alphabet = "0123456789" * 3 + ".eE+-−/ ,%\t\u00a0"
    out = list(fixed)
    while len(out) < n:
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))))
    return out


def _python(text: str, unit: str):
    try:
        return ["value", parse_number(text, unit)]
    except ValueError:
        return ["error", None]


@pytest.fixture(scope="module")
def instance():
    """One headless Chromium for the whole module (Playwright's sync API allows one at a time)."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def page(tmp_path_factory, instance):
    folder = tmp_path_factory.mktemp("quizpage")
    body = quiz(*QUESTIONS, Question("Multiple choice still works?", [("yes", True, "ok"), ("no", False, "no")],
                                     multiple=False), title="Numeric self-check").to_html()
    (folder / "index.html").write_text(f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                                       f"<title>quiz</title></head><body>{body}</body></html>", encoding="utf-8")
    with serve(folder) as base:
        context = instance.new_context(viewport={"width": 1280, "height": 900})
        p = context.new_page()
        log = PageLog(p, base)
        p.goto(base + "index.html", wait_until="load")
        yield p, log
        context.close()


def _answer(q, text: str, enter: bool = False) -> str:
    q.locator("input.lc-num").fill(text)
    if enter:
        q.locator("input.lc-num").press("Enter")
    else:
        q.locator(".lc-check").click()
    return q.locator(".lc-score").inner_text().strip()


def test_numeric_questions_in_the_browser(page):
    p, log = page
    qs = p.locator(".lc-qn")
    assert qs.count() == len(QUESTIONS)
    # before anything is revealed: no answer, no explanation, no bound in the page's text
    text = p.locator("body").inner_text()
    for secret in SECRETS:
        assert secret not in text, secret
    assert p.locator(".lc-qn .lc-why:visible").count() == 0
    assert "(a number; a fraction such as 1/4 is fine)" in text and "(a number, in steps)" in text

    # 0: a wrong answer is rejected with a direction and no reveal; the retry within tolerance is accepted
    q = qs.nth(0)
    assert _answer(q, "0.6") == "Not right: 0.6 is too large. Try again."
    assert q.locator(".lc-why:visible").count() == 0
    assert _answer(q, "one half").startswith("Could not read 'one half'")  # costs no try
    assert _answer(q, "0,5").startswith("Could not read '0,5': use a decimal point")
    assert _answer(q, "1/2") == "Correct, on try 2."
    why = q.locator(".lc-why")
    assert why.is_visible() and "MARK-ZERO" in why.inner_text() and "The answer: 0.5" in why.inner_text()
    assert "accepted: within ± 0.001" in why.inner_text()

    # 1: relative tolerance, both sides of each bound, Enter submits
    q = qs.nth(1)
    assert _answer(q, "3.13", enter=True) == "Not right: 3.13 is too small. Try again."
    assert _answer(q, "3.1307", enter=True) == "Correct, on try 2."   # 1 % below 3.16228 is 3.13065
    assert "MARK-ONE" in q.locator(".lc-why").inner_text() and "accepted: within ± 1 %" in q.locator(".lc-why").inner_text()

    # 2: an exact integer; the unit may be typed
    q = qs.nth(2)
    assert _answer(q, "51 steps") == "Correct."
    assert "The answer: 51 steps (accepted: exactly)" in q.locator(".lc-why").inner_text()

    # 3: "Show answer" without trying
    q = qs.nth(3)
    assert q.locator(".lc-why:visible").count() == 0
    q.locator(".lc-show").click()
    assert q.locator(".lc-score").inner_text().strip() == "The answer:"
    assert "22" in q.locator(".lc-why").inner_text() and "MARK-THREE" in q.locator(".lc-why").inner_text()

    # 4: two wrong tries reveal the answer
    q = qs.nth(4)
    assert _answer(q, "10") == "Not right: 10 is too small. Try again."
    assert _answer(q, "1.9") == "Not quite. Here is the answer."
    assert "The answer: 20 (accepted: within ± 0.5)" in q.locator(".lc-why").inner_text()

    # the bounds are inclusive, exactly as in Python: a fresh question each time (reload)
    for typed, right in (("20.5", True), ("20.500001", False), ("19.5", True), ("39/2", True), ("19.49", False)):
        p.reload()
        q = p.locator(".lc-qn").nth(4)
        assert _answer(q, typed).startswith("Correct") == right == QUESTIONS[4].accepts(typed), typed

    # the multiple-choice question on the same quiz still works
    mc = p.locator(".lc-q").first
    mc.locator("input").nth(0).check()
    mc.locator(".lc-check").click()
    assert mc.locator(".lc-score").inner_text().startswith("Correct")
    assert not log.errors, log.errors
    assert not log.external, log.external


def test_the_page_reads_numbers_exactly_as_python_does(page):
    p, _ = page
    strings = _strings(3000)
    for unit in ("", "steps", "%"):
        got = p.evaluate("([xs, unit]) => xs.map(x => { const r = window.lcQuizParse(x, unit);"
                         " return r.error ? ['error', null] : ['value', r.value]; })", [strings, unit])
        want = [_python(s, unit) for s in strings]
        wrong = [(s, g, w) for s, g, w in zip(strings, got, want) if g != w]
        assert not wrong, f"unit {unit!r}: {len(wrong)} strings read differently, e.g. {wrong[:5]}"
    assert sum(_python(s, "")[0] == "value" for s in strings) > 300  # the comparison covers real numbers


def _unscramble_payloads(html: str) -> list[dict]:
    """The numeric questions of a page, decoded (the browser test of every such page of the
    site is ``tests/test_site.py::test_numeric_questions_refuse_a_wrong_number_and_accept_a_right_one``,
    which reads the page's one first visit)."""
    return [_unscramble(k, d) for k, d in re.findall(r'class="lc-qn"[^>]*data-k="([^"]+)" data-p="([^"]+)"', html)]


def test_the_site_has_numeric_questions_and_the_page_test_finds_them():
    assert SITE.is_dir(), "build the site (`make book`)"
    pages = [f for f in (SITE / "book").glob("*.html") if 'class="lc-qn"' in f.read_text()]
    assert pages, "no page of the site has a numeric question"
    for f in pages:
        payloads = _unscramble_payloads(f.read_text())
        assert payloads and all(d["lo"] <= d["hi"] for d in payloads), f
