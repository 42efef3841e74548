"""A merchant's own profiles (DOORSTEP_PROFILES_DIR) work like built-in ones: the carrier
webhook takes them by name, and their quarantined events can be released — with the
audit trail saying when the profile changed since the event was held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from order_builders import api_client
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.profile_engine import PROFILES_DIR, profile_names
from doorstep.adapters.quarantine_store import StillInvalid
from doorstep.services import source_secrets
from doorstep.services.order_import import build_quarantine_store

GLS = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "gls"


def acme_profile(folder: Path) -> Path:
    """The built-in GLS profile, saved by a merchant as carrier 'acme-parcel'."""
    text = (PROFILES_DIR / "tracking" / "gls.yaml").read_text()
    path = folder / "acme-parcel.yaml"
    path.write_text(text.replace("name: gls", "name: acme-parcel")
                    .replace("source: gls", "source: acme"))
    return path


def test_a_users_carrier_profile_gets_a_webhook_and_its_held_events_can_be_released(
        engine: Engine, tmp_path: Path) -> None:
    """POST /v1/webhooks/carrier/acme-parcel maps with the user's file (404 before the
    folder is set); an event with a code the file lacks is held, and after the merchant
    adds the code it is released, the audit naming the profile change."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    profile = acme_profile(folder)
    data = json.loads((GLS / "TrackingResponse.json").read_text())
    data["parcels"][0]["events"][0]["code"] = "ACMEHUB"
    body = json.dumps(data).encode()
    with api_client(engine) as client:
        assert client.post("/v1/webhooks/carrier/acme-parcel", content=body).status_code == 404
    assert "acme-parcel" in profile_names("tracking", folder)
    with transaction(engine, write=True) as conn:  # the URL doorstep gives the carrier
        token = source_secrets.issue(conn, "carrier:acme-parcel", created_by="test")
    with api_client(engine, profiles_dir=str(folder)) as client:
        r = client.post(f"/v1/webhooks/carrier/acme-parcel?token={token}", content=body)
        assert r.status_code == 202, r.text
        report = r.json()
        assert (report["source"], report["accepted"], report["quarantined"]) == (
            "acme-parcel", 1, 1)
        (held,) = report["held"]
        assert held["reasons"][0]["code"] == "unknown_status_code"
        added = "      INTRANSIT: in_transit\n      ACMEHUB: in_transit"
        profile.write_text(profile.read_text().replace("      INTRANSIT: in_transit", added))
        released = client.post(f"/v1/quarantine/{held['quarantine_id']}/release",
                               json={"note": "ACMEHUB added to the profile"})
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    note = released.json()["audit"][-1]["note"]
    assert "profile 'acme-parcel' changed since the record was held" in note


def test_release_names_a_profile_that_disappeared(engine: Engine, tmp_path: Path) -> None:
    """A held event whose profile file was removed stays held, and the reason says the
    profile is not found (instead of a generic failure)."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    profile = acme_profile(folder)
    data = json.loads((GLS / "TrackingResponse.json").read_text())
    data["parcels"][0]["events"][0]["code"] = "ACMEHUB"
    with transaction(engine, write=True) as conn:
        token = source_secrets.issue(conn, "carrier:acme-parcel", created_by="test")
    with api_client(engine, profiles_dir=str(folder)) as client:
        held = client.post(f"/v1/webhooks/carrier/acme-parcel?token={token}",
                           content=json.dumps(data).encode()).json()["held"][0]
    profile.unlink()
    store = build_quarantine_store(engine, profiles_dir=str(folder))
    with pytest.raises(StillInvalid) as refused:
        store.release(held["quarantine_id"], actor="ops")
    assert "acme-parcel: no profile of that name" in refused.value.reasons[0].message
    assert store.get(held["quarantine_id"]).status == "held"
