"""Run the benchmarks and record the results in ``benchmarks/RESULTS.md``.

Each ``benchmarks/bench_<topic>.py`` exposes ``run() -> list[dict]``; a row has the keys
``name``, ``value``, ``unit``, ``target`` (e.g. ``"< 5 ms"``) and optionally ``note``.
A benchmark that fails is recorded as failed; the others still run.

``python -m benchmarks`` runs them all; ``python -m benchmarks suite book`` (``make bench
BENCH="suite book"``) only those, and rewrites only their sections of the file: each section
says when, and on what machine, it was recorded.
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


EARLIER = "## Earlier results (one table, before sections)"


def _sections(text: str) -> dict[str, str]:
    """The file's sections by benchmark module (``## bench_x`` to the next heading), and the one
    table of a file from before sections were kept (``~earlier``: kept until each of its rows is
    recorded again in a section, see :func:`_earlier_rows_not_recorded_since`)."""
    found: dict[str, str] = {}
    blocks = re.split(r"(?m)^(?=## )", text)
    for block in blocks:
        m = re.match(r"## (bench_\w+)\n", block)
        if m:
            found[m.group(1)] = block.strip()
        elif block.startswith(EARLIER):
            found["~earlier"] = block.strip()
    if not any(b.startswith("## ") for b in blocks) and "| benchmark |" in text:   # no sections yet
        found["~earlier"] = EARLIER + "\n\n" + text[text.index("Recorded"):].strip()
    return found


def _row_name(line: str) -> str | None:
    """The first cell of a table row (the header's is "benchmark"); None for any other line."""
    return line.split("|")[1].strip() if line.startswith("| ") and "---" not in line else None


def _row_names(section: str) -> set[str]:
    return {name for name in map(_row_name, section.splitlines()) if name is not None}


def _earlier_rows_not_recorded_since(sections: dict[str, str]) -> dict[str, str]:
    """The earlier table without the rows a section has recorded again (dropped with it once empty)."""
    if "~earlier" not in sections:
        return sections
    since = set().union(*(_row_names(s) for k, s in sections.items() if k != "~earlier")) - {"benchmark"}
    kept = "\n".join(line for line in sections["~earlier"].splitlines() if _row_name(line) not in since)
    out = dict(sections)
    if _row_names(kept) <= {"benchmark"}:
        del out["~earlier"]
    else:
        out["~earlier"] = kept
    return out


def main(argv: list[str]) -> int:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    only = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    rows: list[dict] = []
    for name in modules:
        if only and name not in only:
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

    stamp = (f"recorded by `make bench` on {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}")
    sections = _sections((HERE / "RESULTS.md").read_text()) if only and (HERE / "RESULTS.md").is_file() else {}
    for name in modules:
        mine = [r for r in rows if r["module"] == name]
        if not mine:
            continue
        table = [f"## {name}", "", stamp + ".", "", "| benchmark | measured | target | met | note |", "|---|---|---|---|---|"]
        for r in mine:
            v = r["value"]
            shown = "failed" if v is None else (f"{v:.4g} {r['unit']}" if isinstance(v, (int, float)) else f"{v} {r['unit']}")
            table.append(f"| {r['name']} | {shown} | {r['target']} | {_meets(v, r['target']) if isinstance(v, (int, float)) else ''} | {r['note']} |")
        sections[name] = "\n".join(table)
    sections = _earlier_rows_not_recorded_since(sections)
    head = ["# Benchmark results", "",
            "Recorded by `make bench` (`make bench BENCH=x` records the section of `benchmarks/bench_x.py` only;",
            "each section says when). Targets are goals recorded here, never asserted in tests.", ""]
    (HERE / "RESULTS.md").write_text("\n".join(head) + "\n" + "\n\n".join(sections[k] for k in sorted(sections)) + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}" + (f" (sections {', '.join(sorted(set(r['module'] for r in rows)))})" if only else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
