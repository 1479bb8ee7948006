"""The suites by name: ``salience reproduce NAME`` and the report find a suite here.

Adding a suite is one module declaring a :class:`~salience.suites.contract.Suite` plus one line in
:data:`SUITES`. (``sgt-timeseries`` runs on the benchmark grid, :mod:`salience.bench`, not here.)

Example:
    >>> sorted(SUITES)
    ['fmri', 'ica', 'sgt-mnist', 'sgt-text']
    >>> get_suite("ica").title.split(":")[0]
    'Input-cell attention'
"""

from __future__ import annotations

from salience._validation import check_choice
from salience.suites.contract import Suite
from salience.suites.fmri import FMRI_SUITE
from salience.suites.ica import ICA_SUITE
from salience.suites.sgt_mnist import SGT_MNIST_SUITE
from salience.suites.sgt_text import SGT_TEXT_SUITE

SUITES: dict[str, Suite] = {
    ICA_SUITE.name: ICA_SUITE,
    FMRI_SUITE.name: FMRI_SUITE,
    SGT_MNIST_SUITE.name: SGT_MNIST_SUITE,
    SGT_TEXT_SUITE.name: SGT_TEXT_SUITE,
}


def get_suite(name: str) -> Suite:
    """The suite registered as ``name`` (an error names the known ones)."""
    check_choice(name, "suite", SUITES)
    return SUITES[name]


def register(suite: Suite) -> Suite:
    """Add ``suite`` to :data:`SUITES` (a name already taken is refused) and return it."""
    if suite.name in SUITES:
        raise ValueError(f"suite: {suite.name!r} is already registered")
    SUITES[suite.name] = suite
    return suite
