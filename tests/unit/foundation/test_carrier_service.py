"""One parser of ``carrier:service`` for every part of doorstep."""

from __future__ import annotations

import pytest

from doorstep.domain.carrier_service import (
    DEFAULT_SERVICE,
    CarrierService,
    carrier_of,
    parse_carrier_service,
)


@pytest.mark.parametrize(("text", "parsed"), [
    ("dhl:paket", CarrierService("dhl", "paket")),
    (" DHL : Paket ", CarrierService("dhl", "paket")),
    ("ups", CarrierService("ups", "default")),
    ("gls:", CarrierService("gls", "default")),
    ("", None),
    (None, None),
    (":express", None),
])
def test_carrier_and_service_are_read_in_lower_case_with_default_service(
        text: str | None, parsed: CarrierService | None) -> None:
    """Case and blanks never make two names for one service; no carrier is None."""
    assert parse_carrier_service(text) == parsed


def test_an_order_naming_no_service_ships_with_the_default_carrier() -> None:
    """carrier_of falls back to the default service's carrier, as cut-offs and waves need."""
    assert carrier_of(None) == carrier_of("") == DEFAULT_SERVICE.carrier == "dhl"
    assert carrier_of("Hermes:Paket") == "hermes"
    assert str(DEFAULT_SERVICE) == "dhl:paket"
