"""render(): the reader's language, page headers, vendored assets and CSRF on forms."""

from __future__ import annotations

import re

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.testclient import TestClient

from doorstep.entrypoints.web import check_csrf, mount_static, render
from doorstep.entrypoints.web.csrf import CSRF_COOKIE
from doorstep.entrypoints.web.i18n import LANG_COOKIE


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()

    @app.get("/form")
    def form(request: Request) -> HTMLResponse:
        return render(request, "tracking/lookup.html", {"order_number": "<b>1</b>",
                                                         "contact": "", "not_found": True,
                                                         "too_many": False}, status=404)

    @app.post("/form", dependencies=[Depends(check_csrf)])
    def sent() -> PlainTextResponse:
        return PlainTextResponse("accepted")

    mount_static(app)
    return TestClient(app)


def test_the_page_follows_accept_language(client: TestClient) -> None:
    de = client.get("/form", headers={"Accept-Language": "de-DE,de;q=0.9"})
    en = client.get("/form", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="de">' in de.text and "Bestellung finden" in de.text
    assert '<html lang="en">' in en.text and "Find your order" in en.text
    assert de.status_code == 404  # the status given to render()


def test_the_language_switch_wins_over_the_browser_and_is_remembered(client: TestClient) -> None:
    switched = client.get("/form?lang=en", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in switched.text
    assert switched.cookies.get(LANG_COOKIE) == "en"
    later = client.get("/form", headers={"Accept-Language": "de"})  # cookie kept by client
    assert '<html lang="en">' in later.text


def test_the_switch_links_keep_the_page_and_its_query(client: TestClient) -> None:
    page = client.get("/form?x=1&lang=de")
    assert 'href="/form?x=1&amp;lang=en"' in page.text


def test_values_are_escaped(client: TestClient) -> None:
    page = client.get("/form")
    assert "<b>1</b>" not in page.text and "&lt;b&gt;1&lt;/b&gt;" in page.text


def test_pages_carry_a_strict_policy_and_no_referrer(client: TestClient) -> None:
    headers = client.get("/form").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-type"].startswith("text/html")


def test_vendored_assets_are_linked_by_hash_and_cached_for_a_year(client: TestClient) -> None:
    page = client.get("/form").text
    css = re.search(r'href="(/static/doorstep\.css\?v=[0-9a-f]{10})"', page)
    js = re.search(r'src="(/static/htmx\.min\.js\?v=[0-9a-f]{10})"', page)
    assert css and js
    assert "//" not in css.group(1) and "//" not in js.group(1)  # same origin, no CDN
    response = client.get(js.group(1))
    assert response.status_code == 200 and "htmx" in response.text[:200]
    assert "max-age=31536000" in response.headers["cache-control"]


def _token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_a_form_with_its_token_is_accepted(client: TestClient) -> None:
    token = _token(client.get("/form").text)
    assert client.cookies.get(CSRF_COOKIE) == token
    assert client.post("/form", data={"csrf_token": token}).text == "accepted"


def test_a_form_without_or_with_a_wrong_token_is_refused(client: TestClient) -> None:
    token = _token(client.get("/form").text)
    assert client.post("/form", data={}).status_code == 403
    assert client.post("/form", data={"csrf_token": token[::-1]}).status_code == 403


def test_a_form_sent_from_another_site_is_refused(client: TestClient) -> None:
    token = _token(client.get("/form").text)
    refused = client.post("/form", data={"csrf_token": token},
                          headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
