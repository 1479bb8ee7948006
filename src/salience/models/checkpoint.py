"""Checkpoints: a directory with ``model.safetensors`` (weights, plus the standardizer's statistics)
and ``config.json`` (how to rebuild the model, versions and free-form metadata). Nothing is pickled.

``config.json`` is written last, and removed first when a checkpoint is overwritten, so a directory
that has one is a complete checkpoint.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

import salience
from salience._device import resolve_device
from salience._io import atomic_path, write_text_atomic
from salience.data.scaling import Standardizer
from salience.models.registry import MODELS, build_model

FORMAT = "salience.checkpoint/1"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
_MEAN_KEY = "preprocessing.mean"
_STD_KEY = "preprocessing.std"


@dataclass
class Checkpoint:
    """A loaded checkpoint.

    Attributes:
        model: the rebuilt model with its weights, in eval mode.
        standardizer: the saved :class:`Standardizer`, or None.
        config: the model's build config (``name``, ``n_features``, ``n_classes``, ``options``).
        metadata: the ``metadata`` given to :func:`save_checkpoint` (e.g. training config and result).
        class_names: the class names in the model's output order, or None (unknown: an older
            checkpoint, or saved without them).
        feature_names: the input features' names in order, or None.
    """

    model: nn.Module
    standardizer: Standardizer | None
    config: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    class_names: list[str] | None = None
    feature_names: list[str] | None = None


def save_checkpoint(
    directory: str | os.PathLike[str],
    model: nn.Module,
    *,
    standardizer: Standardizer | None = None,
    metadata: dict[str, Any] | None = None,
    class_names: list[str] | None = None,
    feature_names: list[str] | None = None,
) -> Path:
    """Write ``model`` (built by :func:`~salience.models.build_model`) to ``directory``; return it.

    Args:
        directory: created if missing; an existing checkpoint there is replaced.
        model: a model with a ``config`` attribute, as :func:`build_model` gives.
        standardizer: the scaling fitted on the training split, stored with the weights.
        metadata: JSON-serialisable extras (training config, result, dataset name, ...).
        class_names, feature_names: the training data's names (``n_classes`` and ``n_features``
            of them), so that other files can be aligned by name; None: unknown.

    Example:
        >>> import tempfile
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> names = ["no", "yes"]
        >>> path = save_checkpoint(tempfile.mkdtemp(), model, metadata={"note": "demo"}, class_names=names)
        >>> loaded = load_checkpoint(path)
        >>> loaded.metadata, loaded.class_names, loaded.feature_names
        ({'note': 'demo'}, ['no', 'yes'], None)
    """
    model_config = getattr(model, "config", None)
    if not isinstance(model, nn.Module) or not isinstance(model_config, dict):
        raise ValueError(
            "model: expected a model built with salience.models.build_model (it records a .config "
            f"to rebuild it from), got {type(model).__name__} without one"
        )
    return write_checkpoint(
        directory, model_config, model.state_dict(), standardizer=standardizer, metadata=metadata,
        class_names=class_names, feature_names=feature_names,
    )  # fmt: skip


def write_checkpoint(
    directory: str | os.PathLike[str],
    model_config: dict[str, Any],
    state: Mapping[str, torch.Tensor],
    *,
    standardizer: Standardizer | None = None,
    metadata: dict[str, Any] | None = None,
    class_names: list[str] | None = None,
    feature_names: list[str] | None = None,
) -> Path:
    """Write a checkpoint from a model's build config and state dict, without the model itself.

    This is what :func:`save_checkpoint` does after reading ``model.config`` and
    ``model.state_dict()``; a process that only holds weights (e.g. the benchmark's client, which
    receives them from Dask workers) writes them without building, and so without initialising, a
    model.

    Example:
        >>> import tempfile
        >>> from salience.models import build_model
        >>> model = build_model("lstm", n_features=3, n_classes=2)
        >>> path = write_checkpoint(tempfile.mkdtemp(), model.config, model.state_dict())
        >>> load_checkpoint(path).config["name"]
        'lstm'
    """
    if not isinstance(model_config, dict) or not {"name", "n_features", "n_classes"} <= set(model_config):
        raise ValueError("model_config: expected a dict with name, n_features and n_classes (model.config)")
    if standardizer is not None and not isinstance(standardizer, Standardizer):
        raise TypeError(f"standardizer: expected a Standardizer, got {type(standardizer).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata: expected a dict, got {type(metadata).__name__}")
    document = {
        "format": FORMAT,
        "salience_version": salience.__version__,
        "torch_version": torch.__version__,
        "model": model_config,
        "standardizer": standardizer is not None,
        "metadata": metadata or {},
        "class_names": _names(class_names, "class_names", model_config["n_classes"]),
        "feature_names": _names(feature_names, "feature_names", model_config["n_features"]),
    }
    try:
        text = json.dumps(document, indent=2)
    except (TypeError, ValueError) as err:
        culprit = "model" if _not_json(model_config) else "metadata"
        raise TypeError(f"{culprit}: expected JSON-serialisable values ({err})") from None

    tensors: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"model: state_dict entry {key!r} is not a tensor ({type(value).__name__})")
        # A copy on CPU: parameters that share storage (e.g. cuDNN's flattened LSTM weights) would
        # be refused by safetensors.
        tensors[key] = value.detach().to("cpu", copy=True).contiguous()
    if standardizer is not None:
        clash = {_MEAN_KEY, _STD_KEY} & set(tensors)
        if clash:
            raise ValueError(f"model: state_dict keys {sorted(clash)} are reserved for the standardizer")
        tensors[_MEAN_KEY] = torch.from_numpy(np.array(standardizer.mean, copy=True))
        tensors[_STD_KEY] = torch.from_numpy(np.array(standardizer.std, copy=True))

    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ValueError(f"directory: {target} exists and is not a directory")
    target.mkdir(parents=True, exist_ok=True)
    (target / CONFIG_FILE).unlink(missing_ok=True)  # the directory is incomplete until config.json
    with atomic_path(target / WEIGHTS_FILE) as tmp:
        save_file(tensors, str(tmp), metadata={"format": FORMAT})
    write_text_atomic(target / CONFIG_FILE, text + "\n")
    return target


def load_checkpoint(directory: str | os.PathLike[str], *, device: str = "cpu") -> Checkpoint:
    """Rebuild the model saved in ``directory`` by :func:`save_checkpoint`, on ``device``.

    Weights are read with safetensors (never pickle) and must match the rebuilt model exactly.
    Every failure (missing or corrupt files, unknown format or model, mismatched weights) raises an
    error whose message starts with ``checkpoint:``.
    """
    source = Path(directory)
    if not source.is_dir():
        raise FileNotFoundError(f"checkpoint: no checkpoint directory at {source}")
    config_path, weights_path = source / CONFIG_FILE, source / WEIGHTS_FILE
    for path in (config_path, weights_path):
        if not path.is_file():
            raise FileNotFoundError(
                f"checkpoint: {source} has no {path.name}; it is not a complete checkpoint"
            )
    document = _read_config(config_path)
    model_config = document["model"]
    try:
        model = build_model(
            model_config["name"],
            n_features=model_config["n_features"],
            n_classes=model_config["n_classes"],
            preset=_preset_of(model_config),
            **model_config.get("options", {}),
        )
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"checkpoint: {config_path} describes a model that cannot be built ({err})"
        ) from None

    try:
        tensors = load_file(str(weights_path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ValueError(f"checkpoint: {weights_path} is not a readable safetensors file ({err})") from None
    standardizer = _pop_standardizer(tensors, bool(document.get("standardizer")), weights_path)
    _check_state(model, tensors, weights_path)
    dtypes = {value.dtype for value in tensors.values() if value.is_floating_point()}
    if len(dtypes) == 1:
        model.to(dtypes.pop())  # a model saved in float64 comes back in float64
    model.load_state_dict(tensors, strict=True)
    model.to(resolve_device(device))
    model.eval()
    return Checkpoint(
        model=model,
        standardizer=standardizer,
        config=model.config,
        metadata=document.get("metadata") or {},
        class_names=document.get("class_names"),
        feature_names=document.get("feature_names"),
    )


def _preset_of(model_config: dict[str, Any]) -> str:
    """``default`` for a checkpoint that lists every option of its model (written since the real-data
    defaults); ``paper`` for an older one, which listed only the options given: the others were then
    the papers' sizes."""
    spec = MODELS.get(model_config.get("name"))
    options = model_config.get("options", {})
    if spec is None or not isinstance(options, dict) or set(spec.options) - set(spec.unused) <= set(options):
        return "default"
    return "paper"


def _read_config(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"checkpoint: {path} is not valid JSON ({err})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"checkpoint: {path} has unknown format {found!r}; expected {FORMAT!r}")
    model_config = document.get("model")
    required = ("name", "n_features", "n_classes")
    if not isinstance(model_config, dict) or any(key not in model_config for key in required):
        raise ValueError(f"checkpoint: {path} lacks the model's name, n_features and n_classes")
    if not isinstance(model_config.get("options", {}), dict):
        raise ValueError(f"checkpoint: {path} has model options that are not a mapping")
    if not isinstance(document.get("metadata", {}), dict):
        raise ValueError(f"checkpoint: {path} has metadata that is not a mapping")
    for key, count in (("class_names", "n_classes"), ("feature_names", "n_features")):
        names = document.get(key)
        valid = isinstance(names, list) and all(isinstance(n, str) for n in names)
        if names is not None and (not valid or len(names) != model_config[count]):
            raise ValueError(f"checkpoint: {path} has {key} that are not {model_config[count]} strings")
    return document


def _names(names: list[str] | None, argument: str, count: int) -> list[str] | None:
    if names is None:
        return None
    listed = list(names)
    if len(listed) != int(count) or not all(isinstance(n, str) and n for n in listed):
        raise ValueError(
            f"{argument}: expected {count} non-empty names (one per model {argument[:-6]}), got {listed!r}")
    if len(set(listed)) != len(listed):
        raise ValueError(f"{argument}: expected distinct names, got {listed!r}")
    return listed


def _pop_standardizer(tensors: dict[str, torch.Tensor], expected: bool, path: Path) -> Standardizer | None:
    mean, std = tensors.pop(_MEAN_KEY, None), tensors.pop(_STD_KEY, None)
    if mean is None and std is None and not expected:
        return None
    if mean is None or std is None or mean.shape != std.shape or mean.ndim != 2:
        raise ValueError(f"checkpoint: {path} has an incomplete or malformed standardizer")
    return Standardizer(mean=mean.numpy(), std=std.numpy())


def _check_state(model: nn.Module, tensors: dict[str, torch.Tensor], path: Path) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    shapes = sorted(
        f"{key} {tuple(tensors[key].shape)} vs {tuple(expected[key].shape)}"
        for key in set(expected) & set(tensors)
        if tensors[key].shape != expected[key].shape
    )
    problems = [
        f"{label}: {', '.join(keys)}"
        for label, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("shapes", shapes))
        if keys
    ]
    if problems:
        name = model.config["name"]
        raise ValueError(f"checkpoint: {path} does not match model {name!r} ({'; '.join(problems)})")


def _not_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return True
    return False
