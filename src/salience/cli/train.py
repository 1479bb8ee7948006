"""``salience train``: train a model on a dataset (.npz) and save its checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from salience.cli._console import console
from salience.cli._options import Device, Seed
from salience.cli.models import parse_model_options


def train(
    data: Annotated[Path, typer.Argument(help="Training data (.npz with x, y).")],
    model: Annotated[str, typer.Option(help="Model name, e.g. lstm, bilstm, ica-lstm, lstm-selfattn.")],
    out: Annotated[Path, typer.Option(help="Checkpoint directory to write.")],
    option: Annotated[
        list[str] | None, typer.Option(help="Model option KEY=VALUE (repeatable); see `salience models`.")
    ] = None,
    validation: Annotated[float, typer.Option(help="Fraction of the data held out for validation.")] = 0.1,
    max_epochs: Annotated[int, typer.Option()] = 100,
    batch_size: Annotated[int, typer.Option()] = 50,
    lr: Annotated[float, typer.Option()] = 1e-3,
    patience: Annotated[int, typer.Option()] = 20,
    seed: Seed = 0,
    device: Device = "auto",
    optimizer: Annotated[str, typer.Option(help="adam, adadelta or sgd.")] = "adam",
    training: Annotated[
        str, typer.Option(help="traditional or sgt (saliency guided training).")
    ] = "traditional",
    sgt_fraction: Annotated[float, typer.Option(help="SGT: fraction k of cells masked per sample.")] = 0.5,
    sgt_lambda: Annotated[float, typer.Option(help="SGT: weight of the KL term.")] = 1.0,
    sgt_mode: Annotated[str, typer.Option(help="SGT: faithful (as the paper) or fast.")] = "faithful",
    sgt_rank: Annotated[str, typer.Option(help="SGT: rank by the signed or absolute gradient.")] = "signed",
    sgt_fill: Annotated[
        str, typer.Option(help="SGT: feature_range, sample_range or constant (0) for masked cells.")
    ] = "feature_range",
    scaling: Annotated[
        str,
        typer.Option(
            help="Standardise per cell (t, f), as the papers, or per feature; auto: per feature for "
            "variable-length data (its test series may be longer), per cell otherwise."
        ),
    ] = "auto",
    quiet: Annotated[
        bool, typer.Option(help="No per-epoch progress (off a terminal: a line every 10 s at most).")
    ] = False,
) -> None:
    """Train a model (standardised per cell, validation split for model selection) and save it.

    The checkpoint records the data's class names (in label order) and feature names, so that
    `salience evaluate` and `salience explain` can match other files to them by name.
    `salience models` lists every model with its options and defaults.
    """
    from salience._validation import check_choice
    from salience.data import Dataset, Standardizer, split_dataset
    from salience.models import build_model
    from salience.training import SaliencyGuidedConfig, TrainConfig, save_checkpoint

    options = parse_model_options(model, option)
    sgt = None
    if training == "sgt":
        sgt = SaliencyGuidedConfig(
            fraction=sgt_fraction, lam=sgt_lambda, mode=sgt_mode, rank=sgt_rank, fill=sgt_fill
        )

    dataset = Dataset.load(data)
    splits = split_dataset(dataset, test=0, validation=validation, seed=seed)
    check_choice(scaling, "scaling", ("auto", "cell", "feature"))
    per = scaling if scaling != "auto" else ("feature" if dataset.lengths is not None else "cell")
    scaler = Standardizer.fit(splits.train, per=per)
    config = TrainConfig(
        max_epochs=max_epochs, batch_size=batch_size, lr=lr, patience=patience, seed=seed, device=device,
        optimizer=optimizer, training=training, sgt=sgt,
    )  # fmt: skip
    network = build_model(
        model, n_features=dataset.n_features, n_classes=dataset.n_classes, seed=seed, **options
    )
    result = _fit_with_progress(network, scaler.transform(splits.train), scaler.transform(splits.validation),
                                config, quiet)  # fmt: skip
    save_checkpoint(
        out, network, standardizer=scaler,
        metadata={"train": config.to_dict(), "result": result.to_dict(), "data": str(data)},
        class_names=dataset.class_names, feature_names=dataset.meta.get("feature_names"),
    )  # fmt: skip
    console.print(
        f"{model}: best validation accuracy {result.best_val_accuracy:.3f} at epoch {result.best_epoch} "
        f"({result.epochs_run} epochs) -> {out}"
    )


def _fit_with_progress(network: Any, train: Any, validation: Any, config: Any, quiet: bool) -> Any:
    """:func:`salience.training.fit` with progress (:class:`~salience.cli._progress.EpochProgress`)."""
    from salience.cli._progress import EpochProgress
    from salience.training import fit

    with EpochProgress(config.max_epochs, quiet=quiet) as shown:
        return fit(network, train, validation, config, on_epoch=shown.on_epoch)
