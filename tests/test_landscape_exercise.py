"""The graded exercise of "Seeing the landscape": its public checks accept the reference
solution and catch the typical mistakes (checked with the student-side Checker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grading.judge import solution_cells
from grading.source import load
from lecture_code.student import Checker

ROOT = Path(__file__).resolve().parents[1]
NAME = "batchnorm_landscape"


def _reference_namespace() -> dict:
    ns: dict = {"__name__": "__main__"}
    for src in solution_cells(load(ROOT / "solutions" / f"{NAME}.md")):
        if src.strip() and not src.lstrip().startswith("check"):
            exec(compile(src, NAME, "exec"), ns)  # noqa: S102 - the repository's own solution
    return ns


def test_reference_passes_and_mistakes_are_caught():
    check = Checker(NAME)
    ns = _reference_namespace()
    for q in ("q1", "q2", "q3", "q4"):
        ok, msg = check._run(q, ns)
        assert ok, (q, msg)

    def bn_unbiased(x, gamma, beta, eps=1e-5):      # normalizes with the unbiased variance
        x = np.asarray(x, dtype=float)
        mean, var = x.mean(0), x.var(0, ddof=1)
        return gamma * (x - mean) / np.sqrt(var + eps) + beta, mean, var

    def running_biased(batches, momentum=0.1):      # running variance from the biased estimate
        mean, var = np.zeros(np.shape(batches[0])[1]), np.ones(np.shape(batches[0])[1])
        for b in batches:
            mean = (1 - momentum) * mean + momentum * np.mean(b, 0)
            var = (1 - momentum) * var + momentum * np.var(b, 0)
        return mean, var

    def layer_normalize(D, W):                      # one norm for the whole matrix
        D, W = np.asarray(D, float), np.asarray(W, float)
        return D * np.linalg.norm(W) / np.linalg.norm(D)

    def prune_overall(W_trained, W_init, mask, rate):   # forgets the existing mask
        w = np.abs(np.asarray(W_trained, float)).reshape(-1)
        keep = np.ones(w.size, bool)
        keep[np.argsort(w, kind="stable")[: int(round(rate * w.size))]] = False
        m = keep.reshape(np.shape(W_trained)).astype(float)
        return m, np.asarray(W_init) * m

    for q, name, wrong in (("q1", "bn_train", bn_unbiased), ("q2", "bn_running", running_biased),
                           ("q3", "filter_normalize", layer_normalize), ("q4", "prune_and_rewind", prune_overall)):
        ok, msg = check._run(q, {**ns, name: wrong})
        assert not ok, (q, "a wrong answer passed")
