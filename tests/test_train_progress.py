"""`salience train` shows per-epoch progress: a rich bar on a terminal, at most a line every few
seconds in a log (the first and the last epoch always), nothing with --quiet."""

from __future__ import annotations

import io
import re

from rich.console import Console

import salience.cli._progress as progress_module
from salience.cli import main
from salience.cli._progress import EpochProgress
from salience.data import make_box
from salience.training import EpochReport

LINE = re.compile(
    r"^epoch (\d+)/3: loss \d\.\d{4} \| train acc \d\.\d{3} \| val acc \d\.\d{3} \(best epoch \d\)$"
)


def _train(tmp_path, capsys, *extra: str) -> list[str]:
    data = tmp_path / "d.npz"
    make_box("earlier", n=40, n_steps=6, n_features=2, seed=0).save(data)
    args = ["train", str(data), "--model", "lstm", "--out", str(tmp_path / "m"), "--max-epochs", "3",
            "--patience", "50", "--device", "cpu", *extra]  # fmt: skip
    assert main(args) == 0
    return capsys.readouterr().out.splitlines()


def test_a_log_gets_the_first_and_last_epoch_lines(tmp_path, capsys) -> None:
    lines = _train(tmp_path, capsys)
    epochs = [int(m.group(1)) for line in lines if (m := LINE.match(line))]
    assert epochs == [1, 3], lines  # epochs take well under the 10 s between log lines
    assert "best validation accuracy" in " ".join(lines)


def test_quiet_shows_no_epochs(tmp_path, capsys) -> None:
    lines = _train(tmp_path, capsys, "--quiet")
    assert not [line for line in lines if line.startswith("epoch ")]
    assert "best validation accuracy" in " ".join(lines)


def test_every_epoch_is_logged_when_lines_may_come_at_any_time(monkeypatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(progress_module, "console", Console(file=buffer, width=200))
    with EpochProgress(3, every=0.0) as shown:
        for epoch in (1, 2, 3):
            shown.on_epoch(EpochReport(epoch, 0.5, 0.75, 0.6, 0.5, 1, 0.1))
    lines = buffer.getvalue().splitlines()
    expected = "epoch {}/3: loss 0.5000 | train acc 0.750 | val acc 0.500 (best epoch 1)"
    assert lines == [expected.format(e) for e in (1, 2, 3)]


def test_a_terminal_gets_a_bar_with_the_scores(monkeypatch) -> None:
    buffer = io.StringIO()
    monkeypatch.setattr(progress_module, "console", Console(file=buffer, force_terminal=True, width=200))
    with EpochProgress(4) as shown:
        assert shown.progress is not None
        shown.on_epoch(EpochReport(1, 0.25, 0.5, 0.3, 0.625, 1, 0.1))
        shown.progress.refresh()
    text = buffer.getvalue()
    assert "1/4" in text and "val acc 0.625" in text and "train acc 0.500" in text and "left" in text
