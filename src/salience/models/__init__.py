"""Models: all return logits (B, C) for inputs (B, T, F)."""

from salience.models.heads import SelfAttentionPooling, TemporalPooling
from salience.models.input_cell import InputCellAttention
from salience.models.recurrent import RecurrentClassifier
from salience.models.registry import MODELS, build_model, model_label, register_model

__all__ = [
    "MODELS",
    "InputCellAttention",
    "RecurrentClassifier",
    "SelfAttentionPooling",
    "TemporalPooling",
    "build_model",
    "model_label",
    "register_model",
]
