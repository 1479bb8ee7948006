"""The text Bi-LSTM (padding never matters, pooling as documented, checkpoints) and token attribution
against references computed by hand with autograd, one sample at a time."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from salience.data import TextDataset, Vocabulary, encode_texts
from salience.explain import token_attributions
from salience.models import (
    MODELS,
    TextBiLSTM,
    build_model,
    build_text_model,
    load_checkpoint,
    load_text_checkpoint,
    model_options,
    sequence_models,
)
from salience.training import SaliencyGuidedConfig, TrainConfig, fit, save_checkpoint

pytestmark = pytest.mark.usefixtures("one_thread")

VOCAB = 30


def _model(seed: int = 0, **options) -> TextBiLSTM:
    torch.manual_seed(seed)
    options = {"embedding_dim": 6, "hidden_size": 5, **options}
    return TextBiLSTM(VOCAB, 3, **options).eval()


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.tensor([[4, 9, 12, 7, 3], [5, 8, 0, 0, 0], [11, 0, 0, 0, 0], [2, 2, 6, 21, 0]])
    return tokens, torch.tensor([5, 2, 1, 4])


def _pad(tokens: torch.Tensor, extra: int) -> torch.Tensor:
    return torch.cat([tokens, torch.zeros(tokens.shape[0], extra, dtype=tokens.dtype)], dim=1)


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


def test_logits_ignore_padding_and_batch_mates():
    model = _model()
    tokens, lengths = _batch()
    logits = model(tokens, lengths=lengths)
    assert logits.shape == (4, 3)
    torch.testing.assert_close(model(_pad(tokens, 7), lengths=lengths), logits)
    # garbage (non-pad ids) beyond the lengths changes nothing either
    noisy = tokens.clone()
    noisy[1, 2:] = torch.tensor([13, 14, 15])
    torch.testing.assert_close(model(noisy, lengths=lengths), logits)
    for i in range(4):  # each sample alone, unpadded
        alone = tokens[i : i + 1, : int(lengths[i])]
        torch.testing.assert_close(model(alone), logits[i : i + 1])


def test_pooling_is_forward_last_and_backward_first():
    """Reference: run the LSTM on the valid tokens of each sample and read the summary by hand."""
    model = _model(seed=3)
    tokens, lengths = _batch()
    hidden = model.lstm.hidden_size
    for i in range(4):
        embedded = model.embedding(tokens[i, : int(lengths[i])]).unsqueeze(0)
        out, _ = model.lstm(embedded)  # (1, n, 2H)
        summary = torch.cat([out[0, -1, :hidden], out[0, 0, hidden:]])
        expected = model.classifier(summary)
        torch.testing.assert_close(model(tokens[i : i + 1], lengths=lengths[i : i + 1])[0], expected)


def test_forward_is_forward_embedded_of_the_embedding():
    model = _model()
    tokens, lengths = _batch()
    torch.testing.assert_close(
        model.forward_embedded(model.embedding(tokens), lengths), model(tokens, lengths)
    )


def test_padding_embedding_is_zero_and_stays_zero_under_training():
    model = _model().train()
    assert torch.count_nonzero(model.embedding.weight[0]) == 0
    tokens, _ = _batch()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    nn.functional.cross_entropy(model(tokens), torch.tensor([0, 1, 2, 0])).backward()  # padding read
    optimizer.step()
    assert torch.count_nonzero(model.embedding.weight[0]) == 0


def test_model_rejects_bad_input():
    model = _model()
    with pytest.raises(TypeError, match=r"^tokens: expected integer token ids"):
        model(torch.rand(2, 3))
    with pytest.raises(ValueError, match=r"^tokens: expected shape \(B, L\)"):
        model(torch.ones(2, 3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"^embedded: expected 6 features"):
        model.forward_embedded(torch.rand(2, 3, 5))
    with pytest.raises(ValueError, match=r"^lengths: expected values in \[1, 3\]"):
        model(torch.ones(2, 3, dtype=torch.long), lengths=torch.tensor([3, 4]))
    with pytest.raises(ValueError, match=r"^padding_idx: expected an id in \[0, 5\)"):
        TextBiLSTM(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match=r"^dropout: expected a number in \[0, 1\)"):
        TextBiLSTM(5, 2, dropout=1.5)


def test_checkpoint_round_trip_with_vocabulary(tmp_path):
    model = _model(seed=1, dropout=0.1)
    vocab = Vocabulary(["<pad>", "<unk>", *[f"w{i}" for i in range(VOCAB - 2)]])
    path = save_checkpoint(tmp_path / "ckpt", model, metadata={"vocabulary": "vocab.json"})
    vocab.save(path / "vocab.json")
    tokens, lengths = _batch()
    for load in (load_checkpoint, load_text_checkpoint):  # one loader for every model; the alias too
        loaded = load(path)
        assert isinstance(loaded.model, TextBiLSTM) and not loaded.model.training
        assert loaded.config["n_features"] == VOCAB and loaded.metadata == {"vocabulary": "vocab.json"}
        assert loaded.standardizer is None
        assert loaded.model.summary_dropout.p == 0.1
        torch.testing.assert_close(loaded.model(tokens, lengths), model(tokens, lengths))
    assert Vocabulary.load(path / "vocab.json") == vocab


def test_text_model_is_in_the_registry(tmp_path):
    assert MODELS["bilstm-text"].inputs == "tokens" and "bilstm-text" not in sequence_models()
    assert model_options("bilstm-text") == {
        "embedding_dim": 64, "hidden_size": 64, "dropout": 0.2, "padding_idx": 0,
    }  # fmt: skip
    built = build_model("bilstm-text", n_features=VOCAB, n_classes=3, seed=4, embedding_dim=6, hidden_size=5)
    torch.manual_seed(4)
    direct = TextBiLSTM(VOCAB, 3, embedding_dim=6, hidden_size=5)
    for (name, a), (_, b) in zip(built.state_dict().items(), direct.state_dict().items(), strict=True):
        torch.testing.assert_close(a, b, msg=name)
    assert built.config == {
        "name": "bilstm-text", "n_features": VOCAB, "n_classes": 3,
        "options": {"embedding_dim": 6, "hidden_size": 5, "dropout": 0.2, "padding_idx": 0},
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"^options: 'bilstm-text' does not take \['n_layers'\]"):
        build_model("bilstm-text", n_features=VOCAB, n_classes=3, n_layers=2)


def test_deprecated_text_aliases_refuse_other_models(tmp_path):
    other = save_checkpoint(tmp_path / "lstm", build_model("lstm", n_features=3, n_classes=2))
    with pytest.raises(ValueError, match=r"^checkpoint: .* does not describe a text model"):
        load_text_checkpoint(other)
    with pytest.raises(FileNotFoundError, match=r"^checkpoint: .* has no config.json"):
        load_text_checkpoint(tmp_path)
    with pytest.raises(ValueError, match=r"^config: expected the config of a 'bilstm-text' model"):
        build_text_model({"name": "lstm"})
    path = save_checkpoint(tmp_path / "text", _model())
    config = json.loads((path / "config.json").read_text())
    config["model"]["options"]["hidden_size"] = 7
    (path / "config.json").write_text(json.dumps(config))
    for load in (load_checkpoint, load_text_checkpoint):
        with pytest.raises(ValueError, match=r"^checkpoint: .* does not match model 'bilstm-text' \(shapes"):
            load(path)


@pytest.mark.parametrize("training", ["traditional", "sgt"])
def test_fit_trains_on_a_text_dataset(training):
    """A separable toy task: class 1 sentences contain token 'good'."""
    vocab = Vocabulary.build(["good bad film plot actor"])
    rng = np.random.default_rng(0)
    words = np.array(["bad", "film", "plot", "actor"])
    texts, labels = [], []
    for i in range(96):
        sentence = list(rng.choice(words, size=rng.integers(2, 6)))
        if i % 2:
            sentence.insert(int(rng.integers(0, len(sentence))), "good")
        texts.append(" ".join(sentence))
        labels.append(i % 2)
    data = encode_texts(texts, labels, vocab, max_length=8)
    train, validation = data.subset(np.arange(64)), data.subset(np.arange(64, 96))
    sgt = SaliencyGuidedConfig(fraction=0.5, modality="text", fill="previous") if training == "sgt" else None
    torch.manual_seed(0)
    model = TextBiLSTM(len(vocab), 2, embedding_dim=8, hidden_size=8, dropout=0.0)
    config = TrainConfig(
        max_epochs=25, batch_size=16, lr=0.02, seed=0, device="cpu", training=training, sgt=sgt
    )
    result = fit(model, train, validation, config)
    assert result.best_val_accuracy >= 0.9


# ---------------------------------------------------------------------------------------------
# Token attribution
# ---------------------------------------------------------------------------------------------


def _reference_gradient(model, tokens, lengths, target):
    """∂p_target/∂embedding for each sample alone (unpadded), reduced |Σ_e| and ‖·‖₂ per token."""
    sums, norms = torch.zeros(tokens.shape), torch.zeros(tokens.shape)
    for i in range(tokens.shape[0]):
        n = int(lengths[i])
        embedded = model.embedding(tokens[i : i + 1, :n]).detach().requires_grad_(True)
        p = torch.softmax(model.forward_embedded(embedded), dim=-1)[0, int(target[i])]
        (grad,) = torch.autograd.grad(p, embedded)
        sums[i, :n] = grad[0].sum(-1).abs()
        norms[i, :n] = grad[0].norm(dim=-1)
    return sums, norms


def test_gradient_matches_autograd_by_hand():
    model = _model(seed=2)
    tokens, lengths = _batch()
    y = torch.tensor([0, 2, 1, 2])
    expected_sum, expected_norm = _reference_gradient(model, tokens, lengths, y)
    ours = token_attributions(model, tokens, lengths, y=y, method="gradient")
    assert ours.dtype == torch.float32 and ours.shape == (4, 5)
    torch.testing.assert_close(ours, expected_sum, rtol=1e-4, atol=1e-7)
    norms = token_attributions(model, tokens, lengths, y=y, method="gradient", reduction="l2")
    torch.testing.assert_close(norms, expected_norm, rtol=1e-4, atol=1e-7)
    signed = token_attributions(model, tokens, lengths, y=y, method="gradient", signed=True)
    torch.testing.assert_close(signed.abs(), expected_sum, rtol=1e-4, atol=1e-7)
    assert (signed < 0).any()  # the sign is kept


def test_integrated_gradients_is_complete_against_the_all_pad_baseline():
    """Σ_tokens signed IG = p(x) − p(all <pad>), the completeness equation."""
    model = _model(seed=4)
    tokens, lengths = _batch()
    y = torch.tensor([1, 0, 2, 1])
    signed = token_attributions(
        model, tokens, lengths, y=y, method="integrated_gradients", signed=True, n_steps=200
    )
    with torch.no_grad():
        p = torch.softmax(model(tokens, lengths), -1).gather(1, y[:, None])[:, 0]
        p0 = torch.softmax(model(torch.zeros_like(tokens), lengths), -1).gather(1, y[:, None])[:, 0]
    torch.testing.assert_close(signed.sum(dim=1), p - p0, atol=2e-4, rtol=0)


def test_smoothgrad_without_noise_is_the_gradient():
    model = _model(seed=5)
    tokens, lengths = _batch()
    y = torch.tensor([0, 1, 2, 0])
    expected, _ = _reference_gradient(model, tokens, lengths, y)
    ours = token_attributions(model, tokens, lengths, y=y, method="smoothgrad", stdevs=1e-8, nt_samples=3)
    torch.testing.assert_close(ours, expected, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("method", ["gradient", "integrated_gradients", "smoothgrad", "random"])
def test_scores_are_zero_on_padding(method):
    model = _model()
    tokens, lengths = _batch()
    kwargs = {"n_steps": 8} if method == "integrated_gradients" else {}
    scores = token_attributions(model, tokens, lengths, y=[0, 1, 2, 0], method=method, **kwargs)
    padding = torch.arange(5)[None, :] >= lengths[:, None]
    assert (scores[padding] == 0).all()
    assert (scores[~padding] > 0).all()


@pytest.mark.parametrize("method", ["gradient", "integrated_gradients", "random"])
def test_extra_padding_changes_no_score(method):
    model = _model(seed=6)
    tokens, lengths = _batch()
    y = torch.tensor([2, 1, 0, 1])
    kwargs = {"n_steps": 16} if method == "integrated_gradients" else {}
    scores = token_attributions(model, tokens, lengths, y=y, method=method, **kwargs)
    padded = token_attributions(model, _pad(tokens, 6), lengths, y=y, method=method, **kwargs)
    assert padded.shape == (4, 11)
    if method == "random":  # fresh draws over the wider grid; only the zeros must follow the lengths
        assert (padded[:, 5:] == 0).all()
    else:
        torch.testing.assert_close(padded[:, :5], scores, rtol=1e-5, atol=1e-8)
        assert (padded[:, 5:] == 0).all()


def test_random_is_seeded_and_ignores_the_model():
    tokens, lengths = _batch()
    a = token_attributions(_model(seed=0), tokens, lengths, y=[0] * 4, method="random", seed=3)
    b = token_attributions(_model(seed=9), tokens, lengths, y=[0] * 4, method="random", seed=3)
    c = token_attributions(_model(seed=0), tokens, lengths, y=[0] * 4, method="random", seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert float(a.max()) < 1.0


def test_target_overrides_y_and_mode_is_restored():
    model = _model(seed=7).train()
    tokens, lengths = _batch()
    target = torch.tensor([2, 2, 0, 1])
    ours = token_attributions(model, tokens, lengths, y=[0, 0, 0, 0], target=target, method="gradient")
    assert model.training and model.embedding_dropout.training
    model.eval()
    expected, _ = _reference_gradient(model, tokens, lengths, target)
    torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-7)


def test_token_attributions_reject_bad_input():
    model = _model()
    tokens, lengths = _batch()
    with pytest.raises(TypeError, match=r"^model: expected a text model with an nn.Embedding"):
        token_attributions(nn.Linear(3, 2), tokens, lengths, y=[0] * 4)
    with pytest.raises(ValueError, match=r"^method: expected one of"):
        token_attributions(model, tokens, lengths, y=[0] * 4, method="deeplift")
    with pytest.raises(ValueError, match=r"^tokens: expected ids in \[0, 30\)"):
        token_attributions(model, tokens + 30, lengths, y=[0] * 4)
    with pytest.raises(TypeError, match=r"^tokens: expected integer token ids"):
        token_attributions(model, tokens.float(), lengths, y=[0] * 4)
    with pytest.raises(ValueError, match=r"^lengths: expected values in \[1, 5\]"):
        token_attributions(model, tokens, lengths + 1, y=[0] * 4)
    with pytest.raises(ValueError, match=r"^signed: only with reduction='sum'"):
        token_attributions(model, tokens, lengths, y=[0] * 4, signed=True, reduction="l2")
    with pytest.raises(ValueError, match=r"^target: expected the class to explain"):
        token_attributions(model, tokens, lengths, method="random")
    with pytest.raises(ValueError, match=r"^n_steps: not an option of method 'gradient'"):
        token_attributions(model, tokens, lengths, y=[0] * 4, n_steps=3)


def test_text_dataset_arrays_are_accepted_as_numpy():
    model = _model()
    data = TextDataset(np.array([[3, 4, 0], [5, 6, 7]]), np.array([0, 1]), np.array([2, 3]))
    scores = token_attributions(model, data.x, data.lengths, y=data.y)
    assert scores.shape == (2, 3) and scores[0, 2] == 0
