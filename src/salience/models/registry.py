"""Build models by name; every model records the config it was built from (for checkpoints)."""

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


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its factory, the options its name implies, its label in tables, the inputs
    it takes (``sequence``: floats (B, T, F) of any T with optional ``lengths``; ``image``: a fixed
    T × F grid; ``tokens``: token ids (B, L) with optional ``lengths``) and the other options it takes
    with their defaults (read from the factory's signature).

    A ``tokens`` model's factory takes ``vocab_size`` where the others take ``n_features``; its
    ``config`` (and checkpoint) records the vocabulary size as ``n_features``.
    """

    factory: Callable[..., nn.Module]
    implied: dict[str, Any]
    label: str
    inputs: str = "sequence"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def size_argument(self) -> str:
        """The factory's name for the input width: ``vocab_size`` for token models, else ``n_features``."""
        return "vocab_size" if self.inputs == "tokens" else "n_features"


MODELS: dict[str, ModelSpec] = {}


def register_model(
    name: str, factory: Callable[..., nn.Module], label: str, *, inputs: str = "sequence", **implied: Any
) -> None:
    """Register ``factory(n_features=..., n_classes=..., **options)`` under ``name``.

    ``implied`` fixes options by the name (e.g. ``bidirectional=True`` for ``bilstm``); every other
    keyword of the factory needs a default, which :func:`model_options` lists. A ``tokens`` model's
    factory takes ``vocab_size`` in place of ``n_features``.

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
    MODELS[name] = ModelSpec(factory=factory, implied=implied, label=label, inputs=inputs, options=options)


def model_options(name: str) -> dict[str, Any]:
    """The options model ``name`` takes (keywords of :func:`build_model`), with their defaults.

    Options fixed by the name (e.g. ``input_cell`` for ``ica-lstm``) are not listed.

    Example:
        >>> model_options("transformer")
        {'n_layers': 6, 'n_heads': 5, 'd_ff': 400, 'dropout': 0.1, 'causal': True, 'positional': 'benchmark'}
        >>> "input_cell" in model_options("ica-lstm")
        False
    """
    check_choice(name, "model", MODELS)
    return dict(MODELS[name].options)


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
for _name, _label in _RECURRENT_LABELS.items():
    register_model(_name, RecurrentClassifier, _label, **recurrent_options(_name))
# The supplement's partial-attention experiment (Figure 3): attention on the last 10 steps only.
register_model(
    "ica-lstm-partial",
    RecurrentClassifier,
    "LSTM+partial in.cell (last 10)",
    **recurrent_options("ica-lstm"),
    partial_steps=10,
)
# The time-series benchmark's convolutional and attention models (§2.5 of the original's behaviour).
register_model("tcn", TCNClassifier, "TCN")
register_model("transformer", TransformerClassifier, "Transformer")
# The small MNIST CNN of saliency guided training (images as (B, T = columns, F = rows)).
register_model("cnn", CNNClassifier, "CNN", inputs="image")
# The text Bi-LSTM of saliency guided training (token ids (B, L); n_features is the vocabulary size).
register_model("bilstm-text", TextBiLSTM, "Bi-LSTM (text)", inputs="tokens")


def model_label(name: str) -> str:
    """The paper's label for model ``name`` (e.g. ``ica-lstm`` → ``LSTM+in.cell``)."""
    return MODELS[name].label if name in MODELS else name


def build_model(
    name: str, *, n_features: int, n_classes: int, seed: int | None = None, **options: Any
) -> nn.Module:
    """Build model ``name`` for F = ``n_features`` inputs and C = ``n_classes`` classes.

    For a ``tokens`` model (``bilstm-text``) ``n_features`` is the vocabulary size. ``options`` are
    those :func:`model_options` lists; any other is refused with the list of accepted ones. With
    ``seed`` the initial weights are drawn from that seed without touching the global RNG.

    The model gets a ``config`` attribute (name, sizes, options) from which
    :func:`build_model` rebuilds it, as checkpoints do.

    Example:
        >>> model = build_model("ica-lstm", n_features=8, n_classes=2, r=4, d_a=6)
        >>> model.config["name"], type(model).__name__
        ('ica-lstm', 'RecurrentClassifier')
        >>> type(build_model("bilstm-text", n_features=50, n_classes=2)).__name__
        'TextBiLSTM'
    """
    check_choice(name, "model", MODELS)
    spec = MODELS[name]
    clash = set(options) & set(spec.implied)
    if clash:
        raise ValueError(f"options: {sorted(clash)} are fixed by the model name {name!r}")
    unknown = [key for key in options if key not in spec.options]
    if unknown:
        raise ValueError(f"options: {name!r} does not take {unknown}; it takes {sorted(spec.options)}")
    sizes = {spec.size_argument: n_features, "n_classes": n_classes}
    with torch.random.fork_rng(enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        model = spec.factory(**sizes, **spec.implied, **options)
    model.config = {"name": name, "n_features": n_features, "n_classes": n_classes, "options": dict(options)}
    return model
