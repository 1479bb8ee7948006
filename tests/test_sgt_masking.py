"""Masking functions of saliency guided training against sort-based per-sample references."""

from __future__ import annotations

import pytest
import torch

from salience.training import lowest_k, mask_images, mask_time_series, mask_tokens


def _reference_lowest(
    scores: torch.Tensor, fraction: float, lengths: list[int] | None = None
) -> torch.Tensor:
    """Per-row loop: sort the valid scores, take the first int(fraction * n_valid)."""
    out = torch.zeros(scores.shape, dtype=torch.bool)
    for row in range(scores.shape[0]):
        n_valid = scores.shape[1] if lengths is None else lengths[row]
        k = int(fraction * n_valid)
        order = sorted(range(n_valid), key=lambda i: float(scores[row, i]))
        for i in order[:k]:
            out[row, i] = True
    return out


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.5, 0.93])
def test_lowest_k_selects_exactly_the_k_lowest(fraction):
    scores = torch.randn(6, 37, generator=torch.Generator().manual_seed(1))
    selected = lowest_k(scores, fraction)
    assert torch.equal(selected, _reference_lowest(scores, fraction))
    assert (selected.sum(dim=1) == int(fraction * 37)).all()


def test_lowest_k_with_padding_never_selects_invalid_entries():
    scores = torch.randn(4, 10, generator=torch.Generator().manual_seed(2))
    lengths = [10, 3, 7, 1]
    valid = torch.arange(10) < torch.tensor(lengths)[:, None]
    scores[~valid] = -100.0  # the lowest scores sit in the padding
    selected = lowest_k(scores, 0.5, valid=valid)
    assert not selected[~valid].any()
    assert torch.equal(selected, _reference_lowest(scores, 0.5, lengths))
    assert selected.sum(dim=1).tolist() == [5, 1, 3, 0]


def test_time_series_masking_replaces_only_the_lowest_cells_within_range():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(5, 8, 3, generator=gen) * 4 + 1
    scores = torch.randn(5, 8, 3, generator=gen)
    masked, mask = mask_time_series(
        x, scores, 0.4, fill="sample_range", generator=torch.Generator().manual_seed(0)
    )
    expected = _reference_lowest(scores.reshape(5, -1), 0.4).view(5, 8, 3)
    assert torch.equal(mask, expected)
    assert torch.equal(masked[~mask], x[~mask])  # high-salient cells untouched
    for i in range(5):
        values = masked[i][mask[i]]
        assert (values >= x[i].min()).all() and (values <= x[i].max()).all()
        assert not torch.equal(values, x[i][mask[i]])


def test_time_series_feature_range_uses_each_features_range():
    x = torch.stack([torch.zeros(50), torch.full((50,), 100.0)], dim=1)[None]  # (1, 50, 2)
    x = x + torch.linspace(0, 1, 50)[None, :, None]  # feature 0 in [0, 1], feature 1 in [100, 101]
    scores = torch.randn(1, 50, 2, generator=torch.Generator().manual_seed(4))
    masked, mask = mask_time_series(x, scores, 0.5, fill="feature_range")
    for f, (low, high) in enumerate([(0.0, 1.0), (100.0, 101.0)]):
        values = masked[0, :, f][mask[0, :, f]]
        assert values.numel() > 0
        assert (values >= low).all() and (values <= high).all()


def test_time_series_masking_respects_padding():
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(3, 6, 2, generator=gen)
    x[1, 4:] = 1000.0  # padding values must neither be masked nor set the range
    scores = torch.randn(3, 6, 2, generator=gen)
    scores[1, 4:] = -50.0
    lengths = torch.tensor([6, 4, 2])
    masked, mask = mask_time_series(x, scores, 0.5, fill="sample_range", lengths=lengths)
    assert not mask[1, 4:].any() and not mask[2, 2:].any()
    assert mask.sum(dim=(1, 2)).tolist() == [6, 4, 2]
    assert torch.equal(masked[1, 4:], x[1, 4:])
    assert masked[1][mask[1]].max() <= x[1, :4].max()


def test_time_series_masking_is_seeded():
    x = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(6))
    scores = torch.randn(4, 5, 3, generator=torch.Generator().manual_seed(7))

    def run(seed: int) -> torch.Tensor:
        return mask_time_series(x, scores, 0.5, generator=torch.Generator().manual_seed(seed))[0]

    assert torch.equal(run(0), run(0))
    assert not torch.equal(run(0), run(1))


def test_time_series_constant_and_replacement_fills():
    x = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(8))
    scores = -x
    masked, mask = mask_time_series(x, scores, 0.25, fill="constant", value=-7.0)
    assert (masked[mask] == -7.0).all() and mask.sum() == 6
    replacement = torch.full_like(x, 3.5)
    masked, mask = mask_time_series(x, scores, 0.25, fill="replacement", replacement=replacement)
    assert (masked[mask] == 3.5).all()
    with pytest.raises(ValueError, match="replacement: expected"):
        mask_time_series(x, scores, 0.25, fill="replacement")


def test_image_masking_ranks_pixels_by_channel_mean_and_fills_per_channel():
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(3, 2, 5, 4, generator=gen)
    x[:, 1] += 10.0
    scores = torch.randn(3, 2, 5, 4, generator=gen)
    masked, pixels = mask_images(x, scores, 0.3, fill="random", generator=torch.Generator().manual_seed(0))
    expected = _reference_lowest(scores.mean(dim=1).reshape(3, -1), 0.3).view(3, 5, 4)
    assert torch.equal(pixels, expected)
    every_channel = pixels[:, None].expand_as(x)
    assert torch.equal(masked[~every_channel], x[~every_channel])
    for i in range(3):
        for c in range(2):
            values = masked[i, c][pixels[i]]
            assert (values >= x[i, c].min()).all() and (values <= x[i, c].max()).all()
    masked, pixels = mask_images(x, scores, 0.3, fill="mean")
    for i in range(3):
        for c in range(2):
            assert torch.allclose(masked[i, c][pixels[i]], x[i, c].mean().expand(int(pixels[i].sum())))


def _reference_tokens(tokens, scores, fraction, lengths):
    out = tokens.clone()
    mask = _reference_lowest(scores, fraction, lengths)
    for row in range(tokens.shape[0]):
        kept = [i for i in range(lengths[row]) if not mask[row, i]]
        for i in range(lengths[row]):
            if mask[row, i]:
                before = [j for j in kept if j < i]
                out[row, i] = tokens[row, before[-1] if before else kept[0]]
    return out, mask


def test_token_masking_uses_the_previous_high_salient_token():
    gen = torch.Generator().manual_seed(10)
    lengths = [9, 4, 1, 6]
    tokens = torch.randint(2, 50, (4, 9), generator=gen)
    valid = torch.arange(9) < torch.tensor(lengths)[:, None]
    tokens[~valid] = 0
    scores = torch.randn(4, 9, generator=gen)
    masked, mask = mask_tokens(tokens, scores, 0.6, lengths=torch.tensor(lengths))
    expected, expected_mask = _reference_tokens(tokens, scores, 0.6, lengths)
    assert torch.equal(mask, expected_mask)
    assert torch.equal(masked, expected)
    assert (masked[~valid] == 0).all()  # padding kept, lengths unchanged


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: lowest_k(torch.zeros(2, 3), 1.0), "fraction: expected a number in"),
        (lambda: lowest_k(torch.zeros(3), 0.5), "scores: expected shape"),
        (lambda: mask_time_series(torch.zeros(2, 3, 4), torch.zeros(2, 3), 0.5), "scores: expected shape"),
        (lambda: mask_time_series(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), 0.5, fill="x"), "fill:"),
        (lambda: mask_images(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), 0.5), "x: expected shape"),
        (lambda: mask_tokens(torch.zeros(2, 3), torch.zeros(2, 4), 0.5), "scores: expected the shape"),
    ],
)
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_lowest_k_agrees_on_both_selection_paths():
    """float32 goes through numpy's argpartition on the CPU, float16 through torch.topk (as CUDA)."""
    gen = torch.Generator().manual_seed(11)
    scores = torch.stack([torch.randperm(37, generator=gen) for _ in range(5)]).to(torch.float16)
    expected = _reference_lowest(scores.float(), 0.4)
    assert torch.equal(lowest_k(scores, 0.4), expected)
    assert torch.equal(lowest_k(scores.float(), 0.4), expected)
