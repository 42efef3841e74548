"""The receiving desk in Chromium: a keyboard-wedge scan (typed digits + Enter), confirm a
package, count one with a shortfall and a damaged unit, see the hold and its reason — in
German and English, on a handheld and a desk screen, with and without JavaScript, axe-clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.asn_mapping import load_asn_profile, map_advices
from doorstep.bootstrap import make_engine
from doorstep.devtools.server import ServerProcess
from doorstep.domain.catalogue import Product
from doorstep.services import catalogue
from doorstep.services.advices import ingest_advice
from doorstep.services.purchase_orders import POLineIn, save_po
from doorstep.services.sites import DEMO_LAYOUT
from doorstep.services.suppliers import set_supplier, set_supplier_item

GLN = "4000001000005"
WHOLE, SHORT, NO_JS, UNKNOWN, PUT = ("340000010000000013", "340000010000000020",
                                     "340000010000000037", "340000010000000044",
                                     "340000010000000051")
DECIDE = "340000010000000068"
HEADER = ("advice_number,po_number,supplier_gln,despatched_at,function,line_no,sscc,gtin,"
          "quantity,unit,lot,best_before,weight_kg\n")


@pytest.fixture(scope="module")
def live_server_env() -> dict[str, str]:
    return {"DOORSTEP_LAYOUT_PATH": str(DEMO_LAYOUT)}


@pytest.fixture(scope="module")
def desk_db(live_server: ServerProcess) -> Iterator[Engine]:
    engine = make_engine(live_server.database_url, pool_size=2)
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1", "P-01-002-1-1", "P-09-040-1-1"])
        catalogue.upsert_product(conn, Product("PEN", "4006381333931", "Pen", 12, 140, 10, 10))
        catalogue.upsert_product(conn, Product("MUG", "4012345000016", "Mug", 350, 120, 90,
                                               100))
        set_supplier(conn, GLN, name="Pens & Mugs Ltd")
        set_supplier_item(conn, GLN, "PEN", case_qty=12)
        set_supplier_item(conn, GLN, "MUG", case_qty=6)
        save_po(conn, "PO1", supplier_gln=GLN, warehouse="BER", expected_on=None,
                lines=[POLineIn(quantity=4, unit="case", sku="PEN"),
                       POLineIn(quantity=3, unit="case", sku="MUG")])
        body = HEADER + "".join(
            f"A1,PO1,{GLN},,original,{n},{sscc},{gtin},{qty},each,,,\n"
            for n, (sscc, gtin, qty) in enumerate([
                (WHOLE, "4006381333931", 12), (WHOLE, "4012345000016", 6),
                (SHORT, "4006381333931", 12), (NO_JS, "4006381333931", 24),
                (UNKNOWN, "4000001000036", 5), (PUT, "4012345000016", 6),
                (DECIDE, "4012345000016", 6)], start=1))
        for mapped in map_advices(load_asn_profile("asn-csv"), body).advices:
            ingest_advice(conn, mapped)
    yield engine
    engine.dispose()


def _scan(page: Any, sscc: str) -> None:
    """What a keyboard-wedge scanner does: type the digits into the focused field, Enter."""
    field = page.locator("#sscc")
    assert field.evaluate("el => el === document.activeElement")  # autofocus: ready to scan
    page.keyboard.type(sscc)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/receiving/package/{sscc}")


def test_scan_and_confirm_a_package_on_a_handheld_in_german(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(role="warehouse", width=375, language="de")
    page.goto(f"{live_server.base_url}/receiving")
    assert page.locator("h1").inner_text() == "Wareneingang"
    screenshot(page, "receiving-desk-de-375")
    check_axe(page)
    _scan(page, WHOLE)
    assert page.locator("h1").inner_text() == f"Packstück {WHOLE}"
    assert page.locator("section.line").count() == 2
    screenshot(page, "receiving-package-de-375")
    check_axe(page)
    button = page.get_by_role("button", name="Ganzes Packstück wie avisiert bestätigen")
    assert button.bounding_box()["height"] >= 56  # big enough for gloves
    button.click()
    assert "2 Positionen in die Wareneingangszone" in page.get_by_role("status").inner_text()
    assert page.locator(".badge--ok", has_text="vereinnahmt").count() == 2
    screenshot(page, "receiving-confirmed-de-375")
    check_axe(page)


def test_count_a_short_package_and_see_the_hold_and_its_reason_in_english(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(role="warehouse", width=1280, language="en")
    page.goto(f"{live_server.base_url}/receiving")
    _scan(page, SHORT)
    page.get_by_label("Good units counted").fill("8")
    page.get_by_label("Damaged units").fill("1")
    page.get_by_role("button", name="Save count").click()
    assert "2 holds" in page.get_by_role("status").inner_text()
    line = page.locator("section.line")
    assert "on hold" in line.inner_text()
    assert "Fewer than advised" in line.inner_text() and "Damaged units" in line.inner_text()
    screenshot(page, "receiving-counted-en-1280")
    check_axe(page)
    page.get_by_role("link", name="Holds").click()
    holds = page.locator("main").inner_text()
    assert "Fewer than advised" in holds and "under_delivery" in holds
    assert "12 each" in holds  # the advised data as sent
    screenshot(page, "receiving-holds-en-1280")
    check_axe(page)


def test_an_unknown_package_and_a_finding_before_receipt_are_shown(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(role="warehouse", width=375, language="en")
    page.goto(f"{live_server.base_url}/receiving")
    page.keyboard.type("340000010000000099")
    page.keyboard.press("Enter")
    assert "No open despatch advice announces" in page.get_by_role("alert").inner_text()
    check_axe(page)
    page.locator("#sscc").fill("")
    _scan(page, UNKNOWN)
    assert "This GTIN is not in the product master" in page.locator("main").inner_text()
    screenshot(page, "receiving-unknown-gtin-en-375")
    check_axe(page)


def test_the_desk_works_without_javascript(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any]) -> None:
    page = staff_page(role="warehouse", width=375, language="en", js=False)
    page.goto(f"{live_server.base_url}/receiving")
    page.locator("#sscc").fill(f"00{NO_JS}")  # GS1-128 read with its (00) application id
    page.locator("#sscc").press("Enter")
    page.wait_for_url(f"**/receiving/package/{NO_JS}")
    page.get_by_role("button", name="Confirm whole package as advised").click()
    assert "1 line to the receiving area" in page.get_by_role("status").inner_text()


def test_put_away_by_scanning_the_location_makes_the_units_available(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(role="warehouse", width=375, language="en")
    page.goto(f"{live_server.base_url}/receiving")
    _scan(page, PUT)
    page.get_by_role("button", name="Confirm whole package as advised").click()
    page.get_by_role("link", name="Put away 6 × MUG").click()
    suggested = page.locator(".location-code").inner_text()
    assert suggested.startswith("P-")
    screenshot(page, "receiving-putaway-en-375")
    check_axe(page)
    assert page.locator("#location").evaluate("el => el === document.activeElement")
    page.keyboard.type("P-77-001-1-1")  # a location that does not exist
    page.keyboard.press("Enter")
    assert "does not exist" in page.get_by_role("alert").inner_text()
    page.locator("#location").fill(suggested)
    page.locator("#location").press("Enter")
    assert f"Put away at {suggested}" in page.get_by_role("status").inner_text()
    levels = page.request.get(f"{live_server.base_url}/v1/stock/MUG").json()
    assert levels["on_hand"] == 6 and levels["locations"][0]["location"] == suggested
    check_axe(page)


def test_an_operator_decides_on_a_hold_with_a_note(
        live_server: ServerProcess, desk_db: Engine, staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    desk = staff_page(role="warehouse", width=375, language="de")
    desk.goto(f"{live_server.base_url}/receiving")
    _scan(desk, DECIDE)
    desk.get_by_label("Gezählte gute Stück").fill("4")
    desk.get_by_role("button", name="Zählung speichern").click()
    desk.get_by_role("link", name="Sperrbestand").click()
    assert "Darüber entscheidet ein Disponent." in desk.locator("main").inner_text()
    assert desk.get_by_role("button", name="Entscheiden").count() == 0  # warehouse: no form
    page = staff_page(role="operator", width=375, language="de")
    page.goto(f"{live_server.base_url}/receiving/holds")
    hold = page.locator("section.card", has_text=DECIDE).last
    hold.get_by_label("Abschreiben").check()
    hold.get_by_role("button", name="Entscheiden").click()  # no note: refused, says why
    assert "Notiz" in page.get_by_role("alert").inner_text()
    check_axe(page)
    hold = page.locator("section.card", has_text=DECIDE).last
    hold.get_by_label("Wie gezählt annehmen").check()
    hold.get_by_label("Notiz").fill("Lieferant bestätigt Teillieferung")
    screenshot(page, "receiving-decision-de-375")
    hold.get_by_role("button", name="Entscheiden").click()
    assert "Wareneingangszone" in page.get_by_role("status").inner_text()
    assert page.locator("section.card", has_text=DECIDE).count() == 0
    check_axe(page)
