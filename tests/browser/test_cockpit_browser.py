"""The operator's cockpit in Chromium: overview charts, search → order page, a watchlist
action, quarantine correct / release / bulk reject — each page checked with axe-core.

Staff log-in: these pages declare ``require(Role.VIEWER/OPERATOR)`` like the API; when the
server has staff accounts (``/login``, issue 9) the ``staff_page`` fixture adds an operator
with ``doorstep users add`` and logs in through the form, as a person would.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.bootstrap import make_engine
from doorstep.devtools.server import ServerProcess, cli_command
from doorstep.domain.catalogue import Product
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.schemas.orders import OrderIn
from doorstep.services import catalogue, order_flow, stock_ledger
from doorstep.services.intake import accept_order
from doorstep.services.outbox import process_batch

SHOP_ORDER = {"id": 1001, "email": "ada@example.org",
              "shipping_address": {"zip": "1011", "city": "Berlin", "country_code": "DE"}}


def _order(external_id: str, email: str) -> OrderIn:
    return OrderIn.model_validate({
        "external_id": external_id, "customer": {"name": "Ada Lovelace", "email": email},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": "PEN", "quantity": 1, "unit_price": "2.50"}]})


@pytest.fixture(scope="module")
def seeded(live_server: ServerProcess) -> Iterator[dict[str, Any]]:
    """A warehouse, two orders (one handed over with an impossible tracking number), and
    three held shop records."""
    engine = make_engine(live_server.database_url)
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1"])
        catalogue.upsert_product(conn, Product(sku="PEN", gtin="4006381333931", name="Pen",
                                               weight_g=12, length_mm=140, width_mm=10,
                                               height_mm=10))
        stock_ledger.receive(conn, sku="PEN", location="P-01-001-1-1", quantity=10,
                             reason="opening", actor="test")
    shipped = accept_order(engine, _order("SHOP-500", "ada@example.org"), "k-500").order_id
    waiting = accept_order(engine, _order("SHOP-501", "grace@example.org"), "k-501").order_id
    while process_batch(engine).handled:
        pass
    with transaction(engine, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all,
                     order_flow.pack):
            step(conn, shipped, actor="test")
        order_flow.ship(conn, shipped, actor="test", carrier="dhl", tracking_number="XX")
    store = QuarantineStore(engine)
    records = [store.hold("shopify", "order", f"#{1001 + i}", [Reason(
        ReasonCode.invalid_postcode, "shipping_address.postcode", "too short for DE")],
        json.dumps({**SHOP_ORDER, "id": 1001 + i})) for i in range(3)]
    engine.dispose()
    yield {"shipped": shipped, "waiting": waiting, "records": records}


OPERATOR, PASSWORD = "olga", "cockpit-test-password-1"


@pytest.fixture(scope="module")
def operator_account(live_server: ServerProcess) -> bool:
    """An operator account when this build has staff log-in; False when it has none."""
    if httpx.get(live_server.base_url + "/login", timeout=5).status_code == 404:
        return False
    done = subprocess.run(cli_command("users", "add", OPERATOR, "--role", "operator",
                                      "--password-stdin", "--db", live_server.database_url),
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return True


@pytest.fixture
def staff_page(live_server: ServerProcess, browser_page: Callable[..., Any],
               operator_account: bool) -> Callable[..., Any]:
    """A page for a logged-in operator (no log-in where the build has none)."""

    def open_page(**options: Any) -> Any:
        page = browser_page(**options)
        if operator_account:
            page.goto(live_server.base_url + "/login")
            page.locator("#username").fill(OPERATOR)
            page.locator("#password").fill(PASSWORD)
            page.locator("#password").press("Enter")
            page.wait_for_load_state()
            assert "/login" not in page.url or page.locator("#username").count() == 0
        return page

    return open_page


def test_the_overview_shows_labelled_charts_in_both_languages(
        live_server: ServerProcess, seeded: dict[str, Any], staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(width=1280, language="en")
    page.goto(live_server.base_url + "/ops")
    assert page.get_by_role("heading", level=1).inner_text() == "Overview"
    for name in ("Orders per status", "Orders per hour, last 24 hours", "Promises kept"):
        assert page.get_by_role("img", name=name).count() == 1
    assert page.locator("#status-chart text.chart__value").count() >= 2  # numbers on bars
    assert page.locator("#panels[hx-trigger='every 30s']").count() == 1
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, "cockpit-overview-en-1280")
    check_axe(page)
    phone = staff_page(width=375, language="de")
    phone.goto(live_server.base_url + "/ops")
    assert phone.get_by_role("heading", level=1).inner_text() == "Überblick"
    assert phone.locator("#status-chart text.chart__label", has_text="versandt").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "cockpit-overview-de-375")
    check_axe(phone)


def test_search_leads_to_the_order_page(
        live_server: ServerProcess, seeded: dict[str, Any], staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(width=1280, language="en")
    page.goto(live_server.base_url + "/ops/orders")
    page.get_by_label("Customer e-mail").fill("ADA@example.org")
    page.get_by_role("button", name="Search").click()
    links = page.get_by_role("link", name=seeded["shipped"])
    assert links.count() == 1
    screenshot(page, "cockpit-search-en-1280")
    check_axe(page)
    links.click()
    assert seeded["shipped"] in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="Parcels").is_visible()
    assert page.get_by_text("XX").first.is_visible()
    screenshot(page, "cockpit-order-en-1280")
    check_axe(page)


def test_a_watchlist_problem_is_marked_handled_with_a_note(
        live_server: ServerProcess, seeded: dict[str, Any], staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = staff_page(width=1280, language="en")
    page.goto(live_server.base_url + "/ops/watchlist?category=invalid_tracking")
    row = page.locator("article.watch-row", has_text=seeded["shipped"])
    assert row.count() == 1
    assert "match no dhl number format" in row.inner_text()
    screenshot(page, "cockpit-watchlist-en-1280")
    check_axe(page)
    row.get_by_label("Note").fill("Parcel relabelled with the right number")
    row.get_by_role("button", name="Mark handled").click()
    assert page.get_by_role("status").inner_text() == "Marked as handled."
    assert page.locator("article.watch-row", has_text=seeded["shipped"]).count() == 0


def test_quarantine_correct_one_field_then_release_and_bulk_reject(
        live_server: ServerProcess, seeded: dict[str, Any], staff_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    first, *rest = seeded["records"]
    page = staff_page(width=1280, language="en")
    page.goto(f"{live_server.base_url}/ops/quarantine/{first}")
    assert page.locator("mark.failing").inner_text().strip() == '"zip": "1011",'
    screenshot(page, "cockpit-quarantine-record-en-1280")
    check_axe(page)
    page.get_by_role("textbox", name=re.compile(r"^shipping_address\.zip failing")).fill("10117")
    page.get_by_role("button", name="Save this field").first.click()
    assert "The field was changed" in page.get_by_role("status").inner_text()
    assert '"zip": "10117"' in page.locator("pre.payload").first.inner_text()
    page.get_by_role("button", name="Check and release").click()
    # The held shop record is still not a complete order: release is refused with reasons
    # and the record stays held (the same re-validation as the API and the CLI).
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_role("heading", name="Correct one field").is_visible()
    page.goto(live_server.base_url + "/ops/quarantine?reason=invalid_postcode")
    for record in rest:
        page.get_by_label(f"Select record {record}").check()
    page.get_by_label("Reason (needed to reject)").fill("Test orders from staging")
    page.get_by_role("button", name="Reject selected").click()
    assert page.get_by_role("status").inner_text() == "2 of 2 records done."
    screenshot(page, "cockpit-quarantine-bulk-en-1280")
    check_axe(page)
