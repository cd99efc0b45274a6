"""scripts/landscape_experiments.py at tiny sizes: every part runs, returns what the chapters read,
and main() writes one part without losing the others."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lecture_code.core.data import digits

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "landscape_experiments.py"


@pytest.fixture(scope="module")
def le():
    spec = importlib.util.spec_from_file_location("landscape_experiments", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def data():
    torch.set_num_threads(1)
    return digits(n_train=120)


def _json_safe(part):
    json.dumps(part, allow_nan=False)      # what main() writes must be strict JSON (no NaN)


def test_batchnorm_part(le, data):
    out = le.batchnorm(*data, depth=2, width=8, steps=4, checkpoints=(0, 2, 4), seeds=(0, 1))
    _json_safe(out)
    assert len(out["runs"]) == 2
    for run in out["runs"]:
        for key in ("plain", "bn"):
            r = run[key]
            assert r["step"] == [0, 2, 4] and all(len(ls) == len(out["etas"]) for ls in r["losses"])
            # the stored range is the range of the stored losses
            assert np.allclose(r["loss_range"], [max(ls) - min(ls) for ls in r["losses"]], rtol=1e-3, atol=1e-9)


def test_noise_part_detects_divergence(le, data):
    out = le.noise(*data, depth=2, width=8, lr=1e300, small_lr=0.05, steps=20, batch=20, every=5, seeds=(0,), probe=1)
    _json_safe(out)
    run = out["runs"][0]
    assert set(run) == {"plain", "plain_small_lr", "bn", "noisy"}
    assert run["plain"]["diverged_at"] is not None and run["plain"]["loss"][-1] is None   # lr 1e300 blows up
    small = run["plain_small_lr"]
    assert small["diverged_at"] is None and len(small["loss"]) == 5 and small["test_acc"] is not None
    assert len(small["mean"]) == 20 // out["trace_every"]


def test_dropout_part(le, data, monkeypatch):
    monkeypatch.setattr(le, "NET", [64, 8, 8, 10])
    out = le.dropout(*data, pairs=((0, 1),), steps=10, masks=3)
    _json_safe(out)
    for kind in ("plain", "dropout"):
        r = out["runs"][0][kind]
        assert np.isclose(r["path"][0], r["line"][0], rtol=1e-3) and np.isclose(r["path"][-1], r["line"][-1], rtol=1e-3)
        assert r["path_max"] <= max(r["corners"]) * (1 + 1e-3)
        assert len(r["instability"]) == 2 and len(r["instability"][0]) == 3


def test_optimizers_part(le, data):
    out = le.optimizers(*data, widths=(4,), steps=6, batch=20, orders=(0, 1), n_alpha=5)
    _json_safe(out)
    run = out["runs"][0]
    assert run["names"] == [f"{o}:{k}" for o in ("SGD", "momentum", "Adam") for k in ("0", "1", "init")]
    bar = np.asarray(run["barrier"])
    assert bar.shape == (9, 9) and np.allclose(bar, bar.T)
    assert len(run["profiles"]) == 36


def test_recurrent_part(le, data):
    out = le.recurrent(*data, hidden=3, steps=2, n_alpha=5)
    _json_safe(out)
    assert len(out["between"]) == 5 and len(out["runs"]) == 2 and out["runs"][0]["n_params"] > 0


def test_strong_part(le, data):
    out = le.strong(*data, widths=(8,), fractions=(0.5, 0.3), width_for_fractions=8, seeds=(0,), epochs=1, batch=20)
    _json_safe(out)
    runs = {(r["width"], r["fraction"]): r for r in out["runs"]}
    assert set(runs) == {(8, 0.5), (8, 0.3)}
    r = runs[(8, 0.5)]
    assert r["weights"] == 64 * 8 + 8 * 8 + 8 * 10 and r["kept"] == r["weights"] // 2
    assert r["small_weights"] <= r["kept"] < 64 * (r["small_width"] + 1) + (r["small_width"] + 1) ** 2 + 10 * (r["small_width"] + 1)


def test_main_writes_one_part_and_keeps_the_others(le, tmp_path, monkeypatch):
    out = tmp_path / "landscape.json"
    out.write_text(json.dumps({"paths": {"kept": True}, "stale": 1}))
    monkeypatch.setattr(le, "OUT", out)
    monkeypatch.setattr(le, "PARTS", {"paths": None, "tiny": lambda tr, te: {"n": int(tr.X.shape[0])}})
    assert le.main(["tiny"]) == 0
    got = json.loads(out.read_text())
    assert got["paths"] == {"kept": True} and "stale" not in got
    assert got["tiny"]["n"] == 1000 and got["tiny"]["seconds"] >= 0 and got["tiny"]["cpu_seconds"] >= 0
    assert le.main(["nonsense"]) == 2
