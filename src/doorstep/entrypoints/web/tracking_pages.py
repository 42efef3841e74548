"""The customer's tracking pages: the page by token and the lookup form.

Public on purpose — a customer has no account::

    GET  /track                   the lookup form
    POST /track                   order number + e-mail or postcode -> 303 to /track/{token};
                                  wrong and unknown give the same page; rate-limited (429)
    GET  /track/{token}           the order's page (unknown and revoked tokens: the same 404);
                                  strong ETag, 304 on If-None-Match (see web.page_etags)
    GET  /track/{token}/live?v=N  htmx polling: 204 while nothing is newer than timeline
                                  entry N, else the refreshed section with a notice

The lookup is limited per client address and per order number (``limits``, moving window,
in memory per process), so guessing e-mail addresses for one order number stops after a
few tries whichever addresses the guesses come from.

The order's page is a coroutine: FastAPI runs a plain ``def`` handler in its thread pool,
and that hop costs more than the page's one SQLite statement (server CPU per page at 100,000
orders: 1.86 ms with the read in the pool, 1.63-1.75 ms on the loop).  So on SQLite the read
runs on the event loop; on PostgreSQL, whose read waits for the network, it still goes to
the pool.  Rendering is pure CPU and stays on the loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parseaddr
from functools import lru_cache, partial

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.api.deps import container, engine
from doorstep.entrypoints.web import i18n
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.page_etags import if_none_match_hits, page_etag
from doorstep.entrypoints.web.rendering import not_modified, render
from doorstep.services.customer_view import CustomerView
from doorstep.services.customer_view_reads import (
    Validator,
    read_view,
    read_view_by_token,
    validator_by_token,
    view_version,
)
from doorstep.services.tracking_links import ensure_token, find_order, order_for_token

router = APIRouter(tags=["pages"], include_in_schema=False)

TRACK_PAGE = public("customer's order page, reached by its unguessable token")
LOOKUP = public("customer looks up an order by number and e-mail or postcode (rate-limited)")

PER_CLIENT = parse("10/5 minutes")
PER_ORDER_NUMBER = parse("5/15 minutes")


def _limiter(request: Request) -> MovingWindowRateLimiter:
    """The app's lookup limiter (one per app, so each server process counts on its own)."""
    state = request.app.state
    limiter: MovingWindowRateLimiter | None = getattr(state, "track_lookup_limiter", None)
    if limiter is None:
        limiter = MovingWindowRateLimiter(MemoryStorage())
        state.track_lookup_limiter = limiter
    return limiter


def _lookup_page(request: Request, *, order_number: str = "", contact: str = "",
                 not_found: bool = False, too_many: bool = False, status: int = 200,
                 headers: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "tracking/lookup.html",
                  {"order_number": order_number, "contact": contact, "not_found": not_found,
                   "too_many": too_many}, status=status, headers=headers)


@router.get("/track", dependencies=[Depends(LOOKUP)])
def lookup_form(request: Request) -> HTMLResponse:
    """The form that finds an order's page by its number plus e-mail address or postcode."""
    return _lookup_page(request)


@router.post("/track", dependencies=[Depends(LOOKUP), Depends(check_csrf)])
def lookup(request: Request, order_number: str = Form("", max_length=100),
           contact: str = Form("", max_length=254)) -> Response:
    client = request.client.host if request.client else "unknown"
    number_key = order_number.strip().lstrip("#").casefold()[:100]
    limiter = _limiter(request)
    allowed = limiter.hit(PER_CLIENT, "track-client", client)
    allowed = limiter.hit(PER_ORDER_NUMBER, "track-number", number_key) and allowed
    if not allowed:
        reset = max(limiter.get_window_stats(PER_CLIENT, "track-client", client).reset_time,
                    limiter.get_window_stats(PER_ORDER_NUMBER, "track-number",
                                              number_key).reset_time)
        retry = max(1, int(reset - time.time()) + 1)
        return _lookup_page(request, order_number=order_number, too_many=True, status=429,
                            headers={"Retry-After": str(retry)})
    with transaction(engine(request), write=True) as conn:
        order_id = find_order(conn, order_number, contact)
        token = ensure_token(conn, order_id) if order_id is not None else None
    if token is None:
        return _lookup_page(request, order_number=order_number, contact=contact,
                            not_found=True)
    return RedirectResponse(f"/track/{token}", status_code=303)


def _brand(request: Request, channel: str) -> str:
    """The shop's name (the display name of its sender address), else "doorstep"."""
    settings = getattr(request.app.state, "notify_settings", None)
    if settings is None:
        return "doorstep"
    return _display_name(settings.for_channel(channel).sender)


@lru_cache(maxsize=256)
def _display_name(address: str) -> str:
    """Parsing the address took longer than reading an order's rows; a shop has one."""
    return parseaddr(address)[0] or "doorstep"


def _poll_seconds(request: Request) -> int:
    return max(1, int(container(request).settings.tracking_poll_s))


def _not_found(request: Request) -> HTMLResponse:
    return render(request, "tracking/unknown.html", status=404)


# Kept by browsers, never by shared caches (the URL carries the token), and revalidated on
# every visit: a refresh costs a 304 while nothing changed.
PAGE_CACHE_CONTROL = "private, no-cache"


def _read_page(db: Engine, token: str, asked: str | None, etag_of: Callable[[Validator], str]
               ) -> tuple[str, CustomerView | None] | None:
    """``(etag, view)``; ``view`` is None when ``asked`` (If-None-Match) names the current
    ETag.  None for an unknown or revoked token."""
    with db.connect() as conn:
        if asked:
            validator = validator_by_token(conn, token)
            if validator is None:
                return None
            etag = etag_of(validator)
            if if_none_match_hits(asked, etag):
                return etag, None
        found = read_view_by_token(conn, token)
    if found is None:
        return None
    _order_id, view, validator = found
    return etag_of(validator), view


@router.get("/track/{token}", dependencies=[Depends(TRACK_PAGE)])
async def order_page(request: Request, token: str) -> Response:
    """The order's page, or ``304`` when the browser's copy (If-None-Match) is current."""
    language, _picked_now = i18n.choose_language(request)
    settings = container(request).settings
    poll_seconds = _poll_seconds(request)
    htmx = request.headers.get("hx-request") == "true"

    def etag_of(validator: Validator) -> str:
        return page_etag(validator, language=language, brand=_brand(request, validator.channel),
                         timezone=str(settings.timezone), poll_seconds=poll_seconds, htmx=htmx)

    read = partial(_read_page, engine(request), token, request.headers.get("if-none-match"),
                   etag_of)
    found = read() if container(request).is_sqlite else await run_in_threadpool(read)
    if found is None:
        return _not_found(request)
    etag, view = found
    headers = {"ETag": etag, "Cache-Control": PAGE_CACHE_CONTROL}
    if view is None:
        return not_modified(request, headers)
    return render(request, "tracking/page.html",
                  {"view": view, "token": token, "poll_seconds": poll_seconds,
                   "news": False, "brand": _brand(request, view.channel)}, headers=headers)


@router.get("/track/{token}/live", dependencies=[Depends(TRACK_PAGE)])
def live(request: Request, token: str, v: int = 0) -> Response:
    """htmx polls this: nothing new is a 204 (htmx keeps the page), news the new section."""
    with engine(request).connect() as conn:
        order_id = order_for_token(conn, token)
        if order_id is None:
            return _not_found(request)
        if view_version(conn, order_id) <= v:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        view = read_view(conn, order_id)
    return render(request, "tracking/_live.html",
                  {"view": view, "token": token, "poll_seconds": _poll_seconds(request),
                   "news": v > 0}, headers={"Cache-Control": "no-store"})
