"""Our Adam through the torch bridge against torch.optim.Adam on a small MLP: writes lecture_code/data/torch_parity.json.

The Adam chapter shows this result without importing torch (so the chapter also runs where
torch is not installed, e.g. in the browser); ``tests/test_torch_bridge.py`` recomputes it and
checks that the committed file is what the code produces. Takes a few seconds::

    .venv/bin/python scripts/torch_parity.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lecture_code.chapters.adam import TORCH_PARITY  # noqa: E402
from lecture_code.core.torch_bridge import bridge_check  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--out", type=Path, default=TORCH_PARITY)
    args = ap.parse_args(argv)
    r = bridge_check(steps=args.steps)
    out = {**r, "ours": r["ours"].tolist(), "torch": r["torch"].tolist(),
           "what": "spirals (200 points), MLP [2, 16, 16, 2] tanh, batch 32, lr 0.01: our Adam via BridgeOptimizer "
                   "(eps outside the root) vs torch.optim.Adam; full-data loss before the first and after each step"}
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}: largest parameter difference {r['max_param_diff']:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
