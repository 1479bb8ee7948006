"""``salience models``: every registered model with its options and their defaults (the plain
defaults for real data, and the papers' sizes where they differ); and the typed reading of
``--option KEY=VALUE`` for ``salience train``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from salience.cli._console import console
from salience.models.registry import MODELS, convert_option, model_label, model_options


def models(
    name: Annotated[str | None, typer.Argument(help="One model's options only (e.g. transformer).")] = None,
) -> None:
    """List the models and the options `salience train --model NAME --option KEY=VALUE` takes.

    The default column is what training uses with no options (sizes for real data); the paper column
    is the papers' size, which the reproductions use, where it differs.
    """
    if name is not None and name not in MODELS:
        raise ValueError(f"NAME: unknown model {name!r}; expected one of {', '.join(MODELS)}")
    table = Table(title="Models and their options (salience train --option KEY=VALUE)")
    for column in ("model", "label", "inputs", "option", "default", "paper (where it differs)"):
        table.add_column(column)
    for model in [name] if name is not None else list(MODELS):
        defaults, paper = model_options(model), model_options(model, preset="paper")
        first = True
        for key, value in defaults.items() or [("", "")]:
            shown_paper = "" if key == "" or paper[key] == value else _shown(paper[key])
            cells = (model, model_label(model), MODELS[model].inputs) if first else ("", "", "")
            table.add_row(*cells, key, _shown(value) if key else "", shown_paper)
            first = False
        table.add_section()
    console.print(table)


def parse_model_options(model: str, pairs: list[str] | None) -> dict[str, Any]:
    """``--option KEY=VALUE`` pairs for ``model``, each typed like the option's default; an option
    the model does not take is refused (one line naming it and listing those it takes).

    Example:
        >>> parse_model_options("transformer", ["d_model=32", "causal=false"])
        {'d_model': 32, 'causal': False}
        >>> parse_model_options("lstm", ["r=5"])
        Traceback (most recent call last):
        ...
        ValueError: --option r: 'lstm' does not take this option; it takes dropout, hidden_size
    """
    options: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError(f"--option: expected KEY=VALUE, got {pair!r}")
        key, text = (part.strip() for part in pair.split("=", 1))
        try:
            options[key] = convert_option(model, key, text)
        except ValueError as err:
            raise ValueError(f"--option {err}") from None
    return options


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return ",".join(str(part) for part in value)
    return str(value)
