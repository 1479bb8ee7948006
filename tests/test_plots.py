"""The library's figures: what each saved figure contains, its style and each bad input's message."""

from __future__ import annotations

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from salience.figures import (
    DIVERGING_CMAP,
    INPUT_CMAP,
    MAX_TICK_LABELS,
    OKABE_ITO,
    SALIENCY_CMAP,
    plot_bucket_distribution,
    plot_class_heatmaps,
    plot_paired_bars,
    plot_removal_curves,
    plot_saliency_images,
    plot_saliency_profiles,
    plot_sample_heatmaps,
    style,
)

PALETTE = [colour.lower() for colour in OKABE_ITO]  # as matplotlib's to_hex writes them


def _images(fig: plt.Figure) -> list[AxesImage]:
    return [image for ax in fig.axes for image in ax.images]


def _ytick_labels(ax: plt.Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def _assert_png(path) -> None:
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert not list(path.parent.glob("*.part")), "no temporary file is left behind"


# --- style ------------------------------------------------------------------------------------------


def test_style_applies_the_palette_inside_and_restores_rcparams_after():
    before = plt.rcParams["axes.prop_cycle"]
    with style():
        assert [to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]] == PALETTE
        assert plt.rcParams["axes.spines.right"] is False
        assert plt.rcParams["image.cmap"] == "cividis"
    assert plt.rcParams["axes.prop_cycle"] == before


# --- per-sample heatmaps ----------------------------------------------------------------------------


def test_sample_heatmaps_draw_input_and_saliency_per_sample(saved, tmp_path):
    rng = np.random.default_rng(0)
    saliency = rng.random((5, 12, 4))
    names = ["hr", "bp", "spo2", "temp"]
    out = plot_sample_heatmaps(
        saliency, x=rng.normal(size=(5, 12, 4)), feature_names=names, max_samples=3,
        sample_titles=[f"patient {i}" for i in range(5)], path=tmp_path / "s.png", title="Samples",
    )  # fmt: skip
    assert out == tmp_path / "s.png"
    _assert_png(out)
    (fig,) = saved
    images = _images(fig)
    assert len(images) == 6  # 3 samples x (input, saliency)
    assert [im.get_cmap().name for im in images] == [INPUT_CMAP, SALIENCY_CMAP] * 3
    # features on y (rows), time on x (columns)
    assert images[1].get_array().shape == (4, 12)
    np.testing.assert_allclose(images[1].get_array(), saliency[0].T)
    heat_axes = [im.axes for im in images]
    assert all(_ytick_labels(ax) == names for ax in heat_axes)
    assert [ax.get_title() for ax in heat_axes[:2]] == ["patient 0: input", "patient 0: saliency"]
    assert heat_axes[1].get_xlabel() == "time step"
    assert fig.get_suptitle() == "Samples"
    assert images[1].get_clim() == (0.0, pytest.approx(saliency[0].max()))


def test_sample_heatmaps_use_a_zero_centred_diverging_map_for_signed_saliency(saved, tmp_path):
    saliency = torch.zeros(1, 6, 2)
    saliency[0, 1, 0], saliency[0, 3, 1] = -3.0, 1.0
    plot_sample_heatmaps(saliency, path=tmp_path / "s.png")
    (image,) = _images(saved[0])
    assert image.get_cmap().name == DIVERGING_CMAP
    assert image.get_clim() == (-3.0, 3.0)
    assert image.axes.get_title() == "sample 0"


def test_sample_heatmaps_thin_many_feature_names(saved, tmp_path):
    names = [f"roi{i}" for i in range(90)]
    plot_sample_heatmaps(np.ones((1, 5, 90)), feature_names=names, path=tmp_path / "s.png")
    labels = _ytick_labels(_images(saved[0])[0].axes)
    assert len(labels) == MAX_TICK_LABELS
    assert labels == names[::3]


def test_sample_heatmaps_outline_the_ground_truth_along_cell_edges(saved, tmp_path):
    mask = np.zeros((1, 6, 5))
    mask[0, 1:4, 2:4] = 1  # 3 steps x 2 features: perimeter of 2 * (3 + 2) = 10 cell edges
    plot_sample_heatmaps(np.ones((1, 6, 5)), mask=mask, path=tmp_path / "s.png")
    outlines = [c for c in _images(saved[0])[0].axes.collections if isinstance(c, LineCollection)]
    assert len(outlines) == 2  # white under black
    segments = np.array(outlines[1].get_segments())
    assert len(segments) == 10
    xs, ys = segments[..., 0], segments[..., 1]
    assert (xs.min(), xs.max()) == (0.5, 3.5)  # steps 1..3 span x in [0.5, 3.5]
    assert (ys.min(), ys.max()) == (1.5, 3.5)  # features 2..3 span y in [1.5, 3.5]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"saliency": np.ones((4, 5))}, ValueError, r"^saliency: expected shape \(N, T, F\)"),
        ({"saliency": np.full((1, 2, 2), np.inf)}, ValueError, "^saliency: expected finite"),
        ({"saliency": "abc"}, TypeError, "^saliency: expected an array of numbers"),
        ({"x": np.ones((2, 3, 3))}, ValueError, r"^x: expected the shape of saliency \(2, 3, 4\)"),
        ({"mask": np.ones((2, 3, 5))}, ValueError, "^mask: expected the shape of saliency"),
        ({"feature_names": ["a", "b"]}, ValueError, "^feature_names: expected 4 names, got 2"),
        ({"feature_names": "abcd"}, TypeError, "^feature_names: expected a sequence of 4 names"),
        ({"sample_titles": ["one"]}, ValueError, "^sample_titles: expected 2 names, got 1"),
        ({"max_samples": 0}, ValueError, "^max_samples: expected a positive integer"),
    ],
)
def test_sample_heatmaps_reject_bad_input(tmp_path, kwargs, error, message):
    arguments = {"saliency": np.ones((2, 3, 4)), "path": tmp_path / "s.png", **kwargs}
    with pytest.raises(error, match=message):
        plot_sample_heatmaps(**arguments)
    assert not (tmp_path / "s.png").exists()


# --- class heatmaps ---------------------------------------------------------------------------------


def test_class_heatmaps_share_one_scale_and_label_classes_and_features(saved, tmp_path):
    means = np.stack([np.full((8, 3), 0.2), np.full((8, 3), 0.8)])
    mask = np.zeros((8, 3), dtype=bool)
    mask[2:5, 1] = True
    out = plot_class_heatmaps(
        means, tmp_path / "c.png", class_names=["low", "high"], feature_names=["a", "b", "c"], mask=mask
    )
    _assert_png(out)
    images = _images(saved[0])
    assert len(images) == 2
    assert [im.axes.get_title() for im in images] == ["low", "high"]
    assert all(im.get_clim() == (0.0, 0.8) and im.get_cmap().name == SALIENCY_CMAP for im in images)
    assert all(_ytick_labels(im.axes) == ["a", "b", "c"] for im in images)
    assert all(im.get_array().shape == (3, 8) for im in images)
    assert all(sum(isinstance(c, LineCollection) for c in im.axes.collections) == 2 for im in images)
    assert len(saved[0].axes) == 3  # two panels and one shared colour bar


def test_class_heatmaps_keep_their_old_call_and_default_titles(saved, tmp_path):
    plot_class_heatmaps(np.ones((3, 4, 2)), path=tmp_path / "c.png", title="Old call")
    assert [im.axes.get_title() for im in _images(saved[0])] == ["class 0", "class 1", "class 2"]
    assert saved[0].get_suptitle() == "Old call"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"class_means": np.ones((3, 4))}, ValueError, r"^class_means: expected shape \(C, T, F\)"),
        ({"class_names": ["only one"]}, ValueError, "^class_names: expected 2 names, got 1"),
        ({"feature_names": ["a"]}, ValueError, "^feature_names: expected 3 names, got 1"),
        ({"mask": np.ones((4, 2))}, ValueError, r"^mask: expected shape \(4, 3\), got \(4, 2\)"),
        ({"mask": np.ones(4)}, ValueError, r"^mask: expected shape \(T, F\)"),
    ],
)
def test_class_heatmaps_reject_bad_input(tmp_path, kwargs, error, message):
    arguments = {"class_means": np.ones((2, 4, 3)), "path": tmp_path / "c.png", **kwargs}
    with pytest.raises(error, match=message):
        plot_class_heatmaps(**arguments)


# --- saliency over time -----------------------------------------------------------------------------


def test_saliency_profiles_draw_one_line_per_model_and_shade_the_window(saved, tmp_path):
    profiles = {"LSTM": np.linspace(1, 0, 20), "LSTM+in.cell": torch.full((20,), 0.5)}
    out = plot_saliency_profiles(profiles, tmp_path / "p.png", box_steps=(5, 9), window_label="on task")
    _assert_png(out)
    (ax,) = saved[0].axes
    assert [line.get_label() for line in ax.lines] == ["LSTM", "LSTM+in.cell"]
    assert [to_hex(line.get_color()) for line in ax.lines] == PALETTE[:2]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), 0.5)
    (shade,) = [p for p in ax.patches if p.get_label() == "on task"]
    x_low, x_high = shade.get_x(), shade.get_x() + shade.get_width()
    assert (x_low, x_high) == (4.5, 8.5)  # exactly the cells of steps 5..8
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["on task", "LSTM", "LSTM+in.cell"]


@pytest.mark.parametrize(
    ("profiles", "box_steps", "message"),
    [
        ({}, None, "^profiles: expected at least one labelled series"),
        ({"a": np.ones((2, 3))}, None, r"^profiles\['a'\]: expected shape \(T,\)"),
        ({"a": np.ones(5)}, (4, 2), r"^box_steps: expected \(start, stop\)"),
        ({"a": np.ones(5)}, (1.5, 3), r"^box_steps: expected \(start, stop\)"),
    ],
)
def test_saliency_profiles_reject_bad_input(tmp_path, profiles, box_steps, message):
    with pytest.raises(ValueError, match=message):
        plot_saliency_profiles(profiles, tmp_path / "p.png", box_steps=box_steps)


# --- time buckets ---------------------------------------------------------------------------------


def test_bucket_distribution_draws_grouped_bars_with_the_shares(saved, tmp_path):
    shares = {"LSTM": [0.1, 0.2, 0.7], "LSTM+in.cell": [0.5, 0.3, 0.2]}
    out = plot_bucket_distribution(shares, ["0-10", "10-20", "off"], path=tmp_path / "b.png", title="Fig. 5")
    _assert_png(out)
    (ax,) = saved[0].axes
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 6
    np.testing.assert_allclose([b.get_height() for b in bars], [0.1, 0.2, 0.7, 0.5, 0.3, 0.2])
    assert [to_hex(b.get_facecolor()) for b in bars] == [PALETTE[0]] * 3 + [PALETTE[1]] * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0-10", "10-20", "off"]
    assert ax.get_title() == "Fig. 5" and ax.get_ylim() == (0.0, 1.0)


@pytest.mark.parametrize(
    ("shares", "labels", "error", "message"),
    [
        ({"a": [0.5, 1.5]}, ["x", "y"], ValueError, r"^shares\['a'\]: expected shares in \[0, 1\]"),
        ({"a": [0.5]}, ["x", "y"], ValueError, r"^shares\['a'\]: expected 2 values, got 1"),
        ({"a": [0.5, 0.5]}, "xy", TypeError, "^bucket_labels: expected a sequence of names"),
        ({"a": []}, [], ValueError, "^bucket_labels: expected at least one bucket name"),
    ],
)
def test_bucket_distribution_reject_bad_input(tmp_path, shares, labels, error, message):
    with pytest.raises(error, match=message):
        plot_bucket_distribution(shares, labels, path=tmp_path / "b.png")


# --- accuracy drop, paired bars, saliency images ------------------------------------------------------


def test_removal_curves_draw_one_panel_per_method_with_each_series_control_dashed(saved, tmp_path):
    fractions = [0.0, 0.5, 0.9]
    drop = {
        "Traditional": {"gradient": (fractions, [1.0, 0.6, 0.2]), "ig": (fractions, [1.0, 0.7, 0.3]),
                        "random": (fractions, [1.0, 0.9, 0.8])},
        "SGT": {"gradient": (fractions, [1.0, 0.4, 0.1]), "random": (fractions, [1.0, 0.95, 0.85])},
    }  # fmt: skip
    path = plot_removal_curves(drop, tmp_path / "drop.png", panel_labels={"gradient": "Grad"})
    _assert_png(path)
    panels = [ax for ax in saved[-1].axes if ax.lines]
    assert [ax.get_title() for ax in panels] == ["Grad", "ig"]  # the control gets no panel of its own
    grad = {line.get_label(): line for line in panels[0].lines}
    assert set(grad) == {"Traditional", "Traditional (random)", "SGT", "SGT (random)"}
    np.testing.assert_allclose(grad["SGT"].get_xydata(), [[0, 100], [50, 40], [90, 10]])  # percent
    assert grad["SGT (random)"].get_linestyle() == "--" and grad["SGT"].get_linestyle() == "-"
    assert to_hex(grad["Traditional"].get_color()) == PALETTE[0]
    assert to_hex(grad["SGT"].get_color()) == PALETTE[1]
    ig = {line.get_label() for line in panels[1].lines}
    assert ig == {"Traditional", "Traditional (random)", "SGT (random)"}


def test_removal_curves_of_the_control_alone_draw_it_dashed_only(saved, tmp_path):
    plot_removal_curves({"A": {"random": ([0, 1], [1, 0.5])}}, tmp_path / "r.png")
    (panel,) = [ax for ax in saved[-1].axes if ax.lines]
    assert [line.get_linestyle() for line in panel.lines] == ["--"]


def test_paired_bars_draw_the_values_side_by_side_and_the_reference_as_markers(saved, tmp_path):
    panels = {"sufficiency": {"trad": [0.2, float("nan")], "sgt": [0.1, 0.3]}}
    reference = {"sufficiency": {"trad": [0.25, None], "sgt": [None, 0.35]}}
    plot_paired_bars(panels, ["IG", "Random"], tmp_path / "b.png", reference=reference)
    (ax,) = [ax for ax in saved[-1].axes if ax.patches]
    bars = [(round(p.get_x() + p.get_width() / 2, 6), p.get_height()) for p in ax.patches]
    # two series, width 0.38 each, centred on the category: x = j -/+ 0.19
    assert bars[0] == (-0.19, 0.2) and np.isnan(bars[1][1]) and bars[2:] == [(-0.19 + 0.38, 0.1), (1.19, 0.3)]
    markers = np.concatenate([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(markers, [[-0.19, 0.25], [1.19, 0.35]])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["IG", "Random"]


def test_saliency_images_scale_each_map_to_its_own_peak(saved, tmp_path):
    rng = np.random.default_rng(1)
    digits = rng.random((2, 6, 5))
    maps = {"Traditional": rng.normal(size=(2, 6, 5)), "SGT": 3.0 * rng.normal(size=(2, 6, 5))}
    _assert_png(plot_saliency_images(digits, maps, tmp_path / "m.png"))
    fig = saved[-1]
    row = [ax.images[0].get_array() for ax in fig.axes[:3]]
    np.testing.assert_allclose(row[0], digits[0])
    np.testing.assert_allclose(row[2], maps["SGT"][0] / np.abs(maps["SGT"][0]).max())
    assert fig.axes[1].images[0].get_clim() == (-1, 1)
    assert [ax.get_title() for ax in fig.axes[:4]] == [
        "input", "Traditional gradient", "SGT gradient", "gradient distribution",
    ]  # fmt: skip


def test_saliency_images_refuse_maps_of_another_shape(tmp_path):
    with pytest.raises(ValueError, match=r"maps\['A'\]: expected the images' shape \(2, 3, 3\)"):
        plot_saliency_images(np.zeros((2, 3, 3)), {"A": np.zeros((2, 3, 4))}, tmp_path / "x.png")
