"""``salience evaluate``: score attributions against the ground-truth mask (WJac, Euc), without one
through the model (deletion / insertion areas, comprehensiveness / sufficiency), and a model's accuracy.

Without a mask, the cells are removed in the order of the stored maps (most relevant first) and
replaced by 0, which is each feature's training mean on the standardised inputs the checkpoint sees;
the target is the attributions' own (``target`` in the file) or else the true class.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from salience.cli._console import console


def evaluate(
    data: Annotated[
        Path,
        typer.Argument(help="Dataset (.npz); classes and features are matched to the checkpoint's by name."),
    ],
    attributions: Annotated[
        Path | None, typer.Option(help="Attributions .npz from `salience explain`.")
    ] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="Checkpoint to measure accuracy on DATA.")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the scores as JSON here.")] = None,
) -> None:
    """Score attributions against the ground-truth mask (WJac, Euc) and/or a model's accuracy."""
    import numpy as np
    import torch

    from salience._io import write_text_atomic
    from salience.data import Dataset
    from salience.metrics import euclidean_distance, weighted_jaccard

    if attributions is None and checkpoint is None:
        raise ValueError("attributions/checkpoint: give at least one of --attributions and --checkpoint")
    dataset = Dataset.load(data)
    loaded = None
    if checkpoint is not None:
        from salience.data import align_to
        from salience.training import load_checkpoint

        loaded = load_checkpoint(checkpoint)
        dataset = align_to(
            dataset, loaded.class_names, loaded.feature_names,
            n_classes=loaded.config["n_classes"], n_features=loaded.config["n_features"],
        )  # fmt: skip
    scores: dict[str, float] = {}
    if attributions is not None:
        if dataset.mask is None and loaded is None:
            raise ValueError(
                f"--checkpoint: {data} has no ground-truth mask; give the checkpoint that the attributions "
                "explain, to score them through the model (deletion, insertion, comprehensiveness, "
                "sufficiency)"
            )
        if not attributions.is_file():
            raise FileNotFoundError(f"attributions: no file at {attributions}")
        with np.load(attributions, allow_pickle=False) as stored:
            if "attributions" not in stored:
                raise ValueError(f"attributions: {attributions} has no 'attributions' array")
            saliency = torch.from_numpy(stored["attributions"])
            stored_target = stored["target"] if "target" in stored.files else None
        if tuple(saliency.shape) != dataset.x.shape:
            raise ValueError(
                f"--attributions: {attributions} holds maps of shape {tuple(saliency.shape)}; "
                f"{data} has {dataset.x.shape}"
            )
        if dataset.mask is not None:
            mask = torch.from_numpy(dataset.mask)
            scores["wjac"] = float(weighted_jaccard(saliency, mask).mean())
            scores["euc"] = float(euclidean_distance(saliency, mask).nanmean())  # NaN: empty mask
    if loaded is not None:
        from salience.training import predict_logits

        scaled = loaded.standardizer.transform(dataset) if loaded.standardizer is not None else dataset
        lengths = None if scaled.lengths is None else torch.from_numpy(scaled.lengths)
        if attributions is not None:
            scores.update(_faithfulness(loaded.model, scaled, saliency, lengths, stored_target))
        logits = predict_logits(loaded.model, torch.from_numpy(scaled.x), lengths=lengths)
        scores["accuracy"] = float((logits.argmax(dim=1).numpy() == scaled.y).mean())
    table = Table(title=f"Scores on {data.name}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in scores.items():
        table.add_row(name, f"{value:.4f}")
    console.print(table)
    if out is not None:
        write_text_atomic(out, json.dumps(scores, indent=2))


def _faithfulness(model, scaled, saliency, lengths, stored_target) -> dict[str, float]:
    """Deletion / insertion areas and AOPC of the stored maps (no ground truth needed)."""
    import numpy as np
    import torch

    from salience.metrics import faithfulness_table

    target = scaled.y if stored_target is None or np.ndim(stored_target) != 1 else stored_target
    (row,) = faithfulness_table(
        model, torch.from_numpy(scaled.x), {"maps": saliency}, target=torch.as_tensor(target), lengths=lengths
    )
    return {key: float(value) for key, value in row.items() if key != "method"}
