"""The packing bench's pages over HTTP (no browser): the reader's language in every text and
number, and one read of the order per item scan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from order_builders import browser_client, drain, order
from sqlalchemy import Engine, update

from doorstep.adapters.db.tables import products
from doorstep.adapters.db.uow import transaction
from doorstep.domain.packing import CartonType
from doorstep.entrypoints.api.access import Role
from doorstep.services import order_flow, packing
from doorstep.services.intake import accept_order

SETTINGS = {"gs1_company_prefix": "4012345",
            "sender_address": "Demo Shop GmbH|Lagerstraße 1|10115|Berlin|DE"}


@pytest.fixture
def bench(stocked: Engine) -> Iterator[tuple[TestClient, str]]:
    """A warehouse user at the bench, and an order of one mug and two pens, picked."""
    order_id = accept_order(stocked, order("PAGE-1", ("PEN", 2), ("MUG", 1)), "k-page-1").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all):
            step(conn, order_id, actor="t")
        packing.put_carton(conn, "BER", CartonType("S", 200, 150, 120, 90, 5000,
                                                   Decimal("0.45")))
    with browser_client(stocked, role=Role.WAREHOUSE, **SETTINGS) as client:
        yield client, order_id


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_german_bench_shows_status_and_weights_the_german_way(
        bench: tuple[TestClient, str]) -> None:
    client, order_id = bench
    german = _text(client.get(f"/packing/order/{order_id}?lang=de").text)
    assert "in Kommissionierung" in german and "picking" not in german
    assert "0,46 kg" in german and "0.46" not in german
    english = _text(client.get(f"/packing/order/{order_id}?lang=en").text)
    assert "· picking" in english and "0.46 kg" in english


def test_a_held_parcel_is_explained_in_the_readers_language(
        bench: tuple[TestClient, str]) -> None:
    client, order_id = bench
    html = client.get(f"/packing/order/{order_id}?lang=de").text
    packed = client.post(f"/packing/order/{order_id}/pack",
                         data={"csrf_token": _token(html), "scanned": "MUG,PEN,PEN"})
    assert packed.status_code == 200, packed.text
    parcel_id = re.search(r"/packing/parcel/(\d+)/weight", packed.text)
    assert parcel_id
    held = _text(client.post(f"/packing/parcel/{parcel_id[1]}/weight",
                             data={"csrf_token": _token(packed.text), "grams": "1120"}).text)
    assert "verpackt" in held  # the order's status, named as on the cockpit
    assert "Das Gewicht passt nicht" in held
    assert "656 g Abweichung, Toleranz ± 34 g" in held and "1.120 g" in held
    assert "heavy" not in held and "tolerance" not in held
    english = _text(client.get(f"/packing/order/{order_id}?lang=en").text)
    assert "656 g off, tolerance ± 34 g" in english and "1,120 g" in english
    refused = client.get(f"/packing/parcel/{parcel_id[1]}/label?lang=de")
    assert refused.status_code == 409
    assert "Es kann jetzt nicht etikettiert werden" in _text(refused.text)


def test_a_hold_is_not_explained_with_master_data_changed_since(
        bench: tuple[TestClient, str], stocked: Engine) -> None:
    """Re-weighed against today's product weights the parcel would get another verdict:
    the page keeps the verdict it was held with and shows no numbers that contradict it."""
    client, order_id = bench
    html = client.get(f"/packing/order/{order_id}?lang=en").text
    packed = client.post(f"/packing/order/{order_id}/pack",
                         data={"csrf_token": _token(html), "scanned": "MUG,PEN,PEN"})
    parcel_id = re.search(r"/packing/parcel/(\d+)/weight", packed.text)
    assert parcel_id
    client.post(f"/packing/parcel/{parcel_id[1]}/weight",
                data={"csrf_token": _token(packed.text), "grams": "1120"})
    with transaction(stocked, write=True) as conn:
        conn.execute(update(products).where(products.c.sku == "MUG").values(weight_g=500))
    page = _text(client.get(f"/packing/order/{order_id}?lang=en").text)
    assert "a wrong item or wrong product data" in page
    assert "g off" not in page


def test_an_item_scan_reads_the_order_and_its_suggestion_once(
        bench: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, order_id = bench
    token = _token(client.get(f"/packing/order/{order_id}").text)
    calls: list[Any] = []
    suggest = packing.suggest

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return suggest(*args, **kwargs)

    monkeypatch.setattr(packing, "suggest", counted)
    scan = client.post(f"/packing/order/{order_id}/verify?lang=en",
                       data={"csrf_token": token, "scanned": "PEN", "item": "MUG"})
    assert scan.status_code == 200
    assert "MUG verified." in scan.text and ">1 / 1<" in scan.text and ">1 / 2<" in scan.text
    assert len(calls) == 1


@pytest.mark.parametrize("method, path", [
    ("post", "/packing/order/NO-SUCH-ORDER/pack"),
    ("post", "/packing/order/NO-SUCH-ORDER/verify"),
    ("get", "/packing/parcel/999999/label"),
    ("get", "/packing/parcel/999999/slip"),
])
def test_an_unknown_order_or_parcel_answers_with_the_bench_page_not_json(
        bench: tuple[TestClient, str], method: str, path: str) -> None:
    client, _ = bench
    token = _token(client.get("/packing?lang=de").text)
    answer = (client.post(path + "?lang=de", data={"csrf_token": token, "item": "MUG"})
              if method == "post" else client.get(path + "?lang=de"))
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert 'name="code"' in answer.text  # the scan field, ready for the next tote
