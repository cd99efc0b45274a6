"""A real, small data set that ships with a package: the 8×8 handwritten digits.

scikit-learn bundles the test set of the UCI "Optical Recognition of Handwritten Digits"
data (1,797 images of 8×8 pixels with 17 grey levels, 10 classes) as a compressed CSV file
inside its wheel, so it needs no download at run time. :func:`digits` reads that file
directly (importing scikit-learn itself costs about a second; the file takes milliseconds)
and returns a fixed train/test split, standardized with the training set's statistics::

    from lecture_code.core.data import digits

    train, test = digits()              # 1,000 training and 797 test images
    train.X.shape, train.y[:5]          # (1000, 64) float64, int64 labels 0..9

``tests/test_landscape_data.py`` checks the file against ``sklearn.datasets.load_digits``.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
try:
    import torch
except ImportError as exc:  # PyTorch is an extra: a downloaded chapter without it says what to install
    from lecture_code.core.extras import torch_missing

    raise torch_missing(__name__) from exc

from lecture_code.core.models import Dataset

__all__ = ["Split", "digits", "digits_file", "N_DIGITS", "accuracy"]

#: Number of images in the bundled data set.
N_DIGITS = 1797


class Split(NamedTuple):
    """A training and a test :class:`Dataset`."""

    train: Dataset
    test: Dataset


def digits_file() -> Path:
    """Path of ``digits.csv.gz`` inside the installed scikit-learn (without importing it)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the digits data set ships with scikit-learn: pip install scikit-learn")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"scikit-learn is installed but has no {path}")
    return path


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(digits_file(), "rt") as fh:
        table = np.loadtxt(fh, delimiter=",")
    return table[:, :-1].copy(), table[:, -1].astype(np.int64)


def digits(n_train: int = 1000, seed: int = 0, dtype: torch.dtype = torch.float64) -> Split:
    """The 8×8 digits, shuffled with ``seed`` and split into ``n_train`` training images and the rest.

    Pixels (0..16) are standardized per pixel with the mean and standard deviation of the
    *training* images (pixels that are constant in the training set are only centred), so
    that a unit-variance initialization sees unit-variance inputs.

    Parameters
    ----------
    n_train : int
        Number of training images, in [10, 1787]; the remaining images form the test set.
    seed : int
        Seed of the shuffle.
    dtype : torch.dtype
        dtype of ``X`` (labels are int64).
    """
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or not 10 <= n_train <= N_DIGITS - 10:
        raise ValueError(f"n_train must be an integer in [10, {N_DIGITS - 10}], got {n_train!r}")
    X, y = _raw()
    order = np.random.default_rng(seed).permutation(len(y))
    X, y = X[order], y[order]
    mean = X[:n_train].mean(axis=0)
    std = X[:n_train].std(axis=0)
    std[std < 1e-8] = 1.0
    X = (X - mean) / std

    def ds(a: slice) -> Dataset:
        return Dataset(torch.tensor(X[a], dtype=dtype), torch.tensor(y[a]))

    return Split(ds(slice(0, n_train)), ds(slice(n_train, None)))


def accuracy(model: torch.nn.Module, data: Dataset) -> float:
    """Fraction of ``data`` that ``model`` classifies correctly (argmax of its outputs)."""
    with torch.no_grad():
        return float((model(data.X).argmax(dim=1) == data.y).double().mean())
