"""Run every benchmark and record the results in ``benchmarks/RESULTS.md``.

Each ``benchmarks/bench_<topic>.py`` exposes ``run() -> list[dict]``; a row has the keys
``name``, ``value``, ``unit``, ``target`` (e.g. ``"< 5 ms"``) and optionally ``note``.
A benchmark that fails is recorded as failed; the others still run.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _meets(value: float, target: str) -> str:
    m = re.match(r"\s*([<>]=?)\s*([0-9.eE+-]+)", target or "")
    if not m or value is None:
        return ""
    op, bound = m.group(1), float(m.group(2))
    ok = {"<": value < bound, "<=": value <= bound, ">": value > bound, ">=": value >= bound}[op]
    return "yes" if ok else "**no**"


def main(argv: list[str]) -> int:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    only = set(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    rows: list[dict] = []
    for name in modules:
        if only and name not in only and name.removeprefix("bench_") not in only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
            result = mod.run()
        except Exception:  # record and go on
            traceback.print_exc()
            result = [dict(name=f"{name} FAILED", value=None, unit="", target="", note="see make bench output")]
        for row in result:
            row.setdefault("note", "")
            row["module"] = name
            rows.append(row)
            print(f"   {row['name']}: {row['value']} {row['unit']} (target {row['target']}) {row['note']}", flush=True)
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)

    lines = [
        "# Benchmark results",
        "",
        f"Recorded by `make bench` on {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}.",
        "Targets are goals recorded here, never asserted in tests.",
        "",
        "| benchmark | measured | target | met | note |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        v = r["value"]
        shown = "failed" if v is None else (f"{v:.4g} {r['unit']}" if isinstance(v, (int, float)) else f"{v} {r['unit']}")
        lines.append(f"| {r['name']} | {shown} | {r['target']} | {_meets(v, r['target']) if isinstance(v, (int, float)) else ''} | {r['note']} |")
    if not only:
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
        print(f"wrote {HERE / 'RESULTS.md'}")
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
