"""Where the optional ``salience[data]`` packages are installed, found without importing them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DATA_EXTRA = "install salience[data] (pip install 'salience[data]')"


def package_dir(package: str, argument: str, contents: str) -> Path:
    """The folder of installed ``package``; fails naming ``argument``, what the package holds and the extra.

    Example:
        >>> package_dir("numpy", "name", "numpy's tables ship").name
        'numpy'
        >>> package_dir("no_such_package", "name", "the tables ship")
        Traceback (most recent call last):
        ...
        ModuleNotFoundError: name: the tables ship in the no_such_package package, which is not installed; \
install salience[data] (pip install 'salience[data]')
    """
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModuleNotFoundError(
            f"{argument}: {contents} in the {package} package, which is not installed; {DATA_EXTRA}"
        )
    return Path(locations[0])
