"""The versions a run records beside its results (salience, Python and the packages that decide
the numbers)."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

import salience

_PACKAGES = ("torch", "numpy", "captum", "distributed")


def runtime_versions() -> dict[str, str]:
    """``{"salience": ..., "python": ..., "torch": ..., ...}`` for the installed packages.

    Example:
        >>> sorted(runtime_versions())[:3]
        ['captum', 'distributed', 'numpy']
    """
    found = {"salience": salience.__version__, "python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - a package left out of the install
            continue
    return found
