"""A suite's ``config.json``: its settings, seed, device and versions, and the refusal to mix runs.

Every reproduction suite writes one into its run directory; a rerun with other settings (the
selection fields ``keep`` aside, which only add or reuse tasks) is refused instead of mixing results
made under different settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from salience._io import write_text_atomic
from salience._versions import runtime_versions


def write_run_config(
    run_dir: str | Path,
    suite: str,
    profile: dict[str, Any],
    *,
    seed: int,
    device: str,
    keep: Iterable[str] = ("name",),
    same_seed: bool = False,
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
    return write_text_atomic(path, json.dumps(config, indent=2))
