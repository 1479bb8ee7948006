"""Build models by name; every model records the config it was built from (for checkpoints)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from salience._validation import check_choice
from salience.models.cnn import CNNClassifier
from salience.models.recurrent import RecurrentClassifier, recurrent_options
from salience.models.tcn import TCNClassifier
from salience.models.transformer import TransformerClassifier

INPUT_KINDS = ("sequence", "image")


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its factory, the options its name implies, its label in tables, and the
    inputs it takes: ``sequence`` (any T, optional ``lengths``) or ``image`` (a fixed T × F grid)."""

    factory: Callable[..., nn.Module]
    implied: dict[str, Any]
    label: str
    inputs: str = "sequence"


MODELS: dict[str, ModelSpec] = {}


def register_model(
    name: str, factory: Callable[..., nn.Module], label: str, *, inputs: str = "sequence", **implied: Any
) -> None:
    """Register ``factory(n_features=..., n_classes=..., **options)`` under ``name``."""
    check_choice(inputs, "inputs", INPUT_KINDS)
    MODELS[name] = ModelSpec(factory=factory, implied=implied, label=label, inputs=inputs)


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


def model_label(name: str) -> str:
    """The paper's label for model ``name`` (e.g. ``ica-lstm`` → ``LSTM+in.cell``)."""
    return MODELS[name].label if name in MODELS else name


def build_model(
    name: str, *, n_features: int, n_classes: int, seed: int | None = None, **options: Any
) -> nn.Module:
    """Build model ``name`` for F = ``n_features`` inputs and C = ``n_classes`` classes.

    With ``seed`` the initial weights are drawn from that seed without touching the global RNG.

    The model gets a ``config`` attribute (name, sizes, options) from which
    :func:`build_model` rebuilds it, as checkpoints do.

    Example:
        >>> model = build_model("ica-lstm", n_features=8, n_classes=2, r=4, d_a=6)
        >>> model.config["name"], type(model).__name__
        ('ica-lstm', 'RecurrentClassifier')
    """
    check_choice(name, "model", MODELS)
    spec = MODELS[name]
    clash = set(options) & set(spec.implied)
    if clash:
        raise ValueError(f"options: {sorted(clash)} are fixed by the model name {name!r}")
    accepted = inspect.signature(spec.factory).parameters
    unknown = [key for key in options if key not in accepted]
    if unknown:
        allowed = sorted(
            k for k in accepted if k not in spec.implied and k not in ("n_features", "n_classes")
        )
        raise ValueError(f"options: {name!r} does not take {unknown}; it takes {allowed}")
    with torch.random.fork_rng(enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(seed)
        model = spec.factory(n_features=n_features, n_classes=n_classes, **spec.implied, **options)
    model.config = {"name": name, "n_features": n_features, "n_classes": n_classes, "options": dict(options)}
    return model
