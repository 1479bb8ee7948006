"""Figures for real series: line plots per channel with |saliency| shaded beneath (each channel on its
own scale), class-mean lines per channel, the training curve, per-feature heatmap scaling and SVG copies."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from salience.figures import (
    OKABE_ITO,
    plot_class_heatmaps,
    plot_class_series,
    plot_sample_series,
    plot_training_curve,
    svg_copies,
)


def _bands(ax: plt.Axes) -> list[np.ndarray]:
    """The heights of the shaded bands on an axes (top edge of each fill_between polygon)."""
    return [c.get_paths()[0].vertices[:, 1].max() for c in ax.collections]


def test_sample_series_draw_each_channel_and_its_saliency_on_its_own_scale(saved, tmp_path):
    x = np.stack([np.sin(np.arange(20)), 100 * np.cos(np.arange(20))], axis=-1)[None].repeat(2, 0)
    s = np.zeros((2, 20, 2))
    s[0, 5, 0], s[0, 9, 1] = 0.01, -50.0  # very different magnitudes and a negative value
    path = plot_sample_series(s, x=x, path=tmp_path / "s.png", feature_names=["a", "b"], max_samples=1)
    assert path.is_file()
    fig = saved[0]
    plotted = [ax for ax in fig.axes if ax.lines]
    assert len(plotted) == 2 and [ax.get_ylabel() for ax in plotted] == ["a", "b"]
    for ax, k in zip(plotted, range(2), strict=True):
        np.testing.assert_allclose(ax.lines[0].get_ydata(), x[0, :, k])
    bands = [ax for ax in fig.axes if ax.collections and not ax.lines]
    assert len(bands) == 2
    for band, peak in zip(bands, (0.01, 50.0), strict=True):
        assert max(_bands(band)) == pytest.approx(peak)  # |saliency|
        assert band.get_ylim() == pytest.approx((0, peak * 1.05))  # the channel's own scale
    assert fig.get_size_inches()[0] == pytest.approx(12.0)  # a full card's width


def test_class_series_draw_one_line_per_class_and_channel(saved, tmp_path):
    means = np.random.default_rng(0).random((3, 10, 2))
    plot_class_series(means, tmp_path / "c.png", class_names=["x", "y", "z"], feature_names=["p", "q"])
    axes = saved[0].axes
    assert [ax.get_ylabel() for ax in axes] == ["p", "q"]
    for k, ax in enumerate(axes):
        assert len(ax.lines) == 3
        for c, line in enumerate(ax.lines):
            np.testing.assert_allclose(line.get_ydata(), means[c, :, k])
            assert line.get_color().lower() == OKABE_ITO[c].lower()
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["x", "y", "z"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: plot_sample_series(np.ones((1, 4, 2)), x=np.ones((1, 4, 3)), path=p),
         "x: expected the shape"),
        (lambda p: plot_sample_series(np.ones((1, 4)), x=np.ones((1, 4)), path=p),
         "saliency: expected shape"),
        (lambda p: plot_sample_series(np.ones((1, 4, 1)), x=np.ones((1, 4, 1)), path=p, max_samples=0),
         "max_samples: expected a positive integer"),
        (lambda p: plot_class_series(np.ones((2, 4, 1)), p, class_names=["a"]), "class_names: expected 2"),
    ],
)
def test_series_plots_name_the_bad_argument(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_training_curve_starts_at_epoch_one_and_marks_the_selected_epoch(saved, tmp_path):
    plot_training_curve({"validation": [0.5, 0.9, 0.8]}, tmp_path / "t.png", best_epoch=2)
    ax = saved[0].axes[0]
    assert ax.lines[0].get_xdata().tolist() == [1, 2, 3]
    assert ax.lines[0].get_ydata().tolist() == [0.5, 0.9, 0.8]
    assert ax.lines[1].get_xdata()[0] == 2 and ax.get_xlabel() == "epoch"


def test_class_heatmaps_scale_each_feature_to_its_peak_on_request(saved, tmp_path):
    means = np.zeros((2, 3, 2))
    means[0, :, 0] = [1.0, 2.0, 4.0]
    means[1, :, 1] = [0.01, 0.02, 0.0]
    plot_class_heatmaps(means, tmp_path / "h.png", per_feature=True)
    shown = [ax.images[0].get_array() for ax in saved[0].axes if ax.images]
    expected = means / np.array([4.0, 0.02])  # each feature over its peak, by hand
    for c in range(2):
        np.testing.assert_allclose(np.asarray(shown[c]), expected[c].T)


def test_svg_copies_sit_in_a_subfolder_only_inside_the_block(tmp_path):
    with svg_copies():
        plot_class_series(np.ones((1, 5, 1)), tmp_path / "a.png")
    plot_class_series(np.ones((1, 5, 1)), tmp_path / "b.png")
    assert sorted(p.name for p in (tmp_path / "svg").iterdir()) == ["a.svg"]
    assert (tmp_path / "svg" / "a.svg").read_text().lstrip().startswith("<?xml")
