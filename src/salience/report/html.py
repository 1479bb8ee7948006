"""One self-contained HTML page for a run directory (``salience report RUN_DIR``).

The page needs nothing but itself: inline CSS, figures embedded as base64 ``data:`` images and a
tiny inline script (:mod:`salience.report.assets`: sortable tables, and a load check that records in
``<body data-report-check>`` how many images rendered and any script error, which the browser test
reads). What it shows comes from :func:`salience.runs.reader.read_run`: the run's title (the suite's
``config.json["title"]``, else its name) and header (suite, profile, seed, device, date), the task
status counts from ``results.sqlite``, every result table (titled by ``config.json["tables"]``, else
by file name; ``ours | paper`` side by side where a ``paper_X`` column sits beside ``X``), every
figure in ``figures/`` with its caption, the configuration and the runtime versions. A new suite
needs no edit here. All text is escaped.

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
import json
import os
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from salience._io import atomic_path
from salience.report.assets import CSS, SCRIPT, WIDE_FIGURE_PX
from salience.report.tables import _e, _render_table
from salience.runs.reader import (
    CONFIG_FILE,
    STORE_FILE,
    RunFigure,
    RunFile,
    RunTable,
    RunView,
    TaskStatus,
    read_run,
)
from salience.runs.store import TaskKey

REPORT_FILE = "report.html"
_MIME_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
_FACT_NAMES = {
    "name": "profile", "model": "model", "method": "method", "dataset": "dataset", "training": "training",
    "epochs": "epochs", "best_epoch": "best epoch", "val_accuracy": "validation accuracy",
}  # fmt: skip
_HEADER_KEYS = ("suite", "title", "tables", "profile", "seed", "device", "versions", "date")


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
    view = read_run(run_dir, skip=(REPORT_FILE,))
    sections = [
        ("status", "Tasks", _render_status(view.status)) if view.status else None,
        ("results", "Results", "".join(_render_table(t, i) for i, t in enumerate(view.tables)))
        if view.tables
        else None,
        ("figures", "Figures", _render_figures(view.figures)) if view.figures else None,
        ("configuration", "Configuration", _render_config(view.config)),
        ("files", "Files", _render_files(view.files)),
    ]
    present = [s for s in sections if s is not None]
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in present)
    body = "".join(
        f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>' for key, title, content in present
    )
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    shown = str(view.root) if location is None else location
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(view.title)}: {_e(Path(shown).name)}</title>"
        f"<style>{CSS}</style><script>{SCRIPT}</script></head>"
        f'<body><header><div class="kicker">salience report</div><h1>{_e(view.title)}</h1>'
        f'<p class="path">{_e(shown)}</p>{_render_facts(view)}</header>'
        f"<nav>{nav}</nav><main>{body}</main>"
        f"<footer>Generated by salience {_e(_salience_version())} on {_e(generated)}. "
        "Self-contained: no external resources.</footer></body></html>\n"
    )


def _salience_version() -> str:
    from salience._versions import runtime_versions

    return runtime_versions().get("salience", "?")


def _render_facts(view: RunView) -> str:
    config, status = view.config, view.status
    profile = config.get("profile")
    facts = [("suite", config.get("suite"))]
    if isinstance(profile, dict):
        facts += [(_FACT_NAMES[k], v) for k, v in profile.items() if k in _FACT_NAMES and _scalar(v)]
    elif isinstance(profile, str):
        facts.append(("profile", profile))
    facts += [("seed", config.get("seed")), ("device", config.get("device"))]
    date = config.get("date") or (status.last if status else None)
    if not date:
        mtime = (view.root / CONFIG_FILE).stat().st_mtime
        date = datetime.fromtimestamp(mtime, timezone.utc).isoformat(timespec="seconds")
    facts.append(("date", date))
    items = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts if v is not None)
    return f'<dl class="facts">{items}</dl>'


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _render_status(status: TaskStatus) -> str:
    if not status.counts and not status.n_values:
        return '<p class="note">results.sqlite holds no tasks yet (or could not be read).</p>'
    chips = "".join(
        f'<span class="chip {_e(name)}"><b>{n}</b> {_e(name)}</span>' for name, n in status.counts.items()
    )
    parts = [f'<p class="chips">{chips}<span class="chip"><b>{status.n_values}</b> stored values</span></p>']
    if status.unfinished:
        columns = ["status", *(f.name for f in fields(TaskKey)), "message"]
        cells = [[getattr(record, c) for c in columns] for record in status.unfinished]
        rows = [["" if v is None else str(v) for v in row] for row in cells]
        n_listed = sum(n for name, n in status.counts.items() if name != "done")
        table = RunTable("tasks", "Tasks not done", STORE_FILE, columns, rows, n_listed)
        parts.append(_render_table(table, "status"))
    return "".join(parts)


def _render_figures(figures: list[RunFigure]) -> str:
    items = []
    for figure in figures:
        path, caption = figure.path, figure.caption
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        mime = _MIME_TYPES[path.suffix.lower()]
        wide = ' class="wide"' if _png_width(path) >= WIDE_FIGURE_PX else ""
        items.append(
            f'<figure{wide}><img src="data:{mime};base64,{data}" alt="{_e(caption)}">'
            f'<figcaption>{_e(caption)} <span class="source">figures/{_e(path.name)}</span></figcaption>'
            "</figure>"
        )
    return f'<div class="figures">{"".join(items)}</div>'


def _png_width(path: Path) -> int:
    """The pixel width of a PNG (from its IHDR chunk), 0 for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return 0
    return int.from_bytes(head[16:20], "big")


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
    if isinstance(value, dict):  # a list of records (a per-epoch history) is a table elsewhere
        return json.dumps({k: f"{len(v)} rows" if _records(v) else v for k, v in value.items()})
    if isinstance(value, list):
        return json.dumps(value)
    return "null" if value is None else str(value)


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _render_files(files: list[RunFile]) -> str:
    items = [
        f"<li><code>{_e(f.name)}/</code> {f.size} files</li>"
        if f.is_dir
        else f"<li><code>{_e(f.name)}</code> {_size(f.size)}</li>"
        for f in files
    ]
    return f'<ul class="files">{"".join(items)}</ul>'


def _size(n_bytes: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n_bytes < 1024:
            return f"{n_bytes:.0f} {unit}"
        n_bytes /= 1024  # type: ignore[assignment]
    return f"{n_bytes:.1f} GB"
