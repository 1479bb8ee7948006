"""Training: the training loop (traditional or saliency guided) with validation-based model
selection and early stopping, the saliency guided objective and its masking functions, batched
prediction and evaluation, safetensors checkpoints, and device selection."""

from salience._device import resolve_device
from salience.models.checkpoint import Checkpoint, load_checkpoint, save_checkpoint, write_checkpoint
from salience.training.evaluation import evaluate, predict_logits
from salience.training.masking import lowest_k, mask_images, mask_time_series, mask_tokens
from salience.training.saliency_guided import (
    SaliencyGuidedConfig,
    SaliencyGuidedObjective,
    StepResult,
    kl_divergence,
    saliency_guided_loss,
)
from salience.training.trainer import EpochReport, TrainConfig, TrainResult, fit

__all__ = [
    "Checkpoint",
    "EpochReport",
    "SaliencyGuidedConfig",
    "SaliencyGuidedObjective",
    "StepResult",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "fit",
    "kl_divergence",
    "load_checkpoint",
    "lowest_k",
    "mask_images",
    "mask_time_series",
    "mask_tokens",
    "predict_logits",
    "resolve_device",
    "saliency_guided_loss",
    "save_checkpoint",
    "write_checkpoint",
]
