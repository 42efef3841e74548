"""The command line never splits an id or a URL over two lines when its output is piped."""

from __future__ import annotations

import io

import pytest
from rich.table import Table

from doorstep.entrypoints.cli import consoles
from doorstep.entrypoints.cli.consoles import PIPED_WIDTH, cli_console

URL = "https://track.shop.example/track/" + "Ab3_" * 60  # 273 characters


def _printed(console_text: str) -> list[str]:
    return [line for line in console_text.splitlines() if line.strip()]


def test_a_long_url_stays_on_one_line_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = cli_console()
    with console.capture() as out:
        console.print(f"open {URL}")
    assert _printed(out.get()) == [f"open {URL}"]


def test_a_table_in_a_pipe_has_room_for_its_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = cli_console(stderr=True)
    assert console.width == PIPED_WIDTH
    table = Table("order", "tracking number", "sscc")
    table.add_row("ord_01JD8Z6Q4W5R7T9Y2U3I4O5P6A", "JJD000390007772104711", "340123450000000178")
    with console.capture() as out:
        console.print(table)
    text = out.get()
    for value in ("ord_01JD8Z6Q4W5R7T9Y2U3I4O5P6A", "JJD000390007772104711", "340123450000000178"):
        assert value in text


def test_columns_in_the_environment_still_sets_the_width(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert cli_console().width == 100


def test_a_terminal_keeps_its_own_width(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(consoles.sys, "stdout", Tty())
    assert cli_console().width != PIPED_WIDTH
