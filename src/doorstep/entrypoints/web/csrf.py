"""CSRF protection for the pages' forms: a double-submit token, checked with the Origin header.

How it holds::

    GET page   -> render() sets cookie doorstep_csrf=<random>  (HttpOnly, SameSite=Lax)
                  and the form carries <input name="csrf_token" value="<same random>">
    POST form  -> check_csrf: the form field must equal the cookie (constant-time compare),
                  and a present Origin header must be this site

Another site can make a browser send the cookie but cannot read it, so it cannot put the
same value in the form; SameSite=Lax already keeps the cookie off cross-site POSTs.

Staff sessions (issue 9) use the same token: ``access.require`` accepts, for a change made
with the session cookie, either this double-submit pair or the session-bound token
(header ``X-CSRF-Token``).  A request that carries ``Authorization: Bearer`` is an API
client, not a browser (browsers never attach that header on their own), so it needs no
token.  Routes only ever call ``csrf_token(request)`` in templates and ``Depends(check_csrf)``
on form handlers, so the mechanism can change here without touching a page.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.responses import Response

from doorstep.entrypoints.api.access import ensure_not_anonymous_on_protected_route

CSRF_COOKIE = "doorstep_csrf"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The token for forms on this page (made once per browser, re-used afterwards)."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        token = cookie if _well_formed(cookie) else secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return str(token)


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Send the token's cookie if the page made one (called by ``render``)."""
    token = getattr(request.state, "csrf_token", None)
    if token is not None and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")


async def check_csrf(request: Request) -> None:
    """A FastAPI dependency for form handlers: 403 unless the form proves it came from us."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # an API key is never ambient; require() checks it
    ensure_not_anonymous_on_protected_route(request)  # 401 (log in) before 403 (token)
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "the form was sent from another site")
    form = await request.form()  # Starlette keeps the parsed form for the handler
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not isinstance(sent, str) or not _well_formed(cookie) or not hmac.compare_digest(
            sent.encode(), cookie.encode()):
        raise HTTPException(403, "the form's security token is missing or out of date; "
                                 "reload the page and send it again")


def _well_formed(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)
