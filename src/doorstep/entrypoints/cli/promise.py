"""``doorstep promise``: fit, predict and backtest delivery promises (issue 4)."""

import typer

app = typer.Typer(help="Fit, predict and backtest delivery promises.", no_args_is_help=True)
