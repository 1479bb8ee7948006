"""Training loop: learning, model selection on validation, early stopping, seeding, prediction."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
import torch
from torch import nn

from salience.data import Dataset, make_box, split_dataset
from salience.models import build_model
from salience.training import (
    EpochReport,
    TrainConfig,
    TrainResult,
    evaluate,
    fit,
    predict_logits,
    resolve_device,
)

CPU = {"device": "cpu"}


@pytest.fixture(scope="module")
def parts():
    data = make_box("latter", n=120, n_steps=12, n_features=6, seed=0)
    return split_dataset(data, test=0.2, validation=0.25, seed=0)


def _model(seed: int = 0, name: str = "lstm-mean") -> nn.Module:
    torch.manual_seed(seed)
    return build_model(name, n_features=6, n_classes=2)


@pytest.fixture(scope="module")
def trained(parts):
    """A model trained on the box task, and its result."""
    model = _model(0)
    config = TrainConfig(max_epochs=20, lr=3e-2, batch_size=8, **CPU)
    return model, fit(model, parts.train, parts.validation, config)


def _states_equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _reference_scores(model: nn.Module, dataset: Dataset) -> tuple[float, float]:
    """Cross-entropy and accuracy computed in numpy, one sample at a time."""
    model.eval()
    losses, hits = [], []
    with torch.no_grad():
        for x, y in zip(dataset.x, dataset.y, strict=True):
            z = model(torch.from_numpy(x[None])).double().numpy()[0]
            log_p = z - z.max() - np.log(np.exp(z - z.max()).sum())
            losses.append(-log_p[y])
            hits.append(int(np.argmax(z) == y))
    return float(np.mean(losses)), float(np.mean(hits))


def test_learns_separable_box(parts, trained):
    model, result = trained
    assert isinstance(result, TrainResult)
    assert result.best_val_accuracy >= 0.9
    assert not model.training
    assert next(model.parameters()).device.type == "cpu"
    # The restored model scores what was reported for the best epoch.
    loss, accuracy = _reference_scores(model, parts.validation)
    assert accuracy == pytest.approx(result.best_val_accuracy)
    assert loss == pytest.approx(result.best_val_loss, rel=1e-5)
    assert _reference_scores(model, parts.test)[1] >= 0.8
    assert result.to_dict()["history"][0]["epoch"] == 1


def test_best_epoch_weights_are_restored(parts, trained):
    """Script the weights seen at each epoch (lr=0 keeps them; on_epoch swaps in the next)."""
    good = copy.deepcopy(trained[0].state_dict())
    script = [_model(1).state_dict(), good, _model(2).state_dict(), _model(3).state_dict()]
    expected = []
    for state in script:  # independent scores of each scripted state
        probe = _model()
        probe.load_state_dict(state)
        expected.append(_reference_scores(probe, parts.validation))
    model = _model()
    model.load_state_dict(script[0])
    seen: list[EpochReport] = []

    def next_weights(report: EpochReport) -> None:
        seen.append(report)
        if report.epoch < len(script):
            model.load_state_dict(script[report.epoch])

    config = TrainConfig(max_epochs=len(script), lr=0.0, patience=10, **CPU)
    result = fit(model, parts.train, parts.validation, config, on_epoch=next_weights)

    assert [r.epoch for r in seen] == [1, 2, 3, 4] and result.history == seen
    for report, (loss, accuracy) in zip(seen, expected, strict=True):
        assert report.val_accuracy == pytest.approx(accuracy)
        assert report.val_loss == pytest.approx(loss, rel=1e-5)
    best = min(range(len(expected)), key=lambda i: (-expected[i][1], expected[i][0])) + 1
    assert best == 2  # the trained state beats the random ones
    assert result.best_epoch == best
    assert result.best_val_accuracy == max(r.val_accuracy for r in seen)
    assert [r.best_epoch for r in seen] == [1, 2, 2, 2]
    assert _states_equal(model.state_dict(), good)
    assert evaluate(model, parts.validation)["accuracy"] == result.best_val_accuracy


def test_ties_in_accuracy_go_to_lower_loss(parts):
    """Same predictions, different confidence: the scaled-up classifier has the same accuracy."""
    base = _model(0)
    fit(base, parts.train, parts.validation, TrainConfig(max_epochs=3, lr=3e-2, batch_size=8, **CPU))
    sharp = copy.deepcopy(base.state_dict())
    sharp["classifier.weight"] = sharp["classifier.weight"] * 0.5
    sharp["classifier.bias"] = sharp["classifier.bias"] * 0.5
    states = [base.state_dict(), sharp]
    scores = []
    for state in states:
        probe = _model()
        probe.load_state_dict(state)
        scores.append(_reference_scores(probe, parts.validation))
    assert scores[0][1] == scores[1][1] and scores[0][0] != scores[1][0]
    model = _model()
    model.load_state_dict(states[0])

    def swap(report: EpochReport) -> None:
        if report.epoch == 1:
            model.load_state_dict(states[1])

    result = fit(
        model, parts.train, parts.validation, TrainConfig(max_epochs=2, lr=0.0, **CPU), on_epoch=swap
    )
    assert result.best_epoch == (1 if scores[0][0] < scores[1][0] else 2)


def test_early_stopping_after_patience(parts):
    model = _model()
    result = fit(model, parts.train, parts.validation, TrainConfig(max_epochs=50, lr=0.0, patience=3, **CPU))
    assert result.epochs_run == 1 + 3
    assert result.stopped_early and result.best_epoch == 1
    assert [r.best_epoch for r in result.history] == [1, 1, 1, 1]
    result = fit(model, parts.train, parts.validation, TrainConfig(max_epochs=3, lr=0.0, patience=10, **CPU))
    assert result.epochs_run == 3 and not result.stopped_early


def test_perfect_validation_stops_after_five_epochs(parts, trained):
    model = copy.deepcopy(trained[0])
    predicted = predict_logits(model, parts.validation.x).argmax(dim=1).numpy()
    perfect = parts.validation.subset(np.flatnonzero(predicted == parts.validation.y))
    config = TrainConfig(max_epochs=50, lr=0.0, patience=30, **CPU)
    result = fit(model, parts.train, perfect, config)
    assert result.best_val_accuracy == 1.0
    assert result.epochs_run == 1 + 5 and result.stopped_early
    config = TrainConfig(max_epochs=50, lr=0.0, patience=2, **CPU)
    assert fit(model, parts.train, perfect, config).epochs_run == 1 + 2


def test_stop_at_train_accuracy(parts):
    # Threshold 0 is reached by any model: stop after the first epoch.
    config = TrainConfig(max_epochs=20, lr=0.0, patience=10, stop_at_train_accuracy=0.0, **CPU)
    assert fit(_model(), parts.train, parts.validation, config).epochs_run == 1
    # A threshold the untrained, frozen model cannot reach never stops it early.
    x = torch.from_numpy(parts.train.x)
    accuracy = float((predict_logits(_model(), x).argmax(1).numpy() == parts.train.y).mean())
    config = TrainConfig(max_epochs=4, lr=0.0, patience=10, stop_at_train_accuracy=accuracy + 1e-6, **CPU)
    assert fit(_model(), parts.train, parts.validation, config).epochs_run == 4
    # Learning: stop at the first epoch whose full training accuracy reaches 1.
    reached = []

    def record(report):
        acc = float((predict_logits(model, x).argmax(1).numpy() == parts.train.y).mean())
        reached.append(acc)

    model = _model()
    config = TrainConfig(
        max_epochs=60, lr=0.02, batch_size=16, patience=60, stop_at_train_accuracy=1.0, **CPU
    )
    result = fit(model, parts.train, parts.validation, config, on_epoch=record)
    assert reached[-1] == 1.0 and all(acc < 1.0 for acc in reached[:-1])
    assert result.epochs_run == len(reached) < 60
    with pytest.raises(ValueError, match="stop_at_train_accuracy"):
        TrainConfig(stop_at_train_accuracy=1.5)


def test_same_seed_same_weights_and_global_rng_untouched(parts):
    config = TrainConfig(max_epochs=3, lr=1e-2, batch_size=16, seed=7, **CPU)
    first, second, other = _model(5), _model(5), _model(5)
    assert first.input_dropout.p > 0  # dropout is on, so it has to be seeded
    torch.manual_seed(123)
    before = torch.get_rng_state()
    fit(first, parts.train, parts.validation, config)
    assert torch.equal(torch.get_rng_state(), before)
    torch.rand(1000)  # a different global RNG state must not matter
    fit(second, parts.train, parts.validation, config)
    assert _states_equal(first.state_dict(), second.state_dict())
    config.seed = 8
    fit(other, parts.train, parts.validation, config)
    assert not _states_equal(first.state_dict(), other.state_dict())


def test_selection_follows_validation_not_test(parts):
    assert "test" not in inspect.signature(fit).parameters
    flipped = Dataset(parts.validation.x, 1 - parts.validation.y, meta=dict(parts.validation.meta))
    config = TrainConfig(max_epochs=8, lr=3e-2, batch_size=8, patience=50, **CPU)
    plain, mirror = _model(0), _model(0)
    honest = fit(plain, parts.train, parts.validation, config)
    contrary = fit(mirror, parts.train, flipped, config)
    assert [r.train_loss for r in honest.history] == [r.train_loss for r in contrary.history]
    for a, b in zip(honest.history, contrary.history, strict=True):
        assert b.val_accuracy == pytest.approx(1.0 - a.val_accuracy)
    accuracies = [r.val_accuracy for r in contrary.history]
    assert contrary.history[contrary.best_epoch - 1].val_accuracy == max(accuracies)
    assert honest.best_epoch != contrary.best_epoch
    assert evaluate(mirror, flipped)["accuracy"] == pytest.approx(max(accuracies))


def test_lengths_are_passed_to_the_model():
    class Recorder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 2)
            self.calls: list[tuple[int, list[int]]] = []

        def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
            assert lengths is not None
            self.calls.append((x.shape[0], lengths.tolist()))
            return self.linear(x.mean(dim=1))

    rng = np.random.default_rng(0)
    lengths = np.array([1, 2, 3, 4, 2, 3])
    data = Dataset(rng.normal(size=(6, 4, 3)), np.array([0, 1] * 3), lengths=lengths)
    model = Recorder()
    fit(model, data, data, TrainConfig(max_epochs=1, batch_size=4, **CPU))
    assert [n for n, _ in model.calls] == [4, 2, 6]  # two training batches, one validation batch
    assert sorted(model.calls[0][1] + model.calls[1][1]) == sorted(lengths.tolist())
    assert model.calls[2][1] == lengths.tolist()


def test_predict_logits_matches_per_sample_forward(parts, trained):
    model = trained[0]
    model.train()
    x = parts.test.x[:7]
    logits = predict_logits(model, x, batch_size=3)
    assert logits.dtype == torch.float32 and logits.device.type == "cpu" and logits.shape == (7, 2)
    assert model.training  # the training flag is restored
    model.eval()
    with torch.no_grad():
        reference = torch.cat([model(torch.from_numpy(x[i : i + 1])) for i in range(7)])
    assert torch.allclose(logits, reference, atol=1e-6)
    lengths = np.array([12, 5, 3, 12, 8, 1, 2])
    with torch.no_grad():
        expected = model(torch.from_numpy(x), lengths=torch.from_numpy(lengths))
    assert torch.allclose(predict_logits(model, x, lengths=lengths, batch_size=2), expected, atol=1e-6)
    assert predict_logits(model, x[:0]).shape == (0, 2)


def test_evaluate_matches_numpy_reference(parts, trained):
    model = trained[0]
    scores = evaluate(model, parts.test, batch_size=5)
    loss, accuracy = _reference_scores(model, parts.test)
    assert scores["accuracy"] == pytest.approx(accuracy)
    assert scores["loss"] == pytest.approx(loss, rel=1e-5)


def test_divergence_is_reported():
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x.mean(dim=1)) * float("nan")

    data = Dataset(np.zeros((4, 3, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(FloatingPointError, match="lr"):
        fit(Broken(), data, data, TrainConfig(max_epochs=2, **CPU))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_epochs", 0),
        ("batch_size", -1),
        ("lr", -1e-3),
        ("lr", float("nan")),
        ("patience", 0),
        ("seed", -1),
        ("device", "gpu"),
        ("weight_decay", float("inf")),
    ],
)
def test_config_errors_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


def test_config_to_dict():
    config = TrainConfig(max_epochs=3, device="cuda:1")
    assert TrainConfig(**config.to_dict()) == config


def test_dataset_errors_name_the_split(parts):
    model = _model()
    config = TrainConfig(max_epochs=1, **CPU)
    short = Dataset(parts.validation.x[:, :6], parts.validation.y)
    with pytest.raises(ValueError, match="validation"):
        fit(model, parts.train, short, config)
    wide = Dataset(np.zeros((4, 12, 5)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="train"):
        fit(model, wide, parts.validation, config)
    three = Dataset(parts.train.x, parts.train.y * 2)
    with pytest.raises(ValueError, match=r"train.*labels"):
        fit(model, three, parts.validation, config)
    empty = parts.validation.subset([])
    with pytest.raises(ValueError, match=r"validation.*empty"):
        fit(model, parts.train, empty, config)
    with pytest.raises(TypeError, match="train"):
        fit(model, (parts.train.x, parts.train.y), parts.validation, config)


def test_resolve_device(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    for name in ("cuda", "cuda:1"):
        with pytest.raises(ValueError, match=f"device: '{name}' was asked for but CUDA is not available"):
            resolve_device(name)
    with pytest.raises(ValueError, match="device: expected one of auto, cpu, cuda, cuda:N"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("cuda:x")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match="only 1 CUDA"):
        resolve_device("cuda:3")


def test_stop_at_validation_accuracy(parts):
    # Stop at the first epoch whose validation accuracy reaches the threshold, and not before.
    model = _model()
    seen = []
    config = TrainConfig(
        max_epochs=60, lr=0.02, batch_size=16, patience=60, stop_at_validation_accuracy=0.9, **CPU
    )
    result = fit(model, parts.train, parts.validation, config, on_epoch=lambda r: seen.append(r.val_accuracy))
    assert seen[-1] >= 0.9 and all(acc < 0.9 for acc in seen[:-1])
    assert result.epochs_run == len(seen) < 60
    with pytest.raises(ValueError, match="stop_at_validation_accuracy"):
        TrainConfig(stop_at_validation_accuracy=-0.1)
