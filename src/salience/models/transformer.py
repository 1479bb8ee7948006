"""The time-series benchmark's Transformer: a pre-norm encoder over the raw features (or over a
linear input projection of width ``d_model``), max over time, then a linear layer to logits (B, C).

With ``d_model=None`` (the class default, the benchmark's model), d_model = F: the raw features are
the embedding (no input projection), so F must be at least 2 and divisible by the number of heads
(50 / 5 in the benchmark, 28 / 4 for MNIST rows). With ``d_model`` set, a Linear(F → d_model) comes
first, so any F works, univariate series included (the registry's real-data default is 64). Two
quirks of the original are reproduced by default:

* the positional encoding (``positional="benchmark"``) uses the exponent 2c/d for column c where the
  standard sinusoidal encoding uses 2·⌊c/2⌋/d, so high columns are nearly constant;
  ``positional="sinusoidal"`` gives the standard encoding (see :func:`positional_encoding`);
* the norm is α·(x − mean)/(std + 1e-6) + β with the *unbiased* std over features
  (:class:`BenchmarkNorm`), not ``nn.LayerNorm`` (biased variance, eps inside the square root).

Attention is ``torch.nn.functional.scaled_dot_product_attention`` (equal to the explicit per-head
softmax(QKᵀ/√d_k)V, which the tests check). The causal mask (position i attends to j ≤ i; the
synthetic benchmark had it, the MNIST version did not: ``causal=False``) is SDPA's built-in
``is_causal``, so no mask tensor is built per forward (the original rebuilt one on the CPU each call).
The original filled masked scores with −1e9 rather than −inf: the same after the softmax.

Every sublayer and the final norm read the residual stream through the norm, which removes the mean
over features; so adding the same constant to all features of a step changes nothing, and each step's
input gradient sums to zero over features (true of the original too; keep it in mind when reading
signed saliency maps of this model).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from salience._validation import check_choice, check_fraction, check_positive_int, check_positive_ints
from salience.models.heads import TemporalPooling, checked_lengths, valid_steps

POSITIONAL_ENCODINGS = ("benchmark", "sinusoidal")


def positional_encoding(
    n_steps: int,
    d_model: int,
    variant: str = "benchmark",
    *,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Positional encoding PE (T, d): sin in even columns c, cos in odd ones, of pos / 10000^e(c).

    ``sinusoidal``: e(c) = 2·⌊c/2⌋/d (Vaswani et al.). ``benchmark``: e(c) = 2c/d, the doubled exponent
    of the blog code the benchmark adapted. Works for odd d too (the last column is a sine).

    Example:
        >>> pe = positional_encoding(3, 4, "sinusoidal")
        >>> round(pe[2, 1].item(), 4) == round(math.cos(2.0), 4), pe.shape
        (True, torch.Size([3, 4]))
    """
    check_positive_int(n_steps, "n_steps")
    check_positive_int(d_model, "d_model")
    check_choice(variant, "positional", POSITIONAL_ENCODINGS)
    position = torch.arange(n_steps, dtype=torch.float64, device=device).unsqueeze(1)
    column = torch.arange(d_model, dtype=torch.float64, device=device)
    # Standard: columns 2i and 2i + 1 share the exponent 2i/d. Benchmark: the column index is doubled.
    doubled = 2 * column if variant == "benchmark" else 2 * torch.div(column, 2, rounding_mode="floor")
    exponent = doubled / d_model
    angle = position / 10000.0**exponent
    encoding = torch.where(column.remainder(2) == 0, torch.sin(angle), torch.cos(angle))
    return encoding.to(dtype)


class BenchmarkNorm(nn.Module):
    """α·(x − mean)/(std + eps) + β over the last dimension, with the unbiased std (the benchmark's norm).

    Example:
        >>> BenchmarkNorm(3)(torch.tensor([[1.0, 2.0, 3.0]])).round(decimals=4).tolist()
        [[-1.0, 0.0, 1.0]]
    """

    def __init__(self, d_model: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.alpha = nn.Parameter(torch.ones(d_model))
        self.beta = nn.Parameter(torch.zeros(d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        std, mean = torch.std_mean(x, dim=-1, keepdim=True)  # unbiased
        return self.alpha * (x - mean) / (std + self.eps) + self.beta


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention with Q, K, V and output Linear layers and dropout on the weights.

    Example:
        >>> attention = MultiHeadSelfAttention(d_model=6, n_heads=2, dropout=0.0)
        >>> attention(torch.randn(2, 5, 6), is_causal=True).shape
        torch.Size([2, 5, 6])
    """

    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        self.n_heads, self.d_k, self.dropout = n_heads, d_model // n_heads, dropout
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.output = nn.Linear(d_model, d_model)

    def forward(
        self, x: torch.Tensor, key_mask: torch.Tensor | None = None, *, is_causal: bool = False
    ) -> torch.Tensor:
        """(B, T, d) → (B, T, d); ``key_mask`` bool (B, 1, 1, T) is True for keys that may be attended."""
        batch, n_steps, d_model = x.shape

        def heads(projection: nn.Linear) -> torch.Tensor:
            return projection(x).view(batch, n_steps, self.n_heads, self.d_k).transpose(1, 2)

        attended = nn.functional.scaled_dot_product_attention(
            heads(self.query),
            heads(self.key),
            heads(self.value),
            attn_mask=key_mask,
            dropout_p=self.dropout if self.training else 0.0,
            is_causal=is_causal,
        )
        return self.output(attended.transpose(1, 2).reshape(batch, n_steps, d_model))


class EncoderLayer(nn.Module):
    """Pre-norm encoder layer: x + Dropout(MHA(Norm(x))), then x + Dropout(FFN(Norm(x))).

    FFN is Linear(d, d_ff) → ReLU → Dropout → Linear(d_ff, d).

    Example:
        >>> layer = EncoderLayer(d_model=6, n_heads=2, d_ff=8, dropout=0.0)
        >>> layer(torch.randn(2, 5, 6)).shape
        torch.Size([2, 5, 6])
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = BenchmarkNorm(d_model)
        self.attention = MultiHeadSelfAttention(d_model, n_heads, dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.norm2 = BenchmarkNorm(d_model)
        self.feed_forward = nn.Sequential(
            nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d_ff, d_model)
        )
        self.dropout2 = nn.Dropout(dropout)

    def forward(
        self, x: torch.Tensor, key_mask: torch.Tensor | None = None, *, is_causal: bool = False
    ) -> torch.Tensor:
        x = x + self.dropout1(self.attention(self.norm1(x), key_mask, is_causal=is_causal))
        return x + self.dropout2(self.feed_forward(self.norm2(x)))


class TransformerClassifier(nn.Module):
    """Encoder-only Transformer over the raw features (or their projection to ``d_model``) → final
    norm → max over time → Linear (logits).

    The input (projected by Linear(F → d_model) when ``d_model`` is set) is scaled by √d_model, the
    positional encoding added, then dropout and ``n_layers`` :class:`EncoderLayer` s of width d_model
    (= F when ``d_model`` is None). Defaults are the benchmark's (no projection, 6 layers, 5 heads,
    FFN 400, dropout 0.1, causal, its positional encoding and norm; see the module docstring).

    With ``lengths`` (B,), padded steps are zeroed at the input (so any padding value, even NaN, is
    harmless), excluded from the attention keys (with ``causal`` the valid queries never reach them
    anyway) and from the max.

    Args:
        n_features, n_classes: F and C.
        d_model: the encoder's width after an input projection; None: F itself (no projection).
            The width must be at least 2 and divisible by ``n_heads``.
        n_layers, n_heads, d_ff: encoder sizes.
        dropout: after the positional encoding, on the attention weights and in every residual branch.
        causal: position i attends to positions j ≤ i only.
        positional: ``benchmark`` or ``sinusoidal`` (:func:`positional_encoding`).

    Example:
        >>> model = TransformerClassifier(n_features=6, n_classes=2, n_layers=2, n_heads=3, d_ff=8)
        >>> model(torch.randn(5, 9, 6)).shape
        torch.Size([5, 2])
        >>> TransformerClassifier(n_features=1, n_classes=3, d_model=8, n_heads=2)(torch.randn(4, 7, 1)).shape
        torch.Size([4, 3])
    """

    def __init__(
        self, n_features: int, n_classes: int, *, d_model: int | None = None, n_layers: int = 6,
        n_heads: int = 5, d_ff: int = 400, dropout: float = 0.1, causal: bool = True,
        positional: str = "benchmark",
    ) -> None:
        super().__init__()
        check_positive_ints(
            n_features=n_features, n_classes=n_classes, n_layers=n_layers, n_heads=n_heads, d_ff=d_ff
        )
        if d_model is not None:
            check_positive_int(d_model, "d_model")
        width, name = (n_features, "n_features") if d_model is None else (d_model, "d_model")
        if width < 2:
            raise ValueError(
                f"{name}: expected at least 2 (the norm divides by the unbiased std over the model width), "
                f"got {width}" + ("; set d_model for an input projection" if d_model is None else "")
            )
        if width % n_heads:
            raise ValueError(
                f"n_heads: expected a divisor of the model width ({name} = {width}), got n_heads = {n_heads}"
            )
        check_fraction(dropout, "dropout")
        check_choice(positional, "positional", POSITIONAL_ENCODINGS)
        self.n_features, self.n_classes, self.d_model = n_features, n_classes, width
        self.causal, self.positional = bool(causal), positional
        self.projection = None if d_model is None else nn.Linear(n_features, d_model)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList(EncoderLayer(width, n_heads, d_ff, dropout) for _ in range(n_layers))
        self.norm = BenchmarkNorm(width)
        self.pooling = TemporalPooling("max")
        self.classifier = nn.Linear(width, n_classes)
        self._encodings: dict[tuple[int, torch.device, torch.dtype], torch.Tensor] = {}

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Per-step outputs (B, T, d_model) of the final norm, before the max over time."""
        return self._encode(x, checked_lengths(x, lengths, self.n_features))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, C) for x (B, T, F); with ``lengths`` (B,) padded steps are ignored."""
        lengths = checked_lengths(x, lengths, self.n_features)
        return self.classifier(self.pooling(self._encode(x, lengths), lengths))

    def _positional(self, n_steps: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        """The (T, d_model) encoding added to the scaled input, cached per (T, device, dtype)."""
        key = (n_steps, torch.device(device), dtype)
        if key not in self._encodings:
            self._encodings[key] = positional_encoding(
                n_steps, self.d_model, self.positional, dtype=dtype, device=device
            )
        return self._encodings[key]

    def _encode(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        n_steps = x.shape[1]
        valid = valid_steps(lengths, n_steps, x.device)
        key_mask = None
        if valid is not None:
            x = x.masked_fill(~valid.unsqueeze(-1), 0.0)
            if not self.causal:
                key_mask = valid[:, None, None, :]
        if self.projection is not None:
            x = self.projection(x)
        h = x * math.sqrt(self.d_model) + self._positional(n_steps, x.device, x.dtype)
        h = self.dropout(h)
        for layer in self.layers:
            h = layer(h, key_mask, is_causal=self.causal)
        return self.norm(h)
