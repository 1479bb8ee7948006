"""Result tables as HTML: numbers formatted per column, ours beside the paper's, long tables folded.

A ``paper_X`` column joins ``X`` as ``ours │ paper`` (the published value in grey, — where there is
none); each column's numbers get decimals from its largest magnitude; numeric cells carry
``data-sort`` for the page's sort script. All text is escaped.

Example:
    >>> from salience.runs.reader import RunTable
    >>> table = RunTable("t", "Results", "t.csv", ["model", "acc", "paper_acc"], [["a<b", "0.5", ""]], 1)
    >>> page = _render_table(table, 0)
    >>> "a&lt;b" in page and ">0.500<" in page and "ours │ paper" in page
    True
"""

from __future__ import annotations

import html
import math
import re

from salience.runs.reader import RunTable

_OPEN_ROWS = 30  # longer tables are folded into <details>


def _e(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def _render_table(table: RunTable, index: int | str) -> str:
    """A sortable table, ``paper_X`` columns beside ``X``; long ones folded into ``<details>``."""
    layout = _layout(table.columns)
    has_paper = any(paper is not None for _, _, paper in layout)
    head = "".join(
        f'<th scope="col">{_e(name)}{"<small>ours │ paper</small>" if paper is not None else ""}</th>'
        for name, _, paper in layout
    )
    digits = [
        _decimals([_cell(row, ours) for row in table.rows] + [_cell(row, paper) for row in table.rows])
        for _, ours, paper in layout
    ]
    body = "".join(
        "<tr>"
        + "".join(
            _render_cell(row, ours, paper, d) for (_, ours, paper), d in zip(layout, digits, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    notes = list(table.notes)
    if has_paper:
        notes.append("Grey numbers beside ours are the published ones; — where the paper has none.")
    if table.total_rows > len(table.rows):
        notes.append(f"First {len(table.rows)} of {table.total_rows} rows; the file holds them all.")
    grid = (
        f'<div class="scroll"><table class="sortable" id="table-{_e(index)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
    note_html = "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    caption = f'{_e(table.title)} <span class="source">{_e(table.source)} · {table.total_rows} rows</span>'
    if len(table.rows) > _OPEN_ROWS:
        return f'<details class="table"><summary><h3>{caption}</h3></summary>{note_html}{grid}</details>'
    return f'<div class="table"><h3>{caption}</h3>{note_html}{grid}</div>'


def _layout(columns: list[str]) -> list[tuple[str, int, int | None]]:
    """(header, column, paper column) for display: ``paper_X`` joins ``X`` as ``ours │ paper``."""
    index = {name: i for i, name in enumerate(columns)}
    paired = {f"paper_{c}" for c in columns if f"paper_{c}" in index}
    return [
        (name, i, index.get(f"paper_{name}"))
        for i, name in enumerate(columns) if name not in paired
    ]  # fmt: skip


def _cell(row: list[str], column: int | None) -> str:
    return row[column] if column is not None and column < len(row) else ""


def _render_cell(row: list[str], ours: int, paper: int | None, digits: int | None) -> str:
    value = _cell(row, ours)
    number = _number(value)
    classes = ["num"] if number is not None else []
    if number is not None and number < 0:
        classes.append("neg")
    attrs = f' data-sort="{number!r}" title="{_e(value)}"' if number is not None else ""
    extra = ""
    if paper is not None:
        published = _cell(row, paper)
        extra = (
            f'<span class="paper" title="published: {_e(published)}">'
            f"{_e(_format_value(published, digits))}</span>"
        )
    class_attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{class_attr}{attrs}>{_e(_format_value(value, digits))}{extra}</td>"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _decimals(column: list[str]) -> int | None:
    """Decimals for a column's numbers from its largest magnitude (None: integers, shown as they are).

    Example:
        >>> _decimals(["3", "12", ""]), _decimals(["53.0", "98.6"]), _decimals(["0.12", "lstm"])
        (None, 2, 3)
    """
    numbers = [(text.strip(), _number(text)) for text in column]
    numbers = [(text, value) for text, value in numbers if value is not None]
    if all(re.fullmatch(r"[+-]?\d+", text) for text, _ in numbers):
        return None
    largest = max(abs(value) for _, value in numbers)
    return 1 if largest >= 100 else 2 if largest >= 10 else 3


def _format_value(text: str, digits: int | None = 3) -> str:
    """A number with ``digits`` decimals (scientific where it would read as zero; unchanged when
    ``digits`` is None); empty → —; other text unchanged.

    Example:
        >>> [_format_value(v) for v in ("12", "0.12345", "5.2e-07", "", "lstm", "0.0", "-0.0004")]
        ['12.000', '0.123', '5.2e-07', '—', 'lstm', '0.000', '-4.0e-04']
        >>> _format_value("53", 1), _format_value("4", None)
        ('53.0', '4')
    """
    text = text.strip()
    value = _number(text)
    if not text:
        return "—"
    if value is None or digits is None:
        return text
    if value != 0 and abs(value) < 0.5 * 10.0**-digits:
        return f"{value:.1e}"
    return f"{value:.{digits}f}"
