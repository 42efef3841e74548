"""The stateless picking API: routes, drawings, batches, waves and short-pick decisions."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from picking_helpers import FIXTURES

from doorstep.devtools.credentials import memory_client
from doorstep.entrypoints.api.routers.picking import router

LAYOUT = yaml.safe_load((FIXTURES / "warehouse.yaml").read_text())
PICKS = json.loads((FIXTURES / "picks.json").read_text())
ORDERS = json.loads((FIXTURES / "orders.json").read_text())


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    (tmp_path / "main.yaml").write_text((FIXTURES / "warehouse.yaml").read_text())
    app.state.layouts_dir = str(tmp_path)
    return memory_client(app)


def test_route_returns_stops_distance_method_and_polyline(client: TestClient) -> None:
    """POST /v1/pick/route answers the exact tour for an inline layout."""
    r = client.post("/v1/pick/route", json={"layout": LAYOUT, "picks": PICKS})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "exact:ratliff-rosenthal"
    assert {s["location"] for s in body["stops"]} == {p["location"] for p in PICKS}
    assert body["polyline"][0] == body["polyline"][-1]


def test_a_named_layout_and_a_heuristic_method_can_be_asked_for(client: TestClient) -> None:
    """A stored layout is found by name and --method picks the algorithm."""
    r = client.post(
        "/v1/pick/route",
        json={"layout_name": "main", "picks": ["P-02-005-1-1"], "method": "s-shape"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["method"] == "s-shape"


def test_route_svg_is_well_formed(client: TestClient) -> None:
    """The GET drawing of a stored layout is parseable SVG with the tour in it."""
    r = client.get(
        "/v1/pick/route.svg",
        params={"layout_name": "main", "locations": "P-02-005-1-1,P-07-021-1-1"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(r.text)
    assert root.find("{http://www.w3.org/2000/svg}polyline") is not None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"layout": LAYOUT, "picks": ["P-99-001-1-1"]}, "picks[0]: location 'P-99-001-1-1'"),
        ({"layout": {**LAYOUT, "aisles": 0}, "picks": []}, "aisles: must be >= 1"),
        ({"layout": LAYOUT, "picks": [], "method": "teleport"}, "method 'teleport' is unknown"),
        ({"picks": []}, "exactly one of layout or layout_name"),
        ({"layout_name": "../etc", "picks": []}, "not a valid layout name"),
    ],
)
def test_bad_route_requests_get_422_naming_the_field(
    client: TestClient, body: dict[str, object], fragment: str
) -> None:
    """Errors are 422 with a message that names what is wrong."""
    r = client.post("/v1/pick/route", json=body)
    assert r.status_code == 422
    assert fragment in json.dumps(r.json())


def test_batch_reports_savings_against_single_and_fcfs(client: TestClient) -> None:
    """POST /v1/pick/batch answers batches plus both baselines."""
    orders = [{"id": o["id"], "lines": o["lines"]} for o in ORDERS[:10]]
    r = client.post(
        "/v1/pick/batch", json={"layout": LAYOUT, "orders": orders, "cart": {"totes": 4}}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(i for b in body["batches"] for i in b["orders"]) == sorted(
        o["id"] for o in orders
    )
    assert body["baselines"]["single"]["total_distance"] >= body["total_distance"]


def test_wave_releases_orders_and_returns_pick_lists(client: TestClient) -> None:
    """POST /v1/pick/wave answers the decisions and the pick lists with totes."""
    r = client.post(
        "/v1/pick/wave",
        json={
            "layout": LAYOUT,
            "orders": ORDERS,
            "now": "2026-11-23T13:00:00+00:00",
            "rules": {"max_orders": 6},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["released"]) == 6
    assert all(line["tote"] >= 1 for pl in body["pick_lists"] for line in pl["lines"])


def test_wave_order_errors_name_the_order_field(client: TestClient) -> None:
    """A naive cut-off is refused with the order index and field."""
    bad = [{**ORDERS[0], "cutoff": "2026-11-23T15:00:00"}]
    r = client.post(
        "/v1/pick/wave", json={"layout": LAYOUT, "orders": bad, "now": "2026-11-23T13:00:00+00:00"}
    )
    assert r.status_code == 422
    assert "orders[0].cutoff: must carry a time zone" in r.text


def test_short_pick_decision_reallocates_and_records_an_event(client: TestClient) -> None:
    """POST /v1/pick/short-pick re-allocates from another location and returns the event."""
    r = client.post(
        "/v1/pick/short-pick",
        json={
            "layout_name": "main",
            "order_id": "SO-1",
            "sku": "TEA",
            "location": "P-01-001-1-1",
            "requested": 3,
            "picked": 0,
            "at": "2026-11-23T13:00:00+00:00",
            "alternatives": [{"location": "P-05-010-1-1", "free_qty": 1}],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["reallocations"][0]["qty"] == 1 and body["backordered"] == 2
    assert body["event"]["type"] == "pick.short"
