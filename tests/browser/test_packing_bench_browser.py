"""The packing bench in Chromium: scan the tote, see the suggested carton, verify the items by
scanning, pack, weigh (a wrong weight is held with its reason), print the label and the slip —
German and English, handheld and desk widths, with and without JavaScript, axe-clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import make_engine
from doorstep.devtools.server import ServerProcess
from doorstep.domain.catalogue import Product
from doorstep.domain.packing import CartonType
from doorstep.services import catalogue, order_flow, packing, stock_ledger
from doorstep.services.intake import accept_order
from doorstep.services.outbox import process_batch

PEN = Product("PEN", "4006381333931", "Kugelschreiber", 12, 140, 10, 10)
MUG = Product("MUG", "4012345000016", "Becher", 350, 120, 90, 100)


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    return {"DOORSTEP_GS1_COMPANY_PREFIX": "4012345",
            "DOORSTEP_SENDER_ADDRESS": "Demo Shop GmbH|Lagerstraße 1|10115|Berlin|DE"}


def _picked(engine: Engine, external_id: str) -> str:
    from doorstep.schemas.orders import OrderIn

    order = OrderIn.model_validate({
        "external_id": external_id, "customer": {"name": "Ada Lovelace"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": "MUG", "quantity": 1, "unit_price": "9.50", "name": "Becher"},
                  {"sku": "PEN", "quantity": 2, "unit_price": "1.50",
                   "name": "Kugelschreiber"}]})
    order_id = accept_order(engine, order, f"k-{external_id}").order_id
    while process_batch(engine).handled:
        pass
    with transaction(engine, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all):
            step(conn, order_id, actor="t")
    return order_id


@pytest.fixture(scope="module")
def bench_db(live_server: ServerProcess) -> Iterator[Engine]:
    engine = make_engine(live_server.database_url, pool_size=2)
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1"])
        for product in (PEN, MUG):
            catalogue.upsert_product(conn, product)
            stock_ledger.receive(conn, sku=product.sku, location="P-01-001-1-1", quantity=50,
                                 reason="opening", actor="test")
        packing.put_carton(conn, "BER", CartonType("S", 200, 150, 120, 90, 5000,
                                                   Decimal("0.45")))
        packing.put_carton(conn, "BER", CartonType("L", 400, 300, 250, 300, 20000,
                                                   Decimal("1.20")))
    yield engine
    engine.dispose()


def _scan(page: Any, field: str, code: str) -> None:
    """A keyboard-wedge scan: the digits typed into the focused field, then Enter."""
    assert page.locator(f"#{field}").evaluate("el => el === document.activeElement")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_pack_an_order_on_a_handheld_in_german(
        live_server: ServerProcess, bench_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    order_id = _picked(bench_db, "BENCH-1")
    page = staff_page(role="warehouse", width=375, language="de")
    page.goto(f"{live_server.base_url}/packing")
    assert page.locator("h1").inner_text() == "Packplatz"
    check_axe(page)
    _scan(page, "code", "BENCH-1")
    assert page.locator("h1").inner_text() == "Bestellung BENCH-1 packen"
    assert "S" in page.locator(".carton-code").first.inner_text()
    assert "0,46 kg" in page.locator(".cartons").inner_text()  # German decimals
    assert "in Kommissionierung" in page.locator("p.muted").first.inner_text()
    screenshot(page, "packing-order-de-375")
    check_axe(page)
    page.get_by_role("button", name="In die vorgeschlagenen Kartons packen").click()
    assert "Vor dem Packen jeden Artikel scannen" in page.get_by_role("alert").inner_text()
    _scan(page, "item", "4099999999994")  # not in the order
    assert "gehört nicht zu dieser Bestellung" in page.get_by_role("alert").inner_text()
    for code in ("4012345000016", "PEN", "4006381333931"):
        page.locator("#item").fill("")
        _scan(page, "item", code)
    assert "PEN geprüft" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="In die vorgeschlagenen Kartons packen").click()
    assert "Gepackt" in page.get_by_role("status").inner_text()
    page.get_by_label("Gewicht auf der Waage (g)").fill("120")  # the mug is missing
    page.get_by_role("button", name="Gewicht prüfen").click()
    assert "Zu leicht" in page.get_by_role("alert").inner_text()
    held = page.locator("section.line").inner_text()
    assert "MUG prüfen" in held and "344 g Abweichung" in held  # the suspect, in German
    screenshot(page, "packing-held-de-375")
    check_axe(page)
    page.get_by_label("Gewicht auf der Waage (g)").fill(str(90 + 350 + 24))
    page.get_by_role("button", name="Gewicht prüfen").click()
    assert "Gewicht geprüft" in page.get_by_role("status").inner_text()
    button = page.get_by_role("link", name="Etikett drucken")
    assert button.bounding_box()["height"] >= 56
    label = page.request.get(f"{live_server.base_url}"
                             f"{button.get_attribute('href')}")
    assert label.ok and label.body().startswith(b"%PDF")
    slip = page.request.get(f"{live_server.base_url}/packing/parcel/"
                            f"{button.get_attribute('href').split('/')[3]}/slip")
    assert slip.body().startswith(b"%PDF")
    page.reload()
    assert "etikettiert" in page.locator("section.line").inner_text()
    screenshot(page, "packing-labelled-de-375")
    check_axe(page)
    assert order_id


def test_the_bench_in_english_on_a_desk_screen(
        live_server: ServerProcess, bench_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    order_id = _picked(bench_db, "BENCH-2")
    page = staff_page(role="warehouse", width=1280, language="en")
    page.goto(f"{live_server.base_url}/packing")
    page.locator("#code").fill(order_id)  # doorstep's own order id works too
    page.locator("#code").press("Enter")
    page.wait_for_url(f"**/packing/order/{order_id}")
    assert page.locator("h1").inner_text() == "Pack order BENCH-2"
    for code in ("MUG", "PEN", "PEN"):
        page.locator("#item").fill(code)
        with page.expect_navigation():
            page.locator("#item").press("Enter")
    assert "0.46 kg" in page.locator(".cartons").inner_text()
    page.get_by_role("button", name="Pack in the suggested cartons").click()
    assert "Packed. Weigh each parcel next." in page.get_by_role("status").inner_text()
    assert "· packed" in page.locator("p.muted").first.inner_text()
    page.get_by_label("Weight on the scale (g)").fill("464")
    page.get_by_role("button", name="Check weight").click()
    assert "Weight checked" in page.get_by_role("status").inner_text()
    screenshot(page, "packing-checked-en-1280")
    check_axe(page)
    page.goto(f"{live_server.base_url}/packing")
    page.locator("#code").fill("NO-SUCH-ORDER")
    page.locator("#code").press("Enter")
    assert "No order NO-SUCH-ORDER is known." in page.get_by_role("alert").inner_text()


def test_the_bench_works_without_javascript(
        live_server: ServerProcess, bench_db: Engine, staff_page: Callable[..., Any]) -> None:
    order_id = _picked(bench_db, "BENCH-3")
    page = staff_page(role="warehouse", width=375, language="en", js=False)
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.base_url}/packing")
    page.locator("#code").fill("BENCH-3")
    page.get_by_role("button", name="Show order").click()
    page.wait_for_url(f"**/packing/order/{order_id}")
    page.locator("#item").fill("MUG")
    page.get_by_role("button", name="Verify item").click()
    assert "MUG verified." in page.get_by_role("status").inner_text()
