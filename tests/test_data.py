"""The 8x8 digits (``core.data``): the committed file against scikit-learn's copy, the split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecture_code.core.data import N_DIGITS, digits, digits_file


@pytest.fixture(scope="module")
def split():
    return digits(n_train=300, seed=0)


def test_digits_file_matches_scikit_learn(split):
    from sklearn.datasets import load_digits

    ref = load_digits()
    assert digits_file().exists()
    tr, te = split
    assert tr.X.shape == (300, 64) and te.X.shape == (N_DIGITS - 300, 64)
    # the split is a permutation of scikit-learn's data: same label counts
    labels = torch.cat([tr.y, te.y]).numpy()
    assert np.array_equal(np.bincount(labels), np.bincount(ref.target))
    # standardized with training statistics
    assert torch.allclose(tr.X.mean(0), torch.zeros(64, dtype=tr.X.dtype), atol=1e-10)


def test_digits_rejects_bad_split():
    with pytest.raises(ValueError, match="n_train"):
        digits(n_train=5)


def test_stored_results_reads_the_package_data(tmp_path):
    import json

    from lecture_code.core.data import RESULTS_DIR, stored_results

    assert (RESULTS_DIR / "landscape.json").exists()
    (tmp_path / "x.json").write_text(json.dumps({"a": 1}))
    assert stored_results("x", tmp_path) == {"a": 1}
    with pytest.raises(FileNotFoundError, match="make data"):
        stored_results("missing", tmp_path)
    with pytest.raises(ValueError, match="name"):
        stored_results("../etc")
