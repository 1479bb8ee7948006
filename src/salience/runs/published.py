"""Published numbers that the reproductions put beside ours.

- Table 1 of the input-cell attention supplement (Ismail et al., NeurIPS 2019): weighted Jaccard,
  Euclidean distance and test accuracy (%) of nine architectures on six box datasets;
- Table 2 of saliency guided training (Ismail et al., NeurIPS 2021): Diff(AUP) and Diff(AUR) of six
  gradient methods on the four benchmark architectures, mean over the 10 Box datasets, for
  traditional and saliency guided training;
- Table 1 of saliency guided training (the paper and its poster): ERASER comprehensiveness and
  sufficiency (AOPC) of a GloVe + Bi-LSTM on Movies, FEVER and e-SNLI, for traditional and saliency
  guided training, with a random-score baseline.
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


# The paper's column order (Grad, IG, DL, GS, DLS, SG).
_TABLE2_METHODS = (
    "gradient", "integrated_gradients", "deeplift", "gradient_shap", "deeplift_shap", "smoothgrad",
)  # fmt: skip
# (metric, model) -> (traditional, saliency guided) per method, in _TABLE2_METHODS order.
_TABLE2_ROWS: dict[tuple[str, str], tuple[tuple[float, float], ...]] = {
    ("diff_aup", "lstm"): ((-0.113, -0.119), (-0.083, -0.024), (-0.097, -0.108), (-0.088, -0.069),
                           (-0.098, -0.109), (-0.110, -0.097)),
    ("diff_aup", "ica-lstm"): ((0.060, 0.118), (0.188, 0.245), (0.202, 0.263), (0.198, 0.250),
                               (0.214, 0.272), (0.040, 0.084)),
    ("diff_aup", "tcn"): ((0.106, 0.168), (0.233, 0.291), (0.248, 0.270), (0.235, 0.288),
                          (0.263, 0.280), (0.088, 0.155)),
    ("diff_aup", "transformer"): ((-0.054, -0.062), (0.061, 0.044), (-0.040, -0.032), (0.069, 0.023),
                                  (-0.014, -0.055), (-0.018, -0.046)),
    ("diff_aur", "lstm"): ((-0.017, 0.019), (0.062, 0.121), (0.047, 0.089), (0.060, 0.102),
                           (0.031, 0.075), (0.007, 0.004)),
    ("diff_aur", "ica-lstm"): ((0.075, 0.136), (0.185, 0.198), (0.187, 0.204), (0.182, 0.196),
                               (0.183, 0.201), (0.043, 0.111)),
    ("diff_aur", "tcn"): ((0.125, 0.171), (0.191, 0.210), (0.202, 0.204), (0.185, 0.209),
                          (0.196, 0.192), (0.046, 0.138)),
    ("diff_aur", "transformer"): ((0.102, 0.104), (0.182, 0.176), (0.145, 0.146), (0.171, 0.162),
                                  (0.101, 0.065), (0.040, 0.018)),
}  # fmt: skip
_TRAININGS = ("traditional", "sgt")


def sgt_table2(metric: str, model: str, method: str, training: str = "traditional") -> float | None:
    """The published Table 2 value (``diff_aup`` or ``diff_aur``), or None if the paper has none.

    ``training`` is ``traditional`` or ``sgt`` (saliency guided); models and methods use salience's
    names (``ica-lstm`` is the paper's "LSTM + Input.").

    Example:
        >>> sgt_table2("diff_aup", "tcn", "integrated_gradients")
        0.233
    """
    row = _TABLE2_ROWS.get((metric, model))
    if row is None or method not in _TABLE2_METHODS or training not in _TRAININGS:
        return None
    return row[_TABLE2_METHODS.index(method)][_TRAININGS.index(training)]


_ERASER_METHODS = ("gradient", "integrated_gradients", "smoothgrad")
# (dataset, metric) -> ((traditional, sgt) per method in _ERASER_METHODS order, random).
_ERASER_ROWS: dict[tuple[str, str], tuple[tuple[tuple[float, float], ...], float]] = {
    ("movies", "comprehensiveness"): (((0.200, 0.240), (0.265, 0.306), (0.198, 0.256)), 0.056),
    ("movies", "sufficiency"): (((0.042, 0.013), (0.054, 0.002), (0.034, 0.008)), 0.294),
    ("fever", "comprehensiveness"): (((0.007, 0.008), (0.008, 0.009), (0.007, 0.008)), 0.001),
    ("fever", "sufficiency"): (((0.012, 0.011), (0.005, 0.004), (0.006, 0.006)), 0.003),
    ("esnli", "comprehensiveness"): (((0.117, 0.126), (0.099, 0.104), (0.117, 0.118)), 0.058),
    ("esnli", "sufficiency"): (((0.420, 0.387), (0.461, 0.419), (0.476, 0.455)), 0.366),
}  # fmt: skip


def sgt_table1_eraser(dataset: str, metric: str, method: str, training: str = "traditional") -> float | None:
    """The published ERASER AOPC (Table 1 of saliency guided training), or None if the paper has none.

    ``dataset`` is ``movies``, ``fever`` or ``esnli``; ``metric`` is ``comprehensiveness`` (higher is
    better) or ``sufficiency`` (lower is better); ``method`` is ``gradient``,
    ``integrated_gradients``, ``smoothgrad`` or ``random``; ``training`` is ``traditional`` or ``sgt``.
    The paper gives one Random value per row, returned for either training.

    Example:
        >>> sgt_table1_eraser("movies", "comprehensiveness", "integrated_gradients", "sgt")
        0.306
        >>> sgt_table1_eraser("movies", "sufficiency", "random", "sgt")
        0.294
    """
    row = _ERASER_ROWS.get((dataset, metric))
    if row is None or training not in _TRAININGS:
        return None
    pairs, random = row
    if method == "random":
        return random
    if method not in _ERASER_METHODS:
        return None
    return pairs[_ERASER_METHODS.index(method)][_TRAININGS.index(training)]
