"""Models: all return logits (B, C), all in one registry (:func:`build_model`, :func:`model_options`)
and one checkpoint format (:func:`save_checkpoint`, :func:`load_checkpoint`). Sequence models and the
image CNN take (B, T, F) (images as T = columns, F = rows); the text Bi-LSTM (``bilstm-text``) takes
token ids (B, L). ``build_text_model`` and ``load_text_checkpoint`` are deprecated aliases (one release)."""

from salience.models.checkpoint import Checkpoint, load_checkpoint, save_checkpoint, write_checkpoint
from salience.models.cnn import CNNClassifier
from salience.models.heads import SelfAttentionPooling, TemporalPooling
from salience.models.input_cell import InputCellAttention
from salience.models.recurrent import RecurrentClassifier
from salience.models.registry import (
    INPUT_KINDS,
    MODELS,
    PRESETS,
    ModelSpec,
    build_model,
    convert_option,
    model_label,
    model_options,
    register_model,
    sequence_models,
)
from salience.models.tcn import TCNClassifier, TemporalBlock
from salience.models.text import build_text_model, load_text_checkpoint
from salience.models.text_bilstm import TextBiLSTM
from salience.models.transformer import (
    BenchmarkNorm,
    EncoderLayer,
    MultiHeadSelfAttention,
    TransformerClassifier,
    positional_encoding,
)

__all__ = [
    "INPUT_KINDS",
    "MODELS",
    "PRESETS",
    "BenchmarkNorm",
    "CNNClassifier",
    "Checkpoint",
    "EncoderLayer",
    "InputCellAttention",
    "ModelSpec",
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
    "convert_option",
    "load_checkpoint",
    "load_text_checkpoint",
    "model_label",
    "model_options",
    "positional_encoding",
    "register_model",
    "save_checkpoint",
    "sequence_models",
    "write_checkpoint",
]
