"""Checkpoints: exact round trips through safetensors + JSON, and clear errors for broken ones."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
import torch
from torch import nn

import salience
from salience.data import Dataset, Standardizer
from salience.models import build_model
from salience.training import Checkpoint, TrainConfig, load_checkpoint, save_checkpoint


def _model(name: str = "ica-lstm-mean", seed: int = 0, **options) -> nn.Module:
    torch.manual_seed(seed)
    options = {"r": 3, "d_a": 5, **options} if name.startswith("ica") else options
    return build_model(name, n_features=4, n_classes=3, hidden_size=4, **options)


def _standardizer() -> Standardizer:
    rng = np.random.default_rng(0)
    return Standardizer.fit(Dataset(rng.normal(3.0, 2.0, size=(10, 7, 4)), np.arange(10) % 3))


@pytest.mark.parametrize("name", ["ica-lstm-mean", "bilstm", "lstm-selfattn"])
def test_round_trip_is_exact(tmp_path, name):
    model = _model(name)
    model.eval()
    scaler = _standardizer()
    metadata = {"train": TrainConfig(max_epochs=3).to_dict(), "result": {"best_epoch": 2, "acc": 0.75}}
    path = save_checkpoint(tmp_path / "ckpt", model, standardizer=scaler, metadata=metadata)
    assert path == tmp_path / "ckpt"
    loaded = load_checkpoint(path)
    assert isinstance(loaded, Checkpoint)
    assert not loaded.model.training
    assert loaded.config == model.config
    assert loaded.metadata == metadata
    original, restored = model.state_dict(), loaded.model.state_dict()
    assert original.keys() == restored.keys()
    assert all(torch.equal(original[k], restored[k]) for k in original)
    x = torch.randn(5, 7, 4)
    with torch.no_grad():
        assert torch.equal(model(x), loaded.model(x))
    assert loaded.standardizer is not None
    for got, want in ((loaded.standardizer.mean, scaler.mean), (loaded.standardizer.std, scaler.std)):
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_without_standardizer_or_metadata(tmp_path):
    save_checkpoint(tmp_path, _model("lstm"))
    loaded = load_checkpoint(tmp_path)
    assert loaded.standardizer is None and loaded.metadata == {}


def test_float64_model_comes_back_in_float64(tmp_path):
    model = _model("lstm").double().eval()
    save_checkpoint(tmp_path, model)
    loaded = load_checkpoint(tmp_path).model
    assert next(loaded.parameters()).dtype == torch.float64
    x = torch.randn(2, 5, 4, dtype=torch.float64)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))


def test_files_are_safetensors_and_json_without_pickle(tmp_path, monkeypatch):
    model = _model()
    save_checkpoint(tmp_path, model, standardizer=_standardizer())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    raw = (tmp_path / "model.safetensors").read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_size])
    assert header["__metadata__"] == {"format": "salience.checkpoint/1"}
    assert set(header) - {"__metadata__"} == set(model.state_dict()) | {
        "preprocessing.mean",
        "preprocessing.std",
    }
    assert header["preprocessing.mean"]["shape"] == [7, 4]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["format"] == "salience.checkpoint/1"
    assert config["salience_version"] == salience.__version__
    assert config["torch_version"] == torch.__version__
    assert config["model"] == model.config

    def refuse(*args, **kwargs):
        raise AssertionError("pickle must not be used")

    for module, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (torch, "load")):
        monkeypatch.setattr(module, name, refuse)
    assert load_checkpoint(tmp_path).standardizer is not None


def test_overwrite_replaces_the_checkpoint(tmp_path):
    save_checkpoint(tmp_path, _model("lstm"), metadata={"run": 1})
    second = _model("bilstm", seed=1).eval()
    save_checkpoint(tmp_path, second, metadata={"run": 2})
    loaded = load_checkpoint(tmp_path)
    assert loaded.config["name"] == "bilstm" and loaded.metadata == {"run": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]


def test_save_errors(tmp_path):
    with pytest.raises(ValueError, match="model"):
        save_checkpoint(tmp_path, nn.Linear(2, 2))
    with pytest.raises(TypeError, match="metadata"):
        save_checkpoint(tmp_path, _model("lstm"), metadata={"bad": object()})
    with pytest.raises(TypeError, match="standardizer"):
        save_checkpoint(tmp_path, _model("lstm"), standardizer=np.zeros(3))
    assert not (tmp_path / "config.json").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="directory"):
        save_checkpoint(tmp_path / "file", _model("lstm"))


@pytest.fixture
def saved(tmp_path):
    save_checkpoint(tmp_path, _model(), standardizer=_standardizer())
    return tmp_path


def _edit_config(path, **changes) -> None:
    config = json.loads((path / "config.json").read_text())
    for key, value in changes.items():
        if key in config["model"]:
            config["model"][key] = value
        else:
            config[key] = value
    (path / "config.json").write_text(json.dumps(config))


def test_missing_directory_or_files(tmp_path, saved):
    with pytest.raises(FileNotFoundError, match="checkpoint"):
        load_checkpoint(tmp_path / "nowhere")
    (saved / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"checkpoint.*model\.safetensors"):
        load_checkpoint(saved)
    (saved / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"checkpoint.*config\.json"):
        load_checkpoint(saved)


def test_truncated_weights(saved):
    weights = saved / "model.safetensors"
    raw = weights.read_bytes()
    for cut in (4, 40, len(raw) // 2, len(raw) - 1):
        weights.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="checkpoint"):
            load_checkpoint(saved)


def test_garbage_config(saved):
    (saved / "config.json").write_bytes(b"\x00\xffnot json{")
    with pytest.raises(ValueError, match=r"checkpoint.*JSON"):
        load_checkpoint(saved)
    (saved / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="checkpoint"):
        load_checkpoint(saved)


def test_unknown_format_or_model(saved):
    _edit_config(saved, format="salience.checkpoint/99")
    with pytest.raises(ValueError, match=r"checkpoint.*format"):
        load_checkpoint(saved)
    _edit_config(saved, format="salience.checkpoint/1", name="no-such-model")
    with pytest.raises(ValueError, match=r"checkpoint.*no-such-model"):
        load_checkpoint(saved)


def test_weights_that_do_not_match_the_model(saved):
    _edit_config(saved, options={"r": 3, "d_a": 5, "hidden_size": 6})
    with pytest.raises(ValueError, match=r"checkpoint.*shapes: .*lstm\.weight_ih_l0"):
        load_checkpoint(saved)
    _edit_config(saved, name="ica-lstm-selfattn", options={"r": 3, "d_a": 5, "hidden_size": 4})
    with pytest.raises(ValueError, match=r"checkpoint.*missing keys: readout\."):
        load_checkpoint(saved)
    _edit_config(saved, name="lstm-mean", options={"hidden_size": 4})
    with pytest.raises(ValueError, match=r"checkpoint.*unexpected keys: attention\."):
        load_checkpoint(saved)


def test_a_checkpoint_from_before_the_real_data_defaults_loads_at_the_paper_sizes(tmp_path):
    # Before the real-data defaults, config.json listed only the options given; the others were the
    # papers' sizes (hidden size 5). Such a file must rebuild the same model, not today's defaults.
    import json

    import torch

    from salience.models import build_model, load_checkpoint, save_checkpoint

    old = build_model("lstm", n_features=3, n_classes=2, seed=0, preset="paper")
    path = save_checkpoint(tmp_path / "old", old)
    document = json.loads((path / "config.json").read_text())
    document["model"]["options"] = {}  # what the earlier release wrote for a default lstm
    (path / "config.json").write_text(json.dumps(document))
    loaded = load_checkpoint(path).model
    assert loaded.config["options"]["hidden_size"] == 5
    x = torch.rand(4, 6, 3)
    torch.testing.assert_close(loaded.eval()(x), old.eval()(x))
    # A checkpoint written now lists every option and rebuilds at its own sizes.
    new = build_model("lstm", n_features=3, n_classes=2, seed=0)
    assert load_checkpoint(save_checkpoint(tmp_path / "new", new)).model.config == new.config
