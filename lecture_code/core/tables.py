"""Results as real tables: an HTML table on the site and in JupyterLab, aligned text elsewhere.

Chapters show small tables of results (one row per learning rate, per lecture example,
per network). Printing dicts or hand-aligned strings gives text that is clipped on a
narrow screen and hard to read; :func:`table` gives a styled HTML table instead::

    from lecture_code.core.tables import table

    table(rows)                                   # rows: list of dicts (keys become columns)
    table(rows, columns={"lr": "η", "steps_w1": "steps until w₁ = 0"},
          formats={"lr": "{:.3g}"}, caption="Gradient descent on the valley, 2000 steps")

Numbers are right-aligned with tabular figures; ``None`` shows as "–". The table scrolls
sideways inside its own box when it is wider than the page. Its plain-text form (a
terminal, a text-only output) has the same rows and columns, aligned.
"""

from __future__ import annotations

import html
import numbers
from typing import Any, Callable, Mapping, Sequence

__all__ = ["Table", "table"]

Format = str | Callable[[Any], str]

_STYLE = (
    "<style>"
    ".lc-table-wrap{overflow-x:auto;max-width:100%;margin:.5em 0 1em 0}"
    ".lc-table{border-collapse:collapse;font-size:.92em;font-variant-numeric:tabular-nums;color:inherit}"
    ".lc-table caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 .3em 0}"
    ".lc-table th,.lc-table td{padding:.25em .8em;border-bottom:1px solid #d0d7de;white-space:nowrap}"
    ".lc-table thead th{border-bottom:2px solid #57606a;text-align:left;vertical-align:bottom}"
    ".lc-table .lc-num{text-align:right}"
    ".lc-table tbody tr:nth-child(even){background:rgba(127,127,127,.07)}"
    "</style>"
)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _default_format(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_default_format(v) for v in value) + "]"
    return str(value)


class Table:
    """A table of results; displays itself as HTML (see module docstring)."""

    def __init__(
        self,
        rows: Sequence[Mapping[str, Any] | Sequence[Any]],
        columns: Sequence[str] | Mapping[str, str] | None = None,
        *,
        formats: Mapping[str, Format] | None = None,
        caption: str | None = None,
    ):
        rows = list(rows)
        if not rows:
            raise ValueError("table: rows must not be empty")
        dict_rows = all(isinstance(r, Mapping) for r in rows)
        if not dict_rows and any(isinstance(r, Mapping) for r in rows):
            raise ValueError("table: rows must be all mappings or all sequences, not a mix")
        if columns is None:
            if not dict_rows:
                raise ValueError("table: columns are required when rows are sequences")
            keys = list(dict.fromkeys(k for r in rows for k in r))
            headers = keys
        elif isinstance(columns, Mapping):
            keys, headers = list(columns), list(columns.values())
        else:
            keys, headers = list(columns), list(columns)
        if dict_rows:
            cells = [[r.get(k) for k in keys] for r in rows]
        else:
            cells = [list(r) for r in rows]
            bad = [i for i, r in enumerate(cells) if len(r) != len(keys)]
            if bad:
                raise ValueError(f"table: row {bad[0]} has {len(cells[bad[0]])} cells, columns has {len(keys)}")
        formats = dict(formats or {})
        unknown = sorted(set(formats) - set(keys))
        if unknown:
            raise ValueError(f"table: formats name unknown columns {unknown}; columns are {keys}")
        self.keys, self.headers, self.caption = keys, [str(h) for h in headers], caption
        self.values = cells
        self.numeric = [all(_is_number(row[j]) or row[j] is None for row in cells) for j in range(len(keys))]
        self.text = [[self._format(formats.get(k), v) for k, v in zip(keys, row)] for row in cells]

    @staticmethod
    def _format(fmt: Format | None, value: Any) -> str:
        if value is None or fmt is None:
            return _default_format(value)
        return fmt(value) if callable(fmt) else fmt.format(value)

    def to_html(self) -> str:
        def cls(j: int) -> str:
            return ' class="lc-num"' if self.numeric[j] else ""

        parts = [_STYLE, '<div class="lc-table-wrap"><table class="lc-table">']
        if self.caption:
            parts.append(f"<caption>{html.escape(self.caption)}</caption>")
        parts.append("<thead><tr>" + "".join(
            f'<th scope="col"{cls(j)}>{html.escape(h)}</th>' for j, h in enumerate(self.headers)) + "</tr></thead><tbody>")
        for row in self.text:
            parts.append("<tr>" + "".join(f"<td{cls(j)}>{html.escape(c)}</td>" for j, c in enumerate(row)) + "</tr>")
        parts.append("</tbody></table></div>")
        return "".join(parts)

    def to_text(self) -> str:
        widths = [max(len(h), *(len(r[j]) for r in self.text)) for j, h in enumerate(self.headers)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.rjust(w) if self.numeric[j] else c.ljust(w)
                             for j, (c, w) in enumerate(zip(cells, widths))).rstrip()

        out = ([self.caption] if self.caption else []) + [line(self.headers), line(["-" * w for w in widths])]
        return "\n".join(out + [line(r) for r in self.text])

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.to_text()


def table(
    rows: Sequence[Mapping[str, Any] | Sequence[Any]],
    columns: Sequence[str] | Mapping[str, str] | None = None,
    *,
    formats: Mapping[str, Format] | None = None,
    caption: str | None = None,
) -> Table:
    """A :class:`Table` of ``rows``.

    Parameters
    ----------
    rows:
        Mappings (column key -> value) or sequences (one value per column).
    columns:
        Which keys to show, in order; a mapping ``{key: header}`` also renames them.
        Required for sequence rows; for mappings, default: every key in first-seen order.
    formats:
        Per column key, a format string (``"{:.3f}"``) or a function value -> text.
        Default: integers as they are, other numbers to 4 significant digits, ``None`` as "–".
    caption:
        A line above the table.
    """
    return Table(rows, columns, formats=formats, caption=caption)
