"""One self-contained HTML page for a run directory (``salience report RUN_DIR``).

The page needs nothing but itself: inline CSS, figures embedded as base64 ``data:`` images and a
tiny inline script (sortable tables, and a load check that records in ``<body data-report-check>``
how many images rendered and any script error, which the browser test reads). It shows the run's
header (suite, profile, seed, device, date), the task status counts from ``results.sqlite``, every
result table (CSV, or JSON where no CSV of the same name exists; ``ours | paper`` side by side where
a ``paper_X`` column sits beside ``X``), every figure in ``figures/`` with a caption (from
``figures/captions.json`` when present, else from the file name), the configuration and the
runtime versions from ``config.json``. All text is escaped.

Example:
    >>> import json, pathlib, tempfile
    >>> run = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (run / "config.json").write_text(json.dumps({"suite": "demo", "seed": 0}))
    >>> _ = (run / "table.csv").write_text("model,acc,paper_acc\\nlstm,0.91,0.95\\n")
    >>> page = write_report(run).read_text()
    >>> "demo" in page and "0.950" in page and "http" not in page.split("<body")[1]
    True
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from salience._io import atomic_path
from salience.runs.store import ResultRow, TaskKey

REPORT_FILE = "report.html"
CAPTIONS_FILE = "captions.json"
_STORE_FILE = "results.sqlite"
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
_OPEN_ROWS = 30  # longer tables are folded into <details>
_MAX_ROWS = 2000  # rows rendered per table; the file keeps the rest
_LISTED_TASKS = 50

_SUITE_TITLES = {
    "ica": "Input-cell attention: Table 1",
    "sgt-mnist": "Saliency guided training: MNIST",
    "sgt-text": "Saliency guided training: text (ERASER)",
    "sgt-timeseries": "Saliency guided training: time-series benchmark",
    "bench": "Time-series saliency benchmark",
    "explain": "Saliency of a checkpoint on your data",
}
_TABLE_TITLES = {
    "table": "Results",
    "table2": "Table 2: Diff(AUP) / Diff(AUR) against the random baseline",
    "summary_diff": "Diff(AUP) / Diff(AUR) per model and method",
    "top_features": "Top features (share of |saliency|)",
    "top_windows": "Top time windows (share of |saliency|)",
    "accuracy": "Accuracy of the checkpoint",
    "training": "Training",
    "summary_accuracy": "Test accuracy per dataset and model",
    "summary_per_dataset": "AUP / AUR per dataset",
    "saliency_over_time": "Saliency over time",
}
_FIGURE_PHRASES = (
    ("lstm_profile_", "LSTM saliency over time, traditional vs saliency guided training"),
    ("heatmap_", "Class-mean saliency heatmap"),
    ("profile_", "Saliency over time"),
    ("accuracy_drop", "Accuracy as the most salient inputs are removed"),
    ("saliency_maps", "Saliency maps"),
    ("eraser_aopc", "ERASER comprehensiveness and sufficiency"),
)
_FACT_NAMES = {"name": "profile", "model": "model", "method": "method", "dataset": "dataset"}
_HEADER_KEYS = ("suite", "profile", "seed", "device", "versions", "date")


@dataclass
class _Table:
    """A table read from a file of the run directory, as strings."""

    title: str
    source: str
    columns: list[str]
    rows: list[list[str]]
    total_rows: int = 0
    notes: list[str] = field(default_factory=list)


def write_report(
    run_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *, location: str | None = None
) -> Path:
    """Write the run directory's HTML report (default ``RUN_DIR/report.html``) atomically.

    Args:
        run_dir: a directory made by ``salience reproduce``, ``bench run`` or ``explain`` (it must
            hold ``config.json``).
        out: the HTML file to write.
        location: where the page says the run is (default ``run_dir``; for a directory built
            elsewhere and moved into place afterwards).

    Returns:
        The path written.

    Example:
        >>> import json, pathlib, tempfile
        >>> run = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (run / "config.json").write_text(json.dumps({"suite": "demo"}))
        >>> write_report(run).name
        'report.html'
    """
    target = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    if target.is_dir():
        raise ValueError(f"out: {target} is a directory; expected an .html file name")
    page = render_report(run_dir, location=location)
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
        tmp.chmod(0o644)  # a page to share: readable by others, unlike the private temporary file
    return target


def render_report(run_dir: str | os.PathLike[str], *, location: str | None = None) -> str:
    """The HTML text of the report of ``run_dir`` (see :func:`write_report`).

    Example:
        >>> import json, pathlib, tempfile
        >>> run = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (run / "config.json").write_text(json.dumps({"suite": "a<b"}))
        >>> "a&lt;b" in render_report(run)
        True
    """
    root = Path(run_dir)
    config = _load_config(root)
    status = _status(root)
    tables = _tables(root)
    figures = _figures(root)
    sections = [
        ("status", "Tasks", _render_status(status)) if status else None,
        ("results", "Results", "".join(_render_table(t, i) for i, t in enumerate(tables)))
        if tables
        else None,
        ("figures", "Figures", _render_figures(figures)) if figures else None,
        ("configuration", "Configuration", _render_config(config)),
        ("files", "Files", _render_files(root)),
    ]
    present = [s for s in sections if s is not None]
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in present)
    body = "".join(
        f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>' for key, title, content in present
    )
    suite = str(config.get("suite", "run"))
    title = _SUITE_TITLES.get(suite, suite)
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    shown = str(root) if location is None else location
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}: {_e(Path(shown).name)}</title>"
        f"<style>{_CSS}</style><script>{_SCRIPT}</script></head>"
        f'<body><header><div class="kicker">salience report</div><h1>{_e(title)}</h1>'
        f'<p class="path">{_e(shown)}</p>{_render_facts(config, root, status)}</header>'
        f"<nav>{nav}</nav><main>{body}</main>"
        f"<footer>Generated by salience {_e(_salience_version())} on {_e(generated)}. "
        "Self-contained: no external resources.</footer></body></html>\n"
    )


# ----------------------------------------------------------------------------- reading the run


def _load_config(root: Path) -> dict[str, Any]:
    if not root.is_dir():
        raise FileNotFoundError(f"run_dir: no directory at {root}")
    path = root / "config.json"
    if not path.is_file():
        raise ValueError(
            f"run_dir: {root} has no config.json; expected a run directory made by "
            "salience reproduce, bench run or explain"
        )
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"run_dir: {path} is not valid JSON ({err})") from None
    if not isinstance(config, dict):
        raise ValueError(f"run_dir: {path} is not a JSON object")
    return config


@dataclass
class _Status:
    counts: dict[str, int]
    listed: list[dict[str, Any]]
    n_results: int
    last: str | None


def _status(root: Path) -> _Status | None:
    """Task status counts, unfinished tasks and the last record time, read (only) from results.sqlite."""
    path = root / _STORE_FILE
    if not path.is_file():
        return None
    key = ", ".join(f.name for f in fields(TaskKey))
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            counts = dict(db.execute("SELECT status, COUNT(*) FROM task_log GROUP BY status ORDER BY status"))
            (n_results,) = db.execute("SELECT COUNT(*) FROM results").fetchone()
            (last,) = db.execute("SELECT MAX(recorded_at) FROM task_log").fetchone()
            rows = db.execute(
                f"SELECT status, {key}, message FROM task_log WHERE status != 'done' ORDER BY {key} LIMIT ?",
                (_LISTED_TASKS,),
            )
            columns = [d[0] for d in rows.description]
            listed = [dict(zip(columns, row, strict=True)) for row in rows]
    except sqlite3.Error:
        return _Status({}, [], 0, None)
    return _Status(counts, listed, int(n_results), last)


def _tables(root: Path) -> list[_Table]:
    """Every CSV table of the run (raw store dumps aside), then JSON tables without a CSV twin."""
    csvs = sorted(root.glob("*.csv"), key=_table_order)
    tables = [t for t in (_read_csv(p) for p in csvs) if t is not None]
    csv_stems = [p.stem for p in csvs]
    for path in sorted(root.glob("*.json"), key=_table_order):
        if path.name == "config.json" or any(
            s == path.stem or s.startswith(path.stem + "_") for s in csv_stems
        ):
            continue
        tables.extend(_json_tables(path))
    return tables


def _table_order(path: Path) -> tuple[int, str]:
    keys = list(_TABLE_TITLES)
    return (keys.index(path.stem) if path.stem in keys else len(keys), path.name)


def _table_title(stem: str) -> str:
    return _TABLE_TITLES.get(stem, stem.replace("_", " ").capitalize())


def _read_csv(path: Path) -> _Table | None:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return _Table(_table_title(path.stem), path.name, [], [], notes=["This file could not be read."])
    if not rows or rows[0] == [f.name for f in fields(ResultRow)]:
        return None  # empty, or the raw rows of results.sqlite (counted under Tasks)
    columns, body = rows[0], rows[1:]
    return _Table(_table_title(path.stem), path.name, columns, body[:_MAX_ROWS], len(body))


def _json_tables(path: Path) -> list[_Table]:
    """A list of objects is one table; an object of such lists is one table per key."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return []
    parts = {path.stem: document} if isinstance(document, list) else {}
    if isinstance(document, dict):
        parts = {f"{path.stem}.{k}": v for k, v in document.items() if isinstance(v, list)}
    tables = []
    for name, records in parts.items():
        if not records or not all(isinstance(r, dict) for r in records):
            continue
        columns = list(dict.fromkeys(k for r in records for k in r))
        body = [[_json_cell(r.get(c)) for c in columns] for r in records]
        tables.append(_Table(_table_title(name), path.name, columns, body[:_MAX_ROWS], len(body)))
    return tables


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _figures(root: Path) -> list[tuple[Path, str]]:
    folder = root / "figures"
    if not folder.is_dir():
        return []
    captions: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / CAPTIONS_FILE).read_text(encoding="utf-8"))
        captions = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError, UnicodeDecodeError):
        pass
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in _IMAGE_TYPES and p.is_file())
    return [(p, str(captions.get(p.name) or _caption_from_name(p.stem))) for p in paths]


def _caption_from_name(stem: str) -> str:
    for prefix, phrase in _FIGURE_PHRASES:
        if stem.startswith(prefix):
            rest = stem[len(prefix) :].replace("_", " ").strip()
            return f"{phrase}: {rest}" if rest else phrase
    return stem.replace("_", " ").capitalize()


def _salience_version() -> str:
    from salience._versions import runtime_versions

    return runtime_versions().get("salience", "?")


# ----------------------------------------------------------------------------- rendering


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _render_facts(config: dict[str, Any], root: Path, status: _Status | None) -> str:
    profile = config.get("profile")
    facts = [("suite", config.get("suite"))]
    if isinstance(profile, dict):
        facts += [(_FACT_NAMES[k], v) for k, v in profile.items() if k in _FACT_NAMES and _scalar(v)]
    elif isinstance(profile, str):
        facts.append(("profile", profile))
    facts += [("seed", config.get("seed")), ("device", config.get("device"))]
    date = config.get("date") or (status.last if status else None)
    if not date:
        mtime = (root / "config.json").stat().st_mtime
        date = datetime.fromtimestamp(mtime, timezone.utc).isoformat(timespec="seconds")
    facts.append(("date", date))
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts if v is not None)
    return f'<dl class="facts">{items}</dl>'


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _render_status(status: _Status) -> str:
    if not status.counts and not status.n_results:
        return '<p class="note">results.sqlite holds no tasks yet (or could not be read).</p>'
    chips = "".join(
        f'<span class="chip {_e(name)}"><b>{n}</b> {_e(name)}</span>' for name, n in status.counts.items()
    )
    parts = [f'<p class="chips">{chips}<span class="chip"><b>{status.n_results}</b> stored values</span></p>']
    if status.listed:
        columns = list(status.listed[0])
        rows = [["" if r[c] is None else str(r[c]) for c in columns] for r in status.listed]
        n_listed = sum(n for name, n in status.counts.items() if name != "done")
        table = _Table("Tasks not done", _STORE_FILE, columns, rows, n_listed)
        parts.append(_render_table(table, "status"))
    return "".join(parts)


def _render_table(table: _Table, index: int | str) -> str:
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


def _render_figures(figures: list[tuple[Path, str]]) -> str:
    items = []
    for path, caption in figures:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        mime = _IMAGE_TYPES[path.suffix.lower()]
        items.append(
            f'<figure><img src="data:{mime};base64,{data}" alt="{_e(caption)}">'
            f'<figcaption>{_e(caption)} <span class="source">figures/{_e(path.name)}</span></figcaption>'
            "</figure>"
        )
    return f'<div class="figures">{"".join(items)}</div>'


def _render_config(config: dict[str, Any]) -> str:
    parts = []
    profile = config.get("profile")
    settings = profile if isinstance(profile, dict) else {}
    extra = {k: v for k, v in config.items() if k not in _HEADER_KEYS}
    rows = [(k, v) for k, v in {**settings, **extra}.items()]
    if rows:
        cells = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(_setting(v))}</td></tr>' for k, v in rows)
        parts.append(f'<div class="scroll"><table class="settings"><tbody>{cells}</tbody></table></div>')
    versions = config.get("versions")
    if isinstance(versions, dict) and versions:
        chips = "".join(f'<span class="chip"><b>{_e(k)}</b> {_e(v)}</span>' for k, v in versions.items())
        parts.append(f'<h3>Runtime versions</h3><p class="chips">{chips}</p>')
    return "".join(parts) or '<p class="note">config.json records no settings.</p>'


def _setting(value: Any) -> str:
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join("null" if v is None else str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "null" if value is None else str(value)


def _render_files(root: Path) -> str:
    items = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or path.name == REPORT_FILE:
            continue
        if path.is_dir():
            count = sum(1 for p in path.rglob("*") if p.is_file())
            items.append(f"<li><code>{_e(path.name)}/</code> {count} files</li>")
        else:
            items.append(f"<li><code>{_e(path.name)}</code> {_size(path.stat().st_size)}</li>")
    return f'<ul class="files">{"".join(items)}</ul>'


def _size(n_bytes: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n_bytes < 1024:
            return f"{n_bytes:.0f} {unit}"
        n_bytes /= 1024  # type: ignore[assignment]
    return f"{n_bytes:.1f} GB"


_CSS = """
:root{--fg:#1d2433;--muted:#5b6475;--line:#e3e6ec;--bg:#fff;--soft:#f5f7fa;--accent:#0072B2;--neg:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--muted:#9aa3b5;--line:#2c3240;--bg:#14171e;
--soft:#1b1f28;--accent:#56B4E9;--neg:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header,nav,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:32px}
.kicker{text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:var(--accent);font-weight:600}
h1{margin:4px 0 2px;font-size:28px}
h2{font-size:20px;margin:36px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:20px 0 8px}
summary h3{display:inline-block}
.path{color:var(--muted);margin:0 0 16px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;
font-size:13px;word-break:break-all}
.facts{display:flex;flex-wrap:wrap;gap:10px;margin:0}
.facts div{background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:6px 12px}
.facts dt{font-size:11px;text-transform:uppercase;color:var(--muted);letter-spacing:.05em}
.facts dd{margin:0;font-weight:600}
nav{position:sticky;top:0;background:var(--bg);border-bottom:1px solid var(--line);padding-top:10px;
padding-bottom:10px;margin-top:20px;z-index:2}
nav a{color:var(--accent);text-decoration:none;margin-right:18px;font-weight:500}
nav a:hover{text-decoration:underline}
.scroll{overflow:auto;border:1px solid var(--line);border-radius:8px;max-height:70vh;max-width:100%;
display:inline-block;vertical-align:top}
.table{margin-bottom:8px}
#configuration .scroll{display:block}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:14px}
th,td{padding:6px 10px;text-align:left;border-bottom:1px solid var(--line);white-space:nowrap}
thead th{position:sticky;top:0;background:var(--soft);cursor:pointer;user-select:none;font-weight:600}
thead th small{display:block;font-weight:400;color:var(--muted);font-size:11px}
thead th[aria-sort=ascending]::after{content:" ▲";font-size:10px}
thead th[aria-sort=descending]::after{content:" ▼";font-size:10px}
tbody tr:nth-child(even){background:var(--soft)}
tbody tr:hover{background:rgba(0,114,178,.08)}
td.num{text-align:right}
td.neg{color:var(--neg)}
.paper{color:var(--muted);margin-left:8px;padding-left:8px;border-left:1px solid var(--line)}
table.settings{width:100%}
table.settings th{width:30%;color:var(--muted);font-weight:500;cursor:auto}
table.settings td{white-space:normal;word-break:break-word;font-family:ui-monospace,Menlo,monospace;
font-size:13px}
.source{color:var(--muted);font-weight:400;font-size:12px;margin-left:6px}
.note{color:var(--muted);font-size:13px;margin:4px 0 8px}
details.table>summary{cursor:pointer;list-style-position:outside;margin-left:16px}
.chips{display:flex;flex-wrap:wrap;gap:8px}
.chip{background:var(--soft);border:1px solid var(--line);border-radius:999px;padding:2px 12px;font-size:13px}
.chip.done b{color:#009E73}.chip.failed b{color:var(--neg)}.chip.skipped b{color:#E69F00}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px;background:#fff}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption{color:#333;font-size:13px;margin-top:8px}
figcaption .source{color:#777}
.files{columns:2 280px;padding-left:18px;font-size:14px}
code{font-family:ui-monospace,Menlo,monospace;font-size:13px}
footer{color:var(--muted);font-size:12px;margin-top:40px;padding-bottom:32px;border-top:1px solid var(--line);
padding-top:12px}
@media print{nav{display:none}.scroll{max-height:none;overflow:visible}details.table{display:block}}
"""

# The load check records, on <body data-report-check>, how many images there are, which did not
# render, and every script error or console.error: tests/test_report_browser.py reads it.
# The click handler sorts a table by the clicked column (numbers by value, then text).
_SCRIPT = """
(function () {
  var errors = [];
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    if (e instanceof ErrorEvent) { errors.push(String(e.message)); }
  }, true);
  window.addEventListener("load", function () {
    var broken = [];
    for (var i = 0; i < document.images.length; i++) {
      var img = document.images[i];
      if (!(img.complete && img.naturalWidth > 0)) { broken.push(img.alt || img.src.slice(0, 40)); }
    }
    var check = {images: document.images.length, broken: broken, errors: errors};
    document.body.setAttribute("data-report-check", JSON.stringify(check));
  });
  document.addEventListener("click", function (e) {
    var th = e.target.closest("thead th");
    if (!th) { return; }
    var body = th.closest("table").tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col], r;
      var u = parseFloat(x.getAttribute("data-sort")), v = parseFloat(y.getAttribute("data-sort"));
      if (!isNaN(u) && !isNaN(v)) { r = u - v; }
      else if (!isNaN(u)) { r = -1; }
      else if (!isNaN(v)) { r = 1; }
      else { r = x.textContent.localeCompare(y.textContent); }
      return asc ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
})();
"""
