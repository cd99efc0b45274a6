"""Graded exercises for the course companion: the trusted, instructor side (never shipped).

One source per exercise lives in ``solutions/<name>.md`` (a MyST Markdown notebook holding the
reference solution, the public checks and the hidden checks). This package

- generates the student notebooks (``exercises/<name>.ipynb``) and their public checks
  (``lecture_code/student/checks/<name>.py``, shipped with the student side
  :mod:`lecture_code.student`) from those sources (:mod:`grading.source`),
- grades folders of submissions (:mod:`grading.grade`): :mod:`grading.submissions` reads the
  folder, every submission runs in a bubblewrap sandbox (:mod:`grading.sandbox`,
  :mod:`grading.launch`) under a seccomp filter (:mod:`grading.seccomp`) and one memory limit
  (:mod:`grading.limits`), with the Python environment at neutral paths
  (:mod:`grading.environment`), through :mod:`grading.runner`, which talks to
  :mod:`grading.worker` -- the only module of this package a submission can see --;
  :mod:`grading.judge` compares the plain values it returns with the reference values in this
  trusted process, and :mod:`grading.report`, :mod:`grading.roster` (LMS files) and
  :mod:`grading.similarity` write the outputs,
- builds the student wheel (:mod:`grading.package`) and a Gradescope autograder archive that runs
  the same grader (:mod:`grading.gradescope`).

Command line: ``python -m grading --help``. Design notes: ``docs/grading.md``.
"""

CANARY = "LOSSLANDSCAPE-SOLUTION-CANARY-9f41c2"
"""Every solution block and every hidden-test cell carries this string; it must never appear in
``exercises/`` or in the student site."""

__all__ = ["CANARY"]
