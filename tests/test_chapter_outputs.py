"""The chapters show the same printed numbers and figure data as recorded.

``make book`` stores the executed chapters in its execution cache; this test compares
their fingerprints (see ``tests/chapter_outputs.py``) with ``tests/fixtures/chapter_outputs``.
A refactoring must leave them unchanged. When a chapter is meant to show something new,
re-record with ``.venv/bin/python -m tests.chapter_outputs record`` and review the diff.
"""

from __future__ import annotations

import json

import pytest

from tests import chapter_outputs as co

pytestmark = pytest.mark.build


def _chapters() -> list[str]:
    return sorted(p.stem for p in co.FIXTURES.glob("*.json"))


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_shows_what_was_recorded(chapter):
    executed = co.executed_chapter(chapter)
    assert executed is not None, f"book/{chapter}.md has no executed outputs in {co.CACHE}: run `make book` first"
    now = co.notebook_fingerprint(executed)
    before = json.loads((co.FIXTURES / f"{chapter}.json").read_text())
    diff = co.differences(before, now)
    assert not diff, f"{chapter}: {len(diff)} differences\n" + "\n".join(diff[:10])


def test_the_comparison_notices_a_changed_number():
    before = {"text": ["rate 0.9114"], "figures": [], "glue": {}}
    assert co.differences(before, before) == []
    assert co.differences(before, {"text": ["rate 0.9115"], "figures": [], "glue": {}}) == []  # last digit
    assert co.differences(before, {"text": ["rate 0.9120"], "figures": [], "glue": {}}) != []
    fig = {"traces": [{"type": "scatter", "name": "GD", "x": [3, 0, 0.0, 1.0, 0.5, 0.5, 0.5]}], "titles": [], "frames": []}
    moved = {"traces": [{"type": "scatter", "name": "GD", "x": [3, 0, 0.0, 1.0, 0.6, 0.6, 0.6]}], "titles": [], "frames": []}
    assert co.differences({"text": [], "figures": [fig], "glue": {}}, {"text": [], "figures": [moved], "glue": {}}) != []


def test_hidden_glue_values_are_read():
    """Glued values hidden from the page carry MyST-NB's mime prefix; the fingerprint reads them."""
    prefix = "application/papermill.record/"
    cell = {"cell_type": "code", "outputs": [{
        "output_type": "display_data", "data": {prefix + "text/plain": "0.905"},
        "metadata": {"scrapbook": {"name": "factor", "mime_prefix": prefix}}}]}
    assert co.notebook_fingerprint({"cells": [cell]})["glue"] == {"factor": "0.905"}
    before = {"text": [], "figures": [], "glue": {"factor": "0.905"}}
    assert co.differences(before, {"text": [], "figures": [], "glue": {"factor": "0.95"}}) != []
