"""Webhooks from shops and carriers: verify, map, validate, then intake or quarantine.

Shop webhooks (``POST /v1/webhooks/shop/{profile}``)::

    signature bad/missing                     ─► 401 problem+json, logged and counted,
                                                 nothing stored (a forgery is not an order);
                                                 Shopify/WooCommerce: the platform's own
                                                 signature; every other profile: the secret
                                                 doorstep issued (X-Doorstep-Signature);
                                                 no secret configured: 401, never accepted
    signed, order faulty                      ─► 202 + quarantine id (the platform must not
                                                 retry forever; the order waits for a human)
    signed, order new                         ─► 201 + order id
    signed, order already imported            ─► 200 + order id (idempotent replay)

Carrier webhooks (``POST /v1/webhooks/carrier/{profile}``) authenticate with the carrier's
secret that doorstep issued (``doorstep sources secret --carrier gls``): the body signed in
``X-Doorstep-Signature``, or the secret as ``?token=`` in the URL given to the carrier.
Unsigned, forged or unconfigured: 401, nothing stored.  Then they run the tracking-ingest
use case (``services.tracking_ingest``, the same as ``doorstep import tracking``): accepted
events go to the order timeline, faulty ones to quarantine; the answer is its report —
200 with the counts, or 202 when anything was held.

Only profile *names* are accepted in the URL — built-in ones and those in the merchant's
profiles folder (``DOORSTEP_PROFILES_DIR``) — never a file path.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.importers.order_mapping import OrderMapper, load_order_mapper
from doorstep.adapters.importers.profile_engine import ProfileError, profile_names
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.adapters.webhook_signatures import (
    DOORSTEP_SIGNATURE_HEADER,
    scheme_for,
    secret_for,
    token_matches,
    verify,
    verify_any,
)
from doorstep.bootstrap import Container
from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.api.problems import problem
from doorstep.services.order_import import (
    Decision,
    ImportReport,
    IntakePort,
    OrderImporter,
    build_quarantine_store,
    engine_intake,
)
from doorstep.services.source_secrets import SecretLookup, engine_secrets
from doorstep.services.tracking_ingest import ingest_tracking

router = APIRouter()
log = logging.getLogger("doorstep.webhooks")

WEBHOOKS = Counter(
    "doorstep_webhooks_total",
    "Webhooks received, by kind, profile and outcome.",
    ["kind", "profile", "outcome"],
)
SIGNATURE_FAILURES = Counter(
    "doorstep_webhook_signature_failures_total",
    "Shop and carrier webhooks refused because their signature or token did not verify.",
    ["profile"],
)

# Only order creation is imported; an update to a known order would otherwise be held as
# "same order, different content" every time.  (header, accepted topics) per platform.
TOPICS = {
    "shopify": ("X-Shopify-Topic", frozenset({"orders/create"})),
    "woocommerce": ("X-WC-Webhook-Topic", frozenset({"order.created"})),
}


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def order_intake(request: Request) -> IntakePort:
    """``app.state.order_intake`` if set (tests replace intake), else ``accept_order``."""
    intake: IntakePort | None = getattr(request.app.state, "order_intake", None)
    return intake if intake is not None else engine_intake(_container(request).engine)


def quarantine_store(request: Request) -> QuarantineStore:
    """``app.state.quarantine_store`` if set, else one built on the container."""
    store: QuarantineStore | None = getattr(request.app.state, "quarantine_store", None)
    if store is not None:
        return store
    container = _container(request)
    return build_quarantine_store(container.engine, order_intake(request),
                                  profiles_dir=container.settings.profiles_dir)


def _profiles_dir(request: Request) -> str:
    """The merchant's own profiles (``DOORSTEP_PROFILES_DIR``), beside the built-in ones."""
    return _container(request).settings.profiles_dir


def _shop_mapper(profile: str, profiles_dir: str) -> OrderMapper | None:
    if profile not in profile_names("orders", profiles_dir):
        return None  # only profile names, never a path, come from the URL
    return load_order_mapper(profile, profiles_dir)


@router.post(
    "/v1/webhooks/shop/{profile}",
    status_code=201,
    dependencies=[Depends(public("shops cannot hold a doorstep key: each webhook is "
                                 "verified by its platform's or its source's signature"))],
    summary="Receive a shop's order webhook",
    responses={
        200: {"description": "Order already imported (idempotent replay)."},
        202: {"description": "Order quarantined; the body names the quarantine id."},
        401: {"description": "Signature missing or invalid (problem+json)."},
        404: {"description": "Unknown profile (problem+json)."},
    },
)
async def shop_webhook(profile: str, request: Request) -> Response:
    """Verify the platform's signature over the raw body, then import the order."""
    mapper = _shop_mapper(profile, _profiles_dir(request))
    if mapper is None:
        known = ", ".join(profile_names("orders", _profiles_dir(request)))
        return problem(404, "Not found", f"no orders profile {profile!r} (known: {known})")
    body = await request.body()
    scheme = scheme_for(profile)
    if scheme is not None:
        secret = secret_for(scheme, _container(request).settings)
        configured = bool(secret)
        header = scheme.header
        verified = verify(secret, body, request.headers.get(header))
    else:
        secrets = await run_in_threadpool(source_secrets(request), f"shop:{profile}")
        configured = bool(secrets)
        header = DOORSTEP_SIGNATURE_HEADER
        verified = verify_any(secrets, body, request.headers.get(header))
    if not verified:
        return _refused(request, "shop", profile, header, configured, len(body))
    if _is_woocommerce_ping(profile, request, body):
        WEBHOOKS.labels("shop", profile, "ping").inc()
        return JSONResponse({"status": "ping received"}, status_code=200)
    unhandled = _unhandled_topic(profile, request)
    if unhandled is not None:
        return problem(422, "Invalid request", unhandled)
    importer = OrderImporter(mapper, order_intake(request), quarantine_store(request))
    report = await run_in_threadpool(importer.import_document, body)
    return _shop_response(profile, report)


def source_secrets(request: Request) -> SecretLookup:
    """``app.state.source_secrets`` if set (tests), else the issued secrets in the database."""
    lookup: SecretLookup | None = getattr(request.app.state, "source_secrets", None)
    return lookup if lookup is not None else engine_secrets(_container(request).engine)


def _refused(request: Request, kind: str, profile: str, header: str, configured: bool,
             size: int) -> Response:
    """401 for a webhook that did not prove where it came from; nothing is stored."""
    SIGNATURE_FAILURES.labels(profile).inc()
    WEBHOOKS.labels(kind, profile, "signature_invalid").inc()
    reason = "signature mismatch" if configured else "no secret configured"
    log.warning("%s webhook %s refused: %s (%s, %d bytes, from %s)", kind, profile, reason,
                header, size, request.client.host if request.client else "?")
    if configured:
        detail = f"the {header} signature does not verify for profile {profile!r}"
    else:
        detail = (f"no secret is configured for {kind} profile {profile!r}, so nothing is "
                  f"accepted (an operator issues one with doorstep sources secret "
                  f"--{kind} {profile})")
    return problem(401, "Unauthorized", detail, reason_code="signature_invalid")


def _unhandled_topic(profile: str, request: Request) -> str | None:
    platform = "shopify" if profile.startswith("shopify") else profile
    header, accepted = TOPICS.get(platform, ("", frozenset()))
    topic = request.headers.get(header) if header else None
    if topic is None or topic in accepted:
        return None
    wanted = ", ".join(sorted(accepted))
    return f"topic {topic!r} is not handled; subscribe this URL to {wanted}"


def _is_woocommerce_ping(profile: str, request: Request, body: bytes) -> bool:
    """WooCommerce confirms a new webhook with a form-encoded ``webhook_id=<n>`` body."""
    content_type = request.headers.get("content-type", "")
    return (
        profile == "woocommerce"
        and "application/x-www-form-urlencoded" in content_type
        and body.startswith(b"webhook_id=")
    )


def _shop_response(profile: str, report: ImportReport) -> JSONResponse:
    results = [
        {
            "decision": r.decision.value,
            "record": r.record_key,
            **({"order_id": r.order_id} if r.order_id else {}),
            **({"quarantine_id": r.quarantine_id} if r.quarantine_id is not None else {}),
            **({"reasons": [x.to_dict() for x in r.reasons]} if r.reasons else {}),
        }
        for r in report.results
    ]
    decisions = {r.decision for r in report.results}
    if Decision.quarantined in decisions:
        status, outcome = 202, "quarantined"
    elif Decision.accepted in decisions:
        status, outcome = 201, "accepted"
    else:
        status, outcome = 200, "duplicate"
    WEBHOOKS.labels("shop", profile, outcome).inc()
    summary = report.summary
    body: dict[str, Any] = {
        "status": outcome,
        "summary": {
            "source": summary.source,
            "accepted": summary.accepted,
            "quarantined": summary.quarantined,
            "duplicates": summary.duplicates,
        },
        "results": results,
    }
    if len(results) == 1:
        body.update({k: v for k, v in results[0].items() if k != "decision"})
    return JSONResponse(body, status_code=status)


# -- carriers ------------------------------------------------------------------------


@router.post(
    "/v1/webhooks/carrier/{profile}",
    dependencies=[Depends(public("carriers push scans with the carrier's secret "
                                 "(signature header or URL token), verified in the handler"))],
    summary="Receive a carrier's tracking push",
    responses={
        202: {"description": "Some events were quarantined; the body lists the ids."},
        401: {"description": "Signature or token missing or invalid (problem+json)."},
        404: {"description": "Unknown profile (problem+json)."},
    },
)
async def carrier_webhook(profile: str, request: Request) -> Response:
    """Map, validate and de-duplicate tracking events; land them on the order timeline."""
    profiles_dir = _profiles_dir(request)
    if profile not in profile_names("tracking", profiles_dir):
        known = ", ".join(profile_names("tracking", profiles_dir))
        return problem(404, "Not found", f"no tracking profile {profile!r} (known: {known})")
    body = await request.body()
    secrets = await run_in_threadpool(source_secrets(request), f"carrier:{profile}")
    if not (verify_any(secrets, body, request.headers.get(DOORSTEP_SIGNATURE_HEADER))
            or token_matches(secrets, request.query_params.get("token"))):
        return _refused(request, "carrier", profile, DOORSTEP_SIGNATURE_HEADER,
                        bool(secrets), len(body))
    # Tests may pin the memory of stored events on app.state; by default each call
    # remembers what the database holds for the shipments it touches.
    index = getattr(request.app.state, "tracking_index", None)
    try:
        report = await run_in_threadpool(
            lambda: ingest_tracking(_container(request).engine, profile, body, index=index,
                                    profiles_dir=profiles_dir))
    except ProfileError as exc:
        # The message names the profile file and line on this server: the log gets it,
        # the caller only learns that the named profile is broken (nothing internal leaks).
        log.error("tracking profile %r cannot be used: %s", profile, exc)
        return problem(500, "Profile error", f"the tracking profile {profile!r} cannot be "
                       "loaded; the server's log names the file and line")
    status = 202 if report.held else 200
    WEBHOOKS.labels("carrier", profile, "quarantined" if status == 202 else "accepted").inc()
    return JSONResponse(report.to_dict(), status_code=status)
