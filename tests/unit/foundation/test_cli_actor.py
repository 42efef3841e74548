"""Every command line acts as ``cli:<login name>`` in audit trails (one definition)."""

from __future__ import annotations

import getpass

import pytest

from doorstep.entrypoints.cli import core, harmonise, packing, receiving_desk


def test_a_command_acts_as_its_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "ana")
    assert core.cli_actor() == "cli:ana"


def test_without_a_login_name_it_acts_as_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    def nobody() -> str:
        raise KeyError("uid 1000 has no passwd entry")

    monkeypatch.setattr(getpass, "getuser", nobody)
    assert core.cli_actor() == "cli"


def test_the_quarantine_packing_and_receiving_commands_share_it() -> None:
    assert harmonise.cli_actor is packing.cli_actor is receiving_desk.cli_actor is core.cli_actor
