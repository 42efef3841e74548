"""The customer's tracking pages: the page by token and the lookup form.

Public on purpose — a customer has no account::

    GET  /track                   the lookup form
    POST /track                   order number + e-mail or postcode -> 303 to /track/{token};
                                  wrong and unknown give the same page; rate-limited (429)
    GET  /track/{token}           the order's page (unknown and revoked tokens: the same 404)
    GET  /track/{token}/live?v=N  htmx polling: 204 while nothing is newer than timeline
                                  entry N, else the refreshed section with a notice

The lookup is limited per client address and per order number (``limits``, moving window,
in memory per process), so guessing e-mail addresses for one order number stops after a
few tries whichever addresses the guesses come from.
"""

from __future__ import annotations

import time
from email.utils import parseaddr
from functools import lru_cache

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.api.deps import container, engine
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.rendering import render
from doorstep.services.customer_view import (
    customer_view,
    customer_view_by_token,
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


@router.get("/track/{token}", dependencies=[Depends(TRACK_PAGE)])
def order_page(request: Request, token: str) -> HTMLResponse:
    with engine(request).connect() as conn:
        found = customer_view_by_token(conn, token)
    if found is None:
        return _not_found(request)
    _order_id, view = found
    return render(request, "tracking/page.html",
                  {"view": view, "token": token, "poll_seconds": _poll_seconds(request),
                   "news": False, "brand": _brand(request, view.channel)})


@router.get("/track/{token}/live", dependencies=[Depends(TRACK_PAGE)])
def live(request: Request, token: str, v: int = 0) -> Response:
    """htmx polls this: nothing new is a 204 (htmx keeps the page), news the new section."""
    with engine(request).connect() as conn:
        order_id = order_for_token(conn, token)
        if order_id is None:
            return _not_found(request)
        if view_version(conn, order_id) <= v:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        view = customer_view(conn, order_id)
    return render(request, "tracking/_live.html",
                  {"view": view, "token": token, "poll_seconds": _poll_seconds(request),
                   "news": v > 0}, headers={"Cache-Control": "no-store"})
