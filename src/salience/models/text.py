"""Deprecated (kept for one release): the text Bi-LSTM's own builder and checkpoint loader.

The text Bi-LSTM is now the registered model ``bilstm-text``: build it with
``build_model("bilstm-text", n_features=len(vocab), n_classes=C)`` and load its checkpoints with
:func:`~salience.models.load_checkpoint`, like every model. :class:`TextBiLSTM` lives in
:mod:`salience.models.text_bilstm`; it is re-exported here for old imports.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from salience.models.checkpoint import CONFIG_FILE, Checkpoint, load_checkpoint
from salience.models.registry import build_model
from salience.models.text_bilstm import NAME, TextBiLSTM

__all__ = ["NAME", "TextBiLSTM", "build_text_model", "load_text_checkpoint"]


def build_text_model(config: dict[str, Any]) -> TextBiLSTM:
    """Deprecated alias (one release): the (untrained) model described by a :class:`TextBiLSTM`'s
    ``config``; use ``build_model("bilstm-text", ...)``.

    Example:
        >>> model = TextBiLSTM(vocab_size=20, n_classes=2, hidden_size=6)
        >>> build_text_model(model.config).lstm.hidden_size
        6
    """
    if not isinstance(config, dict) or config.get("name") != NAME:
        found = config.get("name") if isinstance(config, dict) else type(config).__name__
        raise ValueError(f"config: expected the config of a {NAME!r} model, got {found!r}")
    options = config.get("options", {})
    if not isinstance(options, dict):
        raise ValueError("config: expected 'options' to be a mapping")
    try:
        return build_model(NAME, n_features=config["n_features"], n_classes=config["n_classes"], **options)
    except (KeyError, TypeError) as err:
        raise ValueError(f"config: cannot build {NAME!r} from {config} ({err})") from None


def load_text_checkpoint(directory: str | os.PathLike[str], *, device: str = "cpu") -> Checkpoint:
    """Deprecated alias (one release) of :func:`~salience.models.load_checkpoint` that also checks
    the checkpoint holds a :class:`TextBiLSTM`.

    Example:
        >>> import tempfile
        >>> from salience.models import save_checkpoint
        >>> model = TextBiLSTM(vocab_size=20, n_classes=2, hidden_size=6)
        >>> path = save_checkpoint(tempfile.mkdtemp(), model, metadata={"vocabulary": "vocab.json"})
        >>> loaded = load_text_checkpoint(path)
        >>> type(loaded.model).__name__, loaded.metadata
        ('TextBiLSTM', {'vocabulary': 'vocab.json'})
    """
    checkpoint = load_checkpoint(directory, device=device)
    if not isinstance(checkpoint.model, TextBiLSTM):
        raise ValueError(
            f"checkpoint: {Path(directory) / CONFIG_FILE} does not describe a text model "
            f"(it holds {checkpoint.config['name']!r})"
        )
    return checkpoint
