"""A suite's profile and its ``config.json``.

:func:`apply_overrides` resolves a named profile with field overrides, as every reproduction suite
does. :func:`write_run_config` records the settings, seed, device and versions in the run directory;
a rerun with other settings (the selection fields ``keep`` aside, which only add or reuse tasks) is
refused instead of mixing results made under different settings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from salience._io import write_text_atomic
from salience._validation import check_choice
from salience._versions import runtime_versions

P = TypeVar("P")


def apply_overrides(
    profile: str | P, profiles: Mapping[str, P], overrides: dict[str, Any], *, keep_none: Iterable[str] = ()
) -> P:
    """``profiles[profile]`` (or ``profile`` itself, a profile dataclass) with ``overrides`` replaced.

    An override given as None is ignored (the CLI passes None for an option not given), except the
    fields in ``keep_none``, where None is a value. Unknown fields are refused by name.

    Example:
        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Demo:
        ...     name: str
        ...     epochs: int
        >>> apply_overrides("quick", {"quick": Demo("quick", 3)}, {"epochs": 5, "seed": None})
        Demo(name='quick', epochs=5)
    """
    if isinstance(profile, str):
        check_choice(profile, "profile", profiles)
        profile = profiles[profile]
    kind = type(next(iter(profiles.values())))
    if not isinstance(profile, kind):
        raise TypeError(f"profile: expected a profile name or {kind.__name__}, got {type(profile).__name__}")
    allowed = set(keep_none)
    given = {k: v for k, v in overrides.items() if v is not None or k in allowed}
    unknown = sorted(set(given) - {f.name for f in dataclasses.fields(profile)})
    if unknown:
        raise ValueError(f"overrides: {unknown} are not profile settings")
    return dataclasses.replace(profile, **given)


def select(
    overrides: dict[str, Any], name: str, values: Iterable[str] | None, choices: Iterable[str]
) -> None:
    """Set the override ``name`` to the selection ``values`` (a tuple), each checked against ``choices``;
    nothing for an empty or None selection.

    Example:
        >>> overrides = {}
        >>> select(overrides, "models", ["lstm"], ("lstm", "tcn"))
        >>> overrides
        {'models': ('lstm',)}
    """
    if values:
        for value in values:
            check_choice(value, name, choices)
        overrides[name] = tuple(values)


def write_run_config(
    run_dir: str | Path,
    suite: str,
    profile: dict[str, Any],
    *,
    seed: int,
    device: str,
    keep: Iterable[str] = ("name",),
    same_seed: bool = False,
    title: str | None = None,
    tables: Mapping[str, str] | None = None,
) -> Path:
    """Write ``run_dir/config.json``, refusing a directory whose settings (or seed) differ.

    Args:
        run_dir: the run directory (must exist).
        suite: the suite's name, recorded.
        profile: the profile's settings as a JSON-serialisable dict.
        seed: the run's seed, recorded (results are keyed by seed, so seeds may share a directory).
        device: recorded only (results do not depend on it beyond float noise).
        keep: profile fields that may change between runs (selections such as methods).
        same_seed: also refuse another seed (for suites whose artefacts are not kept per seed).
        title: the suite's title, recorded as ``"title"`` (for the report) when given.
        tables: the suite's tables, ``{file stem: title}``, recorded as ``"tables"`` when given.

    Example:
        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> _ = write_run_config(root, "demo", {"name": "quick", "epochs": 3}, seed=0, device="cpu")
        >>> write_run_config(root, "demo", {"name": "quick", "epochs": 4}, seed=0, device="cpu")
        Traceback (most recent call last):
        ...
        ValueError: run_dir: ... holds results made with other settings (epochs); choose a new run directory
    """
    path = Path(run_dir) / "config.json"
    new_profile = json.loads(json.dumps(profile))  # tuples as lists, as they read back
    if path.exists():
        try:
            previous = json.loads(path.read_text())
        except ValueError:
            previous = None
        if isinstance(previous, dict) and isinstance(previous.get("profile"), dict):
            skip = set(keep)
            old = {k: v for k, v in previous["profile"].items() if k not in skip}
            new = {k: v for k, v in new_profile.items() if k not in skip}
            changed = sorted(k for k in set(new) | set(old) if old.get(k) != new.get(k))
            if same_seed and previous.get("seed", seed) != seed:
                changed.append("seed")
            if changed:
                raise ValueError(
                    f"run_dir: {run_dir} holds results made with other settings ({', '.join(changed)}); "
                    "choose a new run directory"
                )
    config = {
        "suite": suite,
        "profile": profile,
        "seed": seed,
        "device": device,
        "versions": runtime_versions(),
    }
    if title is not None:
        config["title"] = title
    if tables is not None:
        config["tables"] = dict(tables)
    return write_text_atomic(path, json.dumps(config, indent=2))
