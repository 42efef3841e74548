"""A merchant's own profiles (DOORSTEP_PROFILES_DIR) work like built-in ones: the carrier
webhook takes them by name, and their quarantined events can be released — with the
profile they were held under, or, once it changed, with the one the operator chooses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from order_builders import api_client, browser_client
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.profile_engine import PROFILES_DIR, profile_names
from doorstep.adapters.quarantine_store import ProfileChanged, StillInvalid
from doorstep.domain.harmonise.profile_copy import sha256_of
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
    adds the code the release stops (409) naming the held and the current hash; released
    with the current profile, the audit says so."""
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
        was = sha256_of(profile.read_text())
        added = "      INTRANSIT: in_transit\n      ACMEHUB: in_transit"
        profile.write_text(profile.read_text().replace("      INTRANSIT: in_transit", added))
        url = f"/v1/quarantine/{held['quarantine_id']}/release"
        stopped = client.post(url, json={"note": "ACMEHUB added to the profile"})
        assert stopped.status_code == 409, stopped.text
        assert stopped.headers["content-type"] == "application/problem+json"
        problem = stopped.json()
        assert (problem["field"], problem["held_sha256"], problem["current_sha256"]) == (
            "profile", was, sha256_of(profile.read_text()))
        assert client.get(f"/v1/quarantine/{held['quarantine_id']}").json()["status"] == "held"
        released = client.post(url, json={"note": "ACMEHUB added to the profile",
                                          "profile": "current"})
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    note = released.json()["audit"][-1]["note"]
    assert "profile 'acme-parcel' changed since the record was held" in note
    assert "released with the current profile" in note


def held_acme_event(engine: Engine, folder: Path) -> tuple[Path, int]:
    """The merchant's acme profile in ``folder``, and the id of the event it held (its
    code ACMEHUB is not in the profile), posted through the carrier webhook."""
    folder.mkdir()
    profile = acme_profile(folder)
    data = json.loads((GLS / "TrackingResponse.json").read_text())
    data["parcels"][0]["events"][0]["code"] = "ACMEHUB"
    with transaction(engine, write=True) as conn:
        token = source_secrets.issue(conn, "carrier:acme-parcel", created_by="test")
    with api_client(engine, profiles_dir=str(folder)) as client:
        answer = client.post(f"/v1/webhooks/carrier/acme-parcel?token={token}",
                             content=json.dumps(data).encode()).json()
    return profile, int(answer["quarantine_ids"][0])


def test_release_names_a_profile_that_disappeared(engine: Engine, tmp_path: Path) -> None:
    """A held event whose profile file was removed stays held: the release says the profile
    is gone; with the current profile the reason names the missing profile, and with the
    kept copy it maps as when it was held (and still lacks the code)."""
    folder = tmp_path / "profiles"
    profile, record = held_acme_event(engine, folder)
    held = {"quarantine_id": record}
    profile.unlink()
    store = build_quarantine_store(engine, profiles_dir=str(folder))
    with pytest.raises(ProfileChanged, match="is no longer found"):
        store.release(held["quarantine_id"], actor="ops")
    with pytest.raises(StillInvalid) as refused:
        store.release(held["quarantine_id"], actor="ops", profile="current")
    assert "acme-parcel: no profile of that name" in refused.value.reasons[0].message
    with pytest.raises(StillInvalid) as as_held:
        store.release(held["quarantine_id"], actor="ops", profile="held")
    assert [r.code.value for r in as_held.value.reasons] == ["unknown_status_code"]
    assert store.get(held["quarantine_id"]).status == "held"


def test_the_record_page_asks_which_profile_once_it_changed(engine: Engine,
                                                            tmp_path: Path) -> None:
    """The cockpit's release form offers the kept copy and the current profile only when
    the profile changed; releasing with the current one (which now knows the code) works."""
    folder = tmp_path / "profiles"
    profile, record = held_acme_event(engine, folder)
    with browser_client(engine, profiles_dir=str(folder)) as browser:
        page = f"/ops/quarantine/{record}"
        assert 'name="profile"' not in browser.get(page, params={"lang": "en"}).text
        added = "      INTRANSIT: in_transit\n      ACMEHUB: in_transit"
        profile.write_text(profile.read_text().replace("      INTRANSIT: in_transit", added))
        html = browser.get(page, params={"lang": "en"}).text
        assert 'name="profile"' in html and "the profile as it is now" in html
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert csrf
        stopped = browser.post(f"{page}/release", follow_redirects=False,
                               data={"csrf_token": csrf.group(1), "note": ""})
        assert "error=" in stopped.headers["location"]
        released = browser.post(f"{page}/release", follow_redirects=False,
                                data={"csrf_token": csrf.group(1), "profile": "current"})
        assert released.headers["location"].endswith("done=released")


def test_a_broken_user_profile_is_named_to_the_carrier_but_its_file_only_in_the_log(
        engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A profile the merchant broke after issuing the carrier's URL answers 500 with the
    profile's name; the file's path on this server and the line go to the log only."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    profile = acme_profile(folder)
    profile.write_text(profile.read_text().replace("status: {from_field: raw_code",
                                                   "status: {from_field: no_such_field"))
    with transaction(engine, write=True) as conn:
        token = source_secrets.issue(conn, "carrier:acme-parcel", created_by="test")
    body = (GLS / "TrackingResponse.json").read_bytes()
    with api_client(engine, profiles_dir=str(folder)) as client:
        r = client.post(f"/v1/webhooks/carrier/acme-parcel?token={token}", content=body)
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "acme-parcel" in r.json()["detail"]
    assert str(folder) not in r.text and "yaml" not in r.text
    assert any(str(profile) in rec.getMessage() for rec in caplog.records)
