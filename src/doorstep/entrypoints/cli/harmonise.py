"""``doorstep import``, ``doorstep profile`` and ``doorstep quarantine`` (issue 5)."""

import typer

import_app = typer.Typer(help="Import shop orders and carrier tracking.", no_args_is_help=True)
profile_app = typer.Typer(help="Check mapping profiles against samples.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Inspect, correct, release or reject quarantined records.",
                             no_args_is_help=True)
