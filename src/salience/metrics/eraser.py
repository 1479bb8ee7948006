"""ERASER's faithfulness of token rationales: comprehensiveness and sufficiency as AOPC
(DeYoung et al., ACL 2020; the saliency guided training paper's Table 1).

For each sample x of length n with predicted class j (argmax of the full input; ``target``
overrides it) and probability p_j(x), and each level k in K = (1 %, 5 %, 10 %, 20 %, 50 %):

- the rationale r_k is the top ``max(1, ⌊k·n⌋)`` tokens by score (ties: the earlier position first);
- comprehensiveness_k = p_j(x) − p_j(x ∖ r_k): the rationale is **deleted** (the sequence gets
  shorter, the other tokens keep their order);
- sufficiency_k = p_j(x) − p_j(r_k): only the rationale is kept, in its original order.

The AOPC scores are the means over K (higher comprehensiveness and lower sufficiency are better).
⌊k·n⌋ is taken with a 1e-9 tolerance so that, e.g., 0.29 · 100 counts 29 tokens, not 28.
Deleting every token (only possible for comprehensiveness of a one-token sample) leaves an empty
sequence, which is fed as one ``empty_token`` (``<pad>`` by default: for
:class:`~salience.models.TextBiLSTM` a zero embedding, i.e. no evidence).

All 2·|K| variants of a batch are built at once: one sort gives each token's rank, the keep masks
are compared against the rationale sizes, and a stable sort of each keep mask compacts the kept
tokens to the front; no per-sample Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from salience._validation import (
    as_lengths,
    as_tensor,
    as_token_ids,
    check_finite,
    check_labels,
    check_ndim,
    check_positive_int,
    check_same_shape,
)

ERASER_LEVELS: tuple[float, ...] = (0.01, 0.05, 0.10, 0.20, 0.50)
"""ERASER's AOPC levels: the rationale is the top 1 %, 5 %, 10 %, 20 % and 50 % of the tokens."""

_TOLERANCE = 1e-9


@dataclass
class EraserScores:
    """Per-sample ERASER scores (CPU float64 tensors) and their means.

    Attributes:
        levels: K.
        comprehensiveness, sufficiency: AOPC per sample (N,).
        comprehensiveness_curve, sufficiency_curve: the differences per level (N, |K|).
        probability: p_j(x) of the full input (N,).
        target: the explained class j (N,).
    """

    levels: tuple[float, ...]
    comprehensiveness: torch.Tensor
    sufficiency: torch.Tensor
    comprehensiveness_curve: torch.Tensor
    sufficiency_curve: torch.Tensor
    probability: torch.Tensor
    target: torch.Tensor

    def means(self) -> dict[str, float]:
        """``comprehensiveness``, ``sufficiency`` and one ``<name>@<percent>`` per level, averaged over
        the samples."""
        out = {
            "comprehensiveness": float(self.comprehensiveness.mean()),
            "sufficiency": float(self.sufficiency.mean()),
        }
        for i, level in enumerate(self.levels):
            percent = f"{100 * level:g}"
            out[f"comprehensiveness@{percent}"] = float(self.comprehensiveness_curve[:, i].mean())
            out[f"sufficiency@{percent}"] = float(self.sufficiency_curve[:, i].mean())
        return out


def rationale_sizes(lengths: torch.Tensor, levels: Sequence[float] = ERASER_LEVELS) -> torch.Tensor:
    """Tokens in each rationale: ``max(1, ⌊k·n⌋)`` for each length n and level k, int64 (N, |K|).

    Example:
        >>> rationale_sizes(torch.tensor([1, 20, 100])).tolist()
        [[1, 1, 1, 1, 1], [1, 1, 2, 4, 10], [1, 5, 10, 20, 50]]
    """
    _check_levels(levels)
    k = torch.tensor([float(level) for level in levels], dtype=torch.float64)
    sizes = torch.floor(lengths.to(torch.float64).unsqueeze(1) * k + _TOLERANCE).to(torch.int64)
    return sizes.clamp(min=1)


def delete_tokens(
    tokens: torch.Tensor, keep: torch.Tensor, *, empty_token: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the tokens where ``keep`` is true, moved to the front in their order; the rest becomes 0.

    Returns ``(tokens, lengths)`` of the shortened sequences; a row that keeps nothing becomes one
    ``empty_token`` of length 1.

    Example:
        >>> tokens = torch.tensor([[5, 6, 7, 8], [9, 3, 0, 0]])
        >>> keep = torch.tensor([[True, False, True, False], [False, False, False, False]])
        >>> out, lengths = delete_tokens(tokens, keep)
        >>> out.tolist(), lengths.tolist()
        ([[5, 7, 0, 0], [0, 0, 0, 0]], [2, 1])
    """
    order = torch.argsort((~keep).to(torch.int8), dim=-1, stable=True)  # kept positions first
    moved = tokens.gather(-1, order)
    lengths = keep.sum(dim=-1)
    positions = torch.arange(tokens.shape[-1], device=tokens.device)
    moved = torch.where(positions < lengths.unsqueeze(-1), moved, 0)
    empty = lengths == 0
    moved[..., 0] = torch.where(empty, torch.full_like(moved[..., 0], empty_token), moved[..., 0])
    return moved, lengths.clamp(min=1)


def eraser_scores(
    model: nn.Module,
    tokens: np.ndarray | torch.Tensor,
    lengths: np.ndarray | torch.Tensor,
    scores: np.ndarray | torch.Tensor,
    *,
    levels: Sequence[float] = ERASER_LEVELS,
    target: np.ndarray | torch.Tensor | None = None,
    batch_size: int = 128,
    empty_token: int = 0,
) -> EraserScores:
    """Comprehensiveness and sufficiency (AOPC over ``levels``) of token ``scores`` for ``model``.

    Args:
        model: a text classifier ``model(tokens (B, L), lengths=(B,)) -> logits (B, C)``; run in eval
            mode without gradients on its parameters' device (its mode is restored).
        tokens: token ids (N, L), right-padded.
        lengths: valid tokens per sample (N,), in [1, L].
        scores: token scores (N, L), finite; higher means more important (e.g. |saliency|).
        levels: rationale sizes as fractions of each length, in (0, 1].
        target: the class to score per sample (N,); default the model's prediction on the full input.
        batch_size: samples per step; each step forwards ``batch_size · (1 + 2·|K|)`` sequences.
        empty_token: the id fed for an empty sequence (see the module docstring).

    Example:
        >>> from salience.models import TextBiLSTM
        >>> model = TextBiLSTM(vocab_size=30, n_classes=2, embedding_dim=8, hidden_size=4)
        >>> tokens = torch.tensor([[5, 6, 7, 8], [9, 3, 0, 0]])
        >>> result = eraser_scores(model, tokens, [4, 2], torch.rand(2, 4))
        >>> result.comprehensiveness.shape, sorted(result.means())[:2]
        (torch.Size([2]), ['comprehensiveness', 'comprehensiveness@1'])
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(empty_token, "empty_token", allow_zero=True)
    _check_levels(levels)
    levels = tuple(float(level) for level in levels)
    ids = as_token_ids(tokens)
    n, n_steps = ids.shape
    if isinstance(lengths, (list, tuple)):
        lengths = np.asarray(lengths, dtype=np.int64)
    valid_lengths = as_lengths(lengths, n, n_steps).cpu()
    check_ndim(scores, "scores", 2, "(N, L)")
    check_same_shape(scores, "scores", ids, "tokens")
    values = as_tensor(scores, "scores")
    if not values.is_floating_point():
        values = values.to(torch.float64)
    check_finite(values, "scores")
    values = values.cpu()
    labels = None
    if target is not None:
        labels = as_tensor(np.asarray(target) if isinstance(target, list) else target, "target").cpu()
        check_labels(labels, "target", n)
    device = _device(model)
    slices = [slice(start, start + batch_size) for start in range(0, n, batch_size)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            parts = [
                _batch_scores(
                    model, ids[part], valid_lengths[part], values[part], levels,
                    None if labels is None else labels[part], empty_token, device,
                )
                for part in slices
            ]  # fmt: skip
    finally:
        model.train(was_training)
    if not parts:
        empty = torch.zeros(0, dtype=torch.float64)
        curve = torch.zeros((0, len(levels)), dtype=torch.float64)
        return EraserScores(levels, empty, empty, curve, curve, empty, torch.zeros(0, dtype=torch.int64))
    probability, target_ids, comp, suff = (torch.cat(items) for items in zip(*parts, strict=True))
    return EraserScores(
        levels=levels,
        comprehensiveness=comp.mean(dim=1),
        sufficiency=suff.mean(dim=1),
        comprehensiveness_curve=comp,
        sufficiency_curve=suff,
        probability=probability,
        target=target_ids,
    )


def _batch_scores(
    model: nn.Module,
    tokens: torch.Tensor,
    lengths: torch.Tensor,
    scores: torch.Tensor,
    levels: tuple[float, ...],
    target: torch.Tensor | None,
    empty_token: int,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(p_j(x), j, comprehensiveness (B, K), sufficiency (B, K)) of one batch."""
    batch, n_steps = tokens.shape
    n_levels = len(levels)
    positions = torch.arange(n_steps)
    valid = positions < lengths.unsqueeze(1)
    ranked = torch.argsort(scores.masked_fill(~valid, -torch.inf), dim=1, descending=True, stable=True)
    rank = torch.empty_like(ranked).scatter_(1, ranked, positions.expand(batch, n_steps))
    rationale = (rank.unsqueeze(1) < rationale_sizes(lengths, levels).unsqueeze(2)) & valid.unsqueeze(1)
    keep = torch.cat([valid.unsqueeze(1) & ~rationale, rationale], dim=1)  # (B, 2K, L)
    repeated = tokens.unsqueeze(1).expand(batch, 2 * n_levels, n_steps)
    variants, variant_lengths = delete_tokens(repeated, keep, empty_token=empty_token)
    all_tokens = torch.cat([tokens, variants.reshape(-1, n_steps)])
    all_lengths = torch.cat([lengths, variant_lengths.reshape(-1)])
    width = int(all_lengths.max())
    logits = model(all_tokens[:, :width].to(device), lengths=all_lengths.to(device))
    if logits.ndim != 2 or logits.shape[0] != all_tokens.shape[0]:
        raise ValueError(f"model: expected logits of shape (B, C), got {tuple(logits.shape)}")
    probabilities = torch.softmax(logits.double(), dim=-1).cpu()
    full = probabilities[:batch]
    if target is None:
        target = full.argmax(dim=1)
    elif int(target.max()) >= full.shape[1]:
        raise ValueError(f"target: expected classes in [0, {full.shape[1]}), got up to {int(target.max())}")
    p_full = full.gather(1, target.unsqueeze(1)).squeeze(1)
    rows = target.repeat_interleave(2 * n_levels).unsqueeze(1)
    p_variants = probabilities[batch:].gather(1, rows).reshape(batch, 2 * n_levels)
    differences = p_full.unsqueeze(1) - p_variants
    return p_full, target, differences[:, :n_levels], differences[:, n_levels:]


def _check_levels(levels: Sequence[float]) -> None:
    values = list(levels) if isinstance(levels, (list, tuple)) else None
    ok = bool(values) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1 for v in values
    )
    if not ok:
        raise ValueError(f"levels: expected a non-empty sequence of numbers in (0, 1], got {levels!r}")


def _device(model: nn.Module) -> torch.device:
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")
