"""Published numbers that the reproductions put beside ours.

Table 1 of the input-cell attention supplement (Ismail et al., NeurIPS 2019): weighted Jaccard,
Euclidean distance and test accuracy (%) of nine architectures on six box datasets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedScore:
    """One cell of a published table; ``None`` where the paper gives no usable value."""

    wjac: float | None
    euc: float | None
    acc: float | None
    note: str = ""


_TABLE1_COLUMNS = ("earlier", "middle", "latter", "mixed", "three-earlier", "three-middle")

# model -> one (WJac, Euc, Acc%) triple per dataset, in _TABLE1_COLUMNS order.
_TABLE1_ROWS: dict[str, tuple[tuple[float | None, float, float], ...]] = {
    "lstm": ((0.000, 1.006, 53.4), (0.000, 1.003, 98.6), (0.019, 0.985, 100.0),
             (0.000, 1.003, 49.1), (0.000, 1.003, 52.2), (0.000, 1.004, 51.8)),
    "bilstm": ((0.000, 1.004, 50.7), (0.000, 1.003, 53.2), (0.013, 0.990, 100.0),
               (0.000, 1.002, 51.5), (0.000, 1.003, 51.3), (0.000, 1.003, 51.3)),
    "ica-lstm": ((0.103, 0.914, 100.0), (0.124, 0.891, 100.0), (0.110, 0.903, 100.0),
                 (0.104, 0.912, 77.6), (0.108, 0.903, 100.0), (0.106, 0.905, 100.0)),
    "lstm-max": ((0.002, 1.006, 99.9), (0.001, 1.004, 100.0), (0.002, 1.006, 100.0),
                 (0.003, 1.003, 100.0), (0.002, 1.003, 100.0), (0.002, 1.004, 99.9)),
    "ica-lstm-max": ((0.076, 0.931, 100.0), (0.015, 0.990, 99.8), (0.011, 1.002, 100.0),
                     (0.009, 0.997, 100.0), (0.053, 0.953, 100.0), (0.012, 0.993, 99.9)),
    "lstm-mean": ((0.007, 1.024, 99.9), (0.038, 0.974, 100.0), (0.033, 0.997, 99.9),
                  (0.034, 0.979, 100.0), (0.014, 1.005, 100.0), (0.067, 0.946, 100.0)),
    "ica-lstm-mean": ((None, 0.904, 100.0), (0.029, 0.982, 99.9), (0.003, 1.010, 98.0),
                      (0.033, 0.977, 100.0), (0.124, 0.879, 100.0), (0.012, 0.995, 100.0)),
    "lstm-selfattn": ((0.048, 0.973, 100.0), (0.048, 0.963, 100.0), (0.045, 0.973, 100.0),
                      (0.060, 0.953, 100.0), (0.025, 0.985, 100.0), (0.075, 0.939, 99.9)),
    "ica-lstm-selfattn": ((0.124, 0.878, 100.0), (0.014, 0.994, 99.9), (0.014, 0.995, 100.0),
                          (0.014, 0.992, 100.0), (0.091, 0.916, 100.0), (0.043, 0.967, 100.0)),
}  # fmt: skip

_NOTES = {
    ("ica-lstm-mean", "earlier"): "the supplement prints WJac as 100.0, impossible for a ratio in [0, 1]",
}


def ica_table1(model: str, dataset: str) -> PublishedScore | None:
    """The published Table 1 entry for (model, dataset), or None if the paper has none.

    Example:
        >>> ica_table1("ica-lstm", "earlier")
        PublishedScore(wjac=0.103, euc=0.914, acc=100.0, note='')
    """
    row = _TABLE1_ROWS.get(model)
    if row is None or dataset not in _TABLE1_COLUMNS:
        return None
    wjac, euc, acc = row[_TABLE1_COLUMNS.index(dataset)]
    return PublishedScore(wjac=wjac, euc=euc, acc=acc, note=_NOTES.get((model, dataset), ""))
