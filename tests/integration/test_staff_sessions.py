"""Staff log-in for the browser: Argon2id passwords, session cookies, CSRF on every change."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from doorstep.adapters.db.identity_tables import staff_sessions, staff_users
from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import Container
from doorstep.domain.access import Role
from doorstep.domain.errors import InvalidValue
from doorstep.entrypoints.api.access import CSRF_HEADER, SESSION_COOKIE
from doorstep.entrypoints.api.app import create_app
from doorstep.services import staff
from doorstep.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def app_engine(stocked: Engine) -> Engine:
    with transaction(stocked, write=True) as conn:
        staff.add_user(conn, "anna", PASSWORD, Role.OPERATOR)
        staff.add_user(conn, "ben", PASSWORD, Role.VIEWER)
    return stocked


def make_client(engine: Engine, **settings: object) -> TestClient:
    container = Container(settings=Settings(database_url=str(engine.url), **settings),  # type: ignore[arg-type]
                          engine=engine)
    return TestClient(create_app(container, embedded_worker=False), follow_redirects=False)


@pytest.fixture
def browser(app_engine: Engine) -> Iterator[TestClient]:
    with make_client(app_engine) as c:
        yield c


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def log_in(browser: TestClient, username: str, password: str) -> object:
    page = browser.get("/login")
    return browser.post("/login", data={"username": username, "password": password,
                                        "csrf_token": form_token(page.text)})


def test_passwords_are_stored_as_argon2id_hashes(app_engine: Engine) -> None:
    with app_engine.connect() as conn:
        stored = conn.execute(select(staff_users.c.password_hash)
                              .where(staff_users.c.username == "anna")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_short_or_padded_password_is_refused(app_engine: Engine) -> None:
    with transaction(app_engine, write=True) as conn:
        for bad in ("short", f" {PASSWORD} "):
            with pytest.raises(InvalidValue):
                staff.add_user(conn, "carl", bad, Role.VIEWER)


def test_logging_in_sets_an_httponly_lax_session_cookie(browser: TestClient) -> None:
    response = log_in(browser, "anna", PASSWORD)
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert browser.get("/whoami").json() == {"actor": "user:anna", "role": "operator",
                                             "channel": None}


def test_the_session_cookie_is_secure_over_https(app_engine: Engine) -> None:
    with make_client(app_engine) as browser:
        browser.base_url = browser.base_url.copy_with(scheme="https")
        response = log_in(browser, "anna", PASSWORD)
    assert "Secure" in response.headers["set-cookie"]  # type: ignore[attr-defined]


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
        browser: TestClient) -> None:
    wrong = log_in(browser, "anna", "not the password at all")
    unknown = log_in(browser, "nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in browser.cookies


def test_a_log_in_without_the_forms_csrf_token_is_refused(browser: TestClient) -> None:
    browser.get("/login")
    response = browser.post("/login", data={"username": "anna", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_a_session_reads_but_changes_only_with_its_csrf_token(browser: TestClient) -> None:
    """A cross-site form can make the browser send the cookie, never the token."""
    log_in(browser, "anna", PASSWORD)
    assert browser.get("/v1/stock/PEN").status_code == 200
    receipt = {"sku": "PEN", "location": "P-01-001-1-1", "quantity": 1}
    forged = browser.post("/v1/stock/receipts", json=receipt)
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    token = staff.csrf_for(browser.cookies[SESSION_COOKIE])
    allowed = browser.post("/v1/stock/receipts", json=receipt, headers={CSRF_HEADER: token})
    assert allowed.status_code == 201


def test_a_session_carries_its_users_role(browser: TestClient) -> None:
    log_in(browser, "ben", PASSWORD)
    token = staff.csrf_for(browser.cookies[SESSION_COOKIE])
    response = browser.post("/v1/stock/receipts", headers={CSRF_HEADER: token},
                            json={"sku": "PEN", "location": "P-01-001-1-1", "quantity": 1})
    assert response.status_code == 403 and "viewer" in response.json()["detail"]


def test_logging_out_ends_the_session_for_good(app_engine: Engine,
                                               browser: TestClient) -> None:
    log_in(browser, "anna", PASSWORD)
    cookie = browser.cookies[SESSION_COOKIE]
    out = browser.post("/logout", data={"csrf_token": form_token(browser.get("/login").text)})
    assert out.status_code == 303
    browser.cookies.set(SESSION_COOKIE, cookie)  # a stolen copy of the cookie
    assert browser.get("/v1/stock/PEN").status_code == 401
    with app_engine.connect() as conn:
        ended = conn.execute(select(staff_sessions.c.ended_at)).scalar_one()
    assert ended is not None


def test_disabling_a_user_ends_their_sessions(app_engine: Engine) -> None:
    with make_client(app_engine) as browser:
        log_in(browser, "anna", PASSWORD)
        with transaction(app_engine, write=True) as conn:
            staff.disable_user(conn, "anna")
        browser.app.state.identities._sessions._items.clear()  # type: ignore[attr-defined]
        assert browser.get("/v1/stock/PEN").status_code == 401
        assert log_in(browser, "anna", PASSWORD).status_code == 401  # type: ignore[attr-defined]


def test_after_log_in_only_paths_on_this_site_are_followed(browser: TestClient) -> None:
    page = browser.get("/login")
    response = browser.post("/login", data={
        "username": "anna", "password": PASSWORD, "csrf_token": form_token(page.text),
        "next": "//evil.example/phish"})
    assert response.headers["location"] == "/ops"


def test_the_pages_form_token_also_carries_a_sessions_change(browser: TestClient) -> None:
    """Forms of the page framework send their double-submit token; require accepts it."""
    log_in(browser, "anna", PASSWORD)
    token = form_token(browser.get("/login").text)
    response = browser.post("/v1/stock/receipts", json={
        "sku": "PEN", "location": "P-01-001-1-1", "quantity": 1}, headers={CSRF_HEADER: token})
    assert response.status_code == 201


def test_a_browser_without_a_session_is_sent_to_log_in(browser: TestClient) -> None:
    page = browser.get("/ops?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/ops%3Flang%3Den"
    api = browser.get("/v1/orders/x", headers={"Accept": "text/html"})
    assert api.status_code == 401


@pytest.mark.parametrize(("lang", "heading"), [("de", "Bei doorstep anmelden"),
                                               ("en", "Log in to doorstep")])
def test_the_log_in_page_speaks_german_and_english(browser: TestClient, lang: str,
                                                   heading: str) -> None:
    assert heading in browser.get(f"/login?lang={lang}").text


def test_guessing_passwords_for_one_user_stops_after_ten_failures(browser: TestClient) -> None:
    """The eleventh try within 15 minutes is refused (429) even with the right password."""
    for _ in range(10):
        assert log_in(browser, "anna", "a wrong guess at it").status_code == 401  # type: ignore[attr-defined]
    refused = log_in(browser, "anna", PASSWORD)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert "Retry-After" in refused.headers  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in browser.cookies
