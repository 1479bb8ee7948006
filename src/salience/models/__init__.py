"""Models: all return logits (B, C). Sequence models and the image CNN take (B, T, F) (images as
T = columns, F = rows); the text Bi-LSTM takes token ids (B, L) and is built and loaded by its own
helpers (``build_text_model``, ``load_text_checkpoint``)."""

from salience.models.cnn import CNNClassifier
from salience.models.heads import SelfAttentionPooling, TemporalPooling
from salience.models.input_cell import InputCellAttention
from salience.models.recurrent import RecurrentClassifier
from salience.models.registry import MODELS, build_model, model_label, register_model, sequence_models
from salience.models.tcn import TCNClassifier, TemporalBlock
from salience.models.text import TextBiLSTM, build_text_model, load_text_checkpoint
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
    "CNNClassifier",
    "EncoderLayer",
    "InputCellAttention",
    "MultiHeadSelfAttention",
    "RecurrentClassifier",
    "SelfAttentionPooling",
    "TCNClassifier",
    "TemporalBlock",
    "TemporalPooling",
    "TextBiLSTM",
    "TransformerClassifier",
    "build_model",
    "build_text_model",
    "load_text_checkpoint",
    "model_label",
    "positional_encoding",
    "register_model",
    "sequence_models",
]
