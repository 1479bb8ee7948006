"""The HTML report in a real headless Chromium: it loads without errors and every figure renders.

The page's own inline script records, on ``load``, into ``<body data-report-check>``: the number of
images, those not rendered (``complete`` with ``naturalWidth > 0``) and every script error or
``console.error``. Chromium dumps the DOM after the load (``--dump-dom``), and with
``--enable-logging=stderr`` writes each console message to stderr as ``...:INFO:CONSOLE:<line>] "msg",
source: ...``; the page logs nothing, so any such line is a failure. A deliberately broken page must be
caught, so the check cannot pass vacuously. Skipped only where no Chromium is installed
(``scripts/install-browser.sh`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from salience.cli import main
from salience.data import make_box
from salience.figures import plot_saliency_profiles
from salience.report import write_report
from salience.suites.explain_run import explain_checkpoint
from test_report import make_run_dir

BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium binary (run scripts/install-browser.sh to install Debian's chromium)"
)
_CHECK = re.compile(r'<body[^>]*\sdata-report-check="([^"]*)"')
_CONSOLE = re.compile(r":CONSOLE(?::\d+)?\]|Uncaught ")


def load_in_browser(page: Path, profile: Path, width: int = 1200) -> tuple[dict, list[str]]:
    """Open ``page`` in headless Chromium ``width`` pixels wide: (the page's load check, console lines)."""
    command = [
        str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
        f"--window-size={width},2400", "--dump-dom", page.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = _CHECK.search(done.stdout)
    assert found, f"the page's load check did not run; DOM starts {done.stdout[:300]!r}"
    console = [line for line in done.stderr.splitlines() if _CONSOLE.search(line)]
    return json.loads(html.unescape(found.group(1))), console


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report with a hand-made PNG, a matplotlib figure, tables and a task log."""
    run = make_run_dir(tmp_path_factory.mktemp("browser"))
    plot_saliency_profiles(
        {"LSTM": [0.1, 0.2, 0.4], "ICA": [0.3, 0.3, 0.3]}, run / "figures" / "profile_x.png"
    )
    return write_report(run)


def test_report_loads_without_errors_and_every_figure_renders(report: Path, tmp_path: Path) -> None:
    check, console = load_in_browser(report, tmp_path / "profile")
    assert {k: check[k] for k in ("images", "broken", "errors")} == {"images": 3, "broken": [], "errors": []}
    assert len(check["figures"]) == 3 and all(f["drawn"] <= f["card"] + 0.5 for f in check["figures"])
    assert console == []


@pytest.fixture(scope="module")
def explain_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An explain run of a trained checkpoint on univariate series, two methods, with its report."""
    root = tmp_path_factory.mktemp("explain-browser")
    box = make_box("earlier", n=60, n_steps=40, n_features=1, seed=0)
    box.save(root / "d.npz")
    assert main([
        "train", str(root / "d.npz"), "--model", "lstm", "--out", str(root / "m"), "--max-epochs", "3",
        "--device", "cpu", "--quiet",
    ]) == 0  # fmt: skip
    run = explain_checkpoint(
        root / "m", root / "d.npz", out=root / "s.npz", method="gradient,integrated_gradients", device="cpu"
    )
    return write_report(run.run_dir)


def test_an_explain_report_loads_and_its_figures_fit_their_cards(explain_report, tmp_path) -> None:
    check, console = load_in_browser(explain_report, tmp_path / "profile")
    assert check["broken"] == [] and check["errors"] == [] and console == []
    figures = check["figures"]
    assert check["images"] == len(figures) == 7  # 3 per method and the training curve
    for figure in figures:
        assert 0 < figure["drawn"] <= figure["card"] + 0.5, figure  # never wider than its card
        assert figure["drawn"] >= min(figure["natural"], figure["card"]) * 0.99, figure  # never squeezed
    wide = [f for f in figures if f["wide"]]
    assert len(wide) == 4 and all(f["card"] > 1000 for f in wide)  # line plots span the page
    page = explain_report.read_text()
    assert "How the checkpoint was trained" in page and "best epoch" in page


def test_a_broken_page_is_caught(report: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    injected = (
        '<figure><img alt="broken figure" src="data:image/png;base64,AAAA"></figure>'
        "<script>console.error('logged error'); notDefinedAnywhere();</script></body>"
    )
    broken.write_text(report.read_text().replace("</body>", injected))
    check, console = load_in_browser(broken, tmp_path / "profile")
    assert check["images"] == 4 and check["broken"] == ["broken figure"]
    assert "logged error" in check["errors"]
    assert any("notDefinedAnywhere" in error for error in check["errors"])
    assert any("notDefinedAnywhere" in line for line in console) and any(
        "logged error" in line for line in console
    )
