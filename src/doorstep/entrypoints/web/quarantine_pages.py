"""Quarantine in the browser: filter, inspect, correct one field, release, reject, in bulk.

The same ``QuarantineStore`` as ``/v1/quarantine`` and ``doorstep quarantine`` does the
work — re-validation on release, the original payload kept beside the correction, every
step in the audit trail under the logged-in person's name.  Forms post and redirect
(a reload never repeats an action); every form carries the CSRF token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.quarantine_store import (
    ProfileChoice,
    QuarantineError,
    RecordNotFound,
    RecordNotHeld,
    StillInvalid,
)
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.params import PathRowId
from doorstep.entrypoints.api.routers.webhooks import quarantine_store
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.ops_pages import render
from doorstep.services.quarantine_fields import (
    BadPath,
    NotJson,
    highlighted,
    leaves,
    matching_paths,
    set_field,
)
from doorstep.services.quarantine_queue import filtered_records

router = APIRouter(tags=["pages"], include_in_schema=False)
# Held records carry raw shop payloads with customers' personal data, so reading them needs
# the same role as /v1/quarantine: operator (SECURITY.md).
READ = Depends(require(Role.OPERATOR))
ACT = require(Role.OPERATOR)
STATUSES = ("held", "released", "rejected")


def _day(value: str, tz: ZoneInfo) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=tz) if value else None
    except ValueError:
        return None


@router.get("/ops/quarantine", dependencies=[READ])
async def queue_page(request: Request, status: str = "held", source: str = "",
                     reason: str = "", date_from: str = "", date_to: str = "",
                     done: str = "") -> HTMLResponse:
    tz = ZoneInfo(container(request).settings.timezone)
    chosen = status if status in STATUSES else "held"
    listing = await run_in_threadpool(lambda: filtered_records(
        container(request).engine, status=chosen, source=source or None,
        reason=reason or None, created_from=_day(date_from, tz), created_to=_day(date_to, tz)))
    form = {"status": chosen, "source": source, "reason": reason, "date_from": date_from,
            "date_to": date_to}
    return render(request, "ops/quarantine.html", {
        "listing": listing, "form": form, "statuses": STATUSES, "done": done,
        "back": "/ops/quarantine?" + urlencode({k: v for k, v in form.items() if v})})


def _detail_context(record: Any) -> dict[str, Any]:
    payload = record.effective_payload
    fields = [r.field for r in record.reasons]
    paths = sorted({p for f in fields for p in matching_paths(payload, f)})
    try:
        values = leaves(payload)
        is_json = True
    except NotJson:
        values, is_json = {}, False
    return {"record": record, "lines": highlighted(payload, paths),
            "original": highlighted(record.payload, paths), "paths": paths,
            "values": values, "is_json": is_json}


@router.get("/ops/quarantine/{record_id}", dependencies=[READ])
async def record_page(request: Request, record_id: PathRowId, done: str = "",
                      error: str = "") -> HTMLResponse:
    store = quarantine_store(request)
    try:
        record = await run_in_threadpool(store.get, record_id)
    except RecordNotFound:
        return render(request, "ops/not_found.html", {"what": f"#{record_id}"}, status=404)
    changed = (record.status == "held" and record.profile_sha256 is not None
               and await run_in_threadpool(store.current_profile, record)
               != record.profile_sha256)
    return render(request, "ops/quarantine_record.html",
                  {**_detail_context(record), "done": done, "error": error,
                   "profile_changed": changed})


def _back(record_id: int, **query: str) -> RedirectResponse:
    return RedirectResponse(f"/ops/quarantine/{record_id}?{urlencode(query)}", status_code=303)


@router.post("/ops/quarantine/{record_id}/field",
             dependencies=[Depends(ACT), Depends(check_csrf)])
async def correct_field(request: Request, record_id: PathRowId, path: str = Form(...),
                        value: str = Form(""), note: str = Form(""),
                        principal: Principal = Depends(ACT)) -> Response:
    """Change one field of the (corrected or original) payload and store it as the correction."""
    store = quarantine_store(request)

    def run() -> None:
        record = store.get(record_id)
        corrected = set_field(record.effective_payload, path, value)
        store.correct(record_id, corrected, principal.actor,
                      note.strip() or f"set {path.strip()}")

    try:
        await run_in_threadpool(run)
    except (BadPath, NotJson) as exc:
        return _back(record_id, error=str(exc))
    except QuarantineError as exc:
        return _back(record_id, error=str(exc))
    return _back(record_id, done="corrected")


@router.post("/ops/quarantine/{record_id}/release",
             dependencies=[Depends(ACT), Depends(check_csrf)])
async def release(request: Request, record_id: PathRowId, note: str = Form(""),
                  profile: str = Form(""),
                  principal: Principal = Depends(ACT)) -> Response:
    store = quarantine_store(request)
    chosen: ProfileChoice | None = (
        "held" if profile == "held" else "current" if profile == "current" else None)
    try:
        await run_in_threadpool(lambda: store.release(
            record_id, principal.actor, note.strip() or None, profile=chosen))
    except StillInvalid as exc:
        reasons = "; ".join(f"{r.field}: {r.message}" for r in exc.reasons)
        return _back(record_id, error=reasons)
    except QuarantineError as exc:
        return _back(record_id, error=str(exc))
    return _back(record_id, done="released")


@router.post("/ops/quarantine/{record_id}/reject",
             dependencies=[Depends(ACT), Depends(check_csrf)])
async def reject(request: Request, record_id: PathRowId, note: str = Form(""),
                 principal: Principal = Depends(ACT)) -> Response:
    if not note.strip():
        return _back(record_id, error="note: say why the record is rejected")
    store = quarantine_store(request)
    try:
        await run_in_threadpool(store.reject, record_id, principal.actor, note.strip())
    except QuarantineError as exc:
        return _back(record_id, error=str(exc))
    return _back(record_id, done="rejected")


@router.post("/ops/quarantine/bulk", dependencies=[Depends(ACT), Depends(check_csrf)])
async def bulk(request: Request, principal: Principal = Depends(ACT)) -> HTMLResponse:
    """Release or reject the ticked records with one note; each outcome is listed."""
    form = await request.form()
    action = str(form.get("action", ""))
    note = str(form.get("note", "")).strip()
    ids = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
    store = quarantine_store(request)
    outcomes: list[dict[str, Any]] = []
    if action not in ("release", "reject") or not ids or (action == "reject" and not note):
        problem = ("note" if action == "reject" and ids and not note else
                   "selection" if not ids else "action")
        return render(request, "ops/quarantine_bulk.html",
                      {"outcomes": [], "action": action, "problem": problem,
                       "back": str(form.get("back", "/ops/quarantine"))}, status=422)

    def run() -> None:
        for record_id in ids:
            try:
                if action == "release":
                    store.release(record_id, principal.actor, note or None)
                else:
                    store.reject(record_id, principal.actor, note)
                outcomes.append({"id": record_id, "ok": True, "detail": ""})
            except StillInvalid as exc:
                outcomes.append({"id": record_id, "ok": False, "detail": "; ".join(
                    f"{r.field}: {r.message}" for r in exc.reasons)})
            except (RecordNotHeld, RecordNotFound, QuarantineError) as exc:
                outcomes.append({"id": record_id, "ok": False, "detail": str(exc)})

    await run_in_threadpool(run)
    back = str(form.get("back", "/ops/quarantine"))
    return render(request, "ops/quarantine_bulk.html", {
        "outcomes": outcomes, "action": action, "problem": "",
        "back": back if back.startswith("/ops/quarantine") else "/ops/quarantine"})
