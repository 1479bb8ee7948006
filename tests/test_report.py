"""The HTML report of a run directory (salience.report) and `salience report`."""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from pathlib import Path

import pytest

from salience.cli import main
from salience.report import render_report, write_report
from salience.runs.store import ResultStore, TaskKey

RUNS = Path(__file__).resolve().parents[1] / "runs"


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG built by hand (no plotting library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def make_run_dir(root: Path) -> Path:
    """A run directory as a suite leaves it: config (with the suite's title and table titles), a table
    with paper columns, figures with captions, a store."""
    run = root / "run"
    (run / "figures").mkdir(parents=True)
    config = {
        "suite": "ica",
        "profile": {"name": "quick", "n_steps": 100, "models": ["lstm", "ica-lstm"], "opts": {"r": 20}},
        "seed": 7,
        "device": "cpu",
        "versions": {"salience": "0.1.0", "torch": "2.x"},
        "title": "Input-cell attention: Table 1",
        "tables": {"table": "Results"},
    }
    (run / "config.json").write_text(json.dumps(config))
    (run / "table.csv").write_text(
        "dataset,model,wjac,paper_wjac,acc,paper_acc,paper_note\n"
        "middle,lstm,0.0001,0.0,53.0,98.6,\n"
        "middle,<script>alert(1)</script>,0.1206,,100.0,100.0,a & b\n"
    )
    # The store's raw rows, as some suites export them: counted under Tasks, not shown as a table.
    (run / "results.csv").write_text(
        "suite,dataset,model,training,method,seed,metric,value\nica,x,y,z,m,0,a,1\n"
    )
    (run / "extra.json").write_text(json.dumps([{"step": 0, "saliency": 0.5}, {"step": 1, "saliency": 0.25}]))
    (run / "figures" / "heatmap_middle_lstm.png").write_bytes(tiny_png())
    (run / "figures" / "custom.png").write_bytes(tiny_png(6, 2))
    captions = {
        "custom.png": "A <custom> caption",
        "heatmap_middle_lstm.png": "Class-mean saliency heatmap: middle lstm",
    }
    (run / "figures" / "captions.json").write_text(json.dumps(captions))
    store = ResultStore(run / "results.sqlite")
    for i, model in enumerate(["lstm", "ica-lstm"]):
        store.put(TaskKey("ica", "middle", model, "traditional", "gradient", 0), {"wjac": 0.1 * i})
    store.log(TaskKey("ica", "middle", "tcn", "traditional", "gradient", 0), "failed", message="boom <1>")
    store.log(TaskKey("ica", "middle", "bilstm", "traditional", "gradient", 0), "skipped")
    return run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run_dir(tmp_path)


def _text(page: str) -> str:
    """The page's visible text, tags dropped and entities decoded (scripts and styles removed)."""
    page = re.sub(r"<(script|style)>.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_report_shows_header_tables_figures_status_and_config(run_dir: Path) -> None:
    written = write_report(run_dir)
    assert written == run_dir / "report.html"
    page = written.read_text()
    text = " ".join(_text(page).split())
    for fact in ("suite ica", "profile quick", "seed 7", "device cpu"):
        assert fact in text
    # ours beside the paper's: 0.121 with no published value (—); 53.0 beside 98.6 (the column reaches
    # 100, so one decimal).
    assert re.search(r'data-sort="0.1206"[^>]*>0.121<span class="paper"[^>]*>—</span>', page)
    assert re.search(r">53.0<span class=\"paper\"[^>]*>98.6</span>", page)
    assert "1.0e-04" in page  # a value that would read as 0.000 at three decimals
    assert "ours │ paper" in page and "paper_note" in page  # an unpaired paper column stays as it is
    # every figure embedded byte for byte, with a caption (captions.json first, else the file name)
    for name in ("heatmap_middle_lstm.png", "custom.png"):
        encoded = base64.b64encode((run_dir / "figures" / name).read_bytes()).decode()
        assert f'src="data:image/png;base64,{encoded}"' in page
    assert "A <custom> caption" in text and "Class-mean saliency heatmap: middle lstm" in text
    # task status from results.sqlite: 2 done, 1 failed (with its message), 1 skipped
    assert "2 done" in text and "1 failed" in text and "1 skipped" in text and "boom <1>" in text
    # configuration and versions
    assert "lstm, ica-lstm" in text and '{"r": 20}' in text and "torch 2.x" in text
    # a JSON table without a CSV twin is shown; the raw store rows are not
    assert "extra.json" in text and "results.csv ·" not in text


def test_report_titles_come_from_the_run_directory(run_dir: Path) -> None:
    page = render_report(run_dir)
    assert "<h1>Input-cell attention: Table 1</h1>" in page
    assert re.search(r"<h3>Results <span", page)  # config.json["tables"]["table"]
    assert re.search(r"<h3>Extra <span", page)  # undeclared: from the file stem
    settings = page.split('id="configuration"')[1]
    assert "Input-cell attention" not in settings and '"table"' not in settings  # not shown as settings


def test_report_of_an_older_run_dir_falls_back_to_names(tmp_path: Path) -> None:
    """No title, table titles or captions declared (a run directory from before they were written)."""
    run = tmp_path / "old"
    (run / "figures").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"suite": "new-suite"}))
    (run / "top_features.csv").write_text("feature,share\na,0.5\n")
    (run / "figures" / "lstm_profile_rare_time.png").write_bytes(tiny_png())
    page = render_report(run)
    text = " ".join(_text(page).split())
    assert "<h1>new-suite</h1>" in page and "<title>new-suite: old</title>" in page
    assert "Top features top_features.csv · 1 rows" in text
    assert "Lstm profile rare time figures/lstm_profile_rare_time.png" in text
    (run / "config.json").unlink()
    (run / "config.json").write_text(json.dumps({"profile": "quick"}))
    assert "<h1>run</h1>" in render_report(run)  # no suite name either


def test_report_of_an_unreadable_store_says_so(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"suite": "ica"}))
    (run / "results.sqlite").write_bytes(b"not a database, just text" * 100)
    page = render_report(run)
    assert 'id="status"' in page and "holds no tasks yet (or could not be read)" in page


def test_report_escapes_text_and_requests_nothing_external(run_dir: Path) -> None:
    page = render_report(run_dir)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a &amp; b" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert page.count("<script>") == 1  # the one inline script of the page itself


def test_report_of_a_bare_run_dir_and_a_custom_out(tmp_path: Path) -> None:
    run = tmp_path / "bare"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"suite": "explain", "profile": {"method": "gradient"}}))
    out = write_report(run, tmp_path / "elsewhere" / "page.html", location="somewhere/else")
    page = out.read_text()
    assert "somewhere/else" in page and "method" in _text(page) and not (run / "report.html").exists()
    assert 'id="figures"' not in page and 'id="status"' not in page  # absent parts leave no section


@pytest.mark.parametrize(
    ("setup", "error", "needle"),
    [
        (lambda p: p.mkdir(), ValueError, "run_dir: .* has no config.json"),
        (lambda p: None, FileNotFoundError, "run_dir: no directory"),
        (
            lambda p: (p.mkdir(), (p / "config.json").write_text("{oops")),
            ValueError,
            "run_dir: .* not valid JSON",
        ),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("[1]")), ValueError, "not a JSON object"),
    ],
)
def test_bad_run_dirs_name_the_argument(tmp_path: Path, setup, error, needle) -> None:
    run = tmp_path / "run"
    setup(run)
    with pytest.raises(error, match=needle):
        write_report(run)
    assert not (run / "report.html").exists()


def test_cli_report_writes_the_page_and_reports_errors_in_one_line(
    run_dir: Path, tmp_path: Path, capsys
) -> None:
    assert main(["report", str(run_dir)]) == 0
    assert "report.html" in capsys.readouterr().out and (run_dir / "report.html").is_file()
    out = tmp_path / "copy.html"
    assert main(["report", str(run_dir), "--out", str(out)]) == 0 and out.is_file()
    for args, needle in (
        ([str(tmp_path / "missing")], "error: run_dir: no directory"),
        ([str(tmp_path)], "error: run_dir:"),
        (
            [str(run_dir), "--out", str(tmp_path / "page.txt")],
            "error: out: expected a file name ending in .html",
        ),
    ):
        capsys.readouterr()
        assert main(["report", *args]) == 2
        lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(needle), lines
    assert not (tmp_path / "page.txt").exists() and not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("name", ["ica-quick", "sgt-mnist-quick", "sgt-text-quick", "sgt-timeseries-quick"])
def test_report_of_the_real_quick_runs(name: str, tmp_path: Path) -> None:
    """The suites' own run directories, where this checkout has them (they are not in git)."""
    run = RUNS / name
    if not (run / "config.json").is_file():
        pytest.skip(f"no {run} in this checkout (made by `salience reproduce ... --profile quick`)")
    page = write_report(run, tmp_path / "report.html").read_text()
    figures = sorted((run / "figures").glob("*.png"))
    assert page.count("<img ") == len(figures) > 0
    assert "ours │ paper" in page or name == "sgt-mnist-quick"  # MNIST's paper has no numbers
