"""The core library: what a student could use on their own problem.

Optimizers (:mod:`~lecture_code.core.optimizers`), the trajectory runner and the objective
protocol it minimizes (:mod:`~lecture_code.core.runner`), test surfaces and problems, the numpy
MLP (:mod:`~lecture_code.core.mlp`) and the torch models (:mod:`~lecture_code.core.models`),
data sets, Hessian tools, critical points, weight-space symmetry
(:mod:`~lecture_code.core.symmetry`), the teacher-student squeezing experiment
(:mod:`~lecture_code.core.teacher_student`), the Safran & Shamir experiment, region counting,
plotting, the interactive-figure pattern and quizzes;
for looking at real landscapes: the 8×8 digits (:mod:`~lecture_code.core.data`), batch
normalization (:mod:`~lecture_code.core.batchnorm`), directions, grids, curves and unit
alignment (:mod:`~lecture_code.core.landscape`), initialization and signal propagation
(:mod:`~lecture_code.core.initialization`), magnitude pruning (:mod:`~lecture_code.core.pruning`).
Core modules import only other core modules; torch is imported only by the modules that need
it (:mod:`~lecture_code.core.models`, :mod:`~lecture_code.core.hessian`,
:mod:`~lecture_code.core.torch_bridge` and the five modules above).
"""
