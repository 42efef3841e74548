"""The command line's consoles: one convention for every command's output.

Rich wraps a long line at the console's width, and a console writing into a pipe or a file
has no terminal to ask, so it takes 80 columns: a tracking URL, an SSCC or a file:line in an
error came out split over two lines — unusable for ``grep``, a script or copy and paste.
Every console here is made with ``soft_wrap`` (Rich never breaks a printed line; a terminal
still folds what is too long for it on screen), and one whose stream is not a terminal
lays tables out ``PIPED_WIDTH`` columns wide, so no cell folds an id either.  ``COLUMNS``
in the environment still sets the width, as Rich documents.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

PIPED_WIDTH = 200


def cli_console(*, stderr: bool = False) -> Console:
    """A console on standard output (or standard error) following the convention above."""
    stream = sys.stderr if stderr else sys.stdout
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        terminal = False
    width = None if terminal or os.environ.get("COLUMNS") else PIPED_WIDTH
    return Console(stderr=stderr, soft_wrap=True, width=width)
