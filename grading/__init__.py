"""Graded exercises for the course companion.

One source per exercise lives in ``solutions/<name>.md`` (a MyST Markdown notebook holding the
reference solution, the public checks and the hidden checks). This package

- generates the student notebooks (``exercises/<name>.ipynb``) and their public checks
  (``exercises/tests/<name>.py``) from those sources (:mod:`grading.source`),
- gives students a one-line, offline check per question (:mod:`grading.student`),
- grades folders of submissions robustly (:mod:`grading.runner`, :mod:`grading.grade`): every
  submission runs in its own process group under time and memory limits, and the hidden checks
  compare the values it returns in the trusted parent process,
- builds a Gradescope autograder archive that runs the same grader (:mod:`grading.gradescope`).

Command line: ``python -m grading --help``. Design notes: ``docs/grading.md``.
"""

CANARY = "LOSSLANDSCAPE-SOLUTION-CANARY-9f41c2"
"""Every solution block and every hidden-test cell carries this string; it must never appear in
``exercises/`` or in the student site."""

__all__ = ["CANARY"]
