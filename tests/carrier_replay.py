"""Replaying carriers' documented answers through karrio's HTTP layer, for tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

from doorstep.domain.packing.labelling import Address, LabelRequest

FIXTURES = Path(__file__).parent / "fixtures" / "carrier_labels"
CREDENTIALS: dict[str, dict[str, Any]] = {
    "dhl": {"username": "user-valid", "password": "SandboxPasswort2023!",
            "client_id": "sandbox-id", "client_secret": "sandbox-secret", "test_mode": True},
    "dpd": {"delis_id": "sandboxdpd", "password": "sandbox-pass", "depot": "0998",
            "account_country_code": "DE", "test_mode": True},
    "gls": {"client_id": "sandbox-id", "client_secret": "sandbox-secret",
            "contact_id": "276a45fkqM", "test_mode": True},
    "ups": {"client_id": "sandbox-id", "client_secret": "sandbox-secret",
            "account_number": "A1B2C3", "account_country_code": "DE", "test_mode": True},
}
REQUEST = LabelRequest(
    sscc="040123450000001235", reference="ORD-1001",
    ship_to=Address("Maria Muster", "Kurt-Schumacher-Str. 20", "53113", "Bonn", "DE",
                    email="maria@example.de", phone="+49 987654321"),
    sender=Address("Lager", "Sträßchensweg 10", "53113", "Bonn", "DE",
                   company="Demo Shop GmbH", email="shop@example.de", phone="+49 228 1234"),
    weight_g=2340, length_mm=400, width_mm=300, height_mm=200)


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


@contextmanager
def replay(karrio_id: str, answers: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
    """Answer karrio's HTTP calls for ``karrio_id`` by URL fragment; record every call."""
    calls: list[dict[str, Any]] = []

    def fake_request(**kwargs: Any) -> Any:
        calls.append(kwargs)
        for fragment, name in answers.items():
            if fragment in kwargs["url"]:
                text = _fixture(name)
                decoder: Callable[[str], Any] | None = kwargs.get("decoder")
                return decoder(text) if decoder else text
        raise AssertionError(f"unexpected call to {kwargs['url']}")

    with patch(f"karrio.mappers.{karrio_id}.proxy.lib.request", side_effect=fake_request):
        yield calls
