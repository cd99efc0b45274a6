"""The core library: what a student could use on their own problem.

Optimizers (:mod:`~lecture_code.core.optimizers`), the trajectory runner
(:mod:`~lecture_code.core.runner`), test surfaces and problems, models and data sets, Hessian
tools, critical points, region counting, plotting, the interactive-figure pattern and quizzes.
Core modules import only other core modules; torch is imported only by the modules that need
it (:mod:`~lecture_code.core.models`, :mod:`~lecture_code.core.hessian`,
:mod:`~lecture_code.core.torch_bridge`).
"""
