"""Result tables: the same cells in the HTML and the text form, formats, bad input."""

import re

import pytest

from lecture_code.core.tables import table


def _html_cells(html: str) -> list[list[str]]:
    body = html.split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def test_dict_rows_become_columns_with_headers_and_formats():
    rows = [dict(lr=0.01, steps=999, final=37.5), dict(lr=2 / 15, steps=None, final=0.1333333)]
    t = table(rows, columns={"lr": "η", "steps": "steps", "final": "E"}, formats={"lr": "{:.3f}"}, caption="valley")
    html = t.to_html()
    assert re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html) == ["η", "steps", "E"]
    assert _html_cells(html) == [["0.010", "999", "37.5"], ["0.133", "–", "0.1333"]]
    assert "<caption>valley</caption>" in html and html.count('class="lc-num"') == 3 + 6
    text = repr(t).splitlines()
    assert text[0] == "valley" and text[1].split() == ["η", "steps", "E"]
    assert text[3].split() == ["0.010", "999", "37.5"] and text[4].split() == ["0.133", "–", "0.1333"]


def test_sequence_rows_need_columns_and_text_is_escaped():
    t = table([["<b>", 1], ["x", 2]], columns=["name", "n"])
    assert "&lt;b&gt;" in t.to_html() and "<b>" not in t.to_html().split("<tbody>")[1]
    assert 'class="lc-num">1<' in t.to_html() and '<td>x</td>' in t.to_html()  # text left, numbers right
    with pytest.raises(ValueError, match="columns are required"):
        table([[1, 2]])


@pytest.mark.parametrize("rows, kwargs, message", [
    ([], {}, "rows must not be empty"),
    ([[1, 2], [3]], {"columns": ["a", "b"]}, "row 1 has 1 cells"),
    ([{"a": 1}], {"formats": {"b": "{}"}}, r"formats name unknown columns \['b'\]"),
    ([{"a": 1}, [1]], {}, "not a mix"),
])
def test_bad_input_is_named(rows, kwargs, message):
    with pytest.raises(ValueError, match=message):
        table(rows, **kwargs)
