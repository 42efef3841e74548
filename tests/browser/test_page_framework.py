"""The page framework in a real browser: layout, language switch, assets, accessibility."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from doorstep.devtools.server import ServerProcess


def test_the_lookup_form_is_usable_on_a_phone_and_passes_axe(
        live_server: ServerProcess, browser_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = browser_page(width=375, language="de")
    page.goto(live_server.base_url + "/track")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Bestellung finden"
    assert page.get_by_label("Bestellnummer").is_visible()
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # htmx came from our own /static and ran
    assert page.evaluate("typeof window.htmx") == "object"
    screenshot(page, "framework-lookup-de-375")
    check_axe(page)


def test_the_language_switch_works_and_the_skip_link_leads_to_the_content(
        live_server: ServerProcess, browser_page: Callable[..., Any],
        check_axe: Callable[[Any], None], screenshot: Callable[[Any, str], Any]) -> None:
    page = browser_page(width=1280, language="de")
    page.goto(live_server.base_url + "/track")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Find your order"
    page.reload()  # remembered
    assert page.locator("html").get_attribute("lang") == "en"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    screenshot(page, "framework-lookup-en-1280")
    check_axe(page)


def test_the_page_works_without_javascript(
        live_server: ServerProcess, browser_page: Callable[..., Any]) -> None:
    page = browser_page(width=375, js=False, language="en")
    page.goto(live_server.base_url + "/track")
    assert page.get_by_role("button", name="Show my order").is_visible()
    page.get_by_role("link", name="Deutsch").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bestellung finden"
