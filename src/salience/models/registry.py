"""Build models by name; every model records the config it was built from (for checkpoints).

Two sets of defaults: a model class's own keyword defaults are the papers' sizes (preset ``paper``,
used by the reproductions and the benchmark grid); :func:`build_model` without a preset uses sizes
that work on real data (preset ``default``: e.g. hidden size 64, a Transformer of width 64 with an
input projection), registered beside the model. ``docs/guide/models-and-methods.md`` gives the
reasoning; ``salience models`` lists both.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from salience._validation import check_choice
from salience.models.cnn import CNNClassifier
from salience.models.recurrent import RecurrentClassifier, recurrent_options
from salience.models.tcn import TCNClassifier
from salience.models.text_bilstm import TextBiLSTM
from salience.models.transformer import TransformerClassifier

INPUT_KINDS = ("sequence", "image", "tokens")
PRESETS = ("default", "paper")
"""``default``: sizes for real data; ``paper``: the papers' sizes (the model classes' own defaults)."""


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its factory, the options its name implies, its label in tables, the inputs
    it takes (``sequence``: floats (B, T, F) of any T with optional ``lengths``; ``image``: a fixed
    T × F grid; ``tokens``: token ids (B, L) with optional ``lengths``) and the other options it takes
    with their plain (real-data) defaults; ``paper`` holds the factory's own defaults (the papers');
    ``unused`` are keywords without effect under this name (accepted by :func:`build_model`, not
    listed by :func:`model_options`, refused by ``salience train --option``).

    A ``tokens`` model's factory takes ``vocab_size`` where the others take ``n_features``; its
    ``config`` (and checkpoint) records the vocabulary size as ``n_features``.
    """

    factory: Callable[..., nn.Module]
    implied: dict[str, Any]
    label: str
    inputs: str = "sequence"
    options: dict[str, Any] = field(default_factory=dict)
    paper: dict[str, Any] = field(default_factory=dict)
    unused: tuple[str, ...] = ()

    @property
    def size_argument(self) -> str:
        """The factory's name for the input width: ``vocab_size`` for token models, else ``n_features``."""
        return "vocab_size" if self.inputs == "tokens" else "n_features"


MODELS: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    factory: Callable[..., nn.Module],
    label: str,
    *,
    inputs: str = "sequence",
    defaults: dict[str, Any] | None = None,
    unused: tuple[str, ...] = (),
    **implied: Any,
) -> None:
    """Register ``factory(n_features=..., n_classes=..., **options)`` under ``name``.

    ``implied`` fixes options by the name (e.g. ``bidirectional=True`` for ``bilstm``); every other
    keyword of the factory needs a default, which :func:`model_options` lists (preset ``paper``).
    ``defaults`` overrides some of them for the plain preset ``default`` (sizes for real data);
    ``unused`` names keywords the factory takes that have no effect under this name (e.g. the
    attention sizes for a plain ``lstm``): :func:`model_options` does not list them.
    A ``tokens`` model's factory takes ``vocab_size`` in place of ``n_features``.

    Example:
        >>> class Last(nn.Module):
        ...     def __init__(self, n_features: int, n_classes: int, *, bias: bool = True) -> None:
        ...         super().__init__()
        ...         self.classifier = nn.Linear(n_features, n_classes, bias=bias)
        ...     def forward(self, x, lengths=None):
        ...         return self.classifier(x[:, -1])
        >>> register_model("last-step", Last, "Last step")
        >>> model_options("last-step")
        {'bias': True}
        >>> del MODELS["last-step"]
    """
    check_choice(inputs, "inputs", INPUT_KINDS)
    sizes = ("vocab_size" if inputs == "tokens" else "n_features", "n_classes")
    options: dict[str, Any] = {}
    for key, parameter in inspect.signature(factory).parameters.items():
        variadic = parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        if key in sizes or key in implied or variadic:
            continue
        if parameter.default is parameter.empty:
            raise ValueError(f"factory: option {key!r} of {name!r} needs a default (or fix it by the name)")
        options[key] = parameter.default
    unknown = sorted(set(defaults or {}) - set(options))
    if unknown:
        raise ValueError(f"defaults: {name!r} takes no options {unknown}; it takes {sorted(options)}")
    MODELS[name] = ModelSpec(
        factory=factory, implied=implied, label=label, inputs=inputs,
        options={**options, **(defaults or {})}, paper=options, unused=tuple(unused),
    )  # fmt: skip


def model_options(name: str, preset: str = "default") -> dict[str, Any]:
    """The options model ``name`` takes (keywords of :func:`build_model`), with their defaults under
    ``preset`` (``default``: for real data; ``paper``: the papers' sizes).

    Options fixed by the name (e.g. ``input_cell`` for ``ica-lstm``) are not listed.

    Example:
        >>> model_options("transformer")["d_model"], model_options("transformer", "paper")["d_model"]
        (64, None)
        >>> model_options("lstm")["hidden_size"], model_options("lstm", preset="paper")["hidden_size"]
        (64, 5)
        >>> "input_cell" in model_options("ica-lstm")
        False
    """
    check_choice(name, "model", MODELS)
    check_choice(preset, "preset", PRESETS)
    spec = MODELS[name]
    chosen = spec.paper if preset == "paper" else spec.options
    return {key: value for key, value in chosen.items() if key not in spec.unused}


def convert_option(name: str, key: str, text: str) -> Any:
    """The value of option ``key`` of model ``name`` read from ``text``, typed like its defaults.

    ``bool``: true/false, yes/no, 1/0; ``int``, ``float``; ``none``/``null`` where a default is None;
    a list (e.g. the CNN's ``channels``) as comma-separated integers; an option whose defaults are
    all None (``partial_steps``) reads an integer; anything else stays a string.
    An option the model does not take is refused with the list of those it takes.

    Example:
        >>> convert_option("lstm", "hidden_size", "32"), convert_option("lstm", "dropout", "0.2")
        (32, 0.2)
        >>> convert_option("transformer", "causal", "false"), convert_option("transformer", "d_model", "none")
        (False, None)
        >>> convert_option("ica-lstm", "partial_steps", "10")
        10
        >>> convert_option("lstm", "r", "5")
        Traceback (most recent call last):
        ...
        ValueError: r: 'lstm' does not take this option; it takes dropout, hidden_size
    """
    spec, accepted = MODELS.get(name), model_options(name)
    if key not in accepted:
        raise ValueError(f"{key}: {name!r} does not take this option; it takes {', '.join(sorted(accepted))}")
    samples = [spec.options[key], spec.paper[key]]
    raw = text.strip()
    if raw.lower() in ("none", "null") and None in samples:
        return None
    kinds = {type(sample) for sample in samples if sample is not None} or {int}
    try:
        if bool in kinds:
            return _boolean(raw)
        if int in kinds:
            return int(raw)
        if float in kinds:
            return float(raw)
        if kinds & {tuple, list}:
            return [int(part) for part in raw.split(",")]
    except ValueError:
        kind = next(iter(kinds)).__name__
        raise ValueError(f"{key}: expected {kind} for model {name!r}, got {text!r}") from None
    return raw


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered not in ("true", "yes", "1", "false", "no", "0"):
        raise ValueError(raw)
    return lowered in ("true", "yes", "1")


def sequence_models() -> list[str]:
    """The registered models that take sequences of any length (all but the image models).

    Example:
        >>> "lstm" in sequence_models(), "cnn" in sequence_models()
        (True, False)
    """
    return [name for name, spec in MODELS.items() if spec.inputs == "sequence"]


_RECURRENT_LABELS = {
    "lstm": "LSTM",
    "bilstm": "Bi-LSTM",
    "lstm-max": "LSTM+Max pl",
    "lstm-mean": "LSTM+Mean pl",
    "lstm-selfattn": "LSTM+self At.",
    "ica-lstm": "LSTM+in.cell",
    "ica-lstm-max": "LSTM+Max pl+in.cell",
    "ica-lstm-mean": "LSTM+Mean pl+in.cell",
    "ica-lstm-selfattn": "LSTM+self At.+in.cell",
}
#: Sizes for real data where they differ from the papers' (see docs/guide/models-and-methods.md).
_RECURRENT_DEFAULTS = {"hidden_size": 64}
_TCN_DEFAULTS = {"hidden_size": 64, "levels": 4, "last_channels": 64, "conv_init": "benchmark"}
_TRANSFORMER_DEFAULTS = {
    "d_model": 64, "n_layers": 2, "n_heads": 4, "d_ff": 128, "causal": False, "positional": "sinusoidal",
}  # fmt: skip


def _recurrent_unused(implied: dict[str, Any]) -> tuple[str, ...]:
    """The attention sizes a recurrent variant ignores: input-cell ones without it, pooling ones
    without self-attention."""
    unused = () if implied["input_cell"] else ("r", "d_a", "hop_pooling", "partial_steps")
    return unused + (() if implied["readout"] == "selfattn" else ("attn_r", "attn_d_a"))


for _name, _label in _RECURRENT_LABELS.items():
    _implied = recurrent_options(_name)
    register_model(
        _name, RecurrentClassifier, _label, defaults=_RECURRENT_DEFAULTS, unused=_recurrent_unused(_implied),
        **_implied,
    )  # fmt: skip
# The supplement's partial-attention experiment (Figure 3): attention on the last 10 steps only.
register_model(
    "ica-lstm-partial",
    RecurrentClassifier,
    "LSTM+partial in.cell (last 10)",
    defaults=_RECURRENT_DEFAULTS,
    unused=("attn_r", "attn_d_a"),
    **recurrent_options("ica-lstm"),
    partial_steps=10,
)
# The time-series benchmark's convolutional and attention models (§2.5 of the original's behaviour).
register_model("tcn", TCNClassifier, "TCN", defaults=_TCN_DEFAULTS)
register_model("transformer", TransformerClassifier, "Transformer", defaults=_TRANSFORMER_DEFAULTS)
# The small MNIST CNN of saliency guided training (images as (B, T = columns, F = rows)).
register_model("cnn", CNNClassifier, "CNN", inputs="image")
# The text Bi-LSTM of saliency guided training (token ids (B, L); n_features is the vocabulary size).
register_model("bilstm-text", TextBiLSTM, "Bi-LSTM (text)", inputs="tokens")


def model_label(name: str) -> str:
    """The paper's label for model ``name`` (e.g. ``ica-lstm`` → ``LSTM+in.cell``)."""
    return MODELS[name].label if name in MODELS else name


def build_model(
    name: str,
    *,
    n_features: int,
    n_classes: int,
    seed: int | None = None,
    preset: str = "default",
    **options: Any,
) -> nn.Module:
    """Build model ``name`` for F = ``n_features`` inputs and C = ``n_classes`` classes.

    For a ``tokens`` model (``bilstm-text``) ``n_features`` is the vocabulary size. ``options`` are
    those :func:`model_options` lists; any other is refused with the list of accepted ones. Options
    not given take their defaults under ``preset``: ``default`` (sizes for real data) or ``paper``
    (the papers' sizes, for the reproductions). With ``seed`` the initial weights are drawn from that
    seed without touching the global RNG.

    The model gets a ``config`` attribute (name, sizes, options) from which :func:`build_model`
    rebuilds it, as checkpoints do: ``options`` holds those given and, under ``paper``, every paper
    size that differs from the plain default.

    Example:
        >>> model = build_model("ica-lstm", n_features=8, n_classes=2, r=4, d_a=6)
        >>> model.config["name"], type(model).__name__
        ('ica-lstm', 'RecurrentClassifier')
        >>> type(build_model("bilstm-text", n_features=50, n_classes=2)).__name__
        'TextBiLSTM'
        >>> build_model("lstm", n_features=2, n_classes=2, preset="paper").config["options"]
        {'hidden_size': 5, 'dropout': 0.1}
    """
    check_choice(name, "model", MODELS)
    check_choice(preset, "preset", PRESETS)
    spec = MODELS[name]
    clash = set(options) & set(spec.implied)
    if clash:
        raise ValueError(f"options: {sorted(clash)} are fixed by the model name {name!r}")
    unknown = [key for key in options if key not in spec.options]
    if unknown:
        raise ValueError(f"options: {name!r} does not take {unknown}; it takes {sorted(spec.options)}")
    if preset == "paper":
        changed = {key: value for key, value in spec.paper.items() if spec.options[key] != value}
        options = {**changed, **options}
    sizes = {spec.size_argument: n_features, "n_classes": n_classes}
    with torch.random.fork_rng(enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        resolved = {**spec.options, **options}
        model = spec.factory(**sizes, **spec.implied, **resolved)
    # Every option the model takes is recorded, so a checkpoint rebuilds the same model whatever the
    # defaults become (options without effect under this name only when given).
    recorded = {key: value for key, value in resolved.items() if key not in spec.unused or key in options}
    model.config = {"name": name, "n_features": n_features, "n_classes": n_classes, "options": recorded}
    return model
