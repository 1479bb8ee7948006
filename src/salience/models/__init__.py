"""Models: all return logits (B, C) for inputs (B, T, F)."""

from salience.models.heads import SelfAttentionPooling, TemporalPooling
from salience.models.input_cell import InputCellAttention
from salience.models.recurrent import RecurrentClassifier
from salience.models.registry import MODELS, build_model, model_label, register_model
from salience.models.tcn import TCNClassifier, TemporalBlock
from salience.models.transformer import (
    BenchmarkNorm,
    EncoderLayer,
    MultiHeadSelfAttention,
    TransformerClassifier,
    positional_encoding,
)

__all__ = [
    "MODELS",
    "BenchmarkNorm",
    "EncoderLayer",
    "InputCellAttention",
    "MultiHeadSelfAttention",
    "RecurrentClassifier",
    "SelfAttentionPooling",
    "TCNClassifier",
    "TemporalBlock",
    "TemporalPooling",
    "TransformerClassifier",
    "build_model",
    "model_label",
    "positional_encoding",
    "register_model",
]
