"""The CLI's rich consoles: tables and progress on stdout, one-line errors on stderr."""

import sys

from rich.console import Console

# Off a terminal (CI logs, pipes) tables get a fixed width instead of rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True)
