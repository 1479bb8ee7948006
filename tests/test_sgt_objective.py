"""The saliency guided objective against the written-out formula, and its use in ``fit``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from salience.data import Dataset, make_box, split_dataset
from salience.models import build_model
from salience.training import (
    SaliencyGuidedConfig,
    SaliencyGuidedObjective,
    TrainConfig,
    fit,
    kl_divergence,
    saliency_guided_loss,
)

pytestmark = pytest.mark.usefixtures("one_thread")


class _Tiny(nn.Module):
    """A deterministic (dropout-free) classifier of (B, T, F) inputs."""

    def __init__(self, n_steps: int = 5, n_features: int = 3, n_classes: int = 3) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.hidden = nn.Linear(n_steps * n_features, 8)
        self.out = nn.Linear(8, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(torch.tanh(self.hidden(x.flatten(1))))


class _TinyText(nn.Module):
    def __init__(self, vocab: int = 20, dim: int = 4, n_classes: int = 2) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
        self.out = nn.Linear(dim, n_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(torch.tanh(self.embedding(tokens)).sum(dim=1))


def _batch(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(6, 5, 3, generator=gen), torch.randint(0, 3, (6,), generator=gen)


def _formula_loss(model, x, y, fraction, lam, value, detach_target=False):
    """CE(f(x), y) + λ/B Σ_b Σ_c p_c (log p_c − log q_c), with x̃ built by a per-sample sort."""
    model.eval()
    inputs = x.clone().requires_grad_(True)
    log_p_y = F.log_softmax(model(inputs), dim=1)[torch.arange(len(y)), y].sum()
    (grad,) = torch.autograd.grad(log_p_y, inputs)
    masked = x.clone()
    k = int(fraction * x[0].numel())
    for b in range(x.shape[0]):
        order = torch.argsort(grad[b].flatten())
        masked[b].view(-1)[order[:k]] = value
    model.train()
    logits, masked_logits = model(x), model(masked)
    p = F.softmax(logits, dim=1)
    log_p = F.log_softmax(logits, dim=1)
    if detach_target:
        p, log_p = p.detach(), log_p.detach()
    log_q = F.log_softmax(masked_logits, dim=1)
    kl = (p * (log_p - log_q)).sum() / x.shape[0]
    return F.cross_entropy(logits, y) + lam * kl


def _grads(model):
    return [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize(("mode", "detach"), [("faithful", False), ("fast", True)])
def test_objective_gradient_matches_autograd_of_the_formula(mode, detach):
    x, y = _batch()
    config = SaliencyGuidedConfig(fraction=0.4, lam=0.7, mode=mode, fill="constant", value=-3.0)
    model = _Tiny()
    result = SaliencyGuidedObjective(config).backward(model, x, y)
    ours = _grads(model)
    reference_model = _Tiny()
    loss = _formula_loss(reference_model, x, y, 0.4, 0.7, -3.0, detach_target=detach)
    loss.backward()
    for a, b in zip(ours, _grads(reference_model), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(result.loss, loss.detach(), rtol=1e-6, atol=1e-6)


def test_fast_mode_masks_the_same_features_as_faithful_mode_without_dropout():
    x, y = _batch(1)
    for rank in ("signed", "absolute"):
        masks = [
            SaliencyGuidedObjective(SaliencyGuidedConfig(fraction=0.5, mode=mode, rank=rank))
            .backward(_Tiny(), x, y)
            .mask
            for mode in ("faithful", "fast")
        ]
        assert torch.equal(masks[0], masks[1])


def test_kl_is_zero_when_nothing_is_masked():
    x, y = _batch(2)
    assert float(kl_divergence(torch.randn(4, 3), torch.randn(4, 3))) > 0
    model = _Tiny()
    loss, result = SaliencyGuidedObjective(SaliencyGuidedConfig(fraction=0.0)).loss(model, x, y)
    z = torch.randn(4, 3)
    assert float(kl_divergence(z, z)) == 0.0
    # X̃ = X: the two forward passes see the same input (up to float rounding).
    assert abs(float(result.kl)) < 1e-7
    torch.testing.assert_close(loss, F.cross_entropy(model(x), y))


def test_kl_divergence_matches_its_definition():
    gen = torch.Generator().manual_seed(3)
    z, w = torch.randn(5, 4, generator=gen), torch.randn(5, 4, generator=gen)
    p, q = z.softmax(1).double(), w.softmax(1).double()
    expected = float((p * (p / q).log()).sum(1).mean())
    assert float(kl_divergence(z, w)) == pytest.approx(expected, rel=1e-5)


def test_absolute_rank_masks_the_smallest_magnitudes():
    x, y = _batch(4)
    model = _Tiny().eval()
    inputs = x.clone().requires_grad_(True)
    F.log_softmax(model(inputs), 1)[torch.arange(6), y].sum().backward()
    magnitude = inputs.grad.abs().reshape(6, -1)
    result = SaliencyGuidedObjective(SaliencyGuidedConfig(fraction=0.5, rank="absolute")).backward(
        model, x, y
    )
    mask = result.mask.reshape(6, -1)
    for b in range(6):
        assert magnitude[b][mask[b]].max() <= magnitude[b][~mask[b]].min()


def test_text_objective_ranks_tokens_by_summed_embedding_gradient():
    tokens = torch.tensor([[3, 5, 7, 9, 11, 0], [2, 4, 6, 8, 0, 0]])
    lengths = torch.tensor([5, 4])
    y = torch.tensor([0, 1])
    model = _TinyText().eval()
    embedded = model.embedding(tokens).detach().requires_grad_(True)
    logits = model.out(torch.tanh(embedded).sum(dim=1))
    F.log_softmax(logits, 1)[torch.arange(2), y].sum().backward()
    token_scores = embedded.grad.sum(dim=-1)
    config = SaliencyGuidedConfig(fraction=0.5, modality="text")
    result = SaliencyGuidedObjective(config).backward(_TinyText(), tokens, y, lengths=lengths)
    for b, n in enumerate(lengths.tolist()):
        k = int(0.5 * n)
        expected = set(torch.argsort(token_scores[b, :n])[:k].tolist())
        assert set(torch.nonzero(result.mask[b]).flatten().tolist()) == expected
    assert not result.mask[:, 5:].any()


def test_loss_function_is_differentiable_and_seeded():
    x, y = _batch(5)
    losses = [
        float(saliency_guided_loss(_Tiny(), x, y, generator=torch.Generator().manual_seed(seed)).detach())
        for seed in (0, 0, 1)
    ]
    assert losses[0] == losses[1] and losses[0] != losses[2]


def test_saliency_from_another_attribution_method():
    x, y = _batch(6)
    config = SaliencyGuidedConfig(fraction=0.5, method="integrated_gradients")
    result = SaliencyGuidedObjective(config).backward(_Tiny(), x, y)
    assert int(result.mask.sum()) == 6 * 7


def test_fit_with_saliency_guided_training_is_reproducible_and_differs_from_traditional():
    parts = split_dataset(make_box("latter", n=60, n_steps=6, n_features=4, seed=0), seed=0)

    def train(training: str, seed: int = 0, mode: str = "faithful") -> list[np.ndarray]:
        model = build_model("lstm", n_features=4, n_classes=2, seed=0, hidden_size=8)
        sgt = SaliencyGuidedConfig(fraction=0.5, mode=mode) if training == "sgt" else None
        config = TrainConfig(max_epochs=2, batch_size=16, device="cpu", seed=seed, training=training, sgt=sgt)
        result = fit(model, parts.train, parts.validation, config)
        assert result.epochs_run == 2
        return [p.detach().numpy().copy() for p in model.parameters()]

    first, again, traditional = train("sgt"), train("sgt"), train("traditional")
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, traditional, strict=True))
    fast = train("sgt", mode="fast")
    assert not all(np.array_equal(a, b) for a, b in zip(first, fast, strict=True))


def test_fit_with_signal_free_replacement_and_text_data():
    data = Dataset(np.random.default_rng(0).normal(size=(20, 5, 3)), np.arange(20) % 3)
    config = TrainConfig(
        max_epochs=1, device="cpu", training="sgt", sgt=SaliencyGuidedConfig(fill="replacement")
    )
    fit(_Tiny(), data, data, config, replacement=np.zeros((20, 5, 3), np.float32))
    with pytest.raises(ValueError, match="replacement: expected values of shape"):
        fit(_Tiny(), data, data, config)

    class Tokens:
        x = np.array([[3, 5, 7, 0], [2, 4, 0, 0], [6, 6, 6, 6], [9, 8, 0, 0]])
        y = np.array([0, 1, 0, 1])
        lengths = np.array([3, 2, 4, 2])
        n_samples = 4

    text = TrainConfig(max_epochs=2, device="cpu", training="sgt", sgt=SaliencyGuidedConfig(modality="text"))
    result = fit(_TinyText(), Tokens(), Tokens(), text)
    assert result.epochs_run == 2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SaliencyGuidedConfig(fraction=1.0), "fraction: expected a number in"),
        (lambda: SaliencyGuidedConfig(lam=-1.0), "lam: expected"),
        (lambda: SaliencyGuidedConfig(rank="magnitude"), "rank:"),
        (lambda: SaliencyGuidedConfig(mode="slow"), "mode:"),
        (lambda: SaliencyGuidedConfig(modality="text", fill="random"), "fill:"),
        (lambda: SaliencyGuidedConfig(mode="fast", method="integrated_gradients"), "method:"),
        (lambda: TrainConfig(training="guided"), "training:"),
        (lambda: TrainConfig(optimizer="rmsprop"), "optimizer:"),
        (lambda: TrainConfig(sgt=SaliencyGuidedConfig()), "sgt: only used"),
    ],
)
def test_bad_settings_name_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_train_config_round_trips_the_objective_settings():
    config = TrainConfig(training="sgt", sgt=SaliencyGuidedConfig(fraction=0.2, mode="fast"))
    again = TrainConfig(**config.to_dict())
    assert again == config and again.sgt.fraction == 0.2
