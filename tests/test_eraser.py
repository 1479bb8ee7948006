"""ERASER comprehensiveness and sufficiency (AOPC) against a hand-computed example and a slow
per-sample loop written here from the definitions (DeYoung et al. 2020)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch
from torch import nn

from salience.metrics import ERASER_LEVELS, delete_tokens, eraser_scores, rationale_sizes
from salience.models import TextBiLSTM

pytestmark = pytest.mark.usefixtures("one_thread")


class BagOfWords(nn.Module):
    """logits = (0, Σ_valid w[token]): p_1 = sigmoid of the summed token weights."""

    def __init__(self, weights: dict[int, float], vocab: int = 10) -> None:
        super().__init__()
        w = torch.zeros(vocab)
        for token, value in weights.items():
            w[token] = value
        self.w = nn.Parameter(w)
        self.calls: list[tuple[int, int]] = []

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        self.calls.append(tuple(tokens.shape))
        valid = torch.arange(tokens.shape[1])[None, :] < lengths[:, None]
        score = torch.where(valid, self.w[tokens], 0.0).sum(dim=1)
        return torch.stack([torch.zeros_like(score), score], dim=1)


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))


def test_hand_computed_example():
    """x = [7, 5, 3, 3] with w7 = 2, w5 = 1, w3 = 0; scores rank 7, 5, 3(4th), 3(3rd); K = 25 %, 50 %.

    Predicted class 1, p = σ(3). r_25% = {7}: x∖r = [5, 3, 3] (σ(1)), r alone σ(2).
    r_50% = {7, 5}: x∖r = [3, 3] (σ(0)), r alone σ(3).
    """
    model = BagOfWords({7: 2.0, 5: 1.0, 3: 0.0})
    tokens = torch.tensor([[7, 5, 3, 3, 0]])
    scores = torch.tensor([[0.9, 0.5, 0.1, 0.2, 5.0]])  # the padded position's score is ignored
    result = eraser_scores(model, tokens, torch.tensor([4]), scores, levels=(0.25, 0.5))
    p = sigmoid(3)
    expected_comp = [p - sigmoid(1), p - sigmoid(0)]
    expected_suff = [p - sigmoid(2), p - sigmoid(3)]
    assert result.target.tolist() == [1]
    assert result.probability.item() == pytest.approx(p)
    assert result.comprehensiveness_curve[0].tolist() == pytest.approx(expected_comp)
    assert result.sufficiency_curve[0].tolist() == pytest.approx(expected_suff)
    assert result.comprehensiveness.item() == pytest.approx(sum(expected_comp) / 2)
    assert result.sufficiency.item() == pytest.approx(sum(expected_suff) / 2)
    means = result.means()
    assert means["comprehensiveness@25"] == pytest.approx(expected_comp[0])
    assert means["sufficiency@50"] == pytest.approx(0.0, abs=1e-12)


def test_deleting_everything_feeds_one_empty_token():
    """A one-token sample: its rationale is the whole sample, so comprehensiveness sees one <pad>."""
    model = BagOfWords({4: 1.5, 0: -0.5})
    result = eraser_scores(model, torch.tensor([[4, 0]]), torch.tensor([1]), torch.ones(1, 2), levels=(0.5,))
    assert result.comprehensiveness.item() == pytest.approx(sigmoid(1.5) - sigmoid(-0.5))
    assert result.sufficiency.item() == pytest.approx(0.0, abs=1e-12)
    other = eraser_scores(
        model, torch.tensor([[4, 0]]), torch.tensor([1]), torch.ones(1, 2), levels=(0.5,), empty_token=9
    )
    assert other.comprehensiveness.item() == pytest.approx(sigmoid(1.5) - sigmoid(0.0))


def test_rationale_sizes_follow_the_floor_rule():
    lengths = torch.tensor([1, 3, 7, 19, 20, 100, 333])
    levels = (*ERASER_LEVELS, 0.29, 0.7, 1.0)
    ours = rationale_sizes(lengths, levels)
    for i, n in enumerate(lengths.tolist()):
        for j, k in enumerate(levels):
            assert ours[i, j] == max(1, math.floor(Fraction(str(k)) * n)), (n, k)
    assert ours[5].tolist()[5] == 29  # 0.29 · 100 is 28.999… in floating point


def test_delete_tokens_compacts_in_order():
    tokens = torch.tensor([[[1, 2, 3, 4, 5]], [[6, 7, 8, 0, 0]]])
    keep = torch.tensor([[[False, True, False, True, True]], [[True, False, True, False, False]]])
    out, lengths = delete_tokens(tokens, keep)
    assert out.tolist() == [[[2, 4, 5, 0, 0]], [[6, 8, 0, 0, 0]]]
    assert lengths.tolist() == [[3], [2]]


def _slow_reference(model, tokens, lengths, scores, levels):
    """Per sample, per level: build x∖r_k and r_k as Python lists and run the model on each alone."""

    def prob(sequence, j):
        seq = sequence or [0]
        with torch.no_grad():
            logits = model(torch.tensor([seq]), lengths=torch.tensor([len(seq)]))
        return torch.softmax(logits.double(), dim=-1)[0, j].item()

    comp, suff = [], []
    for i in range(tokens.shape[0]):
        n = int(lengths[i])
        seq = tokens[i, :n].tolist()
        with torch.no_grad():
            full = torch.softmax(model(torch.tensor([seq]), lengths=torch.tensor([n])).double(), -1)[0]
        j = int(full.argmax())
        p = full[j].item()
        order = sorted(range(n), key=lambda t: (-float(scores[i, t]), t))  # stable: earlier first on ties
        row_comp, row_suff = [], []
        for k in levels:
            top = set(order[: max(1, math.floor(Fraction(str(k)) * n))])
            row_comp.append(p - prob([seq[t] for t in range(n) if t not in top], j))
            row_suff.append(p - prob([seq[t] for t in range(n) if t in top], j))
        comp.append(row_comp)
        suff.append(row_suff)
    return torch.tensor(comp, dtype=torch.float64), torch.tensor(suff, dtype=torch.float64)


def _random_batch(seed: int, n: int = 13, width: int = 24):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (n,), generator=generator)
    lengths[0], lengths[1] = 1, width
    tokens = torch.randint(2, 40, (n, width), generator=generator)
    tokens = torch.where(torch.arange(width)[None, :] < lengths[:, None], tokens, 0)
    scores = torch.rand((n, width), generator=generator)
    scores[2, :6] = 0.5  # ties
    scores = torch.round(scores * 8) / 8  # many more ties
    return tokens, lengths, scores


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_matches_the_slow_per_sample_loop_on_a_bilstm(batch_size):
    torch.manual_seed(0)
    model = TextBiLSTM(40, 3, embedding_dim=6, hidden_size=5).eval()
    tokens, lengths, scores = _random_batch(1)
    result = eraser_scores(model, tokens, lengths, scores, batch_size=batch_size)
    comp, suff = _slow_reference(model, tokens, lengths, scores, ERASER_LEVELS)
    torch.testing.assert_close(result.comprehensiveness_curve, comp, atol=1e-6, rtol=0)
    torch.testing.assert_close(result.sufficiency_curve, suff, atol=1e-6, rtol=0)
    torch.testing.assert_close(result.comprehensiveness, comp.mean(1), atol=1e-6, rtol=0)
    torch.testing.assert_close(result.sufficiency, suff.mean(1), atol=1e-6, rtol=0)
    assert result.comprehensiveness.dtype == torch.float64


def test_target_overrides_the_prediction():
    model = BagOfWords({7: 2.0, 5: 1.0})
    tokens, lengths = torch.tensor([[7, 5, 3, 3]]), torch.tensor([4])
    scores = torch.tensor([[0.9, 0.5, 0.1, 0.2]])
    result = eraser_scores(model, tokens, lengths, scores, levels=(0.25,), target=torch.tensor([0]))
    p0 = 1 - sigmoid(3)
    assert result.probability.item() == pytest.approx(p0)
    assert result.comprehensiveness.item() == pytest.approx(p0 - (1 - sigmoid(1)))


def test_one_model_call_per_batch_and_mode_restored():
    model = BagOfWords({7: 2.0}).train()
    tokens, lengths, scores = _random_batch(2, n=10, width=12)
    tokens = tokens.clamp(max=9)
    eraser_scores(model, tokens, lengths, scores, batch_size=4)
    assert [rows for rows, _ in model.calls] == [4 * 11, 4 * 11, 2 * 11]
    assert model.training


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"scores": torch.rand(2, 3)}, ValueError, r"^scores: expected the shape of tokens"),
        ({"scores": torch.full((2, 4), math.nan)}, ValueError, r"^scores: expected finite values"),
        ({"levels": (0.0, 0.5)}, ValueError, r"^levels: expected a non-empty sequence"),
        ({"levels": ()}, ValueError, r"^levels: expected a non-empty sequence"),
        ({"lengths": torch.tensor([5, 1])}, ValueError, r"^lengths: expected values in \[1, 4\]"),
        ({"tokens": torch.rand(2, 4)}, TypeError, r"^tokens: expected integer token ids"),
        ({"target": torch.tensor([0, 2])}, ValueError, r"^target: expected classes in \[0, 2\)"),
        ({"batch_size": 0}, ValueError, r"^batch_size: expected a positive integer"),
    ],
)
def test_rejects_bad_input(kwargs, error, message):
    arguments = {
        "tokens": torch.tensor([[7, 5, 3, 3], [5, 0, 0, 0]]),
        "lengths": torch.tensor([4, 1]),
        "scores": torch.rand(2, 4),
        **kwargs,
    }
    model = BagOfWords({7: 2.0})
    call_kwargs = {k: v for k, v in arguments.items() if k not in ("tokens", "lengths", "scores")}
    with pytest.raises(error, match=message):
        eraser_scores(model, arguments["tokens"], arguments["lengths"], arguments["scores"], **call_kwargs)
