"""Numbers typed into the prose of a chapter, outside math, code and glue roles.

A sentence is a claim: every number in prose that the code computes is glued
(``{glue:text}`name```), never typed. This module finds the numbers that are still typed, so
that a test can hold them to an allow-list of the lecture's given values, parameters of the
experiments (visible in the code cell next to them), published figures quoted with their source
and labels (years, section and figure numbers)::

    python -m tests.prose_numbers saddles      # list the typed numbers of book/saddles.md in context

What counts as prose: the Markdown of ``book/<chapter>.md`` without its front matter, code cells
and code blocks (`````{code-cell}`````, `````python`````), math (``$...$``, ``$$...$$``, ``{math}```),
inline code, roles (``{glue:text}```, ``{doc}```) and link targets. The text of admonitions
(exercise solutions) *is* prose. A number is a run of digits (with a decimal point, exponent,
thousands commas or a percent sign), or a number word in a multiplicative phrase ("thirty times",
"a fifth of"): the form the imprecise claims of issue 10 took.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"

_WORDS = ("two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
          "hundred|thousand|million")
_FRACTIONS = "half|third|quarter|fifth|tenth|hundredth"
NUMBER = re.compile(
    r"(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-−+]?\d+)?%?(?![\w])"  # 22, 0.021, 1e-5, 3,628,800
    rf"|\b(?:{_WORDS})\s+times\b"                                        # thirty times
    rf"|\b(?:a|one|two|three)\s+(?:{_FRACTIONS})s?\s+(?:of|as)\b",       # a fifth of, half as
    re.IGNORECASE,
)
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(\{[^}]*\}|[\w+-]*)(.*)$")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"(?<!\\)\$(?!\$)(?:\\\$|[^$])+?\$")
_ROLE = re.compile(r"\{[\w:.-]+\}(`+)(?:(?!\1).)*\1")
_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+")


@dataclass(frozen=True)
class Typed:
    """One typed number: the token as written, the line (1-based) and the prose around it."""

    token: str
    line: int
    context: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.token!r} in “{self.context}”"


def prose_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, prose)`` of a MyST chapter: code, math and roles removed (see the module doc)."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        start = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0) + 1
    out: list[tuple[int, str]] = []
    stack: list[tuple[str, bool]] = []  # open fences: (fence, keep its content as prose)
    for i in range(start, len(lines)):
        line = lines[i]
        m = _FENCE.match(line)
        if m:
            fence, info = m.group(2), m.group(3)
            if stack and fence[0] == stack[-1][0][0] and len(fence) >= len(stack[-1][0]) and not info:
                stack.pop()  # a closing fence
                continue
            if not info and fence[0] == ":":
                pass  # a lone ":::" that closes nothing: keep going
            else:
                directive = info.startswith("{") and info not in ("{code-cell}", "{math}", "{raw}")
                stack.append((fence, directive))
                continue
        if stack and not all(keep for _, keep in stack):
            continue
        if stack and re.match(r"^\s*:[\w-]+:", line):  # a directive option (":class: dropdown")
            continue
        if re.match(r"^\s*\([\w-]+\)=\s*$", line):  # a target label
            continue
        out.append((i + 1, line))
    # math spanning lines: join, strip, split again (line numbers kept by counting newlines)
    joined = "\n".join(f"\x00{n}\x00{t}" for n, t in out)
    keep_markers = lambda m: " " + "\n".join(re.findall(r"\x00\d+\x00", m.group(0))) + " "  # noqa: E731
    joined = _DISPLAY_MATH.sub(keep_markers, joined)
    joined = _INLINE_MATH.sub(keep_markers, joined)
    result = []
    for chunk in re.split(r"(?=\x00\d+\x00)", joined):
        m = re.match(r"\x00(\d+)\x00(.*)", chunk, re.DOTALL)
        if not m:
            continue
        n, t = int(m.group(1)), m.group(2).replace("\n", " ")
        t = _ROLE.sub(" ", t)
        t = _CODE.sub(" ", t)
        t = _LINK.sub("]", t)
        t = re.sub(r"<!--.*?-->", " ", t)
        result.append((n, t))
    return result


def typed_numbers(text: str) -> list[Typed]:
    """Every number typed in the prose of a chapter's Markdown ``text``."""
    found = []
    for n, line in prose_lines(text):
        for m in NUMBER.finditer(line):
            a, b = max(0, m.start() - 45), min(len(line), m.end() + 45)
            found.append(Typed(normalize(m.group(0)), n, line[a:b].strip()))
    return found


def normalize(token: str) -> str:
    """The allow-list form of a token: minus signs as ``-``, whitespace collapsed, lower case."""
    return re.sub(r"\s+", " ", token.replace("−", "-")).strip().lower()


def chapter_numbers(chapter: str) -> list[Typed]:
    return typed_numbers((BOOK / f"{chapter}.md").read_text())


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(p.stem for p in BOOK.glob("*.md")):
        print(f"== {name}")
        for t in chapter_numbers(name):
            print("  ", t)
