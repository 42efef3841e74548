"""Server-rendered pages: one Jinja2 environment, one ``render`` helper, vendored assets.

A page handler is a plain FastAPI route that returns ``render(...)``::

    @router.get("/track/{token}", dependencies=[Depends(public("customer page by token"))])
    def page(request: Request, token: str) -> HTMLResponse:
        return render(request, "tracking/page.html", {"view": view})

``render`` picks the reader's language (``i18n.choose_language``), installs its catalogue
for ``{% trans %}`` and ``_()``, adds the date filters in the warehouse's time zone, the
CSRF token, ``static_url`` and the language switch, and sets the headers every page needs:
a strict Content-Security-Policy (scripts and styles only from /static, no inline code),
``Referrer-Policy: no-referrer`` (tracking links carry a secret token) and ``Vary``.

Static files are served from ``/static`` with a content hash in the URL
(``/static/doorstep.css?v=1a2b3c4d``), so browsers may keep them for a year.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.staticfiles import StaticFiles

from doorstep.entrypoints.web import i18n
from doorstep.entrypoints.web.csrf import CSRF_FIELD, csrf_token, set_csrf_cookie
from doorstep.entrypoints.web.folded_texts import LanguageEnvironment
from doorstep.entrypoints.web.tracking_history import checkpoint_items
from doorstep.entrypoints.web.tracking_texts import TEMPLATE_GLOBALS

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_MAX_AGE = 365 * 24 * 3600

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept-Language, Cookie, HX-Request",
}


@cache
def environment(language: str | None = None) -> Environment:
    """The Jinja2 environment of the pages (autoescaped, undefined names are errors).

    With a ``language``, the templates are compiled for that language with their fixed
    texts already translated (``folded_texts``); ``render`` uses those.  Without one, texts
    are translated at render time in whatever language ``i18n.use_language`` set.
    """
    options: dict[str, Any] = {
        "loader": FileSystemLoader(TEMPLATE_DIR),
        "autoescape": select_autoescape(["html", "xml"], default_for_string=True),
        "undefined": StrictUndefined,
        "extensions": ["jinja2.ext.i18n"],
        "trim_blocks": True,
        "lstrip_blocks": True,
        "auto_reload": False,
    }
    env = (Environment(**options) if language is None
           else LanguageEnvironment(language, {"static_url": static_url}, **options))
    i18n.install_in(env)
    env.globals.update(TEMPLATE_GLOBALS)
    env.globals["checkpoint_items"] = checkpoint_items
    env.globals["static_url"] = static_url
    env.globals["csrf_field"] = CSRF_FIELD
    return env


@cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<hash>``: the URL changes whenever the file does."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def _switch_urls(request: Request) -> dict[str, str]:
    """The current page's URL in each language (the switch works without JavaScript)."""
    path = request.url.path
    if not request.scope.get("query_string"):  # the usual case: the same URLs, sooner
        return {language: f"{path}?lang={language}" for language in i18n.LANGUAGES}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {language: f"{path}?{urlencode([*params, ('lang', language)])}"
            for language in i18n.LANGUAGES}


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render ``template`` in the reader's language and return it as an HTML response."""
    language, picked_now = i18n.choose_language(request)
    timezone = _timezone(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": i18n.LANGUAGES,
        "switch_urls": _switch_urls(request),
        "csrf_token": lambda: csrf_token(request),
        "htmx_request": request.headers.get("hx-request") == "true",
        **i18n.date_formatters(language, timezone),
        **i18n.number_formatters(language),
        **(context or {}),
    }
    with i18n.use_language(language):
        body = environment(language).get_template(template).render(values)
    response = HTMLResponse(body, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
    if picked_now:
        _remember_language(response, language)
    set_csrf_cookie(request, response)
    return response


def not_modified(request: Request, headers: Mapping[str, str]) -> Response:
    """``304 Not Modified`` for a page the browser holds: the headers ``render`` would have
    sent (RFC 9110 §15.4.5), and the language cookie when ``?lang=`` picked one just now."""
    response = Response(status_code=304, headers={**PAGE_HEADERS, **headers})
    language, picked_now = i18n.choose_language(request)
    if picked_now:
        _remember_language(response, language)
    return response


def _remember_language(response: Response, language: str) -> None:
    response.set_cookie(i18n.LANG_COOKIE, language, max_age=i18n.LANG_COOKIE_MAX_AGE,
                        httponly=True, samesite="lax", path="/")


def _timezone(request: Request) -> str:
    """The warehouse's time zone from the wired settings (Europe/Berlin without a container)."""
    container = getattr(request.app.state, "container", None)
    settings = getattr(container, "settings", None)
    return str(getattr(settings, "timezone", "Europe/Berlin"))


class CachedStaticFiles(StaticFiles):
    """Static files with long cache lifetimes (URLs carry a content hash) and nosniff."""

    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def mount_static(app: FastAPI) -> None:
    """Serve the vendored assets at ``/static`` (no CDN: the pages work offline)."""
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
