"""Similarity report: pairs of submissions whose answer to a question is unusually alike.

For the instructor only (``similarity.html`` and ``similarity.csv`` next to ``scores.csv``); it
**never changes a grade** and says nothing about who copied whom: it points at pairs worth a look.

Per question, the *answer* of a submission is the code of its cells that define the names the
question's probes use (``gd_steps``, ``eta_better``, ...), found with :mod:`ast`, so reordered,
renamed or split notebooks still line up. Each answer becomes a sequence of normalized tokens
(every identifier becomes ``v``, every number ``n``, every string ``s``; comments and layout
vanish; keywords and operators stay), so renaming variables or reformatting hides
nothing. Its fingerprints are the hashes of its ``K``-token windows chosen by *winnowing* (the
minimum hash in every window of ``W`` consecutive hashes, Schleimer, Wilkerson & Aiken,
SIGMOD 2003). The fingerprints of the distributed student notebook (the template) are removed,
and so are those shared by more than a fifth of the class and more than five students (what
everybody writes). A pair is reported
when its shared fingerprints cover at least ``THRESHOLD`` of the smaller answer's remaining ones
and number at least ``MIN_SHARED``.

Why not ``copydetect`` (0.5.0, pinned)? It fingerprints whole files with the same winnowing, but
per-question notebook answers are a few lines inside a notebook: this module extracts them per
question first and compares them through an inverted index (200 submissions in well under a
second, see ``make bench``); ``tests/test_grading_similarity.py`` checks that its scores agree
with copydetect's on the pairs it reports.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import html
import io
import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grading.reader import defined_names

if TYPE_CHECKING:
    from grading.report import GradingRun
    from grading.source import Exercise

K = 6  # tokens per window
W = 4  # windows per winnowing window
THRESHOLD = 0.8  # shared fingerprints / fingerprints of the smaller answer
MIN_SHARED = 8  # at least this many shared fingerprints (short answers are alike by necessity)
COMMON = 0.2  # fingerprints in more than this share of the class are ignored ...
COMMON_MIN = 5  # ... and in more than this many students


_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>[rRbBuUfF]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'\''\'[\s\S]*?'\''\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@=!<>]=|[-+*/%&|^~@<>=.,:;()\[\]{}])
""", re.VERBOSE)
_KEYWORDS = frozenset(keyword.kwlist)


def tokens(code: str) -> list[str]:
    """Normalized tokens of ``code`` (identifiers -> v, numbers -> n, strings -> s; comments and
    layout dropped). A regular expression over Python's token classes: five times faster than
    :mod:`tokenize` on answers and, unlike it, it reads a cell that does not parse to its end."""
    out: list[str] = []
    for m in _TOKEN.finditer(code):
        kind = m.lastgroup
        if kind == "name":
            out.append(m.group() if m.group() in _KEYWORDS else "v")
        elif kind == "number":
            out.append("n")
        elif kind == "string":
            out.append("s")
        elif kind == "op":
            out.append(m.group())
    return out


def _window_hash(window: list[str]) -> int:
    """A 64-bit hash of a token window that is the same in every process and on every machine
    (Python's own ``hash`` of strings is salted per process, PYTHONHASHSEED: the winnowing would
    choose other windows on every run and the report would change with it)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(window).encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "big")


def fingerprints(code: str, k: int = K, w: int = W) -> set[int]:
    """Winnowed fingerprints of ``code`` (a set of 64-bit hashes, the same in every run)."""
    toks = tokens(code)
    hashes = [_window_hash(toks[i:i + k]) for i in range(len(toks) - k + 1)]
    if len(hashes) <= w:
        return set(hashes)
    return {min(hashes[i:i + w]) for i in range(len(hashes) - w + 1)}


def _defined(code: str) -> set[str]:
    """Top-level names a cell defines (functions, classes, assignments)."""
    return set(defined_names(code))


def _targets(ex: Exercise) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for q in ex.hidden:
        names: set[str] = set()
        for p in q.probes:
            try:
                names.update(n.id for n in ast.walk(ast.parse(p.target, mode="eval")) if isinstance(n, ast.Name))
            except (SyntaxError, ValueError):
                pass
        out[q.name] = names
    return out


MAX_ANSWER_CHARS = 200_000
"""The part of one answer the similarity report compares (honest answers are a few KB); the grader
keeps every notebook's answers until the attempts are chosen, so this bounds its memory."""


def answers(cells: list[str], ex: Exercise, defined: tuple[frozenset[str], ...] | None = None) -> dict[str, str]:
    """Per question of ``ex``: the code of the cells that define the names its probes use.
    ``defined``: per cell, the names it defines, when already known (a submission's, from the
    reader's child process: the grader does not parse a submission's code itself)."""
    defs = [(set(defined[i]) if defined else _defined(c), c) for i, c in enumerate(cells) if c.strip()]
    return {q: "\n\n".join(c for names, c in defs if names & targets)[:MAX_ANSWER_CHARS]
            for q, targets in _targets(ex).items()}


@dataclass(frozen=True)
class Pair:
    exercise: str
    question: str
    a: str
    b: str
    similarity: float
    shared: int
    code_a: str
    code_b: str


def similar_pairs(answers_by_student: dict[str, dict[str, dict[str, str]]],
                  exercises: dict[str, Exercise]) -> list[Pair]:
    """Every pair of students whose answer to a question is unusually alike (see the module)."""
    from grading.source import student_notebook

    pairs: list[Pair] = []
    for ex_name in sorted({e for a in answers_by_student.values() for e in a}):
        ex = exercises.get(ex_name)
        if ex is None:
            continue
        template_cells = [c.source for c in student_notebook(ex).cells if c.cell_type == "code"]
        template = answers(template_cells, ex)
        for q in ex.questions:
            boiler = fingerprints(template.get(q, ""))
            fps: dict[str, set[int]] = {}
            code: dict[str, str] = {}
            for student, by_ex in answers_by_student.items():
                text = by_ex.get(ex_name, {}).get(q, "")
                f = fingerprints(text) - boiler
                if f:
                    fps[student], code[student] = f, text
            index: dict[int, list[str]] = {}
            for student, f in fps.items():
                for h in f:
                    index.setdefault(h, []).append(student)
            common = max(COMMON_MIN, int(COMMON * len(fps)))
            frequent = {h for h, who in index.items() if len(who) > common}
            size = {student: len(f - frequent) for student, f in fps.items()}
            shared: dict[tuple[str, str], int] = {}
            for h, who in index.items():
                if h in frequent:
                    continue
                who = sorted(who)
                for i in range(len(who)):
                    for j in range(i + 1, len(who)):
                        shared[(who[i], who[j])] = shared.get((who[i], who[j]), 0) + 1
            for (a, b), n in shared.items():
                sim = n / min(size[a], size[b])
                if n >= MIN_SHARED and sim >= THRESHOLD:
                    pairs.append(Pair(ex_name, q, a, b, round(sim, 3), n, code[a], code[b]))
    pairs.sort(key=lambda p: (p.exercise, p.question, -p.similarity, p.a, p.b))
    return pairs


def similarity_csv(pairs: list[Pair]) -> str:
    from grading.report import csv_cell
    from grading.submissions import plain

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["exercise", "question", "student_a", "student_b", "similarity", "shared_fingerprints"])
    for p in pairs:
        w.writerow([p.exercise, p.question, csv_cell(plain(p.a)), csv_cell(plain(p.b)), f"{p.similarity:g}",
                    p.shared])
    return buf.getvalue()


def similarity_html(pairs: list[Pair], run: Any = None) -> str:
    from grading.submissions import quoted

    e = html.escape
    rows = []
    for p in pairs:
        rows.append(
            f"<tr><td>{e(p.exercise)}</td><td>{e(p.question)}</td><td>{e(quoted(p.a))}</td>"
            f"<td>{e(quoted(p.b))}</td><td>{p.similarity:.0%}</td><td>{p.shared}</td></tr>"
            f"<tr class='code'><td colspan='6'><div class='pair'><pre>{e(p.code_a)}</pre>"
            f"<pre>{e(p.code_b)}</pre></div></td></tr>")
    body = "\n".join(rows) if rows else "<tr><td colspan='6'>No pair of answers is unusually alike.</td></tr>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;margin:1rem}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}}
.wrap{{overflow-x:auto}}.pair{{display:flex;gap:1rem;flex-wrap:wrap}}
pre{{flex:1 1 16rem;min-width:0;white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;
margin:0;padding:.4rem;font-size:.85rem}}</style></head><body>
<h1>Similarity report</h1>
<p>Pairs of submissions whose answer to a question shares at least {THRESHOLD:.0%} of its
fingerprints (normalized tokens, {K}-token windows, winnowing over {W}) with the other's, and at least
{MIN_SHARED}, not counting the distributed notebook's code nor code that more than {COMMON:.0%} of the class
(and more than {COMMON_MIN} students) share. It never changes a
grade and says nothing about who copied whom.</p>
<div class="wrap"><table><thead><tr><th scope="col">exercise</th><th scope="col">question</th><th scope="col">student</th>
<th scope="col">student</th><th scope="col">similarity</th><th scope="col">shared fingerprints</th></tr></thead>
<tbody>
{body}
</tbody></table></div></body></html>
"""
