"""The customer's tracking page in Chromium: every state, both languages, phone and desktop,
without JavaScript, the live refresh, and axe-core on each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.bootstrap import make_engine
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.devtools.server import ServerProcess
from doorstep.domain.harmonise.tracking import TrackingStatus

SHOWN = ("normal", "split", "delayed", "failed", "pickup", "cancelled", "delivered", "busy")


@pytest.fixture(scope="module")
def live_server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    config = tmp_path_factory.mktemp("notify") / "notify.toml"
    config.write_text('[shops.shop]\nsender = "Vogelhaus <hallo@vogelhaus.example>"\n',
                      encoding="utf-8")
    return {"DOORSTEP_TRACKING_POLL_S": "1", "DOORSTEP_NOTIFY_CONFIG": str(config)}


@pytest.fixture(scope="module")
def shop_db(live_server: ServerProcess) -> Iterator[Engine]:
    engine = make_engine(live_server.database_url, pool_size=2)
    scenarios.stock_up(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def tokens(shop_db: Engine) -> dict[str, tuple[str, str]]:
    """scenario -> (order id, token) on the live server's database."""
    return {name: scenarios.build(shop_db, name, f"20{i:02d}")
            for i, name in enumerate(SHOWN)}


@pytest.mark.parametrize("scenario", SHOWN)
@pytest.mark.parametrize(("language", "width"), [("de", 375), ("en", 1280)])
def test_each_state_reads_well_and_passes_axe(
        scenario: str, language: str, width: int, live_server: ServerProcess,
        tokens: dict[str, tuple[str, str]], browser_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = browser_page(width=width, language=language)
    page.goto(f"{live_server.base_url}/track/{tokens[scenario][1]}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1
    assert page.locator(".site-header__brand").inner_text() == "Vogelhaus"  # the shop's name
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"tracking-{scenario}-{language}-{width}")
    check_axe(page)


def test_the_delay_shows_both_windows_and_the_reason(
        live_server: ServerProcess, tokens: dict[str, tuple[str, str]],
        browser_page: Callable[..., Any]) -> None:
    page = browser_page(language="en")
    page.goto(f"{live_server.base_url}/track/{tokens['delayed'][1]}")
    estimate = page.get_by_role("region", name="Delivery estimate")
    assert "First estimate:" in estimate.inner_text()
    assert "problem with the delivery address" in estimate.inner_text()


def test_the_carriers_own_words_are_one_click_away(
        live_server: ServerProcess, tokens: dict[str, tuple[str, str]],
        browser_page: Callable[..., Any]) -> None:
    page = browser_page(language="en")
    page.goto(f"{live_server.base_url}/track/{tokens['normal'][1]}")
    words = page.get_by_text("Die Sendung wurde im Start-Paketzentrum bearbeitet.")
    assert not words.is_visible()
    page.get_by_text("Carrier's own words").first.click()
    assert words.is_visible()


def test_without_javascript_the_page_and_the_lookup_work(
        live_server: ServerProcess, tokens: dict[str, tuple[str, str]],
        browser_page: Callable[..., Any], screenshot: Callable[[Any, str], Any]) -> None:
    page = browser_page(width=375, js=False, language="en")
    page.goto(f"{live_server.base_url}/track")
    page.get_by_label("Order number").fill("2001")
    page.get_by_label("E-mail address or postcode").fill("10117")
    page.get_by_role("button", name="Show my order").click()
    assert page.url.endswith(f"/track/{tokens['split'][1]}")
    assert page.get_by_role("heading", level=1).inner_text() == "Order 2001"
    page.get_by_role("link", name="Refresh now").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Order 2001"
    screenshot(page, "tracking-split-en-375-nojs")


def test_news_appears_without_reloading_the_page(
        live_server: ServerProcess, shop_db: Engine, tokens: dict[str, tuple[str, str]],
        browser_page: Callable[..., Any], check_axe: Callable[[Any], None],
        screenshot: Callable[[Any, str], Any]) -> None:
    order_id, token = scenarios.build(shop_db, "normal", "2099")
    page = browser_page(width=375, language="en")
    page.goto(f"{live_server.base_url}/track/{token}")
    page.evaluate("window.__same_document = true")
    scenarios.add_scan(shop_db, order_id, TrackingStatus.out_for_delivery)
    page.get_by_text("Something new has arrived").wait_for(timeout=15_000)
    assert page.evaluate("window.__same_document === true")  # swapped in place, no reload
    assert page.get_by_role("heading", name="Out for delivery").is_visible()
    screenshot(page, "tracking-news-en-375")
    check_axe(page)
