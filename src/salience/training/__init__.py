"""Training: the plain training loop with validation-based model selection and early stopping,
batched prediction and evaluation, safetensors checkpoints, and device selection."""

from salience.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint, write_checkpoint
from salience.training.device import resolve_device
from salience.training.trainer import (
    EpochReport,
    TrainConfig,
    TrainResult,
    evaluate,
    fit,
    predict_logits,
)

__all__ = [
    "Checkpoint",
    "EpochReport",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "fit",
    "load_checkpoint",
    "predict_logits",
    "resolve_device",
    "save_checkpoint",
    "write_checkpoint",
]
