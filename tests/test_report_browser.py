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

from salience.figures import plot_saliency_profiles
from salience.report import write_report
from test_report import make_run_dir

BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium binary (run scripts/install-browser.sh to install Debian's chromium)"
)
_CHECK = re.compile(r'<body[^>]*\sdata-report-check="([^"]*)"')
_CONSOLE = re.compile(r":CONSOLE(?::\d+)?\]|Uncaught ")


def load_in_browser(page: Path, profile: Path) -> tuple[dict, list[str]]:
    """Open ``page`` in headless Chromium: (the page's load check, console lines on stderr)."""
    command = [
        str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
        "--dump-dom", page.resolve().as_uri(),
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
    assert check == {"images": 3, "broken": [], "errors": []}
    assert console == []


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
