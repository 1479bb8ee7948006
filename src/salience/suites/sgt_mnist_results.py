"""The results of the saliency guided training MNIST reproduction (:mod:`salience.suites.sgt_mnist`):
one accuracy-drop curve per (training, method), one record per trained model, and the text summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from salience.training.trainer import TRAININGS

METHOD_LABELS = {
    "gradient": "Grad", "integrated_gradients": "IG", "smoothgrad": "SG", "deeplift": "DL",
    "gradient_shap": "GS", "deeplift_shap": "DLS", "random": "Random",
}  # fmt: skip
TRAINING_LABELS = {"traditional": "Traditional", "sgt": "Saliency guided"}


@dataclass
class SgtMnistCurve:
    """The accuracy drop of one (training, method): accuracy (fraction) per removed fraction."""

    training: str
    method: str
    fractions: list[float]
    accuracy: list[float]
    auc: float  # trapezoid of accuracy in percent over the fractions; lower: steeper drop

    @property
    def label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)


@dataclass
class SgtMnistTraining:
    """One trained model: held-out accuracy, training bookkeeping and its gradients' sparsity."""

    training: str
    test_accuracy: float  # fraction, on all held-out digits
    val_accuracy: float
    epochs: int
    best_epoch: int
    seconds: float
    gini: float | None = None  # of the vanilla gradient, mean over the evaluated digits
    near_zero_fraction: float | None = None


@dataclass
class SgtMnistResults:
    """Everything a run produced: one :class:`SgtMnistTraining` per training, one curve per
    (training, method)."""

    trainings: list[SgtMnistTraining] = field(default_factory=list)
    curves: list[SgtMnistCurve] = field(default_factory=list)

    def curve(self, training: str, method: str) -> SgtMnistCurve | None:
        """The curve of (training, method), or None if it has not been computed."""
        return next((c for c in self.curves if c.training == training and c.method == method), None)

    def auc(self, training: str, method: str) -> float | None:
        """The area of (training, method)'s curve, or None."""
        found = self.curve(training, method)
        return None if found is None else found.auc

    def sgt_steeper(self, method: str) -> bool | None:
        """Whether saliency guided training gives the lower area for ``method`` (the paper's claim)."""
        traditional, sgt = self.auc("traditional", method), self.auc("sgt", method)
        return None if traditional is None or sgt is None else sgt < traditional


def format_summary(results: SgtMnistResults) -> str:
    """A plain-text summary: accuracy and gradient sparsity per training, then the area per method.

    Example:
        >>> curve = SgtMnistCurve("sgt", "gradient", [0.0, 0.5], [0.9, 0.2], 27.5)
        >>> print(format_summary(SgtMnistResults(curves=[curve])).splitlines()[-1])
        Grad      n/a        27.5       n/a
    """
    lines = [f"{'training':<16}{'test acc':>10}{'epochs':>8}{'Gini':>8}{'near 0':>8}"]
    for t in results.trainings:
        gini = "n/a" if t.gini is None else f"{t.gini:.3f}"
        near = "n/a" if t.near_zero_fraction is None else f"{t.near_zero_fraction:.3f}"
        lines.append(
            f"{TRAINING_LABELS[t.training]:<16}{100 * t.test_accuracy:>9.1f}%{t.epochs:>8}{gini:>8}{near:>8}"
        )
    lines.append("accuracy-drop area (% · fraction; lower = steeper drop)")
    lines.append(f"{'method':<10}{'trad.':<11}{'SGT':<11}{'SGT steeper'}")
    methods = list(dict.fromkeys(c.method for c in results.curves))
    for method in methods:
        cells = [results.auc(training, method) for training in TRAININGS]
        texts = ["n/a" if v is None else f"{v:.1f}" for v in cells]
        steeper = results.sgt_steeper(method)
        verdict = "n/a" if steeper is None else ("yes" if steeper else "no")
        lines.append(f"{METHOD_LABELS.get(method, method):<10}{texts[0]:<11}{texts[1]:<11}{verdict}")
    return "\n".join(lines)
