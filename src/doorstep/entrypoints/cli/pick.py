"""``doorstep pick``: routes, batches and waves (issue 3)."""

import typer

app = typer.Typer(help="Plan pick routes, batches and waves.", no_args_is_help=True)
