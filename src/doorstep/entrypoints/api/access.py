"""Who may call what: roles, the calling principal, and the per-route requirement.

Every route declares what it needs, in one of two ways::

    @router.get("/v1/x", dependencies=[Depends(require(Role.OPERATOR))])   # staff/API keys
    @router.get("/track/{token}", dependencies=[Depends(public("customer page by token"))])

``require`` resolves the credential into a ``Principal``::

    Authorization: Bearer dsk_live_…   → the API key's principal (role, channel)
    cookie doorstep_session=…          → the staff user's principal; a request that changes
                                          something must also prove it came from our page:
                                          the session's CSRF token in header X-CSRF-Token, or
                                          the pages' form token (field csrf_token matching
                                          the doorstep_csrf cookie, see web/csrf.py)
    neither / unknown / revoked         → 401 problem+json with WWW-Authenticate: Bearer
    known, role not allowed             → 403 problem+json

``admin`` passes every requirement.  Handlers that need the actor take ``principal:
Principal = Depends(require(...))`` and use ``principal.actor``, never a name from the
request body.  ``public`` marks a route open on purpose (the reason is listed in
SECURITY.md); ``doorstep.devtools.route_access`` walks every registered route and the
test suite fails on a route with neither.

The identity store is ``app.state.identities`` (``services.identities``): the database in
a served app, fixed tokens in tests that run a router without the identity tables.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from typing import Any

from fastapi import HTTPException, Request

from doorstep.domain.access import ANONYMOUS, Principal, Role
from doorstep.services.identities import IdentityStore
from doorstep.services.staff import csrf_for, csrf_matches

__all__ = [
    "ANONYMOUS",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "LoginRequired",
    "Principal",
    "Role",
    "csrf_token",
    "current_principal",
    "ensure_not_anonymous_on_protected_route",
    "identities",
    "is_loopback",
    "public",
    "require",
]

SESSION_COOKIE = "doorstep_session"
FORM_CSRF_COOKIE = "doorstep_csrf"  # the pages' double-submit cookie (web/csrf.py)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})



def identities(request: Request) -> IdentityStore:
    """The app's identity store (``app.state.identities``)."""
    store: IdentityStore | None = getattr(request.app.state, "identities", None)
    if store is None:
        raise RuntimeError("app.state.identities is not set: create the app with create_app "
                           "or install an identity store (doorstep.devtools.credentials)")
    return store


class LoginRequired(HTTPException):
    """401 for a caller without a (live) credential; a browser asking for a page is sent to
    /login instead (``web.login_pages``)."""


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="doorstep"'
    if error:
        challenge += f', error="{error}"'
        return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})
    return LoginRequired(401, detail, headers={"WWW-Authenticate": challenge})


async def _presented_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def _came_from_our_page(request: Request, session: str) -> bool:
    presented = await _presented_csrf(request)
    if not presented:
        return False
    if csrf_matches(session, presented):
        return True
    form_cookie = request.cookies.get(FORM_CSRF_COOKIE, "")
    return bool(form_cookie) and secrets.compare_digest(
        form_cookie.encode("utf-8", "replace"), presented.encode("utf-8", "replace"))


def _bearer_token(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def _authenticate(request: Request) -> Principal:
    """The caller's principal; raises 401 for a credential that does not verify."""
    store = identities(request)
    header = request.headers.get("authorization")
    if header:
        token = _bearer_token(header)
        if token is None:
            raise _unauthorized("Authorization must be 'Bearer <API key>'", "invalid_request")
        principal = store.by_key(token)
        if principal is None:
            raise _unauthorized("the API key is unknown or revoked", "invalid_token")
        return principal
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        principal = store.by_session(session)
        if principal is None:
            raise _unauthorized("the session has ended; log in again at /login")
        if request.method not in SAFE_METHODS and not await _came_from_our_page(
                request, session):
            request.state.principal = principal
            raise HTTPException(403, f"a change made with a browser session needs its CSRF "
                                     f"token (header {CSRF_HEADER} or form field {CSRF_FIELD})")
        return principal
    return ANONYMOUS


async def current_principal(request: Request) -> Principal:
    """The caller if a credential was presented, else ``ANONYMOUS`` (declares nothing).

    Resolved once per request and kept on ``request.state``, so several requirements on
    one route cost one look-up.  One plain dependency on purpose: each FastAPI dependency
    costs tens of microseconds per request, and intake is measured per request (the
    OpenAPI security schemes are added to the document instead, ``security_docs``).
    """
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    principal = await _authenticate(request)
    request.state.principal = principal
    return principal


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller must hold one of ``roles`` (admin always may)."""
    allowed = frozenset(roles) | {Role.ADMIN}
    wanted = ", ".join(sorted(allowed))

    async def dependency(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal.role is None:
            raise _unauthorized(f"this needs an API key or a staff log-in (role: {wanted})")
        if not principal.may(allowed):
            raise HTTPException(403, f"role {principal.role} may not do this (needs one of: "
                                     f"{wanted})")
        return principal

    dependency.required_roles = allowed  # type: ignore[attr-defined]
    return dependency


def public(reason: str) -> Callable[[], Awaitable[None]]:
    """A FastAPI dependency marking a route public on purpose, with the reason.

    A coroutine that does nothing: FastAPI runs a plain ``def`` dependency in its thread
    pool, and that hop (two thread switches, a future, a lock) cost every public request
    — ``/healthz``, the customer's tracking page — more than the marker is worth.
    """

    async def dependency() -> None:
        return None

    dependency.public_reason = reason  # type: ignore[attr-defined]
    return dependency


# -- CSRF for scripts --------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The logged-in session's CSRF token, for scripts that send ``X-CSRF-Token``
    ("" without a session).  Forms use ``doorstep.entrypoints.web.csrf_token`` instead."""
    session = request.cookies.get(SESSION_COOKIE)
    return csrf_for(session) if session else ""


def _required_roles(dependant: Any) -> bool:
    for sub in getattr(dependant, "dependencies", ()):
        if getattr(sub.call, "required_roles", None) is not None or _required_roles(sub):
            return True
    return False


def ensure_not_anonymous_on_protected_route(request: Request) -> None:
    """Raise the 401 ``require`` would raise, for a caller without any credential on a
    route that requires a role.  Checks that run before ``require`` (a form's CSRF token)
    call this first, so an anonymous caller learns to log in rather than about tokens."""
    if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
        return
    route = request.scope.get("route")
    if route is not None and _required_roles(getattr(route, "dependant", None)):
        raise _unauthorized("this needs an API key or a staff log-in")


def is_loopback(host: str) -> bool:
    """Whether ``serve`` listens only on this machine (docs may be open there)."""
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
