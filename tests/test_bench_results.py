"""`make bench BENCH=x` rewrites benchmarks/RESULTS.md section by section: what it did not
measure stays as it was recorded (a partial run once dropped the whole earlier table)."""

from __future__ import annotations

from benchmarks.__main__ import EARLIER, _earlier_rows_not_recorded_since, _row_names, _sections

HEAD = "# Benchmark results\n\nRecorded by `make bench` ...\n\n"
TABLE = "| benchmark | measured | target | met | note |\n|---|---|---|---|---|\n"


def _file(*sections: str) -> str:
    return HEAD + "\n\n".join(sections) + "\n"


def test_a_partial_run_keeps_the_other_sections_and_the_earlier_rows_it_did_not_record():
    suite = "## bench_suite\n\nrecorded on day 2.\n\n" + TABLE + "| make test | 600 s | < 600 | no |  |"
    earlier = (EARLIER + "\n\nRecorded by `make bench` on day 1.\n\n" + TABLE
               + "| clean build of the book | 43 s | < 45 | yes |  |\n| grading time per submission | 0.2 s | <= 1 | yes |  |")
    sections = _sections(_file("## bench_book\n\nold.\n\n" + TABLE + "| no-op rebuild | 4 s | < 10 | yes |  |", suite, earlier))
    assert set(sections) == {"bench_book", "bench_suite", "~earlier"}
    sections["bench_book"] = "## bench_book\n\nnew.\n\n" + TABLE + "| clean build of the book | 90 s | < 45 | **no** |  |"
    out = _earlier_rows_not_recorded_since(sections)
    assert out["bench_suite"] == suite.strip()
    assert _row_names(out["~earlier"]) == {"benchmark", "grading time per submission"}


def test_an_earlier_table_whose_every_row_is_recorded_again_goes():
    earlier = EARLIER + "\n\nRecorded on day 1.\n\n" + TABLE + "| no-op rebuild | 4 s | < 10 | yes |  |"
    sections = _sections(_file(earlier))
    sections["bench_book"] = "## bench_book\n\nnew.\n\n" + TABLE + "| no-op rebuild | 8 s | < 10 | yes |  |"
    assert set(_earlier_rows_not_recorded_since(sections)) == {"bench_book"}


def test_a_file_from_before_sections_is_read_as_the_earlier_table():
    old = "# Benchmark results\n\nRecorded by `make bench` on day 0.\n\n" + TABLE + "| no-op rebuild | 4 s | < 10 | yes |  |\n"
    sections = _sections(old)
    assert set(sections) == {"~earlier"} and sections["~earlier"].startswith(EARLIER)
    assert _row_names(sections["~earlier"]) == {"benchmark", "no-op rebuild"}
