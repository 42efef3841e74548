"""A carrier label is recorded whole or not at all, with the carrier's own words on refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from order_builders import api_client
from sqlalchemy import Engine, update
from test_packing_bench import SETTINGS, _picked_order, _with_cartons

from carrier_replay import CREDENTIALS, replay
from doorstep.adapters.carriers.karrio_gateway import KarrioGateway
from doorstep.adapters.db.packing_tables import parcels
from doorstep.adapters.db.uow import transaction
from doorstep.domain.packing.labelling import Label, LabelRequest
from doorstep.services.shipping import label_parcel

CARRIERS_TOML = """
[dhl]
username = "user-valid"
password = "SandboxPasswort2023!"
client_id = "sandbox-id"
client_secret = "sandbox-secret"
test_mode = true
"""


def _checked_parcel(engine: Engine, client: Any, external_id: str) -> dict[str, Any]:
    order_id = _picked_order(engine, external_id, ("MUG", 1))
    _with_cartons(client)
    [parcel] = client.post("/v1/parcels", json={"order_id": order_id}).json()["parcels"]
    assert client.post(f"/v1/parcels/{parcel['id']}/weight",
                       json={"grams": parcel["expected_weight_g"]}).json()["ok"]
    return parcel


def test_a_dhl_label_is_stored_with_dhls_tracking_number(stocked: Engine,
                                                         tmp_path: Path) -> None:
    (tmp_path / "carriers.toml").write_text(CARRIERS_TOML)
    with api_client(stocked, carriers_file=str(tmp_path / "carriers.toml"),
                    **SETTINGS) as client:
        parcel = _checked_parcel(stocked, client, "KAR-1")
        with replay("dhl_parcel_de", {"/token": "dhl_token.json",
                                      "/v2/orders": "dhl_create.json"}):
            made = client.post(f"/v1/parcels/{parcel['id']}/label")
        assert made.status_code == 200, made.text
        assert made.headers["X-Tracking-Number"] == "340434310428091700"
        stored = client.get(f"/v1/parcels/{parcel['id']}").json()
        assert (stored["status"], stored["carrier"]) == ("labelled", "dhl")
        assert stored["tracking_number"] == "340434310428091700"
        with replay("dhl_parcel_de", {"/token": "dhl_token.json",
                                      "/v2/orders": "dhl_cancel.json"}) as calls:
            assert client.post(f"/v1/parcels/{parcel['id']}/void").status_code == 200
        assert any("shipment=340434310428091700" in c["url"] for c in calls)
        assert client.get(f"/v1/parcels/{parcel['id']}").json()["tracking_number"] is None


def test_a_refusal_records_nothing_and_shows_dhls_message(stocked: Engine,
                                                          tmp_path: Path) -> None:
    (tmp_path / "carriers.toml").write_text(CARRIERS_TOML)
    with api_client(stocked, carriers_file=str(tmp_path / "carriers.toml"),
                    **SETTINGS) as client:
        parcel = _checked_parcel(stocked, client, "KAR-2")
        with replay("dhl_parcel_de", {"/token": "dhl_token.json",
                                      "/v2/orders": "dhl_error.json"}):
            refused = client.post(f"/v1/parcels/{parcel['id']}/label")
        assert refused.status_code == 502
        assert "Postleitzahl" in refused.json()["detail"]
        stored = client.get(f"/v1/parcels/{parcel['id']}").json()
        assert (stored["status"], stored["tracking_number"]) == ("checked", None)


class _ChangesUnderneath:
    """A gateway that, while the carrier works, sees the parcel held by someone else."""

    carrier = "dhl"

    def __init__(self, engine: Engine, parcel_id: int) -> None:
        self.inner = KarrioGateway("dhl", CREDENTIALS["dhl"])
        self.engine, self.parcel_id = engine, parcel_id
        self.voided: list[str] = []

    def create(self, request: LabelRequest) -> Label:
        label = self.inner.create(request)
        with transaction(self.engine, write=True) as conn:
            conn.execute(update(parcels).where(parcels.c.id == self.parcel_id)
                         .values(status="held"))
        return label

    def void(self, tracking_number: str, shipment_id: str) -> None:
        self.voided.append(tracking_number)


def test_a_label_that_cannot_be_recorded_is_voided_at_the_carrier(stocked: Engine) -> None:
    with api_client(stocked, **SETTINGS) as client:
        parcel = _checked_parcel(stocked, client, "KAR-3")
    from doorstep.entrypoints.api.routers.packing import shipping

    gateway = _ChangesUnderneath(stocked, parcel["id"])
    config = shipping.ShippingConfig(sender=shipping.Address("Shop", "Weg 1", "10115",
                                                             "Berlin", "DE"))
    with replay("dhl_parcel_de", {"/token": "dhl_token.json",
                                  "/v2/orders": "dhl_create.json"}), \
            pytest.raises(Exception, match="held"):
        label_parcel(stocked, parcel["id"], gateway=gateway, config=config, actor="t")
    assert gateway.voided == ["340434310428091700"]
