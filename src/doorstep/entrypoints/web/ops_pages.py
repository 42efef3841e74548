"""The operator's cockpit in the browser: overview, order search, order page, watchlist.

Staff pages (viewer and operator read; operators act).  Each page is a thin shell over the
same services as the API (``services.overview``, ``order_search``, ``order_dossier``,
``watchlist``), so a figure on screen and in ``/v1/…`` cannot disagree.  The overview's
panels refresh with htmx (``/ops/panels`` every 30 s) and work without JavaScript.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.order_states import OrderStatus
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.routers.ops import overview_service
from doorstep.entrypoints.api.routers.watchlist import promise_model, watchlist_service
from doorstep.entrypoints.api.slo_metrics import promise_health_cache
from doorstep.entrypoints.web import charts
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.i18n import (
    N_,
    choose_language,
    date_formatters,
    gettext,
    use_language,
)
from doorstep.entrypoints.web.ops_texts import (
    ALERT_NAMES,
    CAPACITY_SOURCE_NAMES,
    CATEGORY_NAMES,
    SCAN_NAMES,
    ReasonWords,
)
from doorstep.entrypoints.web.rendering import render as render_page
from doorstep.entrypoints.web.status_names import STATUS_NAMES
from doorstep.services.alert_states import alert_states
from doorstep.services.order_dossier import order_dossier
from doorstep.services.order_search import OrderQuery, search_orders
from doorstep.services.watchlist import NotificationsUnavailable

router = APIRouter(tags=["pages"], include_in_schema=False)
READ = Depends(require(Role.VIEWER, Role.OPERATOR))

def render(request: Request, template: str, context: dict[str, Any], *,
           status: int = 200) -> HTMLResponse:
    """``render`` with what every cockpit page uses: ISO timestamps read back as datetimes,
    the watchlist's reasons in the reader's language."""
    language, _picked = choose_language(request)
    timezone = container(request).settings.timezone
    return render_page(request, template, {"parse_time": datetime.fromisoformat,
                                           "why_text": ReasonWords(language, timezone),
                                           **context}, status=status)


WINDOW_NAMES = {"7d": N_("last 7 days"), "28d": N_("last 28 days")}


def _charts(data: dict[str, Any], language: str, timezone: str) -> dict[str, Any]:
    """The overview's charts with labels and numbers in ``language`` (call inside
    ``use_language``)."""
    formats = date_formatters(language, timezone)
    number, pct = formats["format_number"], formats["format_percent"]
    statuses = [(gettext(STATUS_NAMES.get(s, s)), float(n), number(n, 0))
                for s, n in sorted(data["orders_by_status"].items(), key=lambda kv: -kv[1])]
    hours = [(h["hour"], float(h["orders"]), number(h["orders"], 0))
             for h in data["intake"]["per_hour"]]
    health = data["promise_health"]
    kept = [(gettext(WINDOW_NAMES.get(key, key)), float(w["ratio"] or 0.0), pct(w["ratio"]))
            for key, w in health["windows"].items()]
    target_text = gettext("objective %(value)s") % {"value": pct(health["objective"])}
    intake_chart, intake_ticks = charts.columns(hours)
    return {
        "status_chart": charts.bars(statuses),
        "intake_chart": intake_chart, "intake_ticks": intake_ticks,
        "promise_chart": charts.bars(kept, scale_max=1.0,
                                     target=(health["objective"], target_text)),
    }


def _overview_context(request: Request) -> dict[str, Any]:
    c = container(request)
    data = overview_service(request).overview(promise_model(request))
    alerts = alert_states(c.engine, c.settings, health=promise_health_cache(request))
    language, _picked = choose_language(request)
    with use_language(language):  # chart labels are drawn here, in the reader's language
        drawn = _charts(data, language, c.settings.timezone)
    return {"data": data, "alerts": alerts, "status_names": STATUS_NAMES,
            "window_names": WINDOW_NAMES, "capacity_sources": CAPACITY_SOURCE_NAMES,
            "alert_names": ALERT_NAMES, "as_of": datetime.fromisoformat(data["at"]), **drawn}


@router.get("/ops", dependencies=[READ])
async def overview_page(request: Request) -> HTMLResponse:
    context = await run_in_threadpool(_overview_context, request)
    return render(request, "ops/overview.html", context)


@router.get("/ops/panels", dependencies=[READ])
async def overview_panels(request: Request) -> HTMLResponse:
    """The overview's panels alone, for htmx's periodic refresh."""
    context = await run_in_threadpool(_overview_context, request)
    return render(request, "ops/overview_panels.html", context)


def _when(value: str, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidValue(field, "not a date (YYYY-MM-DD)") from exc
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo("Europe/Berlin"))
    return moment


@router.get("/ops/orders", dependencies=[READ])
async def search_page(request: Request, q: str = "", email: str = "", tracking: str = "",
                      status: str = "", channel: str = "", date_from: str = "",
                      date_to: str = "", cursor: str = "") -> HTMLResponse:
    """One box finds an order by its number or the shop's; the rest narrow the list."""
    form = {"q": q, "email": email, "tracking": tracking, "status": status,
            "channel": channel, "date_from": date_from, "date_to": date_to}
    engine = container(request).engine
    error = None
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    try:
        base = OrderQuery(email=email or None, tracking=tracking or None,
                          statuses=(status,) if status else (), channel=channel or None,
                          placed_from=_when(date_from, "date_from"),
                          placed_to=_when(date_to, "date_to"), cursor=cursor or None, limit=50)

        def run() -> dict[str, Any]:
            with engine.connect() as conn:
                if not q.strip():
                    return search_orders(conn, base)
                found = search_orders(conn, _with(base, number=q.strip()))
                if not found["items"]:
                    found = search_orders(conn, _with(base, external_id=q.strip()))
                if not found["items"]:
                    found = search_orders(conn, _with(base, order_number=q.strip()))
                return found

        page = await run_in_threadpool(run)
    except InvalidValue as exc:
        error = {"field": exc.field, "reason": exc.reason}
    next_url = None
    if page["next_cursor"]:
        from urllib.parse import urlencode

        next_url = "/ops/orders?" + urlencode({**{k: v for k, v in form.items() if v},
                                               "cursor": page["next_cursor"]})
    return render(request, "ops/orders.html", {
        "form": form, "page": page, "error": error, "next_url": next_url,
        "statuses": [s.value for s in OrderStatus], "status_names": STATUS_NAMES},
        status=422 if error else 200)


def _with(query: OrderQuery, **changes: Any) -> OrderQuery:
    from dataclasses import replace

    return replace(query, **changes)


@router.get("/ops/orders/{order_id}", dependencies=[READ])
async def order_page(request: Request, order_id: str) -> HTMLResponse:
    engine = container(request).engine

    def run() -> dict[str, Any]:
        with engine.connect() as conn:
            return order_dossier(conn, order_id)

    try:
        order = await run_in_threadpool(run)
    except NotFound:
        return render(request, "ops/not_found.html", {"what": order_id}, status=404)
    return render(request, "ops/order.html", {"order": order, "status_names": STATUS_NAMES,
                                              "scan_names": SCAN_NAMES})


@router.get("/ops/watchlist", dependencies=[READ])
async def watchlist_page(request: Request, category: str = "",
                         done: str = "") -> HTMLResponse:
    service = watchlist_service(request)
    model = promise_model(request)

    def run() -> dict[str, Any]:
        with service.engine.connect() as conn:
            return service.rows(conn, model=model, category=category or None, limit=500)

    try:
        rows = await run_in_threadpool(run)
    except InvalidValue:
        rows = await run_in_threadpool(lambda: _all_rows(service, model))
        category = ""
    return render(request, "ops/watchlist.html", {
        "rows": rows, "category": category, "names": CATEGORY_NAMES, "done": done,
        "can_notify": service.notifier is not None})


def _all_rows(service: Any, model: Any) -> dict[str, Any]:
    with service.engine.connect() as conn:
        result: dict[str, Any] = service.rows(conn, model=model, limit=500)
        return result


@router.post("/ops/watchlist/{flag_id}/handled",
             dependencies=[Depends(require(Role.OPERATOR)), Depends(check_csrf)])
async def watchlist_handled(request: Request, flag_id: str, note: str = Form(""),
                            principal: Principal = Depends(require(Role.OPERATOR))
                            ) -> Response:
    """Mark handled with a note, then back to the list (PRG: a reload does not repeat it)."""
    service = watchlist_service(request)
    if not note.strip():
        return RedirectResponse("/ops/watchlist?done=note-missing", status_code=303)

    def run() -> None:
        with transaction(service.engine, write=True) as conn:
            service.mark_handled(conn, flag_id, model=promise_model(request),
                                 actor=principal.actor, note=note.strip()[:2000])

    try:
        await run_in_threadpool(run)
    except NotFound:
        return RedirectResponse("/ops/watchlist?done=gone", status_code=303)
    return RedirectResponse("/ops/watchlist?done=handled", status_code=303)


@router.post("/ops/watchlist/{flag_id}/notify",
             dependencies=[Depends(require(Role.OPERATOR)), Depends(check_csrf)])
async def watchlist_notify(request: Request, flag_id: str,
                           principal: Principal = Depends(require(Role.OPERATOR))) -> Response:
    service = watchlist_service(request)

    def run() -> None:
        with transaction(service.engine, write=True) as conn:
            service.notify(conn, flag_id, model=promise_model(request), actor=principal.actor)

    try:
        await run_in_threadpool(run)
    except NotificationsUnavailable:
        return RedirectResponse("/ops/watchlist?done=no-notifications", status_code=303)
    except NotFound:
        return RedirectResponse("/ops/watchlist?done=gone", status_code=303)
    return RedirectResponse("/ops/watchlist?done=notified", status_code=303)
