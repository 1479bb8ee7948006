"""Per-cell standardisation fitted on the training split only (one mean and std per (t, f))."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salience._validation import check_ndim
from salience.data.dataset import Dataset


@dataclass
class Standardizer:
    """z = (x - mean[t, f]) / std[t, f], statistics from the training split.

    Cells with zero spread get std 1. Padding beyond ``lengths`` is ignored when fitting and left
    at zero when transforming.

    Example:
        >>> import numpy as np
        >>> train = Dataset(np.array([[[0.0]], [[2.0]]]), np.array([0, 1]))
        >>> scaler = Standardizer.fit(train)
        >>> scaler.transform(train).x[:, 0, 0].tolist()
        [-1.0, 1.0]
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, train: Dataset) -> Standardizer:
        """Fit the per-cell mean and standard deviation on ``train``."""
        x = train.x.astype(np.float64)
        valid = _valid_cells(train).astype(np.float64)
        count = valid.sum(axis=0)
        safe = np.maximum(count, 1.0)
        mean = (x * valid).sum(axis=0) / safe
        var = (((x - mean) ** 2) * valid).sum(axis=0) / safe
        std = np.sqrt(var)
        std[std == 0] = 1.0
        return cls(mean=mean.astype(np.float32), std=std.astype(np.float32))

    def transform(self, dataset: Dataset) -> Dataset:
        """Apply the fitted statistics to ``dataset`` (which must have the fitted (T, F))."""
        if dataset.x.shape[1:] != self.mean.shape:
            raise ValueError(
                f"dataset: expected (N, {self.mean.shape[0]}, {self.mean.shape[1]}) to match the "
                f"fitted scaler, got {dataset.x.shape}"
            )
        z = (dataset.x - self.mean) / self.std
        z = np.where(_valid_cells(dataset), z, 0.0).astype(np.float32)
        return dataset.with_x(z)

    def transform_array(self, x: np.ndarray) -> np.ndarray:
        """Standardise a raw (N, T, F) array."""
        check_ndim(x, "x", 3, "(N, T, F)")
        return ((x - self.mean) / self.std).astype(np.float32)


def _valid_cells(dataset: Dataset) -> np.ndarray:
    """Bool (N, T, 1): True on time steps inside each sample's length."""
    steps = np.arange(dataset.n_steps)
    if dataset.lengths is None:
        return np.ones((dataset.n_samples, dataset.n_steps, 1), dtype=bool)
    return (steps[None, :] < dataset.lengths[:, None])[:, :, None]
