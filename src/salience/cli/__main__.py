"""``python -m salience.cli``: the ``salience`` command."""

import sys

from salience.cli import main

sys.exit(main())
