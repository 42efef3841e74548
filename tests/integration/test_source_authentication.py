"""Every source authenticates: unsigned shop webhooks and forged carrier scans are refused
for every built-in profile, and nothing they carry is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from doorstep.adapters.db.tables import orders, tracking_events
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.profile_engine import builtin_profiles
from doorstep.adapters.quarantine_store import quarantine_records
from doorstep.adapters.webhook_signatures import sign
from doorstep.bootstrap import Container
from doorstep.entrypoints.api.app import create_app
from doorstep.entrypoints.cli import app as cli
from doorstep.services import source_secrets
from doorstep.settings import Settings, SettingsError

FIXTURES = Path(__file__).parents[1] / "fixtures"
SHOPIFY_SECRET = "shpss_platform-secret"
WOO_SECRET = "woo-platform-secret"
PLATFORM_HEADERS = {"shopify": "X-Shopify-Hmac-Sha256", "shopify-webhook": "X-Shopify-Hmac-Sha256",
                    "woocommerce": "X-WC-Webhook-Signature"}
PLATFORM_SECRETS = {"shopify": SHOPIFY_SECRET, "shopify-webhook": SHOPIFY_SECRET,
                    "woocommerce": WOO_SECRET}
SHOP_BODIES = {
    "shopify": "shops/shopify/order_webhook.json",
    "shopify-webhook": "shops/shopify/order_webhook.json",
    "woocommerce": "shops/woocommerce/order_727_retrieve.json",
    "shopware6": "shops/shopware6/search_order.json",
    "magento2": "shops/magento2/order.json",
    "orders-csv": "shops/csv/orders.csv",
}
CARRIER_BODIES = {
    "dhl-parcel-de": "carriers/dhl_parcel_de/TrackingResponseXML.xml",
    "dhl-unified": "carriers/dhl_universal/TrackingResponseJSON.json",
    "dpd": "carriers/dpd/TrackingResponse.xml",
    "gls": "carriers/gls/TrackingResponse.json",
    "hermes": "carriers/hermes/TrackingResponse.json",
    "ups": "carriers/ups/TrackingResponseJSON.json",
}
CSV_SCAN = (b"carrier,tracking_number,status,occurred_at\n"
            b"dhl,00340434161094042557,DELIVERED,2026-11-30T09:00:00+01:00\n")


def body_of(kind: str, profile: str) -> bytes:
    path = (SHOP_BODIES if kind == "shop" else CARRIER_BODIES).get(profile)
    return (FIXTURES / path).read_bytes() if path else CSV_SCAN


def content_type(body: bytes) -> str:
    text = body.lstrip()
    if text.startswith((b"{", b"[")):
        return "application/json"
    return "application/xml" if text.startswith(b"<") else "text/csv"


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    settings = Settings(database_url=str(stocked.url), shopify_webhook_secret=SHOPIFY_SECRET,
                        woocommerce_webhook_secret=WOO_SECRET, rate_limit_per_address="")
    container = Container(settings=settings, engine=stocked)
    with TestClient(create_app(container, embedded_worker=False)) as c:
        yield c


def stored(engine: Engine) -> tuple[int, int, int]:
    """(orders, tracking events, quarantined records): what a webhook could have left."""
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(orders)).scalar_one(),
                conn.execute(select(func.count()).select_from(tracking_events)).scalar_one(),
                conn.execute(select(func.count()).select_from(quarantine_records)).scalar_one())


def issue(engine: Engine, source: str) -> str:
    with transaction(engine, write=True) as conn:
        return source_secrets.issue(conn, source, created_by="test")


def post(client: TestClient, kind: str, profile: str, body: bytes,
         headers: dict[str, str] | None = None, query: str = "") -> int:
    return client.post(f"/v1/webhooks/{kind}/{profile}{query}", content=body,
                       headers={"content-type": content_type(body), **(headers or {})}
                       ).status_code


def signature_header(profile: str) -> str:
    return PLATFORM_HEADERS.get(profile, "X-Doorstep-Signature")


@pytest.mark.parametrize("profile", builtin_profiles("orders"))
def test_an_unsigned_or_forged_shop_webhook_is_refused_and_nothing_is_stored(
        stocked: Engine, client: TestClient, profile: str) -> None:
    body = body_of("shop", profile)
    if profile not in PLATFORM_SECRETS:
        issue(stocked, f"shop:{profile}")
    before = stored(stocked)
    assert post(client, "shop", profile, body) == 401
    forged = {signature_header(profile): sign("a-guessed-secret", body)}
    assert post(client, "shop", profile, body, forged) == 401
    assert post(client, "shop", profile, body, {signature_header(profile): " "}) == 401
    assert stored(stocked) == before


@pytest.mark.parametrize("profile", builtin_profiles("orders"))
def test_a_correctly_signed_shop_webhook_gets_through(
        stocked: Engine, client: TestClient, profile: str) -> None:
    body = body_of("shop", profile)
    secret = PLATFORM_SECRETS.get(profile) or issue(stocked, f"shop:{profile}")
    status = post(client, "shop", profile, body, {signature_header(profile): sign(secret, body)})
    assert status in (200, 201, 202), status


@pytest.mark.parametrize("profile", [p for p in builtin_profiles("orders")
                                     if p not in PLATFORM_SECRETS])
def test_a_shop_profile_without_an_issued_secret_accepts_nothing(
        client: TestClient, profile: str) -> None:
    body = body_of("shop", profile)
    response = client.post(f"/v1/webhooks/shop/{profile}", content=body, headers={
        "content-type": content_type(body),
        "X-Doorstep-Signature": sign("", body)})
    assert response.status_code == 401
    assert "doorstep sources secret --shop" in response.json()["detail"]


@pytest.mark.parametrize("profile", builtin_profiles("tracking"))
def test_a_forged_carrier_scan_is_refused_for_every_carrier(
        stocked: Engine, client: TestClient, profile: str) -> None:
    """Unsigned, signed with a guess, a wrong URL token, or no secret issued at all: 401."""
    body = body_of("carrier", profile)
    before = stored(stocked)
    assert post(client, "carrier", profile, body) == 401  # nothing issued yet
    secret = issue(stocked, f"carrier:{profile}")
    assert post(client, "carrier", profile, body) == 401
    assert post(client, "carrier", profile, body,
                {"X-Doorstep-Signature": sign("a-guessed-secret", body)}) == 401
    assert post(client, "carrier", profile, body, query=f"?token={secret[:-1]}x") == 401
    assert post(client, "carrier", profile, body, query="?token=") == 401
    assert stored(stocked) == before


@pytest.mark.parametrize("profile", builtin_profiles("tracking"))
def test_a_carrier_with_its_secret_gets_through_by_signature_or_url_token(
        stocked: Engine, client: TestClient, profile: str) -> None:
    body = body_of("carrier", profile)
    secret = issue(stocked, f"carrier:{profile}")
    assert post(client, "carrier", profile, body,
                {"X-Doorstep-Signature": sign(secret, body)}) in (200, 202)
    assert post(client, "carrier", profile, body, query=f"?token={secret}") in (200, 202)


def test_rotating_a_carrier_secret_keeps_both_until_the_old_one_is_revoked(
        stocked: Engine, client: TestClient) -> None:
    body = body_of("carrier", "gls")
    old = issue(stocked, "carrier:gls")
    new = issue(stocked, "carrier:gls")
    assert post(client, "carrier", "gls", body, query=f"?token={old}") in (200, 202)
    with transaction(stocked, write=True) as conn:
        assert source_secrets.revoke(conn, "carrier:gls") == 1
    assert post(client, "carrier", "gls", body, query=f"?token={old}") == 401
    assert post(client, "carrier", "gls", body, query=f"?token={new}") in (200, 202)
    with transaction(stocked, write=True) as conn:
        source_secrets.revoke(conn, "carrier:gls", keep_newest=False)
    assert post(client, "carrier", "gls", body, query=f"?token={new}") == 401


@pytest.mark.parametrize("setting", ["shopify_webhook_secret", "woocommerce_webhook_secret"])
def test_a_blank_platform_secret_stops_start_up(setting: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=setting):
        Settings(**{setting: "   "})  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path}/x.db"],
                                env={f"DOORSTEP_{setting.upper()}": " \t"})
    assert result.exit_code == 2
    assert setting in result.output and "blank" in result.output


def test_the_sources_cli_issues_lists_and_revokes(stocked: Engine) -> None:
    url = str(stocked.url.render_as_string(hide_password=False))
    runner = CliRunner()
    issued = runner.invoke(cli, ["sources", "secret", "--carrier", "gls", "--db", url])
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip()
    assert secret.startswith("dss_") and "?token=" in issued.output
    listed = runner.invoke(cli, ["sources", "list", "--db", url])
    assert "carrier:gls" in listed.output and secret not in listed.output
    assert runner.invoke(cli, ["sources", "secret", "--shop", "shopify", "--db",
                               url]).exit_code == 2  # Shopify signs with its own secret
    revoked = runner.invoke(cli, ["sources", "revoke", "--carrier", "gls", "--all", "--db",
                                  url])
    assert revoked.exit_code == 0, revoked.output
    with stocked.connect() as conn:
        assert source_secrets.active(conn, "carrier:gls") == []
