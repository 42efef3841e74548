"""Staff log-in and log-out in the browser: ``GET/POST /login``, ``POST /logout``.

A successful log-in starts a server-side session (``services.staff``) and sets it as the
``doorstep_session`` cookie: HttpOnly (scripts cannot read it), SameSite=Lax (other sites'
forms and scripts do not get it sent), Secure when the request came over HTTPS or the
``cookie_secure`` setting says so, and only as long as the session lives.  A new session
token is issued at every log-in (no fixation).  Both forms carry the pages' CSRF token; a
failed log-in says only that the name or the password is wrong.

Failed log-ins are limited per client address and per user name (``limits``, moving
window, per process): after ``FAILED_PER_ADDRESS`` or ``FAILED_PER_USER`` failures the form
answers 429 until the window frees up, whether or not the password would have been right —
guessing stops, and a locked-out person waits minutes, not forever.

A browser that opens a staff page without a session is sent here (303, ``?next=`` the page)
instead of seeing a 401 problem; API clients still get the 401 problem+json.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.access import (
    SESSION_COOKIE,
    LoginRequired,
    Principal,
    current_principal,
    identities,
    public,
)
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.problems import TITLES, problem
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.rendering import render
from doorstep.services import staff

router = APIRouter(tags=["pages"], include_in_schema=False)

LOGIN = public("staff log in here; the form carries a CSRF token")
LOGOUT = public("ends whatever session the cookie names; CSRF-protected")
WHOAMI = public("tells callers only who they are")
DEFAULT_NEXT = "/ops"
FAILED_PER_ADDRESS = parse("20/15 minutes")
FAILED_PER_USER = parse("10/15 minutes")


def _failures(request: Request) -> MovingWindowRateLimiter:
    """The app's failed-log-in counter (one per app and process)."""
    limiter: MovingWindowRateLimiter | None = getattr(request.app.state,
                                                      "login_failures", None)
    if limiter is None:
        limiter = request.app.state.login_failures = MovingWindowRateLimiter(MemoryStorage())
    return limiter


def cookie_secure(request: Request) -> bool:
    setting = container(request).settings.cookie_secure
    return setting == "true" or (setting == "auto" and request.url.scheme == "https")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://…``."""
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and not any(ord(c) < 32 for c in target)):
        return target
    return DEFAULT_NEXT


def _page(request: Request, *, next_url: str, failed: bool = False, username: str = "",
          logged_in_as: str | None = None, too_many: bool = False,
          status: int = 200) -> HTMLResponse:
    headers = {"Cache-Control": "no-store", **({"Retry-After": "900"} if too_many else {})}
    return render(request, "auth/login.html",
                  {"next_url": next_url, "failed": failed, "username": username,
                   "logged_in_as": logged_in_as, "too_many": too_many},
                  status=status, headers=headers)


@router.get("/login", dependencies=[Depends(LOGIN)])
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    """The form; with a live session, who is logged in and a log-out button instead (an
    ended session's cookie just shows the form)."""
    token = request.cookies.get(SESSION_COOKIE)
    user = identities(request).by_session(token) if token else None
    return _page(request, next_url=safe_next(next), logged_in_as=user.name if user else None)


@router.post("/login", dependencies=[Depends(LOGIN), Depends(check_csrf)])
async def login(request: Request, username: str = Form(max_length=100),
                password: str = Form(max_length=staff.MAX_PASSWORD),
                next: str | None = Form(default=None)) -> Response:
    engine = container(request).engine
    hours = container(request).settings.session_hours
    name = username.strip().lower()
    address = request.client.host if request.client else "-"
    failures = _failures(request)
    if not (failures.test(FAILED_PER_ADDRESS, "address", address)
            and failures.test(FAILED_PER_USER, "user", name)):
        return _page(request, next_url=safe_next(next), username=name, too_many=True,
                     status=429)

    def check() -> str | None:
        with transaction(engine, write=True) as conn:
            user = staff.authenticate(conn, name, password)
            return None if user is None else staff.start_session(conn, user, hours=hours)

    token = await run_in_threadpool(check)
    if token is None:
        failures.hit(FAILED_PER_ADDRESS, "address", address)
        failures.hit(FAILED_PER_USER, "user", name)
        return _page(request, next_url=safe_next(next), failed=True, username=name,
                     status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(hours * 3600), httponly=True,
                        samesite="lax", secure=cookie_secure(request), path="/")
    return response


@router.post("/logout", dependencies=[Depends(LOGOUT), Depends(check_csrf)])
async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        engine = container(request).engine

        def end() -> None:
            with transaction(engine, write=True) as conn:
                staff.end_session(conn, token)

        await run_in_threadpool(end)
        identities(request).forget_session(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/whoami", dependencies=[Depends(WHOAMI)])
def whoami(principal: Principal = Depends(current_principal)) -> dict[str, str | None]:
    """Who the presented credential belongs to (``anonymous`` without one)."""
    return {"actor": principal.actor, "role": principal.role, "channel": principal.channel}


async def _login_required(request: Request, exc: Exception) -> Response:
    """A browser asking for a page is sent to log in; everyone else gets the 401 problem."""
    assert isinstance(exc, LoginRequired)
    wants_page = (request.method == "GET" and "text/html" in request.headers.get("accept", "")
                  and not request.url.path.startswith("/v1/"))
    if wants_page:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    response: JSONResponse = problem(401, TITLES[401], str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install(app: FastAPI) -> None:
    """The log-in routes and the browser's redirect to them."""
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _login_required)
