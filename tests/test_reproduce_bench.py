"""The benchmark's headline finding on a slice of the quick profile (marker ``reproduction``).

Saliency guided training's Table 2 (traditional training) has every gradient method of the plain
LSTM below the random baseline (Diff(AUP) < 0) and every method of the input-cell attention LSTM
and the TCN above it. The slice: three layouts on which all three models pass the accuracy
threshold, the Box process, the vanilla gradient and integrated gradients.
"""

from __future__ import annotations

import pytest

from salience.bench.grid import run_bench
from salience.bench.profile import resolve_profile
from salience.bench.summary import summarize
from salience.runs.published import sgt_table2
from salience.runs.store import ResultStore

pytestmark = pytest.mark.reproduction


def test_quick_slice_shows_the_published_signs(tmp_path):
    profile = resolve_profile(
        "quick",
        layouts=["Middle", "Moving_Middle", "RareFeature"],
        processes=["Box"],
        models=["lstm", "ica-lstm", "tcn"],
        methods=["gradient", "integrated_gradients"],
    )
    report = run_bench(tmp_path / "run", profile, workers=1)
    assert report.counts()["failed"] == 0 and report.counts()["pending"] == 0
    summary = summarize(ResultStore(tmp_path / "run" / "results.sqlite").rows(), accuracy_threshold=0.9)
    assert not summary.excluded, summary.excluded
    diffs = {
        (r["model"], r["method"]): r["diff_aup"] for r in summary.diff_table if r["baseline"] == "random"
    }
    assert len(diffs) == 6
    for (model, method), ours in diffs.items():
        published = sgt_table2("diff_aup", model, method)
        assert published is not None
        assert ours * published > 0, (model, method, ours, published)
