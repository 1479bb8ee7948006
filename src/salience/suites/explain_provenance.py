"""How the explained checkpoint was trained, read from its metadata (what ``salience train`` saves:
``train`` = the :class:`~salience.training.TrainConfig`, ``result`` = the fit result with its
per-epoch ``history``). A checkpoint saved without them simply has no provenance.

Example:
    >>> meta = {"train": {"training": "traditional", "max_epochs": 3},
    ...         "result": {"epochs_run": 2, "best_epoch": 1, "best_val_accuracy": 0.75, "history": [
    ...             {"epoch": 1, "val_accuracy": 0.75}, {"epoch": 2, "val_accuracy": 0.5}]}}
    >>> training_facts(meta)
    {'training': 'traditional', 'epochs': 2, 'best_epoch': 1, 'val_accuracy': 0.75}
    >>> training_table(meta)[1][1][:5]
    [2, None, None, None, 0.5]
    >>> training_facts({})
    {}
"""

from __future__ import annotations

from typing import Any

EPOCH_COLUMNS = ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "best_epoch", "seconds")


def training_record(metadata: dict[str, Any]) -> dict[str, Any]:
    """Training kind, epochs, selected epoch, its validation accuracy, the history (possibly empty)."""
    train = metadata.get("train") if isinstance(metadata.get("train"), dict) else {}
    result = metadata.get("result") if isinstance(metadata.get("result"), dict) else {}
    history = result.get("history")
    return {
        "kind": train.get("training"), "max_epochs": train.get("max_epochs"), "lr": train.get("lr"),
        "epochs": result.get("epochs_run"), "best_epoch": result.get("best_epoch"),
        "val_accuracy": result.get("best_val_accuracy"), "stopped_early": result.get("stopped_early"),
        "data": metadata.get("data"),
        "history": [e for e in history if isinstance(e, dict)] if isinstance(history, list) else [],
    }  # fmt: skip


def training_facts(metadata: dict[str, Any]) -> dict[str, Any]:
    """The facts a report's header shows (``training``, ``epochs``, ``best_epoch``, ``val_accuracy``)."""
    found = training_record(metadata)
    accuracy = found["val_accuracy"]
    facts = {
        "training": found["kind"], "epochs": found["epochs"], "best_epoch": found["best_epoch"],
        "val_accuracy": None if accuracy is None else round(float(accuracy), 4),
    }  # fmt: skip
    return {k: v for k, v in facts.items() if v is not None}


def training_table(metadata: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows): one row per epoch of the stored history (``training.csv``)."""
    rows = [[e.get(c) for c in EPOCH_COLUMNS] for e in training_record(metadata)["history"]]
    return list(EPOCH_COLUMNS), rows
