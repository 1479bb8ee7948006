"""Masking functions of saliency guided training: replace the k lowest-saliency features of each
sample, on the input's device, for a whole batch at once (no per-sample loop, no host copy).

k is a fraction of the *features* of a sample (cells (t, f) of a time series, pixels of an image,
tokens of a sentence), as in the original code (``k = int(fraction · n_features)``); with padding,
of the sample's valid features. This is not the benchmark's saliency-**mass** masking
(:mod:`salience.metrics.masks`).

"Lowest" is by the score given: pass the signed gradient for the paper's ranking (its sorting
function S orders the signed gradient, and the original code ranks signed values), or its absolute
value for a ranking by magnitude. One selection per batch and no sort of the selected features
(with equal-length samples): on CUDA ``torch.topk``; on the CPU numpy's introselect
(``argpartition``) on a zero-copy view of the tensor, which measured 5.5× faster than ``topk`` for
k = half of 2,500 cells (0.19 ms against 1.06 ms per batch of 50).

- :func:`lowest_k`: the boolean mask of the k lowest scores of each row.
- :func:`mask_time_series`: cells (t, f) of (B, T, F) inputs; fills ``sample_range``
  (U(min, max) of the sample's valid cells), ``feature_range`` (U(min, max) per feature of the
  sample), ``constant`` or ``replacement`` (e.g. a signal-free sample of the same process).
- :func:`mask_images`: pixels of (B, C, H, W) images ranked by the channel-mean score, masked on
  every channel; fills ``random`` (U(min_c, max_c) per channel of that image), ``mean`` (the image's
  channel mean) or ``constant``.
- :func:`mask_tokens`: tokens of (B, L) id sequences; each low-salient token becomes the previous
  high-salient token (the first high-salient one for a leading run), keeping the length.
"""

from __future__ import annotations

import numpy as np
import torch

from salience._validation import check_choice

TIME_SERIES_FILLS = ("sample_range", "feature_range", "constant", "replacement")
IMAGE_FILLS = ("random", "mean", "constant")


def lowest_k(scores: torch.Tensor, fraction: float, *, valid: torch.Tensor | None = None) -> torch.Tensor:
    """Boolean mask (B, n) of the ``int(fraction · n_valid)`` lowest ``scores`` in each row.

    Invalid entries (``valid`` False, e.g. padding) are never selected and do not count in n_valid.
    Ties are broken by ``torch.topk``.

    Example:
        >>> lowest_k(torch.tensor([[3.0, -1.0, 2.0, 0.0]]), 0.5).tolist()
        [[False, True, False, True]]
        >>> valid = torch.tensor([[True, True, False, False]])
        >>> lowest_k(torch.tensor([[3.0, -1.0, -5.0, -6.0]]), 0.5, valid=valid).tolist()
        [[False, True, False, False]]
    """
    _check_fraction(fraction)
    if scores.ndim != 2:
        raise ValueError(f"scores: expected shape (B, n), got {tuple(scores.shape)}")
    n = scores.shape[1]
    selected = torch.zeros(scores.shape, dtype=torch.bool, device=scores.device)
    if valid is None:
        k = int(fraction * n)
        if k == 0 or scores.shape[0] == 0:
            return selected
        return selected.scatter_(1, _smallest_k_indices(scores, k), True)
    if valid.shape != scores.shape:
        raise ValueError(f"valid: expected shape {tuple(scores.shape)}, got {tuple(valid.shape)}")
    counts = (valid.sum(dim=1).to(torch.float64) * fraction).floor().to(torch.int64)
    k_max = int(counts.max()) if counts.numel() else 0
    if k_max == 0:
        return selected
    blocked = scores.masked_fill(~valid, torch.inf)
    index = torch.topk(blocked, k_max, dim=1, largest=False, sorted=True).indices
    keep = torch.arange(k_max, device=scores.device) < counts[:, None]
    return selected.scatter_(1, index, keep)


def mask_time_series(
    x: torch.Tensor,
    scores: torch.Tensor,
    fraction: float,
    *,
    fill: str = "feature_range",
    lengths: torch.Tensor | None = None,
    value: float = 0.0,
    replacement: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace the k lowest-scoring cells (t, f) of each sample of ``x`` (B, T, F).

    Args:
        x: inputs (B, T, F).
        scores: per-cell ranking scores (B, T, F), e.g. the signed input gradient.
        fraction: k as a fraction of each sample's valid cells, in [0, 1).
        fill: ``sample_range``, ``feature_range``, ``constant`` (``value``) or ``replacement``.
        lengths: valid lengths (B,); steps beyond them are never masked and never set a range.
        value: the constant of ``fill="constant"``.
        replacement: (B, T, F) values for ``fill="replacement"`` (e.g. signal-free samples).
        generator: seeds the uniform draws (must live on ``x``'s device).

    Returns:
        ``(x_masked, mask)``: a new tensor and the boolean (B, T, F) mask of the replaced cells.

    Example:
        >>> x = torch.tensor([[[1.0, 5.0], [2.0, 6.0]]])
        >>> masked, mask = mask_time_series(x, -x, 0.5, fill="constant", value=0.0)
        >>> masked.tolist(), mask.tolist()
        ([[[1.0, 0.0], [2.0, 0.0]]], [[[False, True], [False, True]]])
    """
    check_choice(fill, "fill", TIME_SERIES_FILLS)
    _check_batch(x, scores, 3, "(B, T, F)")
    b, t, f = x.shape
    valid = None
    if lengths is not None:
        steps = torch.arange(t, device=x.device) < lengths.to(x.device)[:, None]
        valid = steps[:, :, None].expand(b, t, f)
    mask = lowest_k(scores.reshape(b, -1), fraction, valid=None if valid is None else valid.reshape(b, -1))
    mask = mask.view(b, t, f)
    if fill == "constant":
        values = torch.full_like(x, float(value))
    elif fill == "replacement":
        if replacement is None or replacement.shape != x.shape:
            got = None if replacement is None else tuple(replacement.shape)
            raise ValueError(f"replacement: expected a tensor of shape {tuple(x.shape)}, got {got}")
        values = replacement.to(device=x.device, dtype=x.dtype)
    else:
        dims = (1, 2) if fill == "sample_range" else (1,)
        values = _uniform_between(*_range(x, valid, dims), x, generator)
    return torch.where(mask, values, x), mask


def mask_images(
    x: torch.Tensor,
    scores: torch.Tensor,
    fraction: float,
    *,
    fill: str = "random",
    value: float = 0.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace the k lowest pixels of each image of ``x`` (B, C, H, W) on every channel.

    Pixels are ranked by the channel mean of ``scores`` (B, C, H, W) (pass |gradient| for a
    ranking by magnitude); k = ``int(fraction · H · W)``.

    Returns:
        ``(x_masked, mask)`` with the boolean pixel mask (B, H, W).

    Example:
        >>> x = torch.arange(8.0).view(1, 2, 2, 2)
        >>> masked, mask = mask_images(x, x, 0.25, fill="mean")
        >>> masked[0, :, 0, 0].tolist(), int(mask.sum())
        ([1.5, 5.5], 1)
    """
    check_choice(fill, "fill", IMAGE_FILLS)
    _check_batch(x, scores, 4, "(B, C, H, W)")
    b, _, h, w = x.shape
    pixels = lowest_k(scores.mean(dim=1).reshape(b, h * w), fraction).view(b, 1, h, w)
    if fill == "constant":
        values = torch.full_like(x, float(value))
    elif fill == "mean":
        values = x.mean(dim=(2, 3), keepdim=True).expand_as(x)
    else:
        values = _uniform_between(
            x.amin(dim=(2, 3), keepdim=True), x.amax(dim=(2, 3), keepdim=True), x, generator
        )
    return torch.where(pixels, values, x), pixels.squeeze(1)


def mask_tokens(
    tokens: torch.Tensor, scores: torch.Tensor, fraction: float, *, lengths: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Replace the k lowest-scoring tokens of each sequence by the previous high-salient token.

    A run of masked tokens at the start (no high-salient token before it) takes the first
    high-salient token of the sequence. Lengths and padding are unchanged; k = ``int(fraction ·
    length)``, so at least one token of every sequence stays.

    Args:
        tokens: token ids (B, L).
        scores: per-token ranking scores (B, L), e.g. the embedding gradient summed over the
            embedding dimension.
        fraction: k as a fraction of each sequence's length, in [0, 1).
        lengths: valid lengths (B,); default: all L tokens are valid.

    Returns:
        ``(tokens_masked, mask)`` with the boolean (B, L) mask of replaced tokens.

    Example:
        >>> tokens = torch.tensor([[11, 12, 13, 14, 0]])
        >>> scores = torch.tensor([[-3.0, 5.0, -1.0, 2.0, -9.0]])
        >>> mask_tokens(tokens, scores, 0.5, lengths=torch.tensor([4]))[0].tolist()
        [[12, 12, 12, 14, 0]]
    """
    _check_batch(tokens, scores, 2, "(B, L)")
    b, n = tokens.shape
    valid = None
    if lengths is not None:
        valid = torch.arange(n, device=tokens.device) < lengths.to(tokens.device)[:, None]
    mask = lowest_k(scores, fraction, valid=valid)
    kept = ~mask if valid is None else ~mask & valid
    positions = torch.arange(n, device=tokens.device).expand(b, n)
    previous = torch.where(kept, positions, -1).cummax(dim=1).values
    first = kept.to(torch.int8).argmax(dim=1, keepdim=True).expand(b, n)
    source = torch.where(previous < 0, first, previous)
    return torch.where(mask, tokens.gather(1, source), tokens), mask


def _smallest_k_indices(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices (B, k) of the k smallest scores of each row, in no particular order."""
    if scores.device.type == "cpu" and scores.dtype in (torch.float32, torch.float64) and k < scores.shape[1]:
        view = scores.detach().numpy()  # shares memory with the tensor: no copy
        return torch.from_numpy(np.argpartition(view, k - 1, axis=1)[:, :k])
    return torch.topk(scores, k, dim=1, largest=False, sorted=False).indices


def _range(x: torch.Tensor, valid: torch.Tensor | None, dims: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
    """Min and max of ``x`` over ``dims`` (valid cells only), broadcastable to ``x``."""
    if valid is None:
        return x.amin(dim=dims, keepdim=True), x.amax(dim=dims, keepdim=True)
    low = x.masked_fill(~valid, torch.inf).amin(dim=dims, keepdim=True)
    high = x.masked_fill(~valid, -torch.inf).amax(dim=dims, keepdim=True)
    return low, high


def _uniform_between(
    low: torch.Tensor, high: torch.Tensor, like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """U(low, high) values of ``like``'s shape (in place on one draw: no temporaries)."""
    values = torch.rand(like.shape, generator=generator, device=like.device, dtype=like.dtype)
    return values.mul_(high - low).add_(low)


def _check_fraction(fraction: object) -> None:
    ok = isinstance(fraction, (int, float)) and not isinstance(fraction, bool) and 0.0 <= fraction < 1.0
    if not ok:
        raise ValueError(f"fraction: expected a number in [0, 1), got {fraction!r}")


def _check_batch(x: torch.Tensor, scores: torch.Tensor, ndim: int, layout: str) -> None:
    for name, tensor in (("x", x), ("scores", scores)):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor, got {type(tensor).__name__}")
        if tensor.ndim != ndim:
            raise ValueError(f"{name}: expected shape {layout}, got {tuple(tensor.shape)}")
    if scores.shape != x.shape:
        raise ValueError(f"scores: expected the shape of x {tuple(x.shape)}, got {tuple(scores.shape)}")
    if scores.device != x.device:
        raise ValueError(f"scores: expected a tensor on {x.device}, got {scores.device}")
