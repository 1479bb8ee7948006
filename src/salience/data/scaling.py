"""Scaling fitted on the training split only: standardisation (per cell (t, f), as the papers, or per
feature, for variable-length data) and min-max per cell."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salience._validation import check_choice, check_finite, check_ndim, check_same_shape
from salience.data.dataset import Dataset


@dataclass
class Standardizer:
    """z = (x - mean[t, f]) / std[t, f], statistics from the training split.

    Cells with zero spread get std 1. Padding beyond ``lengths`` is ignored when fitting and left
    at zero when transforming. ``fit(..., per="feature")`` pools every valid step of a feature into
    one mean and std (arrays of shape (1, F)), which apply to series of any length: the choice for
    variable-length data, whose late cells have few samples and whose test split may be longer.

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
    def fit(cls, train: Dataset, *, per: str = "cell") -> Standardizer:
        """Fit the mean and standard deviation on ``train``, per ``cell`` (t, f) or per ``feature``.

        Example:
            >>> train = Dataset(np.array([[[0.0], [4.0]], [[2.0], [6.0]]]), np.array([0, 1]))
            >>> Standardizer.fit(train, per="feature").mean.tolist()
            [[3.0]]
        """
        check_choice(per, "per", ("cell", "feature"))
        x = train.x.astype(np.float64)
        valid = np.broadcast_to(_valid_cells(train), x.shape).astype(np.float64)
        axes = (0,) if per == "cell" else (0, 1)
        count = valid.sum(axis=axes)
        safe = np.maximum(count, 1.0)
        mean = (x * valid).sum(axis=axes) / safe
        if per == "feature":
            mean = mean[None, :]
        var = (((x - mean) ** 2) * valid).sum(axis=axes) / safe
        if per == "feature":
            var = var[None, :]
        std = np.sqrt(var)
        std[std == 0] = 1.0
        return cls(mean=mean.astype(np.float32), std=std.astype(np.float32))

    def transform(self, dataset: Dataset) -> Dataset:
        """Apply the fitted statistics to ``dataset`` (which must have the fitted (T, F), or the fitted
        F for per-feature statistics)."""
        if dataset.x.shape[1:] != self.mean.shape and not (
            self.per_feature and dataset.x.shape[2] == self.mean.shape[1]
        ):
            raise ValueError(
                f"dataset: expected (N, {self.mean.shape[0]}, {self.mean.shape[1]}) to match the "
                f"fitted scaler, got {dataset.x.shape}"
            )
        z = (dataset.x - self.mean) / self.std
        z = np.where(_valid_cells(dataset), z, 0.0).astype(np.float32)
        return dataset.with_x(z)

    @property
    def per_feature(self) -> bool:
        """True for per-feature statistics (shape (1, F)), which fit any number of steps."""
        return self.mean.shape[0] == 1

    def transform_array(self, x: np.ndarray) -> np.ndarray:
        """Standardise a raw (N, T, F) array."""
        check_ndim(x, "x", 3, "(N, T, F)")
        return ((x - self.mean) / self.std).astype(np.float32)


@dataclass
class MinMaxScaler:
    """x' = (x - min[t, f]) / (max[t, f] - min[t, f]), extrema from the training split.

    The benchmark's preprocessing (scikit-learn's ``MinMaxScaler`` on the flattened (N, T·F) matrix):
    training cells map into [0, 1]; cells whose training range is 0 use range 1, as scikit-learn
    does. Padding beyond ``lengths`` is ignored when fitting (a cell with no valid value gets min 0,
    range 1) and left at zero by :meth:`transform`. Extrema are kept in float64; outputs are float32.

    Example:
        >>> import numpy as np
        >>> train = Dataset(np.array([[[1.0]], [[3.0]], [[2.0]]]), np.array([0, 1, 0]))
        >>> scaler = MinMaxScaler.fit(train)
        >>> scaler.transform(train).x[:, 0, 0].tolist()
        [0.0, 1.0, 0.5]
    """

    data_min: np.ndarray
    data_max: np.ndarray

    def __post_init__(self) -> None:
        self.data_min = np.asarray(self.data_min, dtype=np.float64)
        self.data_max = np.asarray(self.data_max, dtype=np.float64)
        check_ndim(self.data_min, "data_min", 2, "(T, F)")
        check_same_shape(self.data_max, "data_max", self.data_min, "data_min")
        check_finite(self.data_min, "data_min")
        check_finite(self.data_max, "data_max")
        if (self.data_max < self.data_min).any():
            raise ValueError("data_max: expected values >= data_min")

    @classmethod
    def fit(cls, train: Dataset) -> MinMaxScaler:
        """Fit the per-cell minimum and maximum on ``train`` (valid time steps only)."""
        x = train.x.astype(np.float64)
        valid = _valid_cells(train)
        low = np.where(valid, x, np.inf).min(axis=0, initial=np.inf)
        high = np.where(valid, x, -np.inf).max(axis=0, initial=-np.inf)
        empty = ~np.isfinite(low)
        low[empty], high[empty] = 0.0, 0.0
        return cls(data_min=low, data_max=high)

    @property
    def data_range(self) -> np.ndarray:
        """max - min per cell, with 0 replaced by 1 (the divisor actually used)."""
        spread = self.data_max - self.data_min
        return np.where(spread == 0, 1.0, spread)

    def transform(self, dataset: Dataset) -> Dataset:
        """Scale ``dataset`` (which must have the fitted (T, F)); padding stays zero."""
        scaled = self.transform_array(dataset.x)
        return dataset.with_x(np.where(_valid_cells(dataset), scaled, 0.0).astype(np.float32))

    def transform_array(self, x: np.ndarray) -> np.ndarray:
        """Scale a raw (N, T, F) array."""
        self._check_cells(x)
        return ((np.asarray(x, dtype=np.float64) - self.data_min) / self.data_range).astype(np.float32)

    def inverse_transform_array(self, x: np.ndarray) -> np.ndarray:
        """Map a scaled (N, T, F) array back to raw values."""
        self._check_cells(x)
        return (np.asarray(x, dtype=np.float64) * self.data_range + self.data_min).astype(np.float32)

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable record of the fitted extrema."""
        return {"kind": "minmax", "data_min": self.data_min.tolist(), "data_max": self.data_max.tolist()}

    @classmethod
    def from_dict(cls, record: dict[str, object]) -> MinMaxScaler:
        """The scaler recorded by :meth:`to_dict`."""
        if not isinstance(record, dict) or record.get("kind") != "minmax":
            raise ValueError("record: expected a dict written by MinMaxScaler.to_dict (kind 'minmax')")
        return cls(data_min=np.asarray(record["data_min"]), data_max=np.asarray(record["data_max"]))

    def _check_cells(self, x: np.ndarray) -> None:
        check_ndim(x, "x", 3, "(N, T, F)")
        if tuple(x.shape[1:]) != self.data_min.shape:
            raise ValueError(
                f"x: expected (N, {self.data_min.shape[0]}, {self.data_min.shape[1]}) to match the "
                f"fitted scaler, got {tuple(x.shape)}"
            )


def _valid_cells(dataset: Dataset) -> np.ndarray:
    """Bool (N, T, 1): True on time steps inside each sample's length."""
    steps = np.arange(dataset.n_steps)
    if dataset.lengths is None:
        return np.ones((dataset.n_samples, dataset.n_steps, 1), dtype=bool)
    return (steps[None, :] < dataset.lengths[:, None])[:, :, None]
